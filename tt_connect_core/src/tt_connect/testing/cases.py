"""Static conformance cases: canonical input -> the request on the wire; a recorded reply -> the model."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tt_connect.driver_api import BrokerApi, Call, DriverContext

__all__ = ["FrameCase", "RequestCase", "ResponseCase", "first_call", "sent_fields"]


@dataclass(frozen=True)
class RequestCase:
    """Canonical input -> what must go on the wire.

    ``params`` must be a subset of the request's query, form or JSON fields, compared *typed*:
    a JSON body's ``{"qty": 10}`` matches ``10``, not ``"10"`` (query and form values are text on
    the wire, so there they are strings). Nested JSON is compared whole.
    """

    name: str
    build: Callable[[BrokerApi, DriverContext], Call[Any] | Sequence[Call[Any]]]
    method: str
    path: str
    params: Mapping[str, Any] = field(default_factory=dict)
    encoding: str | None = None


@dataclass(frozen=True)
class ResponseCase:
    """A recorded broker payload -> the canonical result the driver must produce.

    ``expected`` is the value compared with ``==``, or a callable that asserts. An error
    reply sets ``error_code``: ``unwrap`` must raise ``BrokerFailure`` with that code.
    """

    name: str
    build: Callable[[BrokerApi, DriverContext], Call[Any] | Sequence[Call[Any]]]
    body: bytes
    expected: Any = None
    status: int = 200
    error_code: str | None = None


@dataclass(frozen=True)
class FrameCase:
    """Feed frames as the broker sends them, fed in order to one fresh decoder (a snapshot, then deltas).

    ``order_socket`` feeds them to the decoder of the broker's separate order-update socket
    (``BrokerStream.order_updates``, AngelOne) instead of the market socket's.
    """

    name: str
    frames: Sequence[str | bytes]
    order_socket: bool = False


def sent_fields(call: Call[Any]) -> dict[str, Any]:
    """Return every field a request carries (JSON values keep their types), URL query included.

    A raw body is read as a form; a form field whose value is a JSON object (Noren's ``jData=...``)
    contributes that object's fields too.
    """
    request = call.request
    found: dict[str, Any] = {}
    if isinstance(request.json, Mapping):
        found.update({str(k): v for k, v in request.json.items()})
    for source in (request.params or {}, dict(request.form or ())):
        found.update({str(k): v for k, v in source.items()})
    if request.body is not None:
        for key, value in parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True):
            found[key] = value
            found.update(_json_object(value))  # a form field holding a JSON object (Noren's jData=)
    for key, value in parse_qsl(urlsplit(request.url).query, keep_blank_values=True):
        found.setdefault(key, value)
    return found


def _json_object(text: str) -> dict[str, Any]:
    """The fields of a form value that is a JSON object (typed), or nothing."""
    if not text.startswith("{"):
        return {}
    import msgspec

    try:
        decoded = msgspec.json.decode(text)
    except msgspec.DecodeError:
        return {}
    return {str(k): v for k, v in decoded.items()} if isinstance(decoded, dict) else {}


def first_call(result: Call[Any] | Sequence[Call[Any]]) -> Call[Any]:
    return result if isinstance(result, Call) else result[0]
