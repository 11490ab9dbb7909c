"""The Noren wire as the emulator speaks it: ``jData=`` bodies, ``stat`` envelopes, the listing, rows.

Quirks reproduced on purpose, because the SDKs and the driver must survive them: every
value is a string, books are bare arrays on success but an ``{"stat":"Not_Ok"}`` object
when empty, ``tsym`` arrives URL-encoded (``M%26M``), ``trgprc`` may be the text
``"None"``, ``remarks``/``algo_id`` may be null, and HTTP status is always 200.
"""

from __future__ import annotations

import datetime as _dt
import io
import zipfile
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote_plus

import msgspec
from aiohttp import web
from tt_connect.emulation import ErrorKind, Refusal
from tt_connect.paper.engine import PaperEngine, PaperFill, PaperHolding, PaperOrder, PaperPosition, PaperQuote
from tt_connect.paper.universe import UniverseRow
from tt_connect.timeutil import IST

from tt_connect_noren.instruments import DERIVATIVE_FILES
from tt_connect_noren.profiles import EXCHANGE_FILES

__all__ = ["NO_DATA", "NOREN_ORDER_TYPES", "NOREN_PRODUCTS", "NorenListing", "not_ok", "ok", "read_body", "refuse"]

NOREN_ORDER_TYPES = {"MKT": "MARKET", "LMT": "LIMIT", "SL-LMT": "SL", "SL-MKT": "SL_M"}
"""``prctyp`` -> the paper engine's order type."""
_PAPER_ORDER_TYPES = {paper: noren for noren, paper in NOREN_ORDER_TYPES.items()}
NOREN_PRODUCTS = {"C": "CNC", "I": "MIS", "M": "NRML", "H": "MIS"}
"""``prd`` -> the paper engine's product (a cover order, ``H``, is intraday)."""
_PAPER_PRODUCTS = {"CNC": "C", "MIS": "I", "NRML": "M"}
_STATUSES = {"OPEN": "OPEN", "TRIGGER_PENDING": "TRIGGER_PENDING", "COMPLETE": "COMPLETE",
             "CANCELLED": "CANCELED", "REJECTED": "REJECTED", "PENDING": "PENDING"}
NO_DATA = 'Error Occurred : 5 "no data"'
_INDEX_TOKENS = {"NIFTY 50": ("26000", "Nifty 50"), "NIFTY BANK": ("26009", "Nifty Bank"),
                 "NIFTY FIN SERVICE": ("26037", "Nifty Fin Service")}
_EQUITY_TOKENS = {"RELIANCE": "2885", "TCS": "11536", "HDFCBANK": "1333", "INFY": "1594", "ICICIBANK": "4963",
                  "SBIN": "3045", "ITC": "1660", "M&M": "2031"}
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


_KINDS = (("Session Expired", ErrorKind.AUTH), ("Rejected", ErrorKind.ORDER), ("RED:", ErrorKind.ORDER),
          ("Error Occurred", ErrorKind.NOT_FOUND))


def refuse(emsg: str) -> Refusal:
    """The kit's Refusal carrying Noren's whole ``emsg`` (its kind read from the category before the colon)."""
    kind = next((k for prefix, k in _KINDS if emsg.startswith(prefix)), ErrorKind.INPUT)
    return Refusal(kind, emsg)


def ok(payload: Mapping[str, Any] | list[Any]) -> web.Response:
    """A success: an object gets ``stat: Ok`` and ``request_time``; a book is a bare array."""
    body = payload if isinstance(payload, list) else {"request_time": request_time(), "stat": "Ok", **payload}
    return web.Response(body=msgspec.json.encode(body), content_type="application/json")


def not_ok(emsg: str, status: int = 200) -> web.Response:
    return web.Response(status=status, body=msgspec.json.encode(
        {"stat": "Not_Ok", "request_time": request_time(), "emsg": emsg}), content_type="application/json")


def request_time(moment: _dt.datetime | None = None) -> str:
    return (moment or _dt.datetime.now(IST)).astimezone(IST).strftime("%H:%M:%S %d-%m-%Y")


