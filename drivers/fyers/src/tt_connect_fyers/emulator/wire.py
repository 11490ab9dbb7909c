"""Paper state rendered as Fyers v3 payloads: the listing, the symbol masters, orders, portfolio, quotes.

Fyers quirks reproduced on purpose, because drivers and the official SDK must survive them: the
``{"s": "ok", "code", "message", <payload key>}`` envelope (``{"s": "error", "code": <negative>,
"message"}`` on failure), integer enums (side ``1``/``-1``, order type ``1``..``4``, status ``1``..``7``),
``DD-MMM-YYYY hh:mm:ss`` IST order times, tags echoed as ``1:<tag>`` (``2:Untagged`` when none),
snake_case keys in the GTT book and headerless 21-column symbol masters.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

import msgspec
from aiohttp import web
from tt_connect.emulation import ErrorKind, Refusal
from tt_connect.paper.engine import PaperEngine, PaperFill, PaperHolding, PaperOrder, PaperPosition, PaperQuote
from tt_connect.paper.universe import UniverseRow
from tt_connect.timeutil import IST

__all__ = [
    "FYERS_ORDER_TYPES",
    "FYERS_PRODUCTS",
    "MASTER_NAMES",
    "FyersListing",
    "failure",
    "fyers_fund_limit",
    "fyers_holding",
    "fyers_order",
    "fyers_position",
    "fyers_quote",
    "fyers_time",
    "fyers_trade",
    "ok",
    "refuse",
]

FYERS_ORDER_TYPES: Mapping[int, str] = {1: "LIMIT", 2: "MARKET", 3: "SL_M", 4: "SL"}
"""Fyers ``type`` -> the paper engine's order type."""
_PAPER_ORDER_TYPES = {paper: code for code, paper in FYERS_ORDER_TYPES.items()}
FYERS_PRODUCTS: Mapping[str, str] = {"CNC": "CNC", "INTRADAY": "MIS", "MARGIN": "NRML", "MTF": "CNC", "CO": "MIS",
                                     "BO": "MIS"}
"""Fyers ``productType`` -> the paper engine's product (the engine has no MTF, CO or BO of its own)."""
_PAPER_PRODUCTS = {"CNC": "CNC", "MIS": "INTRADAY", "NRML": "MARGIN"}
MASTER_NAMES = ("NSE_CM", "NSE_FO", "NSE_CD", "NSE_COM", "BSE_CM", "BSE_FO", "MCX_COM")
"""Every symbol-master file Fyers publishes (the paper universe fills NSE_CM and NSE_FO)."""

_INDEX_TICKERS = {"NIFTY 50": "NIFTY50", "NIFTY BANK": "NIFTYBANK", "NIFTY FIN SERVICE": "FINNIFTY"}
_ON_INDEX = frozenset({"NIFTY", "BANKNIFTY", "FINNIFTY"})
_STATUS_HTTP: Mapping[int, int] = {-8: 401, -15: 401, -16: 401, -17: 401, -429: 429, -373: 403, -96: 500}


def refuse(code: int, message: str, status: int | None = None) -> Refusal:
    """A refusal with Fyers' code; the HTTP status follows the code (400 unless it is a session or limit code)."""
    http = status or _STATUS_HTTP.get(code, 400)
    kind = {401: ErrorKind.AUTH, 403: ErrorKind.PERMISSION, 429: ErrorKind.RATE_LIMIT}.get(http, ErrorKind.INPUT)
    return Refusal(kind, message, code=str(code), status=http)


def failure(code: int, message: str, status: int, **extra: Any) -> web.Response:
    """Fyers' error envelope (v3 reference, "Error codes"); a 429 carries ``Retry-After`` and ``X-Retry-After-Ms``."""
    body = {"s": "error", "code": code, "message": message, **extra}
    headers = {"Retry-After": "1", "X-Retry-After-Ms": "1000"} if status == 429 else None
    return web.Response(status=status, body=msgspec.json.encode(body), content_type="application/json",
                        headers=headers)


def ok(payload: Mapping[str, Any], code: int = 200, message: str = "") -> web.Response:
    """The success envelope: ``{"s": "ok", "code", "message", ...payload}``."""
    body = {"s": "ok", "code": code, "message": message, **payload}
    return web.Response(status=200, body=msgspec.json.encode(body), content_type="application/json")


def fyers_time(moment: _dt.datetime | None) -> str:
    """Order-book time text (IST): ``09-Mar-2023 09:34:38``."""
    return moment.astimezone(IST).strftime("%d-%b-%Y %H:%M:%S") if moment else ""


def _epoch(moment: _dt.datetime | None) -> int:
    return int(moment.timestamp()) if moment else 0


def _round(value: float) -> float:
    return round(value, 2)


