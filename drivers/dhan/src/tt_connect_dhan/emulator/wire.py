"""Paper state rendered as DhanHQ v2 payloads: the listing, the scrip masters, orders, portfolio, quotes.

DhanHQ quirks reproduced on purpose, because drivers must survive them: bare JSON
replies, the ``{"errorType", "errorCode", "errorMessage"}`` failure envelope, the wire's
misspellings (``availabelBalance``, ``receiveableAmount``), IST wall-clock time texts,
quotes keyed by security id *as text*, trading symbols that repeat across weekly and
monthly expiries, and ticks in paise in the scrip masters.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from typing import Any

import msgspec
from aiohttp import web
from tt_connect.emulation import ErrorKind, Refusal
from tt_connect.paper.engine import PaperEngine, PaperFill, PaperHolding, PaperOrder, PaperPosition, PaperQuote
from tt_connect.paper.universe import UniverseRow
from tt_connect.timeutil import IST

__all__ = [
    "DHAN_ORDER_TYPES",
    "DHAN_PRODUCTS",
    "DhanListing",
    "dhan_fund_limit",
    "dhan_holding",
    "dhan_order",
    "dhan_position",
    "dhan_quote",
    "dhan_time",
    "dhan_trade",
    "failure",
    "ok",
    "refuse",
    "rejection_text",
]

DHAN_ORDER_TYPES: Mapping[str, str] = {"MARKET": "MARKET", "LIMIT": "LIMIT", "STOP_LOSS": "SL",
                                       "STOP_LOSS_MARKET": "SL_M"}
"""Dhan ``orderType`` -> the paper engine's order type."""
_PAPER_ORDER_TYPES = {paper: dhan for dhan, paper in DHAN_ORDER_TYPES.items()}
DHAN_PRODUCTS: Mapping[str, str] = {"CNC": "CNC", "INTRADAY": "MIS", "MARGIN": "NRML", "MTF": "CNC", "CO": "MIS",
                                    "BO": "MIS"}
"""Dhan ``productType`` -> the paper engine's product (the engine has no MTF, CO or BO of its own)."""
_PAPER_PRODUCTS = {"CNC": "CNC", "MIS": "INTRADAY", "NRML": "MARGIN"}

_INDEX_IDS = {"NIFTY 50": 13, "NIFTY BANK": 25, "NIFTY FIN SERVICE": 27}
"""Dhan's security ids of the three NSE indices of the paper universe (IDX_I)."""
_INDEX_DISPLAY = {"NIFTY 50": "Nifty 50", "NIFTY BANK": "Nifty Bank", "NIFTY FIN SERVICE": "Nifty Fin Service"}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SEGMENT_CODES = {"IDX_I": 0, "NSE_EQ": 1, "NSE_FNO": 2}


_KINDS: Mapping[str, ErrorKind] = {
    "DH-901": ErrorKind.AUTH, "DH-902": ErrorKind.PERMISSION, "DH-903": ErrorKind.PERMISSION,
    "DH-904": ErrorKind.RATE_LIMIT, "DH-905": ErrorKind.INPUT, "DH-906": ErrorKind.ORDER, "DH-907": ErrorKind.INPUT,
    "DH-908": ErrorKind.SERVER, "DH-909": ErrorKind.SERVER, "DH-910": ErrorKind.INPUT,
}
_STATUSES: Mapping[ErrorKind, int] = {ErrorKind.AUTH: 401, ErrorKind.PERMISSION: 403, ErrorKind.RATE_LIMIT: 429,
                                      ErrorKind.SERVER: 500}


def refuse(code: str, message: str, status: int | None = None) -> Refusal:
    """A refusal with Dhan's code; the HTTP status follows the code's kind unless given (400 by default)."""
    kind = _KINDS.get(code, ErrorKind.INPUT)
    return Refusal(kind, message, code=code, status=status or _STATUSES.get(kind, 400))


_ERROR_TYPES = {"DH-901": "Invalid_Authentication", "DH-902": "Invalid_Access", "DH-903": "User_Account",
                "DH-904": "Rate_Limit", "DH-905": "Input_Exception", "DH-906": "Order_Error",
                "DH-907": "Data_Error", "DH-908": "Internal_Server_Error", "DH-909": "Network_Error",
                "DH-910": "Others"}


