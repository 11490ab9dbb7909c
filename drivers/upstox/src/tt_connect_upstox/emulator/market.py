"""Market-data routes: the BOD files, quotes (v2 and v3), LTP, OHLC, candles, the option chain, status.

* ``/market-quote/instruments/exchange/{complete,NSE,BSE,MCX}.json.gz``: the gzipped JSON array,
  served as bytes (no ``Content-Encoding``: clients decompress the file themselves).
* Quote maps are keyed ``SEGMENT:trading_symbol`` (``NSE_EQ:RELIANCE``); each value names its
  ``instrument_token``. At most 500 instrument keys per request.
* Candles ``/v3/historical-candle/{key}/{unit}/{interval}/{to}[/{from}]`` answer
  ``data.candles`` newest first, each ``[time, open, high, low, close, volume, oi]``; a range
  longer than the unit allows is refused.
"""

from __future__ import annotations

import datetime as _dt
import gzip
from typing import TYPE_CHECKING, Any

import msgspec
from aiohttp import web
from tt_connect.timeutil import IST

from tt_connect_upstox.emulator.wire import bad_input

if TYPE_CHECKING:
    from tt_connect_upstox.emulator.app import UpstoxEmulator

__all__ = ["MAX_QUOTE_KEYS", "add_routes"]

MAX_QUOTE_KEYS = 500
_FILES = {"complete": None, "NSE": ("NSE_",), "BSE": ("BSE_",), "MCX": ("MCX_",)}
# unit -> (largest interval, longest range in days for small intervals, threshold, longest range otherwise)
_UNITS: dict[str, tuple[int, int, int, int]] = {"minutes": (300, 31, 15, 92), "hours": (5, 92, 5, 92),
                                                 "days": (1, 3660, 1, 3660), "weeks": (1, 0, 1, 0),
                                                 "months": (1, 0, 1, 0)}
_UNIT_SECONDS = {"minutes": 60, "hours": 3600, "days": 86400, "weeks": 86400, "months": 86400}


def _keys(request: web.Request, *names: str) -> list[str]:
    for name in names:
        raw = request.query.get(name)
        if raw:
            keys = [k.strip() for k in raw.split(",") if k.strip()]
            if len(keys) > MAX_QUOTE_KEYS:
                raise bad_input(f"at most {MAX_QUOTE_KEYS} instrument keys per request")
            return keys
    raise bad_input("instrument_key is required")