def read_body(raw: bytes) -> tuple[dict[str, Any], str | None]:
    """Split ``jData=<json>[&jKey=<token>]`` (raw text, not form-encoded; reference 3.4) -> (fields, jKey).

    The JSON is cut at the *last* ``&jKey=`` so an ``&`` inside a value does not break it. The
    text ``"None"`` (``str(None)``: the SDK's ``trgprc`` of a non-stop order) reads as absent.
    """
    text = raw.decode("utf-8", "replace").strip()
    if not text.startswith("jData="):
        raise refuse("Invalid Input : jData is Missing.")
    text = text[len("jData="):]
    key: str | None = None
    cut = text.rfind("&jKey=")
    if cut >= 0:
        text, key = text[:cut], text[cut + len("&jKey="):]
    try:
        fields = msgspec.json.decode(text)
    except msgspec.DecodeError:
        raise refuse("Invalid Input : jData is not a valid JSON.") from None
    if not isinstance(fields, dict):
        raise refuse("Invalid Input : jData must be an object.")
    return {k: v for k, v in fields.items() if v != "None"}, key


def money(value: float) -> str:
    return f"{value:.2f}"


def noren_time(moment: _dt.datetime | None) -> str:
    """``norentm``: ``10:15:02 25-11-2026`` (IST)."""
    return moment.astimezone(IST).strftime("%H:%M:%S %d-%m-%Y") if moment else ""


def exchange_time(moment: _dt.datetime | None) -> str:
    """``exch_tm``/``fltm``/candle ``time``: ``25-11-2026 10:15:02`` (IST)."""
    return moment.astimezone(IST).strftime("%d-%m-%Y %H:%M:%S") if moment else ""


class NorenListing:
    """The paper universe as Noren lists it: tokens, trading symbols, the zipped symbol files."""

    def __init__(self, engine: PaperEngine) -> None:
        self.engine = engine
        self.token: dict[int, str] = {}
        self.tsym: dict[int, str] = {}
        self.by_token: dict[tuple[str, str], int] = {}
        self.by_tsym: dict[tuple[str, str], int] = {}
        for row in engine.rows.values():
            token, tsym = self._identity(row)
            self.token[row.token], self.tsym[row.token] = token, tsym
            self.by_token[(row.exchange, token)] = row.token
            self.by_tsym[(row.exchange, tsym)] = row.token

    @staticmethod
    def _identity(row: UniverseRow) -> tuple[str, str]:
        if row.kind == "IDX":
            return _INDEX_TOKENS.get(row.symbol, (str(26100 + row.token), row.symbol.title()))
        if row.kind == "EQ":
            return _EQUITY_TOKENS.get(row.symbol, str(30000 + row.token)), f"{row.symbol}-EQ"
        assert row.expiry is not None
        stamp = f"{row.expiry.day:02d}{_MONTHS[row.expiry.month - 1]}{row.expiry.year % 100:02d}"
        if row.kind == "FUT":
            return str(35000 + row.token), f"{row.underlying}{stamp}F"
        return str(35000 + row.token), f"{row.underlying}{stamp}{(row.option_type or 'C')[0]}{row.strike:g}"

    def row(self, token: int) -> UniverseRow:
        return self.engine.rows[token]

    def find(self, exchange: object, tsym: object) -> int:
        """The paper token of (exch, tsym); ``tsym`` may arrive URL-encoded as the SDKs send it."""
        symbol = unquote_plus(str(tsym or ""))
        found = self.by_tsym.get((str(exchange or ""), symbol))
        if found is None:
            raise refuse("Invalid Input : Invalid Trading Symbol")
        return found

    def find_token(self, exchange: object, token: object) -> int:
        found = self.by_token.get((str(exchange or ""), str(token or "")))
        if found is None:
            raise refuse("Invalid Input : Invalid Token")
        return found

    def identity(self, token: int) -> dict[str, str]:
        row = self.row(token)
        return {"exch": row.exchange, "tsym": self.tsym[token], "token": self.token[token],
                "pp": "2", "ls": str(row.lot_size), "ti": f"{row.tick_size:.2f}"}

    def symbol_files(self) -> dict[str, bytes]:
        """``<EXCH>_symbols.txt.zip`` per exchange: header row, trailing comma on every line (reference 3.10)."""
        cash = "Exchange,Token,LotSize,Symbol,TradingSymbol,Instrument,TickSize,\n"
        derivatives = "Exchange,Token,LotSize,Symbol,TradingSymbol,Expiry,Instrument,OptionType,StrikePrice,TickSize,\n"
        # every exchange has its file, those the paper universe lists nothing on too (header only)
        texts: dict[str, list[str]] = {exchange: [derivatives if exchange in DERIVATIVE_FILES else cash]
                                       for exchange in EXCHANGE_FILES}
        for row in self.engine.rows.values():
            token, tsym = self.token[row.token], self.tsym[row.token]
            if row.kind in ("EQ", "IDX"):
                kind, symbol = ("EQ", row.symbol) if row.kind == "EQ" else ("INDEX", row.underlying)
                texts[row.exchange].append(f"{row.exchange},{token},{row.lot_size},{symbol},{tsym},{kind},"
                                           f"{row.tick_size:g},\n")
                continue
            assert row.expiry is not None
            on_index = row.underlying in ("NIFTY", "BANKNIFTY", "FINNIFTY")
            instrument = ("FUT" if row.kind == "FUT" else "OPT") + ("IDX" if on_index else "STK")
            expiry = f"{row.expiry.day:02d}-{_MONTHS[row.expiry.month - 1]}-{row.expiry.year}"
            strike = f"{row.strike:g}" if row.strike is not None else "-0.01"
            texts[row.exchange].append(f"{row.exchange},{token},{row.lot_size},{row.underlying},{tsym},{expiry},"
                                       f"{instrument},{row.option_type or 'XX'},{strike},{row.tick_size:g},\n")
        out = {}
        for exchange, lines in texts.items():
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(f"{exchange}_symbols.txt", "".join(lines))
            out[exchange] = buffer.getvalue()
        return out