class FyersListing:
    """The paper universe as Fyers lists it: tickers, fyTokens, segments and the symbol masters."""

    def __init__(self, engine: PaperEngine) -> None:
        self.engine = engine
        self.ticker: dict[int, str] = {}
        self.fy_token: dict[int, str] = {}
        self.segment: dict[int, str] = {}
        self.by_ticker: dict[str, int] = {}
        self.by_fy_token: dict[str, int] = {}
        for row in engine.rows.values():
            if row.kind == "IDX":
                name = _INDEX_TICKERS.get(row.symbol, row.symbol.replace(" ", ""))
                ticker, segment, fy = f"NSE:{name}-INDEX", "NSE_CM", f"1010000000{26_000 + row.token}"
            elif row.kind == "EQ":
                ticker, segment, fy = f"NSE:{row.symbol}-EQ", "NSE_CM", f"1010000000{1_000 + row.token}"
            else:
                assert row.expiry is not None
                ticker, segment = f"NSE:{row.broker_symbol}", "NSE_FO"
                fy = f"1011{row.expiry:%y%m%d}{35_000 + row.token}"
            self.ticker[row.token], self.fy_token[row.token], self.segment[row.token] = ticker, fy, segment
            self.by_ticker[ticker] = row.token
            self.by_fy_token[fy] = row.token

    def row(self, token: int) -> UniverseRow:
        return self.engine.rows[token]

    def token(self, ticker: object) -> int | None:
        return self.by_ticker.get(str(ticker)) if ticker else None

    def identity(self, token: int) -> dict[str, Any]:
        """The instrument fields most Fyers rows carry."""
        segment = 11 if self.segment[token] == "NSE_FO" else 10
        return {"symbol": self.ticker[token], "fyToken": self.fy_token[token], "exchange": 10, "segment": segment}

    @staticmethod
    def instrument_type(row: UniverseRow) -> int:
        """The master's instrument type: 0 EQ, 10 INDEX, 11 FUTIDX, 13 FUTSTK, 14 OPTIDX, 15 OPTSTK."""
        if row.kind in ("EQ", "IDX"):
            return 0 if row.kind == "EQ" else 10
        on_index = row.underlying in _ON_INDEX
        if row.kind == "FUT":
            return 11 if on_index else 13
        return 14 if on_index else 15

    def details(self, row: UniverseRow) -> str:
        if row.kind == "IDX":
            return row.symbol.title()
        if row.kind == "EQ":
            return row.name.replace(",", " ")
        assert row.expiry is not None
        stamp = f"{row.expiry:%y %b %d}".upper()
        if row.kind == "FUT":
            return f"{row.underlying} {stamp} FUT"
        return f"{row.underlying} {stamp} {row.strike:g} {row.option_type}"

    def master_csv(self, name: str) -> bytes:
        """One headerless symbol master (21 columns, v3 reference); empty for the segments the universe lacks."""
        lines = []
        today = self.engine.clock.now().astimezone(IST).date().isoformat()
        for row in self.engine.rows.values():
            if self.segment[row.token] != name:
                continue
            derivative = row.kind in ("FUT", "OPT")
            expiry = ""
            if derivative and row.expiry is not None:
                expiry = str(int(_dt.datetime.combine(row.expiry, _dt.time(15, 30), IST).timestamp()))
            scrip = self.fy_token[row.token][10:]
            under = row.symbol if row.kind == "EQ" else row.underlying.replace(" ", "")
            under_token = self.fy_token.get(self._underlying_token(row), "") if derivative else self.fy_token[row.token]
            strike = f"{row.strike:.1f}" if row.kind == "OPT" and row.strike else "-1.0"
            session = "0915-1530|1815-1915:" if row.kind != "IDX" else "0915-1530|"
            fields = (self.fy_token[row.token], self.details(row), str(self.instrument_type(row)), str(row.lot_size),
                      f"{row.tick_size:g}", row.isin, session, today, expiry, self.ticker[row.token], "10",
                      "11" if derivative else "10", scrip, under, scrip if not derivative else "-1", strike,
                      row.option_type or "XX", under_token, "None", "0", "0.0")
            lines.append(",".join(fields))
        return ("\n".join(lines) + "\n").encode() if lines else b""

    def _underlying_token(self, row: UniverseRow) -> int:
        for other in self.engine.rows.values():
            if other.kind in ("EQ", "IDX") and (other.underlying == row.underlying or other.symbol == row.underlying):
                return other.token
        return 0


# -- orders and trades -------------------------------------------------------------------


_REJECTION_TEXTS: Mapping[str, str] = {
    "FUNDS": "RMS:Margin Shortfall - ", "PRICE_BAND": "RMS:Price outside the circuit limits - ",
    "FREEZE": "RMS:Quantity above the freeze limit - ", "MARKET_CLOSED": "RMS:Market is closed - ",
    "NOT_TRADABLE": "RMS:Not tradable - ",
}
"""How a rejected order's ``message`` starts, by paper refusal code (Fyers' wording is not published: these are
the emulator's, in the OMS's ``RMS:`` style)."""


