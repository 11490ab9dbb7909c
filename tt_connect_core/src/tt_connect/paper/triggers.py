"""GTT triggers of the paper broker: checked on every market step, fired as ordinary orders.

A single trigger fires when the price crosses it from the side it was set on
(a trigger above the reference price fires on the way up, one below on the
way down). An OCO pair fires its lower leg when the price falls to it, or its
upper leg when the price rises to it, and is then done: one cancels the other.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING

import msgspec

if TYPE_CHECKING:
    from tt_connect.paper.engine import PaperEngine

__all__ = ["GttBook", "PaperGtt", "PaperGttLeg"]

_LIFETIME = _dt.timedelta(days=365)


class PaperGttLeg(msgspec.Struct, frozen=True, kw_only=True):
    """One trigger and the order it places."""

    trigger_price: float
    side: str
    qty: int
    product: str
    order_type: str = "LIMIT"
    price: float = 0.0


class PaperGtt(msgspec.Struct, kw_only=True):
    """A GTT in the paper book; ``kind`` is ``single`` or ``two-leg``."""

    gtt_id: str
    token: int
    kind: str
    status: str
    legs: tuple[PaperGttLeg, ...]
    last_price: float
    created_at: _dt.datetime
    updated_at: _dt.datetime
    expires_at: _dt.datetime
    order_ids: list[str] = msgspec.field(default_factory=list)
    message: str = ""


class GttBook:
    """The account's GTTs: placement, modification, deletion and firing."""

    def __init__(self, engine: PaperEngine) -> None:
        self._engine = engine
        self.gtts: dict[str, PaperGtt] = {}
        self.counter = 0

    def restore(self, gtts: list[PaperGtt], counter: int) -> None:
        """Take back the GTTs of a saved state (the engine's state file)."""
        self.gtts = {g.gtt_id: g for g in gtts}
        self.counter = max(counter, len(gtts))

    def _check(self, token: int, legs: tuple[PaperGttLeg, ...], last_price: float) -> None:
        from tt_connect.paper.engine import PaperRejection

        self._engine.row(token)
        if len(legs) not in (1, 2):
            raise PaperRejection("INPUT", "a GTT has one leg (single) or two legs (two-leg / OCO)")
        if last_price <= 0:
            raise PaperRejection("INPUT", "last_price must be positive")
        if len(legs) == 2 and not legs[0].trigger_price < last_price < legs[1].trigger_price:
            raise PaperRejection("INPUT", "the two triggers must lie either side of the last price")
        for leg in legs:
            if leg.qty <= 0 or leg.trigger_price <= 0:
                raise PaperRejection("INPUT", "trigger price and quantity must be positive")

    def place(self, token: int, legs: list[PaperGttLeg], last_price: float) -> PaperGtt:
        ordered = tuple(sorted(legs, key=lambda leg: leg.trigger_price))
        self._check(token, ordered, last_price)
        now = self._engine.clock.now()
        self.counter += 1
        gtt = PaperGtt(gtt_id=str(100000 + self.counter), token=token,
                       kind="two-leg" if len(ordered) == 2 else "single", status="active", legs=ordered,
                       last_price=last_price, created_at=now, updated_at=now, expires_at=now + _LIFETIME)
        self.gtts[gtt.gtt_id] = gtt
        self._engine._save()
        return msgspec.structs.replace(gtt)

    def _active(self, gtt_id: str) -> PaperGtt:
        from tt_connect.paper.engine import PaperRejection

        gtt = self.gtts.get(gtt_id)
        if gtt is None:
            raise PaperRejection("GTT_NOT_FOUND", f"GTT {gtt_id} not found", 404)
        if gtt.status != "active":
            raise PaperRejection("ORDER_STATE", f"GTT {gtt_id} is {gtt.status} and cannot be changed")
        return gtt

    def modify(self, gtt_id: str, legs: list[PaperGttLeg], last_price: float) -> PaperGtt:
        gtt = self._active(gtt_id)
        ordered = tuple(sorted(legs, key=lambda leg: leg.trigger_price))
        self._check(gtt.token, ordered, last_price)
        gtt.legs, gtt.last_price = ordered, last_price
        gtt.kind = "two-leg" if len(ordered) == 2 else "single"
        gtt.updated_at = self._engine.clock.now()
        self._engine._save()
        return msgspec.structs.replace(gtt)

    def delete(self, gtt_id: str) -> PaperGtt:
        gtt = self._active(gtt_id)
        gtt.status = "deleted"
        gtt.updated_at = self._engine.clock.now()
        self._engine._save()
        return msgspec.structs.replace(gtt)

    def get(self, gtt_id: str) -> PaperGtt:
        from tt_connect.paper.engine import PaperRejection

        gtt = self.gtts.get(gtt_id)
        if gtt is None:
            raise PaperRejection("GTT_NOT_FOUND", f"GTT {gtt_id} not found", 404)
        return msgspec.structs.replace(gtt)

    def _fired_leg(self, gtt: PaperGtt, last: float) -> PaperGttLeg | None:
        if gtt.kind == "two-leg":
            low, high = gtt.legs
            return low if last <= low.trigger_price else high if last >= high.trigger_price else None
        (leg,) = gtt.legs
        rising = leg.trigger_price > gtt.last_price
        return leg if (last >= leg.trigger_price if rising else last <= leg.trigger_price) else None

    def evaluate(self) -> None:
        """Fire every active GTT whose trigger the market crossed; expire the old ones."""
        from tt_connect.paper.engine import PaperRejection

        engine = self._engine
        now = engine.clock.now()
        changed = False
        for gtt in list(self.gtts.values()):
            if gtt.status != "active":
                continue
            if now >= gtt.expires_at:
                gtt.status, gtt.updated_at, changed = "expired", now, True
                continue
            leg = self._fired_leg(gtt, engine.ltp(gtt.token))
            if leg is None:
                continue
            gtt.status, gtt.updated_at, changed = "triggered", now, True
            try:
                order = engine.place(token=gtt.token, side=leg.side, qty=leg.qty, order_type=leg.order_type,
                                     product=leg.product, price=leg.price if leg.order_type == "LIMIT" else 0.0,
                                     tag=f"gtt{gtt.gtt_id}")
                gtt.order_ids.append(order.order_id)
            except PaperRejection as exc:
                gtt.message = exc.message
        if changed:
            engine._save()
