"""The Kite emulator's market data: quotes, historical candles and the instruments CSV.

Quotes take repeated ``i=EXCHANGE:TRADINGSYMBOL`` keys (at most 500 for ``/quote``, 1000 for
``/quote/ohlc`` and ``/quote/ltp``) and leave unknown keys out of the reply. Candles are served within
Kite's per-request ranges (minute 60 days ... day 2000 days) with ``from``/``to`` as IST wall times.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web
from tt_connect.emulation import CandleRange, ErrorKind, Refusal, moment_field
from tt_connect.timeutil import IST

from tt_connect_zerodha.emulator.wire import kite_quote

if TYPE_CHECKING:
    from tt_connect_zerodha.emulator.app import KiteEmulator

__all__ = ["INTERVALS", "MarketRoutes"]

_QUOTE_LIMITS = {"quote": 500, "ohlc": 1000, "ltp": 1000}
INTERVALS: dict[str, CandleRange] = {r.name: r for r in (
    CandleRange("minute", 60, 60), CandleRange("3minute", 180, 100), CandleRange("5minute", 300, 100),
    CandleRange("10minute", 600, 100), CandleRange("15minute", 900, 200), CandleRange("30minute", 1800, 200),
    CandleRange("60minute", 3600, 400), CandleRange("day", 86400, 2000),
)}
"""Kite's intervals, with the most days one request may span (reference 1.8)."""
_KITE_TIME = "%Y-%m-%d %H:%M:%S"
_BAD_RANGE = Refusal(ErrorKind.INPUT, "Invalid `from` or `to` (yyyy-mm-dd hh:mm:ss).")


class MarketRoutes:
    """``/quote*``, ``/instruments/historical/*`` and ``/instruments*`` of one emulator."""

    def __init__(self, host: KiteEmulator) -> None:
        self._host = host

    def add(self, app: web.Application) -> None:
        api = self._host.api
        app.add_routes([
            web.get("/quote", api(lambda request, fields, user: self._quotes(request, "quote"))),
            web.get("/quote/ohlc", api(lambda request, fields, user: self._quotes(request, "ohlc"))),
            web.get("/quote/ltp", api(lambda request, fields, user: self._quotes(request, "ltp"))),
            web.get("/instruments/historical/{token}/{interval}", api(self._historical, body="query")),
            web.get("/instruments", self._instruments),
            web.get("/instruments/{exchange}", self._instruments),
        ])

    def _quotes(self, request: web.Request, mode: str) -> dict[str, Any]:
        host = self._host
        keys = request.query.getall("i", [])
        if not keys:
            raise Refusal(ErrorKind.INPUT, "No instruments given (`i`).")
        if len(keys) > _QUOTE_LIMITS[mode]:
            raise Refusal(ErrorKind.INPUT, f"Too many instruments: at most {_QUOTE_LIMITS[mode]} per request.")
        out: dict[str, Any] = {}
        for key in keys:
            exchange, _, symbol = key.partition(":")
            token = host.listing.by_symbol.get((exchange, symbol))
            if token is not None:  # Kite leaves unknown keys out of the reply
                out[key] = kite_quote(host.listing, host.engine.quote(token), mode)
        return out

    def _historical(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, Any]:
        host = self._host
        interval = INTERVALS.get(request.match_info["interval"])
        if interval is None:
            raise Refusal(ErrorKind.INPUT, "Invalid `interval`.")
        kite_token = request.match_info["token"]
        token = host.listing.paper_token.get(int(kite_token)) if kite_token.isdigit() else None
        if token is None:
            raise Refusal(ErrorKind.INPUT, "Invalid `instrument_token`.")
        start, end = (moment_field(fields, name, _KITE_TIME, _BAD_RANGE) for name in ("from", "to"))
        interval.check(start, end, Refusal(ErrorKind.INPUT, "`from` is after `to`."),
                       Refusal(ErrorKind.INPUT, f"interval exceeds max limit: {interval.max_days} days"))
        with_oi = fields.get("oi") == "1"
        candles = []
        for stamp, o, h, low, c, volume, oi in host.engine.candles(token, interval.seconds, start, end):
            text = stamp.astimezone(IST).strftime("%Y-%m-%dT%H:%M:%S%z")
            candles.append([text, o, h, low, c, volume, oi] if with_oi else [text, o, h, low, c, volume])
        return {"candles": candles}

    async def _instruments(self, request: web.Request) -> web.Response:
        """The instruments dump (all exchanges, or ``/instruments/{exchange}``), CSV as Kite sends it."""
        exchange = request.match_info.get("exchange")
        return web.Response(body=self._host.listing.csv(exchange), content_type="text/csv")
