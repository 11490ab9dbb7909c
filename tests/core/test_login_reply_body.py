"""login_reply_body: the one reader of a JSON login step's reply every driver shares.

The step's name is no word another test registers as a secret ("token" is one): redaction is process-wide.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from tt_connect.driver_api import BrokerFailure, HttpResponse, login_reply_body
from tt_connect.errors import AuthenticationError


def _acme_error(reply: HttpResponse, body: Mapping[str, Any]) -> tuple[str | None, object] | None:
    if reply.status < 300 and body.get("ok") is True:
        return None
    return body.get("code"), body.get("why")


def _read(reply: Any) -> Mapping[str, Any]:
    return login_reply_body(reply, broker="acme", label="Acme", step="consent swap", error=_acme_error)


def test_a_success_returns_the_object() -> None:
    assert _read(HttpResponse(status=200, body=b'{"ok": true, "token": "t"}')) == {"ok": True, "token": "t"}


def test_a_reply_that_is_not_http_is_an_authentication_error() -> None:
    with pytest.raises(AuthenticationError) as caught:
        _read("code")
    assert str(caught.value).startswith("Acme consent swap: expected an HTTP reply, got str")
    assert caught.value.broker == "acme"


@pytest.mark.parametrize(("body", "message"), [
    (b"<html>", "Acme consent swap failed: HTTP 502 with a body that is not JSON"),
    (b"[1, 2]", "Acme consent swap failed: HTTP 502"),
])
def test_a_body_that_is_not_an_object_fails_with_the_status(body: bytes, message: str) -> None:
    with pytest.raises(BrokerFailure) as caught:
        _read(HttpResponse(status=502, body=body))
    assert (caught.value.message, caught.value.http_status, caught.value.code, caught.value.raw) == (
        message, 502, None, None)


def test_an_error_reply_carries_its_code_message_and_body() -> None:
    with pytest.raises(BrokerFailure) as caught:
        _read(HttpResponse(status=401, body=b'{"code": "E1", "why": "bad key"}'))
    assert (caught.value.message, caught.value.code, caught.value.http_status, caught.value.raw) == (
        "Acme consent swap failed: bad key", "E1", 401, {"code": "E1", "why": "bad key"})


def test_an_error_without_a_message_names_the_status() -> None:
    with pytest.raises(BrokerFailure) as caught:
        _read(HttpResponse(status=200, body=b'{"ok": false}'))
    assert caught.value.message == "Acme consent swap failed: HTTP 200"