def noren_order(listing: NorenListing, order: PaperOrder, *, uid: str, fields: Mapping[str, Any],
                report: str = "") -> dict[str, Any]:
    """One ``OrderBook``/``SingleOrdHist`` row (``rpt`` on history rows) or ``om`` update."""
    status = _STATUSES.get(order.status, order.status)
    product = str(fields.get("prd") or _PAPER_PRODUCTS.get(order.product, "I"))
    row: dict[str, Any] = {
        "stat": "Ok", "norenordno": order.order_id, "uid": uid, "actid": uid, **listing.identity(order.token),
        "qty": str(order.qty), "prc": money(order.price), "trgprc": money(order.trigger_price) if
        order.trigger_price else "0.00", "dscqty": str(fields.get("dscqty") or "0"), "prd": product,
        "status": status, "trantype": "B" if order.side == "BUY" else "S",
        "prctyp": _PAPER_ORDER_TYPES.get(order.order_type, order.order_type), "ret": order.validity,
        "fillshares": str(order.filled_qty), "avgprc": money(order.average_price) if order.filled_qty else "0.00",
        "cancelqty": str(order.cancelled_qty), "exchordid": order.exchange_order_id,
        "remarks": order.tag, "amo": "Yes" if str(fields.get("amo", "")).upper() == "YES" else "No",
        "norentm": noren_time(order.updated_at), "exch_tm": exchange_time(order.updated_at),
        "ordenttm": str(int(order.placed_at.timestamp())),
    }
    if order.status == "REJECTED":
        row["rejreason"] = order.message
    if product == "H":
        row["blprc"] = str(fields.get("blprc") or "0")
    if report:
        row["rpt" if report != "om" else "reporttype"] = report
    return row