def failure(code: str, message: str, status: int) -> web.Response:
    """Dhan's error envelope (v2 intro page: errorType, errorCode, errorMessage)."""
    body = {"errorType": _ERROR_TYPES.get(code, "Data_Error"), "errorCode": code, "errorMessage": message}
    headers = {"Retry-After": "1"} if status == 429 else None
    return web.Response(status=status, body=msgspec.json.encode(body), content_type="application/json",
                        headers=headers)


def ok(data: Any, status: int = 200) -> web.Response:
    """A bare JSON success reply (no envelope on the wire; the SDK wraps it client-side)."""
    return web.Response(status=status, body=msgspec.json.encode(data), content_type="application/json")


def dhan_time(moment: _dt.datetime | None) -> str:
    """Dhan's order-book time text (IST): ``2025-01-06 10:15:02``; ``NA`` when unknown."""
    return moment.astimezone(IST).strftime("%Y-%m-%d %H:%M:%S") if moment else "NA"


def _expiry_flag(expiry: _dt.date | None) -> str:
    """``M`` for a month's last expiry, ``W`` for a weekly one, ``NA`` for cash and indices."""
    if expiry is None:
        return "NA"
    return "M" if (expiry + _dt.timedelta(days=7)).month != expiry.month else "W"


def _round(value: float) -> float:
    return round(value, 2)


