"""Tier 1 and 2: canonical input -> the request on the wire; a recorded reply -> the canonical model."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

import pytest

from tt_connect.driver_api import BrokerApi, BrokerFailure, DriverContext, HttpResponse
from tt_connect.testing.cases import RequestCase, ResponseCase, first_call, sent_fields

__all__ = ["StaticTier"]


class StaticTier:
    """Needs the fixtures ``request_cases``, ``response_cases``, ``static_context`` and ``client_api``."""

    def test_static_requests_put_the_expected_call_on_the_wire(
        self, request_cases: Sequence[RequestCase], static_context: DriverContext | None, client_api: BrokerApi
    ) -> None:
        if not request_cases:
            pytest.skip("driver declares no static request cases")
        assert static_context is not None, "request cases need a static_context fixture"
        for case in request_cases:
            call = first_call(case.build(client_api, static_context))
            assert call.request.method.upper() == case.method.upper(), case.name
            assert urlsplit(call.request.url).path == case.path, case.name
            sent = sent_fields(call)
            for key, value in case.params.items():
                assert key in sent, f"{case.name}: {key} is not on the wire (sent: {sorted(sent)})"
                assert sent[key] == value and type(sent[key]) is type(value), (
                    f"{case.name}: {key}={sent[key]!r}, expected {value!r}")
            if case.encoding is not None:
                assert call.request.encoding == case.encoding, case.name

    def test_every_order_carries_a_tag_on_the_wire(
        self, request_cases: Sequence[RequestCase], static_context: DriverContext | None, client_api: BrokerApi
    ) -> None:
        placing = [c for c in request_cases if c.name.startswith("place_order")]
        if not placing:
            pytest.skip("driver declares no place_order request case")
        assert static_context is not None
        for case in placing:
            call = first_call(case.build(client_api, static_context))
            assert any(v == "conformancetag1" for v in sent_fields(call).values()), (
                f"{case.name}: the order tag 'conformancetag1' is not on the wire")

    def test_static_responses_parse_to_canonical_models(
        self, response_cases: Sequence[ResponseCase], static_context: DriverContext | None, client_api: BrokerApi
    ) -> None:
        if not response_cases:
            pytest.skip("driver declares no static response cases")
        assert static_context is not None, "response cases need a static_context fixture"
        for case in response_cases:
            call = first_call(case.build(client_api, static_context))
            reply = HttpResponse(status=case.status, body=case.body)
            if case.error_code is not None:
                with pytest.raises(BrokerFailure) as failure:
                    client_api.unwrap(reply)
                assert failure.value.code == case.error_code, case.name
                continue
            result = call.parse(client_api.unwrap(reply))
            if callable(case.expected) and not isinstance(case.expected, type):
                case.expected(result)
            else:
                assert result == case.expected, case.name
