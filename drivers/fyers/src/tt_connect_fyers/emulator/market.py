"""Market-data routes of the Fyers emulator: symbol masters, quotes, depth, candles, option chain, lookups.

``GET /data/quotes?symbols=a,b`` (at most 50; the SDK's ``quotes_v2`` POSTs ``{"symbols": [...]}``),
``GET /data/depth?symbol=`` (one symbol), ``GET /data/history`` (epoch or ``YYYY-MM-DD`` ranges:
at most 100 days intraday and 366 days of daily candles per request), ``GET /data/marketStatus``,
``GET /data/options-chain-v3``, ``POST /data/symbol-token`` (ticker -> fyToken, for the data socket),
the symbol masters and the index -> HSM name map under ``/sym_details``.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any

from aiohttp import web
from tt_connect.timeutil import IST

from tt_connect_fyers.emulator.orders import field, number_field
from tt_connect_fyers.emulator.wire import MASTER_NAMES, fyers_depth, fyers_quote, refuse

if TYPE_CHECKING:
    from tt_connect_fyers.emulator.app import FyersEmulator

__all__ = ["MAX_QUOTE_SYMBOLS", "add_routes"]

MAX_QUOTE_SYMBOLS = 50
_RESOLUTIONS: dict[str, int] = {"1": 60, "2": 120, "3": 180, "5": 300, "10": 600, "15": 900, "20": 1200,
                                "30": 1800, "60": 3600, "120": 7200, "240": 14400, "D": 86400, "1D": 86400}
_MAX_DAYS = {"intraday": 100, "daily": 366}
_INDEX_NAMES = {"NSE:NIFTY50-INDEX": "Nifty 50", "NSE:NIFTYBANK-INDEX": "Nifty Bank",
                "NSE:FINNIFTY-INDEX": "Nifty Fin Service"}


def _moment(value: str, epoch: bool, what: str) -> _dt.datetime:
    try:
        if epoch:
            return _dt.datetime.fromtimestamp(int(value), IST)
        return _dt.datetime.combine(_dt.date.fromisoformat(value), _dt.time(0, 0), IST)
    except ValueError:
        raise refuse(-50, f"Invalid input: {what} must be {'epoch seconds' if epoch else 'YYYY-MM-DD'}.") from None


def add_routes(emulator: FyersEmulator, app: web.Application) -> None:
    """Register ``/data/*`` and ``/sym_details/*``."""
    engine, listing = emulator.engine, emulator.listing

    def master(name: str) -> Any:
        async def handler(request: web.Request) -> web.Response:
            return web.Response(body=listing.master_csv(name), content_type="text/csv")
        return handler

    async def index_map(request: web.Request) -> web.Response:
        return web.json_response(_INDEX_NAMES)

    def quotes(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        wanted = body.get("symbols")
        symbols = wanted if isinstance(wanted, list) else [s for s in str(wanted or "").split(",") if s]
        if not symbols:
            raise refuse(-50, "Invalid input: symbols is required.")
        if len(symbols) > MAX_QUOTE_SYMBOLS:
            raise refuse(-50, f"Invalid input: at most {MAX_QUOTE_SYMBOLS} symbols per request.")
        out = []
        for symbol in symbols:
            token = listing.token(symbol)
            if token is None:
                out.append({"n": str(symbol), "s": "error", "v": {"errmsg": "invalid symbol"}})
            else:
                out.append(fyers_quote(listing, engine.quote(token)))
        return {"d": out}

    def depth(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        symbol = str(field(body, "symbol"))
        token = listing.token(symbol)
        if token is None:
            raise refuse(-300, f"Invalid symbol: {symbol}.")
        return {"d": {symbol: fyers_depth(listing, engine.quote(token))}}

    def history(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        symbol = str(field(body, "symbol"))
        token = listing.token(symbol)
        if token is None:
            raise refuse(-300, f"Invalid symbol: {symbol}.")
        resolution = str(field(body, "resolution"))
        seconds = _RESOLUTIONS.get(resolution.upper())
        if seconds is None:
            raise refuse(-50, f"Invalid input: resolution {resolution}.")
        epoch = str(body.get("date_format", "0")) == "0"
        start = _moment(str(field(body, "range_from")), epoch, "range_from")
        end = _moment(str(field(body, "range_to")), epoch, "range_to")
        if not epoch:
            end += _dt.timedelta(days=1) - _dt.timedelta(seconds=1)
        limit = _MAX_DAYS["daily" if seconds == 86400 else "intraday"]
        if end < start:
            raise refuse(-50, "Invalid input: range_from must not be after range_to.")
        if (end - start).days > limit:
            raise refuse(-50, f"Invalid input: at most {limit} days per request at this resolution.")
        with_oi = str(body.get("oi_flag", "0")) == "1"
        candles = []
        for stamp, o, h, low, c, volume, oi in engine.candles(token, seconds, start, end):
            candle = [int(stamp.timestamp()), o, h, low, c, volume]
            if with_oi:
                candle.append(oi)
            candles.append(candle)
        return {"candles": candles}

    def market_status(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        status = "OPEN" if engine.market_open else "CLOSED"
        return {"marketStatus": [{"exchange": 10, "segment": segment, "market_type": "NORMAL", "status": status}
                                 for segment in (10, 11, 12)]}

    def symbol_token(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        """The SDK's data socket sends the bare access token here (no ``app_id:``); either is accepted."""
        header = request.headers.get("Authorization", "")
        token = header.partition(":")[2] if ":" in header else header
        if not token or emulator.sessions.user_of(token) is None:
            raise refuse(-16, "Could not authenticate the user.")
        symbols = body.get("symbols")
        if not isinstance(symbols, list):
            raise refuse(-50, "Invalid input: symbols must be a list.")
        valid = {s: listing.fy_token[t] for s in symbols if (t := listing.token(s)) is not None}
        return {"validSymbol": valid, "invalidSymbol": [s for s in symbols if s not in valid]}

    def option_chain(request: web.Request, body: dict[str, Any], user: str) -> dict[str, Any]:
        symbol = str(field(body, "symbol"))
        token = listing.token(symbol)
        if token is None:
            raise refuse(-300, f"Invalid symbol: {symbol}.")
        underlying = listing.row(token).underlying
        options = [r for r in engine.rows.values() if r.kind == "OPT" and r.underlying == underlying]
        expiries = sorted({r.expiry for r in options if r.expiry is not None})
        if not expiries:
            raise refuse(-300, f"No options on {symbol}.")
        stamp = body.get("timestamp")
        by_epoch = {str(int(_dt.datetime.combine(e, _dt.time(15, 30), IST).timestamp())): e for e in expiries}
        expiry = by_epoch.get(str(stamp)) if stamp else expiries[0]
        if expiry is None:
            raise refuse(-50, "Invalid input: timestamp is not an expiry of this symbol.")
        last = engine.ltp(token)
        count = number_field(body, "strikecount", int) or 10
        strikes = sorted({r.strike for r in options if r.expiry == expiry and r.strike is not None},
                         key=lambda k: abs(k - last))[: 2 * count + 1]
        chain: list[dict[str, Any]] = [{"symbol": symbol, "fyToken": listing.fy_token[token], "ltp": last,
                                        "strike_price": -1, "option_type": "", "description": listing.row(token).name}]
        call_oi = put_oi = 0
        for row in sorted((r for r in options if r.expiry == expiry and r.strike in strikes),
                          key=lambda r: (r.strike or 0.0, r.option_type or "")):
            quote = engine.quote(row.token)
            chain.append({"symbol": listing.ticker[row.token], "fyToken": listing.fy_token[row.token],
                          "strike_price": row.strike, "option_type": row.option_type, "ltp": quote.last_price,
                          "oi": quote.oi, "volume": quote.volume, "bid": quote.bids[0][0] if quote.bids else 0.0,
                          "ask": quote.asks[0][0] if quote.asks else 0.0, "prev_close": quote.close})
            if row.option_type == "CE":
                call_oi += quote.oi
            else:
                put_oi += quote.oi
        return {"data": {"callOi": call_oi, "putOi": put_oi,
                         "expiryData": [{"date": f"{e:%d-%m-%Y}", "expiry": stamp_of}
                                        for stamp_of, e in by_epoch.items()],
                         "indiavixData": {}, "optionsChain": chain}}

    r = app.router
    api = emulator.api
    for name in MASTER_NAMES:
        r.add_get(f"/sym_details/{name}.csv", master(name))
    r.add_get("/sym_details/index_hsm_mapping.json", index_map)
    r.add_get("/data/quotes", api(quotes, body="query"))
    r.add_post("/data/quotes", api(quotes, body="json"))
    r.add_get("/data/depth", api(depth, body="query"))
    r.add_get("/data/history", api(history, body="query"))
    r.add_get("/data/marketStatus", api(market_status, body="query"))
    r.add_get("/data/options-chain-v3", api(option_chain, body="query"))
    r.add_post("/data/symbol-token", api(symbol_token, body="json", authenticated=False))