def rejection_text(order: PaperOrder) -> str:
    if order.status != "REJECTED":
        return order.message
    return _REJECTION_TEXTS.get(order.rejection_code, "RMS:") + order.message


def _order_status(order: PaperOrder) -> int:
    if order.status in ("OPEN", "TRIGGER_PENDING"):
        return 6
    return {"COMPLETE": 2, "CANCELLED": 1, "REJECTED": 5}.get(order.status, 4)


def fyers_order(listing: FyersListing, order: PaperOrder, client_id: str, extra: Mapping[str, Any]) -> dict[str, Any]:
    """One order of ``GET /orders`` (``orderBook[]``, v3 reference)."""
    terminal = order.status in ("COMPLETE", "CANCELLED", "REJECTED")
    status = _order_status(order)
    tag = f"1:{order.tag}" if order.tag else "2:Untagged"
    return {
        "clientId": client_id, "id": order.order_id, "exchOrdId": order.exchange_order_id,
        "qty": order.qty, "remainingQuantity": 0 if terminal else order.qty - order.filled_qty,
        "filledQty": order.filled_qty, "discloseQty": int(extra.get("disclosedQty") or 0),
        "disclosedQty": int(extra.get("disclosedQty") or 0), "dqQtyRem": 0,
        "limitPrice": order.price, "stopPrice": order.trigger_price, "tradedPrice": _round(order.average_price),
        "type": _PAPER_ORDER_TYPES[order.order_type], **listing.identity(order.token),
        "instrument": listing.instrument_type(listing.row(order.token)),
        "message": rejection_text(order) if order.status in ("REJECTED", "CANCELLED") else "",
        "offlineOrder": bool(extra.get("offlineOrder")), "orderDateTime": fyers_time(order.placed_at),
        "orderValidity": order.validity, "pan": "", "productType": extra.get("productType")
        or _PAPER_PRODUCTS[order.product], "side": 1 if order.side == "BUY" else -1, "status": status,
        "source": "API", "ex_sym": listing.row(order.token).underlying, "description": listing.row(order.token).name,
        "ch": 0.0, "chp": 0.0, "lp": listing.engine.ltp(order.token), "slNo": 0,
        "orderNumStatus": f"{order.order_id}:{status}", "parentId": "", "orderTag": tag,
        "takeProfit": float(extra.get("takeProfit") or 0.0), "stopLoss": float(extra.get("stopLoss") or 0.0),
    }


def fyers_trade(listing: FyersListing, fill: PaperFill, order: PaperOrder | None, client_id: str,
                extra: Mapping[str, Any]) -> dict[str, Any]:
    """One fill of ``GET /tradebook`` (``tradeBook[]``)."""
    return {
        "clientId": client_id, "orderDateTime": fyers_time(fill.time), "orderNumber": fill.order_id,
        "exchangeOrderNo": fill.exchange_order_id, "side": 1 if fill.side == "BUY" else -1,
        "orderType": _PAPER_ORDER_TYPES[order.order_type] if order else 2, **listing.identity(fill.token),
        "productType": extra.get("productType") or _PAPER_PRODUCTS[fill.product], "tradedQty": fill.qty,
        "tradePrice": fill.price, "tradeValue": _round(fill.qty * fill.price), "tradeNumber": fill.trade_id,
        "row": 0, "orderTag": f"1:{order.tag}" if order and order.tag else "2:Untagged",
    }


# -- portfolio and funds -----------------------------------------------------------------


def fyers_position(listing: FyersListing, position: PaperPosition, last: float) -> dict[str, Any]:
    """One row of ``GET /positions`` (``netPositions[]``)."""
    buy_avg = position.buy_value / position.buy_quantity if position.buy_quantity else 0.0
    sell_avg = position.sell_value / position.sell_quantity if position.sell_quantity else 0.0
    unrealised = (last - position.average_price) * position.quantity if position.quantity else 0.0
    product = _PAPER_PRODUCTS[position.product]
    identity = listing.identity(position.token)
    return {
        **identity, "id": f"{identity['symbol']}-{product}", "netQty": position.quantity,
        "qty": abs(position.quantity), "avgPrice": _round(position.average_price),
        "netAvg": _round(position.average_price),
        "side": 1 if position.quantity > 0 else -1 if position.quantity < 0 else 0, "productType": product,
        "realized_profit": _round(position.realised), "unrealized_profit": _round(unrealised),
        "pl": _round(position.realised + unrealised), "ltp": last, "buyQty": position.buy_quantity,
        "buyAvg": _round(buy_avg), "buyVal": _round(position.buy_value), "sellQty": position.sell_quantity,
        "sellAvg": _round(sell_avg), "sellVal": _round(position.sell_value), "slNo": 0, "crossCurrency": "N",
        "rbiRefRate": 1.0, "qtyMulti_com": 1.0, "cfBuyQty": 0, "cfSellQty": 0,
        "dayBuyQty": position.buy_quantity, "daySellQty": position.sell_quantity,
    }


