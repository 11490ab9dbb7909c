"""Paper state rendered as Upstox payloads: envelopes, refusals, the BOD file, orders, portfolio, quotes.

Every spelling is one the official SDK's models accept (their enum setters refuse any other):
``order_type`` MARKET/LIMIT/SL/SL-M, ``validity`` DAY/IOC, ``transaction_type`` BUY/SELL,
envelope ``status`` success/error. Times read ``2025-01-06 10:15:02`` (IST, no offset).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import msgspec
from tt_connect.emulation import ErrorKind, Refusal
from tt_connect.paper.engine import PaperEngine, PaperFill, PaperHolding, PaperOrder, PaperPosition, PaperQuote
from tt_connect.paper.rules import FREEZE_QUANTITIES, price_band
from tt_connect.paper.universe import UniverseRow
from tt_connect.timeutil import IST

__all__ = ["CIRCUIT_MESSAGE", "FREEZE_MESSAGE", "HOURS_MESSAGE", "ORDER_TYPES", "UpstoxListing", "V3", "bad_input",
           "error_body", "status_message", "upstox_time"]

ORDER_TYPES = {"MARKET": "MARKET", "LIMIT": "LIMIT", "SL": "SL", "SL-M": "SL_M"}
"""Upstox order_type -> the paper engine's."""
_PAPER_ORDER_TYPES = {paper: upstox for upstox, paper in ORDER_TYPES.items()}
_STATUSES = {"OPEN": "open", "TRIGGER_PENDING": "trigger pending", "COMPLETE": "complete",
             "CANCELLED": "cancelled", "REJECTED": "rejected"}
_INDEX_NAMES = {"NIFTY 50": "Nifty 50", "NIFTY BANK": "Nifty Bank", "NIFTY FIN SERVICE": "Nifty Fin Service"}
"""How the BOD file spells the NSE indices (the key is ``NSE_INDEX|Nifty 50``)."""
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_SEGMENTS = {("NSE", "EQ"): "NSE_EQ", ("NSE", "IDX"): "NSE_INDEX", ("NFO", "FUT"): "NSE_FO", ("NFO", "OPT"): "NSE_FO",
             ("BSE", "EQ"): "BSE_EQ", ("BFO", "FUT"): "BSE_FO", ("BFO", "OPT"): "BSE_FO"}


CIRCUIT_MESSAGE = "The price set should be within the circuit limits. Please modify your order price."
"""Upstox's text for a price outside the band (seen in a GTT rule's ``message`` on community.upstox.com)."""
FREEZE_MESSAGE = "Order quantity is greater than the freeze quantity. Please use slicing."  # [UNVERIFIED] text
HOURS_MESSAGE = "Orders can be placed only during market hours. Please place an AMO instead."  # [UNVERIFIED] text


def status_message(order: PaperOrder, user_id: str) -> str | None:
    """A rejected order's reason in Upstox's words, from the paper engine's refusal code."""
    if order.rejection_code == "FUNDS":
        return f"RMS:Margin Exceeds, {order.message} for entity account-{user_id} across exchange across segment " \
               "across product"
    known = {"PRICE_BAND": CIRCUIT_MESSAGE, "FREEZE": FREEZE_MESSAGE, "MARKET_CLOSED": HOURS_MESSAGE}
    return known.get(order.rejection_code) or order.message or None


class V3:
    """A handler's data for a v3 order or GTT call: the reply adds ``metadata.latency``."""

    def __init__(self, data: Any) -> None:
        self.data = data


def bad_input(detail: str, code: str = "UDAPI100038") -> Refusal:
    """Upstox's refusal of a malformed request (a 400 with an ``UDAPI`` code)."""
    return Refusal(ErrorKind.INPUT, f"Invalid input passed to the API: {detail}" if code == "UDAPI100038" else detail,
                   code=code, status=400)