class DhanListing:
    """The paper universe as Dhan lists it: security ids, segments, trading symbols, the scrip masters."""

    def __init__(self, engine: PaperEngine) -> None:
        self.engine = engine
        self.security_id: dict[int, int] = {}
        self.segment: dict[int, str] = {}
        self.by_id: dict[tuple[str, int], int] = {}
        for row in engine.rows.values():
            if row.kind == "IDX":
                sid, segment = _INDEX_IDS.get(row.symbol, 100 + row.token), "IDX_I"
            elif row.kind == "EQ":
                sid, segment = 10_000 + row.token, "NSE_EQ"
            else:
                sid, segment = 40_000 + row.token, "NSE_FNO"
            self.security_id[row.token] = sid
            self.segment[row.token] = segment
            self.by_id[(segment, sid)] = row.token

    def row(self, token: int) -> UniverseRow:
        return self.engine.rows[token]

    def token(self, segment: str, security_id: object) -> int | None:
        """The paper token behind (exchangeSegment, securityId), the id as text or number."""
        try:
            return self.by_id.get((segment, int(str(security_id))))
        except ValueError:
            return None

    def trading_symbol(self, token: int) -> str:
        row = self.row(token)
        if row.kind == "EQ":
            return row.symbol
        if row.kind == "IDX":
            return row.underlying
        assert row.expiry is not None
        stamp = f"{_MONTHS[row.expiry.month - 1]}{row.expiry.year}"
        if row.kind == "FUT":
            return f"{row.underlying}-{stamp}-FUT"
        return f"{row.underlying}-{stamp}-{row.strike:g}-{row.option_type}"

    def display_name(self, token: int) -> str:
        row = self.row(token)
        if row.kind == "IDX":
            return _INDEX_DISPLAY.get(row.symbol, row.symbol.title())
        if row.kind == "EQ":
            return row.name.title()
        assert row.expiry is not None
        month = _MONTHS[row.expiry.month - 1].upper()
        if row.kind == "FUT":
            return f"{row.underlying} {month} FUT"
        word = "CALL" if row.option_type == "CE" else "PUT"
        return f"{row.underlying} {row.expiry.day:02d} {month} {row.strike:g} {word}"

    @staticmethod
    def instrument_name(row: UniverseRow) -> str:
        """The annexure ``Instrument`` of a row (the historical API's ``instrument`` field)."""
        if row.kind in ("EQ", "IDX"):
            return "EQUITY" if row.kind == "EQ" else "INDEX"
        on_index = row.underlying in ("NIFTY", "BANKNIFTY", "FINNIFTY")
        return ("FUT" if row.kind == "FUT" else "OPT") + ("IDX" if on_index else "STK")

    def identity(self, token: int) -> dict[str, Any]:
        """The instrument fields most Dhan rows carry."""
        return {"exchangeSegment": self.segment[token], "securityId": str(self.security_id[token]),
                "tradingSymbol": self.trading_symbol(token)}

    def _derivative_fields(self, row: UniverseRow) -> dict[str, Any]:
        return {"drvExpiryDate": row.expiry.isoformat() if row.expiry else "0001-01-01",
                "drvOptionType": {"CE": "CALL", "PE": "PUT"}.get(row.option_type or "", "NA"),
                "drvStrikePrice": row.strike or 0.0}

    # -- the scrip masters ------------------------------------------------------------------

    def _master_rows(self) -> Iterable[tuple[UniverseRow, int, str]]:
        for row in self.engine.rows.values():
            yield row, self.security_id[row.token], self.trading_symbol(row.token)

    def compact_csv(self) -> bytes:
        """``api-scrip-master.csv``: 16 columns, lots as ``75.0``, ticks in paise."""
        lines = ["SEM_EXM_EXCH_ID,SEM_SEGMENT,SEM_SMST_SECURITY_ID,SEM_INSTRUMENT_NAME,SEM_EXPIRY_CODE,"
                 "SEM_TRADING_SYMBOL,SEM_LOT_UNITS,SEM_CUSTOM_SYMBOL,SEM_EXPIRY_DATE,SEM_STRIKE_PRICE,SEM_OPTION_TYPE,"
                 "SEM_TICK_SIZE,SEM_EXPIRY_FLAG,SEM_EXCH_INSTRUMENT_TYPE,SEM_SERIES,SM_SYMBOL_NAME"]
        for row, sid, tsym in self._master_rows():
            segment = {"EQ": "E", "IDX": "I"}.get(row.kind, "D")
            expiry = f"{row.expiry.isoformat()} 14:30:00" if row.expiry else ""
            strike = f"{row.strike:.5f}" if row.strike else "-0.01000"
            flag = _expiry_flag(row.expiry)
            company = row.name.replace(",", " ")
            lines.append(f"NSE,{segment},{sid},{self.instrument_name(row)},{'0' if row.expiry else ''},{tsym},"
                         f"{row.lot_size}.0,{self.display_name(row.token)},{expiry},{strike},{row.option_type or 'XX'},"
                         f"{row.tick_size * 100:.4f},{flag},{self.instrument_name(row)[:3] if row.expiry else 'ES'},"
                         f"{'EQ' if row.kind == 'EQ' else 'NA'},{company}")
        return ("\n".join(lines) + "\n").encode()

    def detailed_csv(self) -> bytes:
        """``api-scrip-master-detailed.csv``: ISINs, underlying symbols, freeze quantities."""
        lines = ["EXCH_ID,SEGMENT,SECURITY_ID,ISIN,INSTRUMENT,UNDERLYING_SECURITY_ID,UNDERLYING_SYMBOL,SYMBOL_NAME,"
                 "DISPLAY_NAME,INSTRUMENT_TYPE,SERIES,LOT_SIZE,SM_EXPIRY_DATE,STRIKE_PRICE,OPTION_TYPE,TICK_SIZE,"
                 "EXPIRY_FLAG,BRACKET_FLAG,COVER_FLAG,ASM_GSM_FLAG,ASM_GSM_CATEGORY,BUY_SELL_INDICATOR,"
                 "BUY_CO_MIN_MARGIN_PER,BUY_CO_SL_RANGE_MAX_PERC,BUY_CO_SL_RANGE_MIN_PERC,BUY_BO_MIN_MARGIN_PER,"
                 "BUY_BO_PROFIT_RANGE_MAX_PERC,BUY_BO_PROFIT_RANGE_MIN_PERC,MTF_LEVERAGE,SM_UPPER_LIMIT,"
                 "SM_LOWER_LIMIT,SM_FREEZE_QTY"]
        for row, sid, tsym in self._master_rows():
            segment = {"EQ": "E", "IDX": "I"}.get(row.kind, "D")
            symbol_name = tsym if row.expiry else row.name.replace(",", " ")
            under = row.symbol if row.kind == "EQ" else row.underlying
            freeze = row.lot_size * 24 if row.expiry else 0
            lines.append(f"NSE,{segment},{sid},{row.isin or 'NA'},{self.instrument_name(row)},,{under},{symbol_name},"
                         f"{self.display_name(row.token)},{self.instrument_name(row)[:3] if row.expiry else 'ES'},"
                         f"{'EQ' if row.kind == 'EQ' else 'NA'},{row.lot_size}.0,"
                         f"{row.expiry.isoformat() if row.expiry else '0001-01-01'},"
                         f"{row.strike or -0.01:.5f},{row.option_type or 'XX'},{row.tick_size * 100:.4f},"
                         f"{_expiry_flag(row.expiry)},N,N,N,NA,A,"
                         f"0.0,0.0,0.0,0.0,0.0,0.0,1.0,0.0,0.0,{freeze}")
        return ("\n".join(lines) + "\n").encode()


