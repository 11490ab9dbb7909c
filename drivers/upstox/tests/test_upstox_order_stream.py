"""The portfolio stream's order updates -> canonical OrderUpdates, from frames the emulator sends."""

from __future__ import annotations

import datetime as _dt
import json

from tt_connect.enums import OrderStatus, Side
from tt_connect.timeutil import IST
from tt_connect_upstox.order_stream import UpstoxOrderDecoder
from upstox_fakes import RELIANCE, FakeContext

RECEIVED = _dt.datetime(2025, 1, 6, 10, 0, tzinfo=IST)
UPDATE = {"update_type": "order", "user_id": "EMU123", "exchange": "NSE", "instrument_token": RELIANCE,
          "trading_symbol": "RELIANCE", "product": "I", "order_type": "MARKET", "average_price": 2905.0, "price": 0.0,
          "trigger_price": 0.0, "quantity": 1, "disclosed_quantity": 0, "pending_quantity": 0, "filled_quantity": 1,
          "transaction_type": "SELL", "exchange_order_id": "1", "validity": "DAY", "status": "complete",
          "is_amo": False, "tag": "ttc9", "order_id": "250106000001", "order_timestamp": "2025-01-06 10:00:00"}


def test_an_order_update_parses_like_an_order_book_row(ctx: FakeContext) -> None:
    (update,) = UpstoxOrderDecoder(ctx).decode(json.dumps(UPDATE), RECEIVED)
    assert update.order.order_id == "250106000001" and update.order.status is OrderStatus.COMPLETE
    assert update.order.side is Side.SELL and update.order.tag == "ttc9" and update.received_at == RECEIVED
    assert update.raw == UPDATE


def test_other_updates_unknown_contracts_and_noise_yield_nothing(ctx: FakeContext) -> None:
    decoder = UpstoxOrderDecoder(ctx)
    assert decoder.decode(json.dumps({**UPDATE, "update_type": "position"}), RECEIVED) == []
    assert decoder.decode(json.dumps({**UPDATE, "instrument_token": "NSE_EQ|INE000X00000"}), RECEIVED) == []
    assert decoder.decode("not json", RECEIVED) == [] and decoder.decode(b"[1, 2]", RECEIVED) == []


def test_the_emulator_frame_decodes_back_to_the_order(ctx: FakeContext) -> None:
    from tt_connect.emulation import StreamClient
    from tt_connect_upstox.emulator import UpstoxEmulator
    from tt_connect_upstox.emulator.stream import order_frame

    emulator = UpstoxEmulator()
    token = next(t for t, r in emulator.engine.rows.items() if r.symbol == "RELIANCE")
    order = emulator.engine.place(token=token, side="BUY", qty=1, order_type="MARKET", product="MIS")
    client = StreamClient.__new__(StreamClient)
    client.user_id, client.state = "EMU123", {"kind": "portfolio", "updates": {"order"}}
    frame = order_frame(emulator, order, client)
    assert frame is not None
    ctx.keys[emulator.listing.key[token]] = ctx.keys[RELIANCE]
    (update,) = UpstoxOrderDecoder(ctx).decode(frame, RECEIVED)
    assert update.order.order_id == order.order_id and update.order.status is OrderStatus.COMPLETE