def noren_trade(listing: NorenListing, fill: PaperFill, *, uid: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """One ``TradeBook`` row."""
    return {
        "stat": "Ok", "norenordno": fill.order_id, "uid": uid, "actid": uid, **listing.identity(fill.token),
        "trantype": "B" if fill.side == "BUY" else "S", "prctyp": "LMT", "ret": "DAY",
        "prd": str(fields.get("prd") or _PAPER_PRODUCTS.get(fill.product, "I")), "flid": fill.trade_id,
        "fltm": exchange_time(fill.time), "qty": str(fill.qty), "flqty": str(fill.qty), "fillshares": str(fill.qty),
        "prc": money(fill.price), "flprc": money(fill.price), "norentm": noren_time(fill.time),
        "exch_tm": exchange_time(fill.time), "exchordid": fill.exchange_order_id, "remarks": "",
    }


def noren_position(listing: NorenListing, position: PaperPosition, last: float, *, uid: str) -> dict[str, Any]:
    """One ``PositionBook`` row (today's trades only: the paper engine carries nothing forward)."""
    buy_avg = position.buy_value / position.buy_quantity if position.buy_quantity else 0.0
    sell_avg = position.sell_value / position.sell_quantity if position.sell_quantity else 0.0
    unrealised = (last - position.average_price) * position.quantity if position.quantity else 0.0
    return {
        "stat": "Ok", "uid": uid, "actid": uid, **listing.identity(position.token),
        "prd": _PAPER_PRODUCTS.get(position.product, "I"), "netqty": str(position.quantity),
        "netavgprc": money(position.average_price), "daybuyqty": str(position.buy_quantity),
        "daysellqty": str(position.sell_quantity), "daybuyavgprc": money(buy_avg), "daysellavgprc": money(sell_avg),
        "daybuyamt": money(position.buy_value), "daysellamt": money(position.sell_value), "cfbuyqty": "0",
        "cfsellqty": "0", "cfbuyamt": "0.00", "cfsellamt": "0.00", "lp": money(last),
        "rpnl": money(position.realised), "urmtom": money(unrealised), "bep": money(position.average_price),
        "mult": "1", "prcftr": "1.000000",
    }


def noren_holding(listing: NorenListing, holding: PaperHolding) -> dict[str, Any]:
    """One ``Holdings`` row: every listing of the share in ``exch_tsym``, quantities apart (reference 3.6.4)."""
    return {
        "stat": "Ok", "exch_tsym": [{**listing.identity(holding.token)}], "holdqty": str(holding.quantity),
        "dpqty": "0", "npoadqty": "0", "colqty": "0", "benqty": "0", "unplgdqty": "0", "brkcolqty": "0",
        "btstqty": "0", "btstcolqty": "0", "usedqty": "0", "upldprc": money(holding.average_price),
    }


def noren_limits(engine: PaperEngine, uid: str) -> dict[str, str]:
    """``Limits``: cash, margin used, payin and the rest as strings."""
    funds = engine.funds()
    return {"actid": uid, "prfname": "SHOONYA1", "cash": money(funds["available_cash"]), "payin": "0.00",
            "payout": "0.00", "brkcollamt": "0.00", "unclearedcash": "0.00", "daycash": "0.00",
            "marginused": money(funds["used_margin"]), "mtomcurper": "0.00", "rpnl": money(funds["realised_pnl"]),
            "unmtom": "0.00", "peak_mar": money(funds["used_margin"]), "premium": "0.00"}


def noren_quote(listing: NorenListing, quote: PaperQuote) -> dict[str, str]:
    """``GetQuotes``: the touchline, five levels of depth, circuits; every value a string."""
    row = listing.row(quote.token)
    band = 0.2 if row.kind == "EQ" else 0.5
    out = {**listing.identity(quote.token), "cname": row.name, "symname": row.underlying,
           "seg": "EQT" if row.kind in ("EQ", "IDX") else "DER", "instname": row.kind, "isin": row.isin,
           "mult": "1", "prcftr_d": "(1 / 1 ) * (1 / 1)", "lp": money(quote.last_price), "o": money(quote.open),
           "h": money(quote.high), "l": money(quote.low), "c": money(quote.close), "v": str(quote.volume),
           "ltq": str(quote.last_quantity), "ltt": quote.timestamp.astimezone(IST).strftime("%H:%M:%S"),
           "ap": money((quote.high + quote.low + quote.last_price) / 3), "oi": str(quote.oi),
           "uc": money(quote.close * (1 + band)), "lc": money(quote.close * (1 - band)),
           "tbq": str(sum(q for _, q, _ in quote.bids)), "tsq": str(sum(q for _, q, _ in quote.asks))}
    for i, (price, qty, orders) in enumerate(quote.bids, 1):
        out.update({f"bp{i}": money(price), f"bq{i}": str(qty), f"bo{i}": str(orders)})
    for i, (price, qty, orders) in enumerate(quote.asks, 1):
        out.update({f"sp{i}": money(price), f"sq{i}": str(qty), f"so{i}": str(orders)})
    return out
