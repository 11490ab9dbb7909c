"""SmartAPI on the wire: its envelopes and refusals, and paper state rendered as its payloads.

Envelopes (reference 2.3): success ``{"status": true, "message": "SUCCESS", "errorcode": "",
"data"}``; a backend refusal ``{"status": false, "message", "errorcode", "data": null}``, mostly
with HTTP 200; a gateway refusal (a token) ``{"success": false, "message", "errorCode",
"data": ""}``; beyond a rate window, HTTP 403 and one line of text. The paper engine's refusal
codes become SmartAPI's codes and texts here (``REJECTION_TEXTS``), and so do the ``text`` of
orders it rejects after accepting them.

SmartAPI quirks reproduced on purpose, because drivers must survive them:
numbers often arrive as strings, order times read ``20-Oct-2020 13:10:59``,
statuses are lowercase OMS words, the scrip master carries strikes and tick
sizes in paise, and tokens are numeric strings unique per exchange segment.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec
from aiohttp import web
from tt_connect.emulation import ErrorKind, Refusal, number_field
from tt_connect.paper.engine import PaperEngine, PaperFill, PaperHolding, PaperOrder, PaperPosition, PaperQuote
from tt_connect.paper.universe import UniverseRow
from tt_connect.timeutil import IST

__all__ = [
    "ANGEL_ORDER_TYPES",
    "ANGEL_PRODUCTS",
    "EXCHANGE_TYPES",
    "RATE_REFUSAL",
    "REJECTION_TEXTS",
    "AngelListing",
    "angel_holding",
    "angel_order",
    "angel_position",
    "angel_quote",
    "angel_rms",
    "angel_time",
    "angel_trade",
    "backend_refusal",
    "field_number",
    "gateway_refusal",
    "invalid",
    "kind_code",
    "ok_response",
    "rejection_text",
]

N = TypeVar("N", int, float)

ANGEL_ORDER_TYPES = {"MARKET": "MARKET", "LIMIT": "LIMIT", "STOPLOSS_LIMIT": "SL", "STOPLOSS_MARKET": "SL_M"}
"""SmartAPI ordertype -> the paper engine's order type."""
_PAPER_ORDER_TYPES = {paper: angel for angel, paper in ANGEL_ORDER_TYPES.items()}
ANGEL_PRODUCTS = {"DELIVERY": "CNC", "INTRADAY": "MIS", "CARRYFORWARD": "NRML"}
"""SmartAPI producttype -> the paper engine's product."""
_PAPER_PRODUCTS = {paper: angel for angel, paper in ANGEL_PRODUCTS.items()}
_STATUSES = {"OPEN": "open", "TRIGGER_PENDING": "trigger pending", "COMPLETE": "complete",
             "CANCELLED": "cancelled", "REJECTED": "rejected"}
_INDEX_NAMES = {"NIFTY 50": "Nifty 50", "NIFTY BANK": "Nifty Bank", "NIFTY FIN SERVICE": "Nifty Fin Service"}
"""How SmartAPI's scrip master spells the NSE indices (mixed case)."""
_INDEX_TOKENS = {"NIFTY 50": "99926000", "NIFTY BANK": "99926009", "NIFTY FIN SERVICE": "99926037"}
EXCHANGE_TYPES = {"NSE": 1, "NFO": 2, "BSE": 3, "BFO": 4, "MCX": 5, "NCDEX": 7, "CDS": 13}
"""REST exchange -> the WebSocket's exchangeType."""


# -- envelopes and refusals ----------------------------------------------------------------