def fyers_holding(listing: FyersListing, holding: PaperHolding, last: float) -> dict[str, Any]:
    """One row of ``GET /holdings``."""
    row = listing.row(holding.token)
    return {"holdingType": "HLD", "quantity": holding.quantity, "costPrice": holding.average_price,
            "marketVal": _round(holding.quantity * last), "remainingQuantity": holding.quantity,
            "pl": _round((last - holding.average_price) * holding.quantity), "ltp": last, "id": 0,
            **listing.identity(holding.token), "isin": row.isin, "qty_t1": 0, "remainingPledgeQuantity": 0,
            "collateralQuantity": 0}


_FUND_TITLES = ((1, "Total Balance"), (2, "Utilized Amount"), (3, "Clear Balance"), (4, "Realized Profit and Loss"),
                (5, "Collaterals"), (6, "Fund Transfer"), (7, "Receivables"), (8, "Adhoc Limit"),
                (9, "Limit at start of the day"), (10, "Available Balance"))


def fyers_fund_limit(engine: PaperEngine) -> list[dict[str, Any]]:
    """``GET /funds``'s ``fund_limit[]``: ten titled lines, each with an equity and a commodity amount."""
    funds = engine.funds()
    values = {1: funds["available_cash"], 2: funds["used_margin"], 3: funds["available_margin"], 4: 0.0, 5: 0.0,
              6: 0.0, 7: 0.0, 8: 0.0, 9: funds["available_cash"], 10: funds["available_margin"]}
    return [{"id": i, "title": title, "equityAmount": _round(values[i]), "commodityAmount": 0.0}
            for i, title in _FUND_TITLES]


# -- market quotes -----------------------------------------------------------------------


def fyers_quote(listing: FyersListing, quote: PaperQuote) -> dict[str, Any]:
    """One ``d[]`` entry of ``GET /data/quotes``: ``{"n", "s", "v"}``."""
    row = listing.row(quote.token)
    ticker = listing.ticker[quote.token]
    change = _round(quote.last_price - quote.close)
    values = {
        "ch": change, "chp": _round(change / quote.close * 100) if quote.close else 0.0, "lp": quote.last_price,
        "spread": _round(quote.asks[0][0] - quote.bids[0][0]) if quote.asks and quote.bids else 0.0,
        "ask": quote.asks[0][0] if quote.asks else 0.0, "bid": quote.bids[0][0] if quote.bids else 0.0,
        "open_price": quote.open, "high_price": quote.high, "low_price": quote.low, "prev_close_price": quote.close,
        "atp": _round((quote.high + quote.low + quote.last_price) / 3), "volume": quote.volume,
        "short_name": ticker.partition(":")[2], "exchange": "NSE", "description": row.name,
        "original_name": ticker, "symbol": ticker, "fyToken": listing.fy_token[quote.token],
        "tt": str(_epoch(quote.timestamp)),
    }
    return {"n": ticker, "s": "ok", "v": values}


def fyers_depth(listing: FyersListing, quote: PaperQuote) -> dict[str, Any]:
    """``GET /data/depth``'s ``d.<ticker>``: five ``bids`` and five ``ask`` (singular on the wire)."""
    row = listing.row(quote.token)
    band = 0.2 if row.kind == "EQ" else 0.5
    return {
        "totalbuyqty": sum(q for _, q, _ in quote.bids), "totalsellqty": sum(q for _, q, _ in quote.asks),
        "bids": [{"price": p, "volume": q, "ord": n} for p, q, n in quote.bids],
        "ask": [{"price": p, "volume": q, "ord": n} for p, q, n in quote.asks],
        "o": quote.open, "h": quote.high, "l": quote.low, "c": quote.close,
        "chp": _round((quote.last_price - quote.close) / quote.close * 100) if quote.close else 0.0,
        "tick_Size": row.tick_size, "ch": _round(quote.last_price - quote.close), "ltq": quote.last_quantity,
        "ltt": _epoch(quote.timestamp), "ltp": quote.last_price, "v": quote.volume,
        "atp": _round((quote.high + quote.low + quote.last_price) / 3),
        "lower_ckt": _round(quote.close * (1 - band)), "upper_ckt": _round(quote.close * (1 + band)),
        "expiry": str(int(_dt.datetime.combine(row.expiry, _dt.time(15, 30), IST).timestamp())) if row.expiry else "",
        "oi": quote.oi, "oiflag": row.kind in ("FUT", "OPT"), "pdoi": quote.oi, "oipercent": 0.0,
    }
