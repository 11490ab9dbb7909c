"""The emulator's market-data routes: quotes, candles (``TPSeries``, ``EODChartData``), search, security info."""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any

import msgspec
from tt_connect.timeutil import IST

from tt_connect_noren.emulator.wire import NO_DATA, exchange_time, money, noren_quote, refuse

if TYPE_CHECKING:
    from tt_connect_noren.emulator.app import NorenEmulator

__all__ = ["ROUTES"]

_INTERVALS = {"1": 60, "3": 180, "5": 300, "10": 600, "15": 900, "30": 1800, "60": 3600, "120": 7200, "240": 14400}
"""``TPSeries`` ``intrv`` (minutes) -> seconds (SDK docstring)."""
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def _epoch(fields: dict[str, Any], name: str, default: _dt.datetime | None = None) -> _dt.datetime:
    value = fields.get(name)
    if value in (None, "") and default is not None:
        return default
    try:
        return _dt.datetime.fromtimestamp(float(str(value)), IST)
    except (TypeError, ValueError, OverflowError, OSError):
        raise refuse(f"Invalid Input : Invalid {name}") from None


def quotes(emu: NorenEmulator, fields: dict[str, Any], user: str, token: str) -> dict[str, Any]:
    """``GetQuotes``: one instrument per call, by exchange and token."""
    paper = emu.listing.find_token(fields.get("exch"), fields.get("token"))
    return noren_quote(emu.listing, emu.engine.quote(paper))


def security_info(emu: NorenEmulator, fields: dict[str, Any], user: str, token: str) -> dict[str, Any]:
    """``GetSecurityInfo``: the contract's details, freeze quantity ``frzqty`` included."""
    paper = emu.listing.find_token(fields.get("exch"), fields.get("token"))
    row = emu.listing.row(paper)
    expiry = f"{row.expiry.day:02d}-{_MONTHS[row.expiry.month - 1]}-{row.expiry.year}" if row.expiry else ""
    return {**emu.listing.identity(paper), "cname": row.name, "symname": row.underlying, "seg": row.segment,
            "exd": expiry, "instname": row.kind, "strprc": money(row.strike or 0.0), "optt": row.option_type or "XX",
            "isin": row.isin, "mult": "1", "frzqty": str(emu.freeze_quantity(paper)), "prcftr_d": "(1 / 1 ) * (1 / 1)"}


def candles(emu: NorenEmulator, fields: dict[str, Any], user: str, token: str) -> list[dict[str, Any]]:
    """``TPSeries``: intraday candles between ``st`` and ``et`` (epoch seconds), newest first."""
    paper = emu.listing.find_token(fields.get("exch"), fields.get("token"))
    interval = _INTERVALS.get(str(fields.get("intrv") or "1"))
    if interval is None:
        raise refuse("Invalid Input : Invalid intrv")
    start, end = _epoch(fields, "st"), _epoch(fields, "et", emu.clock.now())
    rows = [{"stat": "Ok", "time": exchange_time(stamp), "ssboe": str(int(stamp.timestamp())), "into": money(o),
             "inth": money(h), "intl": money(low), "intc": money(c), "intvwap": money((h + low + c) / 3),
             "intv": str(volume), "intoi": str(oi), "v": str(volume), "oi": str(oi)}
            for stamp, o, h, low, c, volume, oi in emu.engine.candles(paper, interval, start, end)]
    if not rows:
        raise refuse(NO_DATA)
    return rows[::-1]


def daily_candles(emu: NorenEmulator, fields: dict[str, Any], user: str, token: str) -> list[str]:
    """``EODChartData``: ``sym`` = ``EXCH:TSYM``; an array of JSON *strings*, one candle each (reference gotcha 4)."""
    exchange, _, tsym = str(fields.get("sym", "")).partition(":")
    paper = emu.listing.find(exchange, tsym)
    start, end = _epoch(fields, "from"), _epoch(fields, "to", emu.clock.now())
    out = []
    for stamp, o, h, low, c, volume, _ in emu.engine.candles(paper, 86400, start, end):
        day = f"{stamp.day:02d}-{_MONTHS[stamp.month - 1]}-{stamp.year}"
        out.append(msgspec.json.encode({"time": day, "into": money(o), "inth": money(h), "intl": money(low),
                                        "intc": money(c), "ssboe": str(int(stamp.timestamp())),
                                        "intv": str(volume)}).decode())
    if not out:
        raise refuse(NO_DATA)
    return out[::-1]


def search(emu: NorenEmulator, fields: dict[str, Any], user: str, token: str) -> dict[str, Any]:
    """``SearchScrip``: contracts whose trading symbol contains ``stext`` (URL-encoded by the SDK)."""
    from urllib.parse import unquote_plus

    text = unquote_plus(str(fields.get("stext", ""))).upper()
    if not text:
        raise refuse("Invalid Input : stext is Missing.")
    exchange = fields.get("exch")
    values = [emu.listing.identity(paper) for (exch, tsym), paper in emu.listing.by_tsym.items()
              if text in tsym.upper() and (not exchange or exch == exchange)][:50]
    if not values:
        raise refuse(NO_DATA)
    return {"values": values}


def exchange_messages(emu: NorenEmulator, fields: dict[str, Any], user: str, token: str) -> list[dict[str, Any]]:
    raise refuse(NO_DATA)


ROUTES = {"GetQuotes": quotes, "GetSecurityInfo": security_info, "TPSeries": candles, "EODChartData": daily_candles,
          "SearchScrip": search, "ExchMsg": exchange_messages}