REJECTION_TEXTS: dict[str, tuple[str, str]] = {
    "FUNDS": ("AB1007", "Your order has been rejected due to Insufficient Funds."),
    "NO_HOLDINGS": ("AB1007", "Your order has been rejected due to insufficient holdings for a delivery sell."),
    "PRICE_BAND": ("AB1007", "Your order has been rejected as the price is outside the day's price band "
                             "(circuit limits) set by the exchange."),
    "FREEZE": ("AB1007", "Your order has been rejected as the quantity is above the exchange's freeze "
                         "quantity; split the order."),
    "MARKET_CLOSED": ("AB1007", "Your order has been rejected as the market is closed; place an after market "
                                "order (variety AMO) instead."),
    "NOT_TRADABLE": ("AB1007", "Your order has been rejected as the instrument is not allowed for trading."),
    "PRODUCT": ("AB1012", "Your order has been rejected as the product is not allowed in this segment."),
    "LOT_SIZE": ("AB1007", "Your order has been rejected as the quantity should be a multiple of the lot size."),
    "BAD_QTY": ("AB1007", "Your order has been rejected due to an invalid quantity."),
    "TICK_SIZE": ("AB1007", "Your order has been rejected as the price is not a multiple of the tick size."),
    "TRIGGER": ("AB1007", "Your order has been rejected as the trigger price is on the wrong side of the "
                          "last price."),
    "NO_POSITION": ("AB1017", "Position conversion failed"),
    "NOT_FOUND": ("AB1013", "Order not found"),
}
"""Paper refusal code -> (SmartAPI errorcode, text). The funds text is AngelOne's (SmartAPI forum topic
147, staff: the API shows what the web terminal shows); the codes are the docs' table; the other texts
are **Decisions** in the same voice (PROTOCOL.md)."""

_KIND_CODES: dict[ErrorKind, str] = {
    ErrorKind.INPUT: "AB1007", ErrorKind.ORDER: "AB1007", ErrorKind.FUNDS: "AB1007", ErrorKind.NOT_FOUND: "AB1013",
    ErrorKind.PERMISSION: "AB1034", ErrorKind.SERVER: "AB2001",
}


