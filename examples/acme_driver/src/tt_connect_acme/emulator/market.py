"""Acme's account and market-data routes: profile, funds, quotes, candles, the instrument master."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web
from tt_connect.emulation import CandleRange, ErrorKind, Refusal
from tt_connect.timeutil import IST

if TYPE_CHECKING:
    from tt_connect_acme.emulator.app import AcmeEmulator

__all__ = ["MarketRoutes"]

_MAX_KEYS = 50
_RANGES = {r.name: r for r in (CandleRange("1m", 60, 30), CandleRange("5m", 300, 30), CandleRange("15m", 900, 30),
                               CandleRange("1h", 3600, 30), CandleRange("1d", 86400, 365))}


def _bad(message: str) -> Refusal:
    return Refusal(ErrorKind.INPUT, message, code="ACM-400")


class MarketRoutes:
    def __init__(self, host: AcmeEmulator) -> None:
        self.host = host

    def add(self, app: web.Application) -> None:
        api = self.host.api
        router = app.router
        router.add_get("/v1/profile", api(self.profile))
        router.add_get("/v1/funds", api(self.funds))
        router.add_get("/v1/quotes", api(self.quotes, body="query"))
        router.add_get("/v1/candles", api(self.candles, body="query"))
        router.add_get("/v1/instruments.csv", self.instruments)

    def profile(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, Any]:
        return {"user_id": user, "name": "Acme Emulator", "email": "emulator@acme.invalid", "exchanges": ["NSE", "NFO"]}

    def funds(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, float]:
        funds = self.host.engine.funds()
        return {"cash": funds["available_cash"], "available": funds["available_margin"], "used": funds["used_margin"],
                "collateral": 0.0}

    def quotes(self, request: web.Request, fields: dict[str, Any], user: str) -> list[dict[str, Any]]:
        keys = [k for k in str(fields.get("keys", "")).split(",") if k]
        if not keys or len(keys) > _MAX_KEYS:
            raise _bad(f"keys must name 1 to {_MAX_KEYS} instruments")
        listing, engine = self.host.listing, self.host.engine
        full = fields.get("depth") == "full"
        return [listing.quote(engine.quote(listing.token[k]), full) for k in keys if k in listing.token]

    def candles(self, request: web.Request, fields: dict[str, Any], user: str) -> list[list[Any]]:
        import datetime as _dt

        span = _RANGES.get(str(fields.get("interval")))
        token = self.host.listing.token.get(str(fields.get("key")))
        if span is None or token is None:
            raise _bad("invalid interval or key")
        try:
            start, end = (_dt.datetime.fromisoformat(str(fields[k])).astimezone(IST) for k in ("from", "to"))
        except (KeyError, ValueError):
            raise _bad("from and to must be ISO timestamps") from None
        span.check(start, end, _bad("from must be before to"), _bad(f"at most {span.max_days} days per request"))
        return [[stamp.astimezone(IST).isoformat(), o, h, low, c, volume]
                for stamp, o, h, low, c, volume, _oi in self.host.engine.candles(token, span.seconds, start, end)]

    async def instruments(self, request: web.Request) -> web.Response:
        return web.Response(body=self.host.listing.csv(), content_type="text/csv")
