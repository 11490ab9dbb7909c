"""Paper state rendered as Acme v1 payloads, and Acme's error envelope.

Pure functions over the paper engine's objects; Acme's instrument key is ``EXCHANGE:TRADINGSYMBOL``
(``NSE:RELIANCE``, ``NFO:NIFTY25JANFUT``) and its token the paper token.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from aiohttp import web
from tt_connect.emulation import ErrorKind
from tt_connect.paper.engine import PaperEngine, PaperFill, PaperHolding, PaperOrder, PaperPosition, PaperQuote

__all__ = ["ERRORS", "REJECTION_CODES", "AcmeListing", "acme_error", "acme_ok"]

ERRORS: dict[ErrorKind, tuple[str, int]] = {
    ErrorKind.AUTH: ("ACM-401", 401), ErrorKind.INPUT: ("ACM-400", 400), ErrorKind.ORDER: ("ACM-422", 422),
    ErrorKind.FUNDS: ("ACM-402", 402), ErrorKind.NOT_FOUND: ("ACM-404", 404), ErrorKind.PERMISSION: ("ACM-403", 403),
    ErrorKind.RATE_LIMIT: ("ACM-429", 429), ErrorKind.SERVER: ("ACM-503", 503),
}
REJECTION_CODES: dict[str, tuple[str, int, str]] = {
    "ORDER_STATE": ("ACM-409", 409, "order is not open"),
    "FUNDS": ("ACM-402", 402, "insufficient funds"),
    "NOT_FOUND": ("ACM-404", 404, "no such order"),
    "PRICE_BAND": ("ACM-422", 422, "price is outside the price band"),
    "FREEZE": ("ACM-422", 422, "quantity is above the freeze quantity"),
    "MARKET_CLOSED": ("ACM-422", 422, "the market is closed; send an AMO"),
    "NOT_TRADABLE": ("ACM-422", 422, "instrument is not tradable"),
}
"""The paper engine's refusal code -> Acme's (code, HTTP status, text)."""
_TYPES = {"MARKET": "MKT", "LIMIT": "LMT", "SL": "SL", "SL_M": "SLM"}
PAPER_TYPES = {acme: paper for paper, acme in _TYPES.items()}
_STATUS = {"COMPLETE": "FILLED"}


def acme_ok(data: Any) -> web.Response:
    return web.json_response({"status": "ok", "data": data})


def acme_error(code: str, message: str, status: int) -> web.Response:
    headers = {"Retry-After": "1"} if status == 429 else None
    return web.json_response({"status": "error", "error": {"code": code, "message": message}}, status=status,
                             headers=headers)


class AcmeListing:
    """The paper universe as Acme lists it."""

    def __init__(self, engine: PaperEngine) -> None:
        self.engine = engine
        self.key: dict[int, str] = {}
        self.token: dict[str, int] = {}
        for row in engine.rows.values():
            symbol = row.symbol if row.kind in ("EQ", "IDX") else row.broker_symbol
            key = f"{row.exchange}:{symbol}"
            self.key[row.token], self.token[key] = key, row.token

    def csv(self) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("token", "key", "exchange", "kind", "underlying", "expiry", "strike", "lot", "tick", "isin",
                         "name"))
        for row in self.engine.rows.values():
            kind = row.option_type if row.kind == "OPT" else row.kind
            writer.writerow((row.token, self.key[row.token], row.exchange, kind, row.underlying,
                             row.expiry.isoformat() if row.expiry else "", row.strike or "", row.lot_size,
                             row.tick_size, row.isin, row.name))
        return out.getvalue().encode()

    def order(self, order: PaperOrder) -> dict[str, Any]:
        return {"order_id": order.order_id, "key": self.key[order.token], "side": order.side, "qty": order.qty,
                "filled_qty": order.filled_qty, "type": _TYPES[order.order_type], "product": order.product,
                "validity": order.validity, "variety": order.variety.lower(), "price": order.price,
                "trigger_price": order.trigger_price, "avg_price": round(order.average_price, 2),
                "status": _STATUS.get(order.status, order.status),
                "status_text": REJECTION_CODES.get(order.rejection_code, ("", 0, order.message))[2]
                if order.status == "REJECTED" else order.message,
                "tag": order.tag, "exchange_order_id": order.exchange_order_id,
                "placed_at": order.placed_at.isoformat(), "updated_at": order.updated_at.isoformat()}

    def trade(self, fill: PaperFill) -> dict[str, Any]:
        return {"trade_id": fill.trade_id, "order_id": fill.order_id, "key": self.key[fill.token], "side": fill.side,
                "qty": fill.qty, "price": fill.price, "product": fill.product, "time": fill.time.isoformat()}

    def position(self, position: PaperPosition, last: float) -> dict[str, Any]:
        unrealised = (last - position.average_price) * position.quantity
        return {"key": self.key[position.token], "product": position.product, "qty": position.quantity,
                "avg_price": round(position.average_price, 2), "ltp": last, "buy_qty": position.buy_quantity,
                "buy_avg": round(position.buy_value / position.buy_quantity, 2) if position.buy_quantity else 0.0,
                "sell_qty": position.sell_quantity,
                "sell_avg": round(position.sell_value / position.sell_quantity, 2) if position.sell_quantity else 0.0,
                "overnight_qty": 0, "realised": round(position.realised, 2), "unrealised": round(unrealised, 2)}

    def holding(self, holding: PaperHolding, last: float) -> dict[str, Any]:
        return {"key": self.key[holding.token], "qty": holding.quantity, "avg_price": holding.average_price,
                "ltp": last, "isin": self.engine.rows[holding.token].isin}

    def quote(self, quote: PaperQuote, full: bool) -> dict[str, Any]:
        data: dict[str, Any] = {"key": self.key[quote.token], "ltp": quote.last_price,
                                "time": quote.timestamp.isoformat()}
        if full:
            data.update(ltq=quote.last_quantity, volume=quote.volume, open=quote.open, high=quote.high, low=quote.low,
                        close=quote.close, oi=quote.oi, bids=[list(b) for b in quote.bids],
                        asks=[list(a) for a in quote.asks])
        return data

    def tick(self, quote: PaperQuote, full: bool) -> dict[str, Any]:
        data: dict[str, Any] = {"t": "tick", "k": self.key[quote.token], "lp": quote.last_price}
        if full:
            data.update(v=quote.volume, o=quote.open, h=quote.high, l=quote.low, c=quote.close,
                        b=[list(b) for b in quote.bids], a=[list(a) for a in quote.asks])
        return data