# -- orders and trades -------------------------------------------------------------------


_REJECTION_TEXTS: Mapping[str, str] = {
    "FUNDS": "RMS:Margin Exceeds - ", "PRICE_BAND": "EXCH:Price outside the circuit limits - ",
    "FREEZE": "RMS:Quantity above the freeze limit - ", "MARKET_CLOSED": "EXCH:Market is closed - ",
}
"""How a rejected order's ``omsErrorDescription`` starts, by the paper refusal code (Dhan's wording is not
published: these are the emulator's, in the OMS style ``RMS:``/``EXCH:`` prefixes)."""


def rejection_text(order: PaperOrder) -> str:
    """The broker's text of a REJECTED order (and of a cancelled one's reason)."""
    if order.status != "REJECTED":
        return order.message
    return _REJECTION_TEXTS.get(order.rejection_code, "RMS:") + order.message


def _order_status(order: PaperOrder) -> str:
    if order.status in ("OPEN", "TRIGGER_PENDING"):
        return "PART_TRADED" if order.filled_qty else "PENDING"
    return {"COMPLETE": "TRADED", "CANCELLED": "CANCELLED", "REJECTED": "REJECTED"}.get(order.status, "TRANSIT")


def dhan_order(listing: DhanListing, order: PaperOrder, client_id: str, extra: Mapping[str, Any]) -> dict[str, Any]:
    """One order of ``GET /orders`` (reference 1.5.1). ``extra`` carries what the engine does not keep:
    the Dhan product, the AMO flag and time, the disclosed quantity, the validity as sent."""
    row = listing.row(order.token)
    terminal = order.status in ("COMPLETE", "CANCELLED", "REJECTED")
    rejected = order.status == "REJECTED"
    return {
        "dhanClientId": client_id, "orderId": order.order_id, "exchangeOrderId": order.exchange_order_id,
        "correlationId": order.tag, "orderStatus": _order_status(order), "transactionType": order.side,
        **listing.identity(order.token), "productType": extra.get("productType") or _PAPER_PRODUCTS[order.product],
        "orderType": _PAPER_ORDER_TYPES[order.order_type], "validity": order.validity,
        "quantity": order.qty, "disclosedQuantity": int(extra.get("disclosedQuantity") or 0),
        "price": order.price, "triggerPrice": order.trigger_price,
        "afterMarketOrder": bool(extra.get("afterMarketOrder")), "boProfitValue": extra.get("boProfitValue"),
        "boStopLossValue": extra.get("boStopLossValue"), "legName": extra.get("legName") or "NA",
        "createTime": dhan_time(order.placed_at), "updateTime": dhan_time(order.updated_at),
        "exchangeTime": dhan_time(order.placed_at) if order.exchange_order_id else "NA",
        **listing._derivative_fields(row),
        "omsErrorCode": order.rejection_code if rejected else "",
        "omsErrorDescription": rejection_text(order) if rejected else "",
        "algoId": "", "remainingQuantity": 0 if terminal else order.qty - order.filled_qty,
        "averageTradedPrice": _round(order.average_price), "filledQty": order.filled_qty,
    }


def dhan_trade(listing: DhanListing, fill: PaperFill, order: PaperOrder | None, client_id: str,
               product: str | None) -> dict[str, Any]:
    """One fill of ``GET /trades`` (reference 1.5.2)."""
    row = listing.row(fill.token)
    stamp = dhan_time(fill.time)
    return {
        "dhanClientId": client_id, "orderId": fill.order_id, "exchangeOrderId": fill.exchange_order_id,
        "exchangeTradeId": fill.trade_id, "transactionType": fill.side, **listing.identity(fill.token),
        "productType": product or _PAPER_PRODUCTS[fill.product],
        "orderType": _PAPER_ORDER_TYPES[order.order_type] if order else "MARKET",
        "customSymbol": listing.display_name(fill.token), "tradedQuantity": fill.qty, "tradedPrice": fill.price,
        "createTime": stamp, "updateTime": stamp, "exchangeTime": stamp, **listing._derivative_fields(row),
    }


# -- portfolio and funds -----------------------------------------------------------------


