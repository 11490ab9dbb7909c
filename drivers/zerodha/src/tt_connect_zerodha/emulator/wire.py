"""What the Kite emulator puts on the wire: envelopes, refusals, and paper state as Kite payloads.

Envelopes are Kite's ``{"status": "success", "data": ...}`` and ``{"status": "error", "message",
"data", "error_type"}``; a refusal names its ``error_type`` in :attr:`Refusal.code` (else the kind's
default below). The payload renderers are pure: each takes paper-engine objects and returns the
JSON-ready dict Kite would send, with the field sets of the official mocks. Tokens follow Kite's
layout, ``(id << 8) | segment``, so the low byte names the segment exactly as the real ticker expects.
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import io
from collections.abc import Mapping
from typing import Any

import msgspec
from aiohttp import web
from tt_connect.emulation import ErrorKind, Refusal
from tt_connect.paper.engine import (
    PaperEngine,
    PaperFill,
    PaperHolding,
    PaperOrder,
    PaperPosition,
    PaperQuote,
    PaperRejection,
)
from tt_connect.paper.rules import price_band
from tt_connect.paper.universe import UniverseRow
from tt_connect.timeutil import IST

__all__ = [
    "KITE_ERRORS",
    "KITE_ORDER_TYPES",
    "KiteListing",
    "error_body",
    "json_response",
    "kite_holding",
    "kite_margins",
    "kite_order",
    "kite_position",
    "kite_postback",
    "kite_quote",
    "kite_refusal",
    "kite_time",
    "kite_trade",
    "success_body",
]

KITE_ERRORS: dict[ErrorKind, tuple[str, int]] = {
    ErrorKind.AUTH: ("TokenException", 403),
    ErrorKind.INPUT: ("InputException", 400),
    ErrorKind.ORDER: ("OrderException", 400),
    ErrorKind.FUNDS: ("MarginException", 400),
    ErrorKind.NOT_FOUND: ("GeneralException", 400),
    ErrorKind.PERMISSION: ("PermissionException", 403),
    ErrorKind.RATE_LIMIT: ("NetworkException", 429),
    ErrorKind.SERVER: ("NetworkException", 503),
}
"""A refusal's kind -> Kite's ``error_type`` and HTTP status, where the refusal names neither."""

_PAPER_CODES: dict[str, tuple[ErrorKind, str]] = {
    "NO_HOLDINGS": (ErrorKind.ORDER, "HoldingException"),
    "ORDER_STATE": (ErrorKind.ORDER, "OrderException"),
    "FUNDS": (ErrorKind.FUNDS, "MarginException"),
    "NOT_FOUND": (ErrorKind.NOT_FOUND, "GeneralException"),
    "GTT_NOT_FOUND": (ErrorKind.NOT_FOUND, "GeneralException"),
}
"""The paper engine's refusal codes Kite answers with other than ``InputException`` (its pre-trade checks:
price band, freeze quantity, closed market, stop-loss trigger, tick and lot all come back as one)."""

KITE_ORDER_TYPES = {"MARKET": "MARKET", "LIMIT": "LIMIT", "SL": "SL", "SL-M": "SL_M"}
"""Kite order_type -> the paper engine's name."""
_PAPER_ORDER_TYPES = {paper: kite for kite, paper in KITE_ORDER_TYPES.items()}
_STATUSES = {"TRIGGER_PENDING": "TRIGGER PENDING"}
_SEGMENT_CODES = {"NSE": 1, "NFO": 2, "CDS": 3, "BSE": 4, "BFO": 5, "MCX": 7, "INDICES": 9}
_CSV_COLUMNS = ("instrument_token", "exchange_token", "tradingsymbol", "name", "last_price", "expiry", "strike",
                "tick_size", "lot_size", "instrument_type", "segment", "exchange")


def success_body(data: Any) -> bytes:
    return msgspec.json.encode({"status": "success", "data": data})


def error_body(error_type: str, message: str) -> bytes:
    return msgspec.json.encode({"status": "error", "message": message, "data": None, "error_type": error_type})


