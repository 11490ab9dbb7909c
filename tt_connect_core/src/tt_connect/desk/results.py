"""What the desk tools report: every child, leg or item, with its order id or the error it met."""

from __future__ import annotations

import msgspec

from tt_connect.models import BasketMargin, OrderRequest

__all__ = ["BasketLeg", "BasketResult", "BulkItem", "BulkResult", "SliceChild", "SlicedOrder"]


class SliceChild(msgspec.Struct, frozen=True, kw_only=True):
    """One child of a sliced order: its quantity, and its id (or why it was not placed)."""

    qty: int
    order_id: str | None = None
    tag: str = ""
    error: str | None = None
    """``ErrorClass: message`` when the child was refused or not sent."""


class SlicedOrder(msgspec.Struct, frozen=True, kw_only=True):
    """An order above the freeze quantity, placed as legal child orders."""

    qty: int
    children: tuple[SliceChild, ...]
    native: bool = False
    """True when the broker sliced it (Kite's autoslice, Upstox's slice); else tt-connect did."""

    @property
    def order_ids(self) -> list[str]:
        return [c.order_id for c in self.children if c.order_id is not None]

    @property
    def complete(self) -> bool:
        """True when every child was placed."""
        return all(c.order_id is not None for c in self.children)


class BasketLeg(msgspec.Struct, frozen=True, kw_only=True):
    """One leg of a basket: what was asked, what came of it, and how it was unwound if it was."""

    request: OrderRequest
    order_id: str | None = None
    error: str | None = None
    unwound_by: str | None = None
    """The order that reversed this leg's fill (or ``cancelled`` for an open leg), after a later leg failed."""


class BasketResult(msgspec.Struct, frozen=True, kw_only=True):
    """Every leg in the order it was sent; ``margin`` is the basket's price checked before sending."""

    legs: tuple[BasketLeg, ...]
    margin: BasketMargin | None = None

    @property
    def complete(self) -> bool:
        return all(leg.order_id is not None and leg.error is None for leg in self.legs)


class BulkItem(msgspec.Struct, frozen=True, kw_only=True):
    """One order cancelled, or one position closed (``order_id`` of the closing order), or the error."""

    subject: str
    """The cancelled order's id, or the closed position's instrument."""
    order_id: str | None = None
    error: str | None = None


class BulkResult(msgspec.Struct, frozen=True, kw_only=True):
    """What a bulk action did and what failed; it never stops halfway."""

    done: tuple[BulkItem, ...] = ()
    failed: tuple[BulkItem, ...] = ()
