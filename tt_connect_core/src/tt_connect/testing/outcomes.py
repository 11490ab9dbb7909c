"""One mistake, one error, on every broker: the cross-broker table, as data.

Each row is a mistake a strategy makes or an outcome the broker reports, and what every driver
must produce for it: one error class, or (where brokers accept the order and reject it
afterwards) a REJECTED order carrying a canonical reason. The conformance suite's cross-broker
tier asserts each row against every driver's emulator; ``docs/errors.md`` renders the same rows
(a test compares them), so the table a user reads is the table the suite runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from tt_connect.enums import RejectionReason
from tt_connect.errors import (
    GttNotFoundError,
    InsufficientFundsError,
    InvalidOrderError,
    IpNotWhitelistedError,
    OrderNotFoundError,
    OrderNotOpenError,
    OrderRejectedError,
    RateLimitError,
    SessionExpiredError,
    TTConnectError,
)

__all__ = ["OUTCOMES", "Outcome", "outcome", "render_table"]


@dataclass(frozen=True)
class Outcome:
    """One row of the table.

    ``error`` is raised by the calls named in ``calls``; when ``reason`` is set, a broker that
    accepts the order first may instead report it REJECTED later, with ``rejection_reason`` equal
    to ``reason`` (the error, when raised, carries the same ``reason``).
    """

    key: str
    mistake: str
    calls: str
    error: type[TTConnectError]
    reason: RejectionReason | None = None
    note: str = ""

    def expected(self) -> str:
        """Return the table's "every driver" cell."""
        text = f"`{self.error.__name__}`"
        if self.reason is not None:
            name = self.reason.name
            text += f" with `reason={name}`, or the order REJECTED with `rejection_reason={name}`"
        return text


OUTCOMES: tuple[Outcome, ...] = (
    Outcome("unknown_order", "an order id the broker does not know",
            "`order`, `order_history`, `order_trades`, `modify_order`, `cancel_order`", OrderNotFoundError),
    Outcome("order_not_open", "modify or cancel an order that is complete, cancelled or rejected",
            "`modify_order`, `cancel_order`", OrderNotOpenError),
    Outcome("cancel_twice", "cancel an order that was already cancelled", "`cancel_order`", OrderNotOpenError),
    Outcome("insufficient_funds", "an order bigger than the account's margin or cash", "`place_order`",
            InsufficientFundsError, RejectionReason.INSUFFICIENT_FUNDS,
            "synchronous refusal or asynchronous rejection, as the broker does it"),
    Outcome("price_band", "a limit price outside the day's price band (circuit limits)", "`place_order`",
            OrderRejectedError, RejectionReason.PRICE_OUTSIDE_BAND),
    Outcome("freeze_quantity", "a quantity above the exchange's freeze quantity", "`place_order`",
            InvalidOrderError, note="refused before anything is sent; `place_sliced` splits it into legal orders"),
    Outcome("market_closed", "a regular order while the market is closed (outside the AMO window too)",
            "`place_order`", OrderRejectedError, RejectionReason.MARKET_CLOSED,
            "an AMO (`variety=Variety.AMO`) is accepted where the broker offers it"),
    Outcome("unknown_gtt", "a GTT id the broker does not know", "`gtt`, `modify_gtt`, `cancel_gtt`",
            GttNotFoundError),
    Outcome("session_dead", "the session died (daily expiry, logout elsewhere) and cannot be renewed silently",
            "any call", SessionExpiredError,
            note="with a silent login (TOTP, key and secret) the core logs in once and replays the call instead"),
    Outcome("rate_limited", "more calls than the broker's rate windows allow, beyond the retries", "any call",
            RateLimitError, note="reads, and writes the broker refused with a 429, are retried first"),
    Outcome("ip_not_whitelisted", "an order, modify or cancel from an IP not on the account's static-IP whitelist",
            "`place_order`, `modify_order`, `cancel_order`", IpNotWhitelistedError,
            note="not retried; register the IP (`set_static_ip` where the broker offers it) or send from it "
                 "(`source_address`, `proxy`)"),
    Outcome("not_tradable", "an order on an index", "`place_order`", InvalidOrderError,
            note="refused before anything is sent (an exchange the broker does not trade: "
                 "`UnsupportedOperationError`)"),
)
"""Every row, in the order ``docs/errors.md`` shows them."""


def outcome(key: str) -> Outcome:
    """Return the row called ``key``."""
    for row in OUTCOMES:
        if row.key == key:
            return row
    raise KeyError(key)


def render_table() -> str:
    """Return the table as the Markdown ``docs/errors.md`` holds."""
    lines = ["| mistake or outcome | calls | every driver raises | notes |", "|---|---|---|---|"]
    lines += [f"| {o.mistake} | {o.calls} | {o.expected()} | {o.note} |" for o in OUTCOMES]
    return "\n".join(lines)
