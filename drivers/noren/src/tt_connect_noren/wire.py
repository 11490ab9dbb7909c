"""Noren's wire for the driver: ``jData=`` bodies and the ``stat``/``emsg`` envelope.

Bodies are the literal text ``jData=`` + compact JSON (not form-encoded; reference 3.4);
the session key, for the jKey carrier, is appended by the auth (``&jKey=``). A reply is an
object with ``stat`` (``Ok``; GTT calls answer ``OI created``...) or a bare array; a failure
is ``{"stat":"Not_Ok","emsg":...}``. An empty book answers "no data", read as an empty list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from tt_connect.driver_api import BrokerFailure, HttpResponse

from tt_connect_noren.errors import is_no_data

__all__ = ["jdata", "read_reply"]

_encode = msgspec.json.encode


def jdata(fields: Mapping[str, Any]) -> bytes:
    """Return ``jData=<json>``: the body of every Noren call."""
    return b"jData=" + _encode(fields)


def read_reply(response: HttpResponse) -> Any:
    """Return a reply's payload, or raise :class:`BrokerFailure` with Noren's ``emsg``."""
    data = response.json()
    if isinstance(data, dict):
        message = data.get("emsg")
        if data.get("stat") == "Not_Ok" or message:
            text = str(message or "Noren refused the request without a message")
            if is_no_data(text):
                return []
            raise BrokerFailure(text, http_status=response.status, raw=data)
    elif not isinstance(data, list):
        raise BrokerFailure(f"Noren sent {type(data).__name__} where an object or array belongs",
                            http_status=response.status, raw=data)
    return data
