"""Market-data routes of the Dhan emulator: scrip masters, quotes, candles and the option chain.

Quote bodies map segments to lists of *integer* security ids (plus the SDK's
``dhanClientId``, which is skipped); replies key instruments by security id *as text*
inside ``{"data": ..., "status": "success"}``, at most 1000 instruments a call. Candles
come as parallel arrays with epoch-second timestamps; intraday requests span at most 90
days; the daily ``toDate`` is exclusive.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web
from tt_connect.timeutil import IST

from tt_connect_dhan.emulator.orders import field, number_field
from tt_connect_dhan.emulator.wire import dhan_quote, refuse

if TYPE_CHECKING:
    from tt_connect_dhan.emulator.app import DhanEmulator

__all__ = ["MAX_QUOTE_INSTRUMENTS", "add_routes"]

MAX_QUOTE_INSTRUMENTS = 1000
_INTRADAY_MINUTES = (1, 5, 15, 25, 60)
_MAX_INTRADAY_DAYS = 90
_INSTRUMENTS = ("INDEX", "FUTIDX", "OPTIDX", "EQUITY", "FUTSTK", "OPTSTK", "FUTCOM", "OPTFUT", "FUTCUR", "OPTCUR")


def _day(text: str, what: str) -> _dt.datetime:
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return _dt.datetime.strptime(text, fmt).replace(tzinfo=IST)
        except ValueError:
            continue
    raise refuse("DH-905", f"{what} must read YYYY-MM-DD or YYYY-MM-DD HH:MM:SS, got {text!r}.")


def add_routes(emulator: DhanEmulator, app: web.Application) -> None:
    """Register the scrip masters, ``/v2/marketfeed/*``, ``/v2/charts/*`` and ``/v2/optionchain*``."""
    engine, listing = emulator.engine, emulator.listing

    async def compact(request: web.Request) -> web.Response:
        return web.Response(body=listing.compact_csv(), content_type="text/csv")

    async def detailed(request: web.Request) -> web.Response:
        return web.Response(body=listing.detailed_csv(), content_type="text/csv")

    def quotes(mode: str) -> Any:
        def handler(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
            wanted = {segment: ids for segment, ids in body.items() if segment != "dhanClientId"}
            if not wanted or not all(isinstance(ids, list) for ids in wanted.values()):
                raise refuse("DH-905", "The body maps exchange segments to lists of security ids.")
            if sum(len(ids) for ids in wanted.values()) > MAX_QUOTE_INSTRUMENTS:
                raise refuse("DH-905", f"At most {MAX_QUOTE_INSTRUMENTS} instruments per request.")
            data: dict[str, dict[str, Any]] = {}
            for segment, ids in wanted.items():
                for security_id in ids:
                    token = listing.token(segment, security_id)
                    if token is not None:
                        data.setdefault(segment, {})[str(security_id)] = dhan_quote(listing, engine.quote(token), mode)
            return {"data": data, "status": "success"}
        return handler

    def chart_token(body: Mapping[str, Any]) -> int:
        token = listing.token(field(body, "exchangeSegment"), field(body, "securityId"))
        if token is None:
            raise refuse("DH-905", "Invalid securityId for the exchangeSegment.")
        if field(body, "instrument") not in _INSTRUMENTS:
            raise refuse("DH-905", f"Invalid instrument: {body.get('instrument')}.")
        return token

    def columns(rows: list[tuple[Any, ...]], with_oi: bool) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {"open": [], "high": [], "low": [], "close": [], "volume": [], "timestamp": []}
        if with_oi:
            out["open_interest"] = []
        for stamp, o, h, low, c, volume, oi in rows:
            out["open"].append(o)
            out["high"].append(h)
            out["low"].append(low)
            out["close"].append(c)
            out["volume"].append(volume)
            out["timestamp"].append(int(stamp.timestamp()))
            if with_oi:
                out["open_interest"].append(oi)
        return out

    def intraday(request: web.Request, body: dict[str, Any], user: str) -> dict[str, list[Any]]:
        token = chart_token(body)
        interval = number_field(body, "interval", int, required=True)
        if interval not in _INTRADAY_MINUTES:
            raise refuse("DH-905", f"interval must be one of {', '.join(map(str, _INTRADAY_MINUTES))} minutes.")
        start, end = _day(field(body, "fromDate"), "fromDate"), _day(field(body, "toDate"), "toDate")
        if start >= end:
            raise refuse("DH-905", "fromDate must be before toDate.")
        if (end - start).days > _MAX_INTRADAY_DAYS:
            raise refuse("DH-905", f"Intraday data spans at most {_MAX_INTRADAY_DAYS} days per request.")
        if len(field(body, "toDate")) == 10:
            end += _dt.timedelta(days=1) - _dt.timedelta(seconds=1)
        return columns(engine.candles(token, interval * 60, start, end), body.get("oi") is True)

    def daily(request: web.Request, body: dict[str, Any], user: str) -> dict[str, list[Any]]:
        token = chart_token(body)
        start, end = _day(field(body, "fromDate"), "fromDate"), _day(field(body, "toDate"), "toDate")
        if start >= end:
            raise refuse("DH-905", "fromDate must be before toDate (toDate is exclusive).")
        last_day = end - _dt.timedelta(days=1)  # toDate is exclusive (docs)
        return columns(engine.candles(token, 86400, start, last_day), body.get("oi") is True)

    def chain_rows(underlying_token: int, expiry: _dt.date | None) -> list[int]:
        symbol = listing.row(underlying_token).underlying
        return [row.token for row in engine.rows.values()
                if row.kind == "OPT" and row.underlying == symbol and (expiry is None or row.expiry == expiry)]

    def underlying(body: Mapping[str, Any]) -> int:
        token = listing.token(field(body, "UnderlyingSeg"), field(body, "UnderlyingScrip"))
        if token is None:
            raise refuse("DH-905", "Invalid UnderlyingScrip for the UnderlyingSeg.")
        return token

    def expiry_list(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        days = sorted({engine.rows[t].expiry for t in chain_rows(underlying(body), None)
                       if engine.rows[t].expiry is not None})  # type: ignore[type-var]
        return {"data": [day.isoformat() for day in days if day is not None], "status": "success"}

    def option_chain(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        token = underlying(body)
        try:
            expiry = _dt.date.fromisoformat(field(body, "Expiry"))
        except ValueError:
            raise refuse("DH-905", "Expiry must read YYYY-MM-DD.") from None
        strikes: dict[str, dict[str, Any]] = {}
        for option in chain_rows(token, expiry):
            row, quote = engine.rows[option], engine.quote(option)
            leg = {"greeks": {"delta": 0.0, "theta": 0.0, "gamma": 0.0, "vega": 0.0}, "implied_volatility": 0.0,
                   "last_price": quote.last_price, "oi": quote.oi, "previous_close_price": quote.close,
                   "previous_oi": quote.oi, "previous_volume": 0, "volume": quote.volume,
                   "top_ask_price": quote.asks[0][0] if quote.asks else 0.0,
                   "top_ask_quantity": quote.asks[0][1] if quote.asks else 0,
                   "top_bid_price": quote.bids[0][0] if quote.bids else 0.0,
                   "top_bid_quantity": quote.bids[0][1] if quote.bids else 0}
            strikes.setdefault(f"{row.strike:.6f}", {})["ce" if row.option_type == "CE" else "pe"] = leg
        if not strikes:
            raise refuse("DH-907", "No option chain for this underlying and expiry.")
        return {"data": {"last_price": engine.ltp(token), "oc": dict(sorted(strikes.items(),
                                                                             key=lambda kv: float(kv[0])))},
                "status": "success"}

    r = app.router
    api = emulator.api
    r.add_get("/api-data/api-scrip-master.csv", compact)
    r.add_get("/api-data/api-scrip-master-detailed.csv", detailed)
    r.add_post("/v2/marketfeed/ltp", api(quotes("ltp")))
    r.add_post("/v2/marketfeed/ohlc", api(quotes("ohlc")))
    r.add_post("/v2/marketfeed/quote", api(quotes("quote")))
    r.add_post("/v2/charts/intraday", api(intraday))
    r.add_post("/v2/charts/historical", api(daily))
    r.add_post("/v2/optionchain", api(option_chain))
    r.add_post("/v2/optionchain/expirylist", api(expiry_list))
