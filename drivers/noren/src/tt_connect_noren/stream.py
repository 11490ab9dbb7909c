"""The Noren socket as a :class:`~tt_connect.driver_api.BrokerStream`: one JSON socket for market data
and order updates (reference 3.9; decoder in :mod:`.feed`).

After connecting, the handshake sends the profile's connect message (``t=a`` with ``accesstoken``,
acked ``ak``; or ``t=c`` with ``susertoken``, acked ``ck``) and the order subscription
(``t=o``). Touchline (``t``) serves LTP and QUOTE, depth (``d``) FULL; changing an instrument's mode
unsubscribes the other feed. Heartbeat: ``{"t":"h"}`` every 3 s, as the SDKs send it.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import Any

import msgspec
from tt_connect.driver_api import BrokerStream, BrokerSymbol, DriverContext, Session
from tt_connect.enums import StreamMode
from tt_connect.errors import SessionExpiredError
from tt_connect.models import OrderUpdate

from tt_connect_noren.config import NorenConfig
from tt_connect_noren.feed import NorenDecoder
from tt_connect_noren.parsing import noren_order_to_order
from tt_connect_noren.profiles import SocketStyle

__all__ = ["NorenStream"]


def _message(fields: dict[str, Any]) -> str:
    return msgspec.json.encode(fields).decode()


def _keys(symbols: Sequence[BrokerSymbol]) -> str:
    return "#".join(f"{s.exchange}|{s.token}" for s in symbols)


class NorenStream(BrokerStream):
    """The profile's socket; instruments per socket are unpublished ([UNVERIFIED]): 1000 declared."""

    max_instruments_per_connection = 1000
    max_connections = 1
    """One socket per session (Shoonya README, reference 3.9.1)."""
    stale_after = 60.0
    """Noren sends nothing on a quiet instrument and answers no application heartbeat: a minute of silence."""
    ping_interval: float | None = 3.0
    carries_order_updates = True

    def __init__(self, config: NorenConfig, broker: str) -> None:
        self._config = config
        self._broker = broker

    def url(self, session: Session | None) -> str:
        """``ws_url``; a ``{access_token}`` in it is filled in, as the SDKs do."""
        url = self._config.ws_url
        if "{access_token}" in url and session is not None:
            url = url.replace("{access_token}", session.access_token)
        return url

    def handshake(self, session: Session | None) -> list[str | bytes]:
        if session is None:
            raise SessionExpiredError("the Noren socket needs a logged-in session", broker=self._broker)
        uid = session.user_id or self._config.user_id
        actid = session.extra.get("actid") or uid
        if self._config.socket is SocketStyle.ACCESS:
            connect = {"t": "a", "uid": uid, "actid": actid, "accesstoken": session.access_token, "source": "API"}
        else:
            connect = {"t": "c", "uid": uid, "actid": actid,
                       "susertoken": session.extra.get("susertoken") or session.access_token, "source": "API"}
        return [_message(connect), _message({"t": "o", "actid": actid})]

    def ping(self) -> str:
        return '{"t":"h"}'

    def subscribe(self, symbols: Sequence[BrokerSymbol], mode: StreamMode) -> list[str | bytes]:
        """FULL -> the depth feed (``d``), else touchline (``t``); the other feed is dropped for these keys."""
        if not symbols:
            return []
        keys = _keys(symbols)
        if mode is StreamMode.FULL:
            return [_message({"t": "u", "k": keys}), _message({"t": "d", "k": keys})]
        return [_message({"t": "ud", "k": keys}), _message({"t": "t", "k": keys})]

    def unsubscribe(self, symbols: Sequence[BrokerSymbol]) -> list[str | bytes]:
        if not symbols:
            return []
        keys = _keys(symbols)
        return [_message({"t": "u", "k": keys}), _message({"t": "ud", "k": keys})]

    def decoder(self, ctx: DriverContext) -> NorenDecoder:
        def order_update(row: dict[str, Any], received_at: _dt.datetime) -> OrderUpdate:
            return OrderUpdate(order=noren_order_to_order(ctx, row), received_at=received_at, raw=row)

        return NorenDecoder(ctx, order_update)