def error_body(code: str, message: str) -> bytes:
    """Upstox's error envelope; the gateway writes every key in camelCase and in snake_case."""
    problem = {"errorCode": code, "message": message, "propertyPath": None, "invalidValue": None,
               "error_code": code, "property_path": None, "invalid_value": None}
    return msgspec.json.encode({"status": "error", "errors": [problem]})


def upstox_time(moment: _dt.datetime | None) -> str | None:
    """``2025-01-06 10:15:02`` in IST; null when unknown."""
    return moment.astimezone(IST).strftime("%Y-%m-%d %H:%M:%S") if moment else None


def _expiry_ms(day: _dt.date) -> int:
    return int(_dt.datetime.combine(day, _dt.time(23, 59, 59), IST).timestamp() * 1000)


class UpstoxListing:
    """The paper universe as Upstox lists it: instrument keys, trading symbols, the BOD file."""

    def __init__(self, engine: PaperEngine, user_id: str) -> None:
        self.engine = engine
        self.user_id = user_id
        self.key: dict[int, str] = {}
        self.by_key: dict[str, int] = {}
        self.symbol: dict[int, str] = {}
        for row in engine.rows.values():
            key = self._key(row)
            self.key[row.token] = key
            self.by_key[key] = row.token
            self.symbol[row.token] = self._symbol(row)

    @staticmethod
    def segment(row: UniverseRow) -> str:
        return _SEGMENTS[(row.exchange, row.kind)]

    def _key(self, row: UniverseRow) -> str:
        segment = self.segment(row)
        if row.kind == "EQ":
            return f"{segment}|{row.isin}"
        if row.kind == "IDX":
            return f"{segment}|{_INDEX_NAMES.get(row.symbol, row.symbol.title())}"
        return f"{segment}|{35000 + row.token}"

    @staticmethod
    def _symbol(row: UniverseRow) -> str:
        if row.kind == "EQ":
            return row.symbol
        if row.kind == "IDX":
            return row.underlying
        assert row.expiry is not None
        stamp = f"{row.expiry.day:02d} {_MONTHS[row.expiry.month - 1]} {row.expiry.year % 100:02d}"
        if row.kind == "FUT":
            return f"{row.underlying} FUT {stamp}"
        return f"{row.underlying} {row.strike:g} {row.option_type} {stamp}"

    def row(self, token: int) -> UniverseRow:
        return self.engine.rows[token]

    def token(self, key: object) -> int:
        """The paper token behind an instrument key; an unknown key is refused as Upstox does."""
        found = self.by_key.get(key) if isinstance(key, str) else None
        if found is None:
            raise bad_input(f"instrument key {key!r} is not valid")
        return found

    def product(self, token: int, paper_product: str) -> str:
        """Paper product -> Upstox's: CNC and NRML are both ``D``, MIS is ``I``."""
        return "I" if paper_product == "MIS" else "D"

    def paper_product(self, token: int, product: object) -> str:
        if product == "I":
            return "MIS"
        if product == "D":
            return "CNC" if self.row(token).kind == "EQ" else "NRML"
        raise bad_input(f"product {product!r} (I, D or MTF)")

    def identity(self, token: int) -> dict[str, Any]:
        """The instrument fields most Upstox rows carry."""
        row = self.row(token)
        symbol = self.symbol[token]
        return {"exchange": row.exchange, "instrument_token": self.key[token], "tradingsymbol": symbol,
                "trading_symbol": symbol}

    def bod_file(self) -> list[dict[str, Any]]:
        """``complete.json``: tick sizes in paise, expiries in epoch ms, keys as the real file writes them."""
        out: list[dict[str, Any]] = []
        for row in self.engine.rows.values():
            segment = self.segment(row)
            record: dict[str, Any] = {"segment": segment, "name": row.name, "exchange": row.exchange[:3],
                                      "instrument_key": self.key[row.token], "trading_symbol": self.symbol[row.token],
                                      "exchange_token": str(35000 + row.token)}
            if row.kind == "IDX":
                record.update(name=_INDEX_NAMES.get(row.symbol, row.symbol.title()), instrument_type="INDEX")
            elif row.kind == "EQ":
                record.update(isin=row.isin, instrument_type="EQ", lot_size=row.lot_size,
                              tick_size=round(row.tick_size * 100, 4), freeze_quantity=100000.0,
                              short_name=row.symbol, security_type="NORMAL")
            else:
                assert row.expiry is not None
                record.update(
                    name=row.underlying, expiry=_expiry_ms(row.expiry),
                    instrument_type=row.option_type if row.kind == "OPT" else "FUT", asset_symbol=row.underlying,
                    underlying_symbol=row.underlying, lot_size=row.lot_size, minimum_lot=row.lot_size,
                    freeze_quantity=float(self.freeze_quantity(row.token)), tick_size=round(row.tick_size * 100, 4),
                    qty_multiplier=1.0, weekly=False)
                if row.kind == "OPT":
                    record["strike_price"] = row.strike
            out.append(record)
        return out

    def freeze_quantity(self, token: int) -> int:
        """Largest quantity one order may carry: the exchanges' freeze limits the paper market enforces."""
        row = self.row(token)
        return FREEZE_QUANTITIES.get(row.underlying, 100_000) if row.kind in ("FUT", "OPT") else 100_000

    # -- rows -------------------------------------------------------------------------------

    def order(self, order: PaperOrder, *, history: bool = False) -> dict[str, Any]:
        """One order as ``OrderBookData`` (book, details) or ``OrderData`` (history)."""
        is_amo = order.variety == "AMO"
        status = _STATUSES.get(order.status, order.status.lower())
        if is_amo and order.status == "OPEN" and not order.filled_qty:
            status = "after market order req received"
        row: dict[str, Any] = {
            **self.identity(order.token), "product": self.product(order.token, order.product),
            "price": order.price, "quantity": order.qty, "status": status, "tag": order.tag or None,
            "placed_by": "EMU123", "order_type": _PAPER_ORDER_TYPES[order.order_type], "validity": order.validity,
            "trigger_price": order.trigger_price, "disclosed_quantity": 0, "transaction_type": order.side,
            "average_price": round(order.average_price, 2), "filled_quantity": order.filled_qty,
            "status_message": status_message(order, self.user_id) if order.status == "REJECTED" else
            order.message or None, "exchange_order_id": order.exchange_order_id or None,
            "parent_order_id": None, "order_id": order.order_id,
            "variety": "AMO" if is_amo else "SIMPLE",
            "order_timestamp": upstox_time(order.placed_at), "exchange_timestamp": upstox_time(order.updated_at)
            if order.exchange_order_id else None, "is_amo": is_amo, "order_request_id": "1"}
        if not history:
            row.update(pending_quantity=max(order.qty - order.filled_qty - order.cancelled_qty, 0)
                       if order.status in ("OPEN", "TRIGGER_PENDING") else 0,
                       status_message_raw=row["status_message"], guid=None, order_ref_id=None)
        return row

    def trade(self, fill: PaperFill) -> dict[str, Any]:
        """One fill as ``TradeData``."""
        order = self.engine.orders.get(fill.order_id)
        return {**self.identity(fill.token), "product": self.product(fill.token, fill.product),
                "order_type": _PAPER_ORDER_TYPES[order.order_type] if order else "MARKET",
                "transaction_type": fill.side, "quantity": fill.qty, "exchange_order_id": fill.exchange_order_id,
                "order_id": fill.order_id, "exchange_timestamp": upstox_time(fill.time),
                "average_price": fill.price, "trade_id": fill.trade_id, "order_ref_id": None,
                "order_timestamp": upstox_time(order.placed_at if order else fill.time)}

    def position(self, position: PaperPosition, last: float) -> dict[str, Any]:
        """One position as ``PositionData``: every quantity is today's (the paper book starts each day)."""
        token = position.token
        buy_price = position.buy_value / position.buy_quantity if position.buy_quantity else 0.0
        sell_price = position.sell_value / position.sell_quantity if position.sell_quantity else 0.0
        unrealised = (last - position.average_price) * position.quantity if position.quantity else 0.0
        return {**self.identity(token), "multiplier": 1.0, "value": round(position.sell_value - position.buy_value, 2),
                "pnl": round(position.realised + unrealised, 2), "product": self.product(token, position.product),
                "average_price": round(position.average_price, 2), "buy_value": round(position.buy_value, 2),
                "overnight_quantity": 0, "day_buy_value": round(position.buy_value, 2),
                "day_buy_price": round(buy_price, 2), "overnight_buy_amount": 0.0, "overnight_buy_quantity": 0,
                "day_buy_quantity": position.buy_quantity, "day_sell_value": round(position.sell_value, 2),
                "day_sell_price": round(sell_price, 2), "overnight_sell_amount": 0.0, "overnight_sell_quantity": 0,
                "day_sell_quantity": position.sell_quantity, "quantity": position.quantity, "last_price": last,
                "unrealised": round(unrealised, 2), "realised": round(position.realised, 2),
                "sell_value": round(position.sell_value, 2), "close_price": self.engine.quote(token).close,
                "buy_price": round(buy_price, 2), "sell_price": round(sell_price, 2)}

    def holding(self, holding: PaperHolding, last: float) -> dict[str, Any]:
        """One holding as ``HoldingsData``."""
        row = self.row(holding.token)
        close = self.engine.quote(holding.token).close
        return {**self.identity(holding.token), "isin": row.isin, "cnc_used_quantity": 0, "collateral_type": "WC",
                "company_name": row.name, "haircut": 0.2, "product": "D", "quantity": holding.quantity,
                "last_price": last, "close_price": close,
                "pnl": round((last - holding.average_price) * holding.quantity, 2),
                "day_change": round(last - close, 2), "day_change_percentage": round((last - close) / close * 100, 4)
                if close else 0.0, "average_price": holding.average_price, "collateral_quantity": 0,
                "collateral_update_quantity": 0, "t1_quantity": 0}

    def quote(self, quote: PaperQuote) -> dict[str, Any]:
        """One ``MarketQuoteSymbolV3`` (the v2 quote is the same without the v3-only fields)."""
        token = quote.token
        row = self.row(token)
        band = price_band(row.kind, quote.close) or (row.tick_size, quote.close * 3)
        return {
            "ohlc": {"open": quote.open, "high": quote.high, "low": quote.low, "close": quote.last_price},
            "depth": {"buy": [{"quantity": q, "price": p, "orders": n} for p, q, n in quote.bids],
                      "sell": [{"quantity": q, "price": p, "orders": n} for p, q, n in quote.asks]},
            "timestamp": quote.timestamp.astimezone(IST).isoformat(timespec="milliseconds"),
            "instrument_token": self.key[token], "symbol": self.symbol[token], "last_price": quote.last_price,
            "volume": quote.volume, "average_price": round((quote.high + quote.low + quote.last_price) / 3, 2),
            "oi": float(quote.oi), "net_change": round(quote.last_price - quote.close, 2),
            "total_buy_quantity": float(sum(q for _, q, _ in quote.bids)),
            "total_sell_quantity": float(sum(q for _, q, _ in quote.asks)),
            "lower_circuit_limit": round(max(band[0], row.tick_size), 2), "upper_circuit_limit": round(band[1], 2),
            "last_trade_time": str(int(quote.timestamp.timestamp() * 1000)), "oi_day_high": 0.0, "oi_day_low": 0.0,
            "prev_close_price": quote.close}

    def quote_key(self, token: int) -> str:
        """The key a quote map files an instrument under: ``NSE_EQ:RELIANCE``."""
        return f"{self.segment(self.row(token))}:{self.symbol[token]}"
