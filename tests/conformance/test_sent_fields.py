"""What the static tier reads off a request: every field, a JSON object inside a form field included."""

from __future__ import annotations

from tt_connect.driver_api import Call, HttpRequest
from tt_connect.testing.cases import sent_fields


def _call(body: bytes) -> Call[None]:
    return Call(HttpRequest(method="POST", url="http://127.0.0.1:1/r?x=1", endpoint="r", body=body), lambda _: None)


def test_a_raw_body_holding_a_json_object_contributes_its_typed_fields() -> None:
    found = sent_fields(_call(b'jData={"qty":"10","remarks":"tag1","n":3}&jKey=abc'))
    assert (found["qty"], found["remarks"], found["n"], found["jKey"], found["x"]) == ("10", "tag1", 3, "abc", "1")


def test_a_form_value_that_only_looks_like_json_stays_text() -> None:
    found = sent_fields(_call(b"a={not json&b=2"))
    assert found == {"a": "{not json", "b": "2", "x": "1"}