def _day(text: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise bad_input(f"date {text!r}") from None


def add_routes(emu: UpstoxEmulator, app: web.Application) -> None:
    listing, engine = emu.listing, emu.engine
    files: dict[str, bytes] = {}

    async def bod_file(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in _FILES:
            raise web.HTTPNotFound()
        if name not in files:
            prefixes = _FILES[name]
            rows = [r for r in listing.bod_file() if prefixes is None or r["segment"].startswith(prefixes)]
            files[name] = gzip.compress(msgspec.json.encode(rows))
        return web.Response(body=files[name], content_type="application/octet-stream")

    def quote_map(keys: list[str], render: Any) -> dict[str, Any]:
        out = {}
        for key in keys:
            token = listing.by_key.get(key)
            if token is not None:  # an unknown key is left out of the map, the rest still answer
                out[listing.quote_key(token)] = render(token)
        return out

    def quotes(request: web.Request, body: dict[str, Any], user: str, *, v3: bool) -> Any:
        def render(token: int) -> dict[str, Any]:
            row = listing.quote(engine.quote(token))
            if not v3:
                row.pop("prev_close_price")
            return row
        return quote_map(_keys(request, "instrument_key", "symbol"), render)

    def ltp(request: web.Request, body: dict[str, Any], user: str, *, v3: bool) -> Any:
        def render(token: int) -> dict[str, Any]:
            quote = engine.quote(token)
            row: dict[str, Any] = {"last_price": quote.last_price, "instrument_token": listing.key[token]}
            if v3:
                row.update(ltq=quote.last_quantity, volume=quote.volume, cp=quote.close)
            return row
        return quote_map(_keys(request, "instrument_key", "symbol"), render)

    def ohlc(request: web.Request, body: dict[str, Any], user: str) -> Any:
        if request.query.get("interval") not in ("1d", "I1", "I30"):
            raise bad_input("interval must be 1d, I1 or I30")

        def render(token: int) -> dict[str, Any]:
            quote = engine.quote(token)
            stamp = int(quote.timestamp.timestamp() * 1000)
            return {"last_price": quote.last_price, "instrument_token": listing.key[token],
                    "prev_ohlc": {"open": quote.close, "high": quote.close, "low": quote.close, "close": quote.close,
                                  "volume": 0, "ts": stamp - 86_400_000},
                    "live_ohlc": {"open": quote.open, "high": quote.high, "low": quote.low, "close": quote.last_price,
                                  "volume": quote.volume, "ts": stamp}}
        return quote_map(_keys(request, "instrument_key"), render)

    def candles(request: web.Request, body: dict[str, Any], user: str) -> Any:
        info = request.match_info
        token = listing.token(info["key"])
        unit = info["unit"]
        spec = _UNITS.get(unit)
        try:
            interval = int(info["interval"])
        except ValueError:
            interval = 0
        if spec is None or not 1 <= interval <= spec[0]:
            raise bad_input(f"unit {unit!r} interval {info['interval']!r}")
        end = _day(info["to_date"])
        if "from_date" in info:
            start = _day(info["from_date"])
        else:
            start = end - _dt.timedelta(days=spec[1] if interval <= spec[2] else spec[3] or 365)
        limit = spec[1] if interval <= spec[2] else spec[3]
        if start > end:
            raise bad_input("from_date is after to_date")
        if limit and (end - start).days > limit:
            raise bad_input(f"at most {limit} days of {interval} {unit} candles per request")
        return {"candles": _rows(emu, token, unit, interval, start, end)}

    def intraday(request: web.Request, body: dict[str, Any], user: str) -> Any:
        info = request.match_info
        token = listing.token(info["key"])
        unit, interval = info["unit"], int(info["interval"]) if info["interval"].isdigit() else 0
        if unit not in ("minutes", "hours", "days") or interval < 1:
            raise bad_input("unit or interval")
        today = emu.clock.now().astimezone(IST).date()
        return {"candles": _rows(emu, token, unit, interval, today, today)}

    def option_chain(request: web.Request, body: dict[str, Any], user: str) -> Any:
        token = listing.token(request.query.get("instrument_key"))
        expiry = _day(request.query.get("expiry_date") or "")
        underlying = listing.row(token)
        spot = engine.ltp(token)
        strikes: dict[float, dict[str, int]] = {}
        for row in engine.rows.values():
            if row.kind == "OPT" and row.underlying == underlying.underlying and row.expiry == expiry:
                assert row.strike is not None and row.option_type is not None
                strikes.setdefault(row.strike, {})[row.option_type] = row.token
        out = []
        for strike in sorted(strikes):
            sides = {}
            for option_type, name in (("CE", "call_options"), ("PE", "put_options")):
                found = strikes[strike].get(option_type)
                if found is None:
                    continue
                quote = engine.quote(found)
                bid = quote.bids[0] if quote.bids else (0.0, 0, 0)
                ask = quote.asks[0] if quote.asks else (0.0, 0, 0)
                sides[name] = {"instrument_key": listing.key[found],
                               "market_data": {"ltp": quote.last_price, "volume": quote.volume, "oi": float(quote.oi),
                                               "close_price": quote.close, "bid_price": bid[0], "bid_qty": bid[1],
                                               "ask_price": ask[0], "ask_qty": ask[1], "prev_oi": float(quote.oi)},
                               "option_greeks": {"vega": 0.0, "theta": 0.0, "gamma": 0.0, "delta": 0.0, "iv": 0.0,
                                                 "pop": 0.0}}
            out.append({"expiry": expiry.isoformat(), "pcr": 1.0, "strike_price": strike,
                        "underlying_key": listing.key[token], "underlying_spot_price": spot, **sides})
        return out

    def status(request: web.Request, body: dict[str, Any], user: str) -> Any:
        exchange = request.match_info["exchange"]
        return ({"exchange": exchange, "status": "NORMAL_OPEN" if emu.engine.market_open else "NORMAL_CLOSE",
                   "last_updated": int(emu.clock.now().timestamp() * 1000)})

    r = app.router
    r.add_get("/market-quote/instruments/exchange/{name}.json.gz", bod_file)
    r.add_get("/v2/market-quote/quotes", emu.route(lambda q, b, u: quotes(q, b, u, v3=False), v2=True, body="none"))
    r.add_get("/v3/market-quote/quotes", emu.route(lambda q, b, u: quotes(q, b, u, v3=True), body="none"))
    r.add_get("/v2/market-quote/ltp", emu.route(lambda q, b, u: ltp(q, b, u, v3=False), v2=True, body="none"))
    r.add_get("/v3/market-quote/ltp", emu.route(lambda q, b, u: ltp(q, b, u, v3=True), body="none"))
    r.add_get("/v3/market-quote/ohlc", emu.route(ohlc, body="none"))
    r.add_get("/v3/historical-candle/intraday/{key}/{unit}/{interval}", emu.route(intraday, body="none"))
    r.add_get("/v3/historical-candle/{key}/{unit}/{interval}/{to_date}/{from_date}", emu.route(candles, body="none"))
    r.add_get("/v3/historical-candle/{key}/{unit}/{interval}/{to_date}", emu.route(candles, body="none"))
    r.add_get("/v2/option/chain", emu.route(option_chain, body="none"))
    r.add_get("/v2/market/status/{exchange}", emu.route(status, body="none"))


def _rows(emu: UpstoxEmulator, token: int, unit: str, interval: int, start: _dt.date,
          end: _dt.date) -> list[list[Any]]:
    seconds = _UNIT_SECONDS[unit] * interval if unit in ("minutes", "hours") else 86400
    begin = _dt.datetime.combine(start, _dt.time(0, 0), IST)
    finish = _dt.datetime.combine(end, _dt.time(23, 59), IST)
    bars = emu.engine.candles(token, seconds, begin, finish)
    return [[stamp.astimezone(IST).isoformat(), o, h, low, c, volume, oi]
            for stamp, o, h, low, c, volume, oi in reversed(bars)]