def kite_refusal(rejection: PaperRejection, message: str | None = None) -> Refusal:
    """A paper-engine refusal as Kite answers it: its ``error_type``, and Kite's text where one is given."""
    kind, error_type = _PAPER_CODES.get(rejection.code, (ErrorKind.INPUT, "InputException"))
    return Refusal(kind, message or rejection.message, code=error_type, status=KITE_ERRORS[kind][1])


def json_response(body: bytes, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.Response(status=status, body=body, content_type="application/json", headers=headers)


def kite_time(moment: _dt.datetime | None) -> str | None:
    """Kite's timestamp text: IST wall time, ``YYYY-MM-DD HH:MM:SS``."""
    return moment.astimezone(IST).strftime("%Y-%m-%d %H:%M:%S") if moment else None


def _segment(row: UniverseRow) -> str:
    if row.kind == "IDX":
        return "INDICES"
    if row.kind == "EQ":
        return row.exchange
    return f"{row.exchange}-{'FUT' if row.kind == 'FUT' else 'OPT'}"


class KiteListing:
    """The paper universe as Kite lists it: tokens, tradingsymbols, segments and the instruments CSV."""

    def __init__(self, engine: PaperEngine) -> None:
        self.engine = engine
        self.kite_token: dict[int, int] = {}
        self.paper_token: dict[int, int] = {}
        self.by_symbol: dict[tuple[str, str], int] = {}
        self.tradingsymbol: dict[int, str] = {}
        for row in engine.rows.values():
            kite = (row.token << 8) | _SEGMENT_CODES["INDICES" if row.kind == "IDX" else row.exchange]
            symbol = row.symbol if row.kind in ("EQ", "IDX") else row.broker_symbol
            self.kite_token[row.token] = kite
            self.paper_token[kite] = row.token
            self.tradingsymbol[row.token] = symbol
            self.by_symbol[(row.exchange, symbol)] = row.token

    def row(self, token: int) -> UniverseRow:
        return self.engine.rows[token]

    def key(self, token: int) -> str:
        """``EXCHANGE:TRADINGSYMBOL``, the instrument key of Kite's quote endpoints."""
        return f"{self.engine.rows[token].exchange}:{self.tradingsymbol[token]}"

    def identity(self, token: int) -> dict[str, Any]:
        """The instrument fields every Kite row carries."""
        return {"tradingsymbol": self.tradingsymbol[token], "exchange": self.engine.rows[token].exchange,
                "instrument_token": self.kite_token[token]}

    def csv(self, exchange: str | None = None) -> bytes:
        """The instruments dump (``GET /instruments`` or ``/instruments/{exchange}``)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(_CSV_COLUMNS)
        for row in self.engine.rows.values():
            if exchange and row.exchange != exchange:
                continue
            kite = self.kite_token[row.token]
            writer.writerow([
                kite, kite >> 8, self.tradingsymbol[row.token],
                row.name if row.kind in ("EQ", "IDX") else row.underlying, 0.0,
                row.expiry.isoformat() if row.expiry else "", row.strike or 0.0, row.tick_size, row.lot_size,
                row.option_type or ("FUT" if row.kind == "FUT" else "EQ"), _segment(row), row.exchange,
            ])
        return out.getvalue().encode()


def kite_order(listing: KiteListing, order: PaperOrder, *, user_id: str, variety: str,
               extra: Mapping[str, Any] | None = None, market_open: bool = True) -> dict[str, Any]:
    """One order as the order book, order history and postbacks show it.

    ``extra`` holds what Kite echoes that the paper market does not model (TTL, tags, protection, Kite's
    rejection text). An AMO waiting for the session to open reads ``AMO REQ RECEIVED``; a rejected order
    carries its reason in ``status_message``, a cancelled one none (the user cancelled it).
    """
    status = _STATUSES.get(order.status, order.status)
    if variety == "amo" and not market_open and order.status in ("OPEN", "TRIGGER_PENDING"):
        status = "AMO REQ RECEIVED"
    pending = 0 if order.status in ("COMPLETE", "CANCELLED", "REJECTED") else order.qty - order.filled_qty
    message = order.message if order.status == "REJECTED" and order.message else None
    row = {
        "placed_by": user_id, "order_id": order.order_id, "exchange_order_id": order.exchange_order_id or None,
        "parent_order_id": None, "status": status, "status_message": message, "status_message_raw": message,
        "order_timestamp": kite_time(order.placed_at), "exchange_update_timestamp": kite_time(order.updated_at),
        "exchange_timestamp": kite_time(order.placed_at), "variety": variety,
        "modified": order.updated_at != order.placed_at and order.status in ("OPEN", "TRIGGER_PENDING"),
        **listing.identity(order.token),
        "order_type": _PAPER_ORDER_TYPES.get(order.order_type, order.order_type),
        "transaction_type": order.side, "validity": order.validity, "product": order.product,
        "quantity": order.qty, "disclosed_quantity": 0, "price": order.price,
        "trigger_price": order.trigger_price, "average_price": round(order.average_price, 2),
        "filled_quantity": order.filled_qty, "pending_quantity": pending,
        "cancelled_quantity": order.cancelled_qty, "market_protection": 0, "meta": {},
        "tag": order.tag or None, "guid": f"{order.order_id}-{order.exchange_order_id}",
    }
    return {**row, **extra} if extra else row


def kite_postback(row: Mapping[str, Any], *, user_id: str, app_id: int, api_secret: str) -> dict[str, Any]:
    """An order row (:func:`kite_order`) as Kite posts it (postback and ticker text message), with its checksum."""
    body = dict(row)
    body.pop("modified", None)
    order_id = body["order_id"]
    checksum = hashlib.sha256(f"{order_id}{body['order_timestamp']}{api_secret}".encode()).hexdigest()
    return {"user_id": user_id, "unfilled_quantity": body["pending_quantity"], "app_id": app_id,
            "checksum": checksum, **body}


def kite_trade(listing: KiteListing, fill: PaperFill) -> dict[str, Any]:
    """One fill of the trade book."""
    return {"trade_id": fill.trade_id, "order_id": fill.order_id, **listing.identity(fill.token),
            "product": fill.product, "average_price": fill.price, "quantity": fill.qty,
            "exchange_order_id": fill.exchange_order_id, "transaction_type": fill.side,
            "fill_timestamp": kite_time(fill.time), "order_timestamp": fill.time.astimezone(IST).strftime("%H:%M:%S"),
            "exchange_timestamp": kite_time(fill.time)}


def kite_position(listing: KiteListing, position: PaperPosition, last: float, close: float) -> dict[str, Any]:
    """One row of ``net`` / ``day`` positions (everything here was traded today)."""
    buy_price = position.buy_value / position.buy_quantity if position.buy_quantity else 0.0
    sell_price = position.sell_value / position.sell_quantity if position.sell_quantity else 0.0
    unrealised = (last - position.average_price) * position.quantity if position.quantity else 0.0
    pnl = position.realised + unrealised
    return {
        **listing.identity(position.token), "product": position.product, "quantity": position.quantity,
        "overnight_quantity": 0, "multiplier": 1, "average_price": round(position.average_price, 4),
        "close_price": close, "last_price": last, "value": round(position.sell_value - position.buy_value, 2),
        "pnl": round(pnl, 2), "m2m": round(pnl, 2), "unrealised": round(unrealised, 2),
        "realised": round(position.realised, 2), "buy_quantity": position.buy_quantity,
        "buy_price": round(buy_price, 4), "buy_value": round(position.buy_value, 2),
        "buy_m2m": round(position.buy_value, 2), "sell_quantity": position.sell_quantity,
        "sell_price": round(sell_price, 4), "sell_value": round(position.sell_value, 2),
        "sell_m2m": round(position.sell_value, 2), "day_buy_quantity": position.buy_quantity,
        "day_buy_price": round(buy_price, 4), "day_buy_value": round(position.buy_value, 2),
        "day_sell_quantity": position.sell_quantity, "day_sell_price": round(sell_price, 4),
        "day_sell_value": round(position.sell_value, 2),
    }


def kite_holding(listing: KiteListing, holding: PaperHolding, last: float, close: float) -> dict[str, Any]:
    """One row of ``GET /portfolio/holdings``."""
    row = listing.row(holding.token)
    change = last - close
    return {
        **listing.identity(holding.token), "isin": row.isin, "product": "CNC", "price": 0,
        "quantity": holding.quantity, "used_quantity": 0, "t1_quantity": 0, "realised_quantity": holding.quantity,
        "authorised_quantity": 0, "authorised_date": None, "authorisation": {},
        "opening_quantity": holding.quantity, "short_quantity": 0, "collateral_quantity": 0, "collateral_type": "",
        "discrepancy": False, "average_price": holding.average_price, "last_price": last, "close_price": close,
        "pnl": round((last - holding.average_price) * holding.quantity, 2), "day_change": round(change, 2),
        "day_change_percentage": round(change / close * 100, 4) if close else 0.0,
        "mtf": {"quantity": 0, "used_quantity": 0, "average_price": 0, "value": 0, "initial_margin": 0},
    }


def _segment_margins(cash: float, opening: float, used: float, realised: float) -> dict[str, Any]:
    return {
        "enabled": True, "net": round(cash - used, 2),
        "available": {"adhoc_margin": 0, "cash": round(cash, 2), "opening_balance": round(opening, 2),
                      "live_balance": round(cash - used, 2), "collateral": 0, "intraday_payin": 0},
        "utilised": {"debits": round(used, 2), "exposure": 0, "m2m_realised": round(realised, 2),
                     "m2m_unrealised": 0, "option_premium": 0, "payout": 0, "span": round(used, 2),
                     "holding_sales": 0, "turnover": 0, "liquid_collateral": 0, "stock_collateral": 0,
                     "delivery": 0},
    }


def kite_margins(engine: PaperEngine) -> dict[str, Any]:
    """``GET /user/margins``: the paper account is the equity segment; commodity is empty."""
    funds = engine.funds()
    return {"equity": _segment_margins(funds["available_cash"], funds["opening_balance"], funds["used_margin"],
                                       funds["realised_pnl"]),
            "commodity": _segment_margins(0.0, 0.0, 0.0, 0.0)}


def kite_quote(listing: KiteListing, quote: PaperQuote, mode: str) -> dict[str, Any]:
    """One instrument of ``/quote`` (mode ``full``), ``/quote/ohlc`` or ``/quote/ltp``."""
    identity = {"instrument_token": listing.kite_token[quote.token], "last_price": quote.last_price}
    if mode == "ltp":
        return identity
    ohlc = {"open": quote.open, "high": quote.high, "low": quote.low, "close": quote.close}
    if mode == "ohlc":
        return {**identity, "ohlc": ohlc}
    pad = [{"price": 0, "quantity": 0, "orders": 0}] * 5
    bids = [{"price": p, "quantity": q, "orders": n} for p, q, n in quote.bids] + pad
    asks = [{"price": p, "quantity": q, "orders": n} for p, q, n in quote.asks] + pad
    # The paper market's price band where it enforces one (equities, futures); options read a wide range.
    limits = price_band(listing.row(quote.token).kind, quote.close) or (quote.close * 0.5, quote.close * 1.5)
    return {
        "instrument_token": identity["instrument_token"], "timestamp": kite_time(quote.timestamp),
        "last_trade_time": kite_time(quote.timestamp), "last_price": quote.last_price,
        "last_quantity": quote.last_quantity, "buy_quantity": sum(q for _, q, _ in quote.bids),
        "sell_quantity": sum(q for _, q, _ in quote.asks), "volume": quote.volume,
        "average_price": round((quote.high + quote.low + quote.last_price) / 3, 2), "oi": quote.oi,
        "oi_day_high": quote.oi, "oi_day_low": quote.oi,
        "net_change": round(quote.last_price - quote.close, 2) if quote.close else 0,
        "lower_circuit_limit": round(limits[0], 2), "upper_circuit_limit": round(limits[1], 2), "ohlc": ohlc,
        "depth": {"buy": bids[:5], "sell": asks[:5]},
    }