def _json(body: Mapping[str, Any], status: int, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.Response(status=status, body=msgspec.json.encode(body), content_type="application/json",
                        headers=headers)


def ok_response(data: Any) -> web.Response:
    """The success envelope."""
    return _json({"status": True, "message": "SUCCESS", "errorcode": "", "data": data}, 200)


def backend_refusal(message: str, code: str, status: int = 200) -> web.Response:
    """The trading backend's refusal: ``status: false`` with an ``errorcode``, usually with HTTP 200."""
    return _json({"status": False, "message": message, "errorcode": code, "data": None}, status)


RATE_REFUSAL = "Access denied because of exceeding access rate"
"""What SmartAPI answers a call beyond its rate window: this text alone, not JSON, with HTTP 403 (SmartAPI
forum: smartapi-python's "Couldn't parse the JSON response received from the server: b'Access denied because
of exceeding access rate'", topics 1302, 4661, 5071; "<Response [403]>", topic 3396)."""


def gateway_refusal(kind: ErrorKind, message: str, status: int) -> web.Response:
    """The API gateway's refusal: a dead token (``success: false``, AG8001, 401) or a rate (403, plain text).

    **Decision**: the rate refusal carries ``Retry-After: 1`` (the window is a second); whether SmartAPI
    sends the header is not known.
    """
    if kind is ErrorKind.RATE_LIMIT:
        return web.Response(status=403, text=RATE_REFUSAL, content_type="text/plain", headers={"Retry-After": "1"})
    return _json({"success": False, "message": message, "errorCode": "AG8001", "data": ""}, status)


def kind_code(kind: ErrorKind) -> str:
    """The backend code of a broker-neutral refusal with no code of its own."""
    return _KIND_CODES.get(kind, "AB1007")


def rejection_text(code: str, fallback: str) -> tuple[str, str]:
    """SmartAPI's (errorcode, text) for a paper refusal code; unknown codes keep the paper's own text."""
    return REJECTION_TEXTS.get(code, ("AB1007", fallback))


def invalid(what: str, code: str = "AB1007") -> Refusal:
    """A refused parameter, as SmartAPI words it (``Invalid symboltoken``...)."""
    return Refusal(ErrorKind.INPUT, f"Invalid {what}", code=code)


def field_number(fields: Mapping[str, Any], name: str, kind: type[N], *, required: bool = False) -> N | None:
    """A number sent as text or JSON; a malformed or missing required one is ``Invalid <name>`` (AB1007)."""
    return number_field(fields, name, kind, invalid(name), required=required)


# -- paper state as SmartAPI rows --------------------------------------------------------------


def angel_time(moment: _dt.datetime | None) -> str:
    """SmartAPI's order-book time text (IST): ``25-Nov-2026 10:15:02``; empty when unknown."""
    return moment.astimezone(IST).strftime("%d-%b-%Y %H:%M:%S") if moment else ""


def _expiry(day: _dt.date | None) -> str:
    return day.strftime("%d%b%Y").upper() if day else ""


def _money(value: float) -> str:
    return f"{value:.2f}"


class AngelListing:
    """The paper universe as SmartAPI lists it: tokens, trading symbols, the scrip master."""

    def __init__(self, engine: PaperEngine) -> None:
        self.engine = engine
        self.angel_token: dict[int, str] = {}
        self.by_token: dict[tuple[str, str], int] = {}
        self.by_symbol: dict[tuple[str, str], int] = {}
        self.symbol: dict[int, str] = {}
        for row in engine.rows.values():
            token = _INDEX_TOKENS.get(row.symbol, str(1000 + row.token * 7))
            symbol = self._symbol(row)
            self.angel_token[row.token] = token
            self.by_token[(row.exchange, token)] = row.token
            self.by_symbol[(row.exchange, symbol)] = row.token
            self.symbol[row.token] = symbol

    @staticmethod
    def _symbol(row: UniverseRow) -> str:
        if row.kind == "EQ":
            return f"{row.symbol}-EQ"
        if row.kind == "IDX":
            return _INDEX_NAMES.get(row.symbol, row.symbol)
        assert row.expiry is not None
        stamp = row.expiry.strftime("%d%b%y").upper()
        if row.kind == "FUT":
            return f"{row.underlying}{stamp}FUT"
        return f"{row.underlying}{stamp}{row.strike:g}{row.option_type}"

    def row(self, token: int) -> UniverseRow:
        return self.engine.rows[token]

    def exchange_type(self, token: int) -> int:
        return EXCHANGE_TYPES[self.engine.rows[token].exchange]

    def paper_token(self, fields: Mapping[str, Any], token_key: str = "symboltoken") -> int:
        """The contract a request names by ``exchange`` + token (and, when sent, its ``tradingsymbol``)."""
        paper = self.by_token.get((str(fields.get("exchange", "")), str(fields.get(token_key, ""))))
        if paper is None:
            raise invalid(token_key)
        symbol = fields.get("tradingsymbol")
        if symbol is not None and symbol != self.symbol[paper]:
            raise Refusal(ErrorKind.INPUT, "tradingsymbol does not match symboltoken", code="AB1007")
        return paper

    def identity(self, token: int) -> dict[str, str]:
        """The instrument fields most SmartAPI rows carry."""
        return {"tradingsymbol": self.symbol[token], "exchange": self.engine.rows[token].exchange,
                "symboltoken": self.angel_token[token]}

    def scrip_master(self) -> list[dict[str, str]]:
        """``OpenAPIScripMaster.json``: every value a string, strikes and tick sizes in paise."""
        out = []
        for row in self.engine.rows.values():
            kind = _instrument_type(row)
            out.append({
                "token": self.angel_token[row.token], "symbol": self.symbol[row.token],
                "name": row.underlying if row.kind != "EQ" else row.symbol, "expiry": _expiry(row.expiry),
                "strike": f"{row.strike * 100:.6f}" if row.strike is not None else "-1.000000",
                "lotsize": str(row.lot_size),
                "instrumenttype": kind, "exch_seg": row.exchange,
                "tick_size": f"{row.tick_size * 100:.6f}" if row.kind != "IDX" else "0.000000",
            })
        return out


def _instrument_type(row: UniverseRow) -> str:
    """The master's ``instrumenttype``: '' for cash, AMXIDX for indices, FUT/OPT + IDX/STK for derivatives."""
    if row.kind == "EQ":
        return ""
    if row.kind == "IDX":
        return "AMXIDX"
    on_index = row.underlying in ("NIFTY", "BANKNIFTY", "FINNIFTY")
    return ("FUT" if row.kind == "FUT" else "OPT") + ("IDX" if on_index else "STK")


def angel_order(listing: AngelListing, order: PaperOrder, *, variety: str, unique_id: str) -> dict[str, Any]:
    """One order of ``getOrderBook`` / ``details``: numbers partly as strings, as SmartAPI sends them.

    A rejected order's ``text`` is SmartAPI's wording of the paper engine's refusal code.
    """
    row = listing.row(order.token)
    text = order.message if order.status == "CANCELLED" else ""
    if order.status == "REJECTED":
        text = rejection_text(order.rejection_code, order.message)[1]
    pending = 0 if order.status in ("COMPLETE", "CANCELLED", "REJECTED") else order.qty - order.filled_qty
    status = _STATUSES.get(order.status, order.status.lower())
    return {
        "variety": variety, "ordertype": _PAPER_ORDER_TYPES.get(order.order_type, order.order_type),
        "producttype": _PAPER_PRODUCTS.get(order.product, order.product), "duration": order.validity,
        "price": order.price, "triggerprice": order.trigger_price, "quantity": str(order.qty),
        "disclosedquantity": "0", "squareoff": 0.0, "stoploss": 0.0, "trailingstoploss": 0.0,
        **listing.identity(order.token), "transactiontype": order.side,
        "instrumenttype": _instrument_type(row),
        "strikeprice": row.strike if row.strike is not None else -1.0, "optiontype": row.option_type or "",
        "expirydate": _expiry(row.expiry), "lotsize": str(row.lot_size), "cancelsize": str(order.cancelled_qty),
        "averageprice": round(order.average_price, 2), "filledshares": str(order.filled_qty),
        "unfilledshares": str(pending), "orderid": order.order_id, "text": text, "status": status,
        "orderstatus": status,
        "updatetime": angel_time(order.updated_at), "exchtime": angel_time(order.placed_at),
        "exchorderupdatetime": angel_time(order.updated_at), "fillid": "", "filltime": "", "parentorderid": "",
        "ordertag": order.tag, "uniqueorderid": unique_id, "exchangeorderid": order.exchange_order_id,
    }


def angel_trade(listing: AngelListing, fill: PaperFill) -> dict[str, Any]:
    """One fill of ``getTradeBook``."""
    row = listing.row(fill.token)
    return {
        "exchange": row.exchange, "producttype": _PAPER_PRODUCTS.get(fill.product, fill.product),
        "tradingsymbol": listing.symbol[fill.token], "instrumenttype": "",
        "symbolgroup": "EQ" if row.kind == "EQ" else "XX", "strikeprice": str(row.strike or -1),
        "optiontype": row.option_type or "", "expirydate": _expiry(row.expiry), "marketlot": str(row.lot_size),
        "precision": "2", "multiplier": "-1", "tradevalue": _money(fill.qty * fill.price),
        "transactiontype": fill.side, "fillprice": fill.price, "fillsize": str(fill.qty), "orderid": fill.order_id,
        "fillid": fill.trade_id, "filltime": fill.time.astimezone(IST).strftime("%H:%M:%S"),
    }


def angel_position(listing: AngelListing, position: PaperPosition, last: float) -> dict[str, Any]:
    """One row of ``getPosition``: a flat list, every value a string."""
    row = listing.row(position.token)
    buy_avg = position.buy_value / position.buy_quantity if position.buy_quantity else 0.0
    sell_avg = position.sell_value / position.sell_quantity if position.sell_quantity else 0.0
    unrealised = (last - position.average_price) * position.quantity if position.quantity else 0.0
    return {
        **listing.identity(position.token), "producttype": _PAPER_PRODUCTS.get(position.product, position.product),
        "symbolname": row.underlying, "instrumenttype": "", "priceden": "1.00", "pricenum": "1.00",
        "genden": "1.00", "gennum": "1.00", "precision": "2", "multiplier": "-1",
        "boardlotsize": str(row.lot_size), "buyqty": str(position.buy_quantity),
        "sellqty": str(position.sell_quantity), "buyamount": _money(position.buy_value),
        "sellamount": _money(position.sell_value), "symbolgroup": "EQ" if row.kind == "EQ" else "XX",
        "strikeprice": str(row.strike or -1), "optiontype": row.option_type or "", "expirydate": _expiry(row.expiry),
        "lotsize": str(row.lot_size), "cfbuyqty": "0", "cfsellqty": "0", "cfbuyamount": "0.00",
        "cfsellamount": "0.00", "buyavgprice": _money(buy_avg), "sellavgprice": _money(sell_avg),
        "avgnetprice": _money(position.average_price), "netvalue": _money(position.sell_value - position.buy_value),
        "netqty": str(position.quantity), "totalbuyvalue": _money(position.buy_value),
        "totalsellvalue": _money(position.sell_value), "cfbuyavgprice": "0.00", "cfsellavgprice": "0.00",
        "totalbuyavgprice": _money(buy_avg), "totalsellavgprice": _money(sell_avg),
        "netprice": _money(position.average_price), "ltp": _money(last),
        "realised": _money(position.realised), "unrealised": _money(unrealised),
        "pnl": _money(position.realised + unrealised),
    }


def angel_holding(listing: AngelListing, holding: PaperHolding, last: float, close: float) -> dict[str, Any]:
    """One row of ``getHolding``."""
    row = listing.row(holding.token)
    pnl = (last - holding.average_price) * holding.quantity
    invested = holding.average_price * holding.quantity
    return {
        **listing.identity(holding.token), "isin": row.isin, "t1quantity": 0,
        "realisedquantity": holding.quantity, "quantity": holding.quantity, "authorisedquantity": 0,
        "product": "DELIVERY", "collateralquantity": None, "collateraltype": None, "haircut": 0.0,
        "averageprice": holding.average_price, "ltp": last, "close": close, "profitandloss": round(pnl, 2),
        "pnlpercentage": round(pnl / invested * 100, 2) if invested else 0.0,
    }


def angel_rms(engine: PaperEngine) -> dict[str, str]:
    """``getRMS``: every figure a string."""
    funds = engine.funds()
    return {
        "net": _money(funds["available_margin"]), "availablecash": _money(funds["available_cash"]),
        "availableintradaypayin": "0.00", "availablelimitmargin": "0.00", "collateral": "0.00",
        "m2munrealized": "0.00", "m2mrealized": _money(funds["realised_pnl"]),
        "utiliseddebits": _money(funds["used_margin"]), "utilisedspan": "0.00",
        "utilisedoptionpremium": "0.00", "utilisedholdingsales": "0.00", "utilisedexposure": "0.00",
        "utilisedturnover": "0.00", "utilisedpayout": "0.00",
    }


def angel_quote(listing: AngelListing, quote: PaperQuote, mode: str) -> dict[str, Any]:
    """One ``fetched`` item of ``market/v1/quote`` in ``LTP``, ``OHLC`` or ``FULL`` mode (camelCase keys)."""
    identity = {"exchange": listing.row(quote.token).exchange, "tradingSymbol": listing.symbol[quote.token],
                "symbolToken": listing.angel_token[quote.token], "ltp": quote.last_price}
    if mode == "LTP":
        return identity
    ohlc = {"open": quote.open, "high": quote.high, "low": quote.low, "close": quote.close}
    if mode == "OHLC":
        return {**identity, **ohlc}
    band = 0.2 if listing.row(quote.token).kind == "EQ" else 0.5
    stamp = quote.timestamp.astimezone(IST).strftime("%d-%b-%Y %H:%M:%S")
    return {
        **identity, **ohlc, "lastTradeQty": quote.last_quantity, "exchFeedTime": stamp, "exchTradeTime": stamp,
        "netChange": round(quote.last_price - quote.close, 2),
        "percentChange": round((quote.last_price - quote.close) / quote.close * 100, 2) if quote.close else 0.0,
        "avgPrice": round((quote.high + quote.low + quote.last_price) / 3, 2), "tradeVolume": quote.volume,
        "opnInterest": quote.oi, "lowerCircuit": round(quote.close * (1 - band), 2),
        "upperCircuit": round(quote.close * (1 + band), 2), "totBuyQuan": sum(q for _, q, _ in quote.bids),
        "totSellQuan": sum(q for _, q, _ in quote.asks), "52WeekLow": round(quote.low * 0.7, 2),
        "52WeekHigh": round(quote.high * 1.3, 2),
        "depth": {"buy": [{"price": p, "quantity": q, "orders": n} for p, q, n in quote.bids],
                  "sell": [{"price": p, "quantity": q, "orders": n} for p, q, n in quote.asks]},
    }