def dhan_position(listing: DhanListing, position: PaperPosition, last: float, client_id: str) -> dict[str, Any]:
    """One row of ``GET /positions`` (reference 1.5.3): no last price on the wire."""
    row = listing.row(position.token)
    buy_avg = position.buy_value / position.buy_quantity if position.buy_quantity else 0.0
    sell_avg = position.sell_value / position.sell_quantity if position.sell_quantity else 0.0
    unrealised = (last - position.average_price) * position.quantity if position.quantity else 0.0
    kind = "LONG" if position.quantity > 0 else "SHORT" if position.quantity < 0 else "CLOSED"
    return {
        "dhanClientId": client_id, **listing.identity(position.token), "positionType": kind,
        "productType": _PAPER_PRODUCTS[position.product], "buyAvg": _round(buy_avg),
        "costPrice": _round(position.average_price), "buyQty": position.buy_quantity, "sellAvg": _round(sell_avg),
        "sellQty": position.sell_quantity, "netQty": position.quantity, "realizedProfit": _round(position.realised),
        "unrealizedProfit": _round(unrealised), "rbiReferenceRate": 1.0, "multiplier": 1,
        "carryForwardBuyQty": 0, "carryForwardSellQty": 0, "carryForwardBuyValue": 0.0,
        "carryForwardSellValue": 0.0, "dayBuyQty": position.buy_quantity, "daySellQty": position.sell_quantity,
        "dayBuyValue": _round(position.buy_value), "daySellValue": _round(position.sell_value),
        **listing._derivative_fields(row), "crossCurrency": False,
    }


def dhan_holding(listing: DhanListing, holding: PaperHolding, last: float) -> dict[str, Any]:
    """One row of ``GET /holdings`` (reference 1.5.4)."""
    row = listing.row(holding.token)
    return {"exchange": "ALL", "tradingSymbol": row.symbol, "securityId": str(listing.security_id[holding.token]),
            "isin": row.isin, "totalQty": holding.quantity, "dpQty": holding.quantity, "t1Qty": 0,
            "availableQty": holding.quantity, "collateralQty": 0, "avgCostPrice": holding.average_price,
            "lastTradedPrice": last}


def dhan_fund_limit(engine: PaperEngine, client_id: str) -> dict[str, Any]:
    """``GET /fundlimit`` with the wire's spellings (``availabelBalance``, ``receiveableAmount``)."""
    funds = engine.funds()
    return {"dhanClientId": client_id, "availabelBalance": funds["available_margin"],
            "sodLimit": funds["available_cash"], "collateralAmount": 0.0, "receiveableAmount": 0.0,
            "utilizedAmount": funds["used_margin"], "blockedPayoutAmount": 0.0,
            "withdrawableBalance": max(funds["available_margin"], 0.0)}


# -- market quotes -----------------------------------------------------------------------


def dhan_quote(listing: DhanListing, quote: PaperQuote, mode: str) -> dict[str, Any]:
    """One instrument of ``/marketfeed/ltp``, ``/ohlc`` or ``/quote`` (reference 1.5.6)."""
    out: dict[str, Any] = {"last_price": quote.last_price}
    if mode == "ltp":
        return out
    out["ohlc"] = {"open": quote.open, "close": quote.close, "high": quote.high, "low": quote.low}
    if mode == "ohlc":
        return out
    row = listing.row(quote.token)
    band = 0.2 if row.kind == "EQ" else 0.5
    derivative = row.kind in ("FUT", "OPT")
    out.update({
        "average_price": _round((quote.high + quote.low + quote.last_price) / 3),
        "buy_quantity": sum(q for _, q, _ in quote.bids), "sell_quantity": sum(q for _, q, _ in quote.asks),
        "depth": {"buy": [{"quantity": q, "orders": n, "price": p} for p, q, n in quote.bids],
                  "sell": [{"quantity": q, "orders": n, "price": p} for p, q, n in quote.asks]},
        "last_quantity": quote.last_quantity,
        "last_trade_time": quote.timestamp.astimezone(IST).strftime("%d/%m/%Y %H:%M:%S"),
        "lower_circuit_limit": _round(quote.close * (1 - band)),
        "upper_circuit_limit": _round(quote.close * (1 + band)),
        "net_change": _round(quote.last_price - quote.close), "volume": quote.volume, "oi": quote.oi,
        "oi_day_high": quote.oi + quote.oi // 50 if derivative else 0,
        "oi_day_low": quote.oi - quote.oi // 50 if derivative else 0,
    })
    return out
