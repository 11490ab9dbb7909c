"""SmartAPI's market data over the paper market: the scrip master, LTP, bulk quotes and candles.

Quotes take at most 50 tokens across exchanges and report unknown tokens in ``unfetched``
(reference 2.8). Candles take ``yyyy-MM-dd HH:mm`` IST dates; a range running backwards is
``AB1004`` "Something Went Wrong" (staff, forum), and each interval serves a longest range
(the community values of reference 2.8).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from aiohttp import web
from tt_connect.emulation import CandleRange, ErrorKind, Handler, Refusal, moment_field
from tt_connect.timeutil import IST

from tt_connect_angelone.emulator.wire import angel_quote, invalid

if TYPE_CHECKING:
    from tt_connect_angelone.emulator.app import SmartApiEmulator

__all__ = ["SCRIP_MASTER_PATH", "SmartApiMarket"]

SCRIP_MASTER_PATH = "/OpenAPI_File/files/OpenAPIScripMaster.json"
_INTERVALS = {r.name: r for r in (
    CandleRange("ONE_MINUTE", 60, 30), CandleRange("THREE_MINUTE", 180, 60), CandleRange("FIVE_MINUTE", 300, 100),
    CandleRange("TEN_MINUTE", 600, 100), CandleRange("FIFTEEN_MINUTE", 900, 200),
    CandleRange("THIRTY_MINUTE", 1800, 200), CandleRange("ONE_HOUR", 3600, 400), CandleRange("ONE_DAY", 86400, 2000),
)}
_QUOTE_MODES = ("LTP", "OHLC", "FULL")
_MAX_QUOTE_TOKENS = 50
_SOMETHING_WRONG = "Something Went Wrong, Please Try After Sometime"


class SmartApiMarket:
    """Market-data routes: what any logged-in user may read."""

    def __init__(self, host: SmartApiEmulator) -> None:
        self._engine = host.engine
        self._listing = host.listing

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(SCRIP_MASTER_PATH, self._scrip_master)

    def routes(self) -> dict[tuple[str, str], Handler]:
        return {
            ("POST", "/order/v1/getLtpData"): self._ltp_data,
            ("POST", "/market/v1/quote"): self._quote,
            ("POST", "/historical/v1/getCandleData"): self._candles,
        }

    async def _scrip_master(self, request: web.Request) -> web.Response:
        """The public master: no auth, one JSON array (reference 2.12)."""
        return web.Response(body=msgspec.json.encode(self._listing.scrip_master()), content_type="application/json")

    def _ltp_data(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, Any]:
        token = self._listing.paper_token(fields)
        quote = self._engine.quote(token)
        return {**self._listing.identity(token), "open": quote.open, "high": quote.high, "low": quote.low,
                "close": quote.close, "ltp": quote.last_price}

    def _quote(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, Any]:
        mode, tokens = fields.get("mode"), fields.get("exchangeTokens")
        if mode not in _QUOTE_MODES or not isinstance(tokens, dict):
            raise invalid("mode or exchangeTokens")
        wanted = [(str(exchange), str(token)) for exchange, listed in tokens.items() for token in listed or ()]
        if len(wanted) > _MAX_QUOTE_TOKENS:
            raise Refusal(ErrorKind.INPUT, f"At most {_MAX_QUOTE_TOKENS} tokens per request", code="AB1007")
        fetched, unfetched = [], []
        for exchange, token in wanted:
            paper = self._listing.by_token.get((exchange, token))
            if paper is None:
                unfetched.append({"exchange": exchange, "symbolToken": token, "message": "Invalid token",
                                  "errorCode": "AB1007"})
            else:
                fetched.append(angel_quote(self._listing, self._engine.quote(paper), str(mode)))
        return {"fetched": fetched, "unfetched": unfetched}

    def _candles(self, request: web.Request, fields: dict[str, Any], user: str) -> list[list[Any]]:
        interval = _INTERVALS.get(str(fields.get("interval")))
        if interval is None:
            raise invalid("interval")
        token = self._listing.paper_token(fields)
        malformed = Refusal(ErrorKind.INPUT, "fromdate/todate must read yyyy-MM-dd HH:mm", code="AB1004")
        start, end = (moment_field(fields, key, "%Y-%m-%d %H:%M", malformed) for key in ("fromdate", "todate"))
        interval.check(start, end, Refusal(ErrorKind.INPUT, _SOMETHING_WRONG, code="AB1004"),
                       Refusal(ErrorKind.INPUT, f"Date range exceeds {interval.max_days} days for this interval",
                               code="AB1004"))
        return [[stamp.astimezone(IST).isoformat(), o, h, low, c, volume]
                for stamp, o, h, low, c, volume, _oi in self._engine.candles(token, interval.seconds, start, end)]
