"""Every capability check, in one place: an operation, an exchange, an order's shape."""

from __future__ import annotations

from tt_connect.driver_api import Capabilities, Operation, Support
from tt_connect.enums import Exchange, Validity, Variety
from tt_connect.errors import UnsupportedOperationError
from tt_connect.models import GttRequest, OrderRequest

__all__ = ["require", "require_exchange", "require_gtt", "require_order"]


def require(capabilities: Capabilities, operation: Operation, broker: str) -> Support:
    """Return how the operation is served; raise UnsupportedOperationError when it is not."""
    support = capabilities.support(operation)
    if support is Support.UNSUPPORTED:
        raise UnsupportedOperationError(
            f"{broker} does not support {operation.value}; see `tt-connect drivers` for its capability matrix",
            broker=broker)
    return support


def require_exchange(capabilities: Capabilities, exchange: Exchange, broker: str) -> None:
    """Refuse an exchange the broker does not trade on."""
    if capabilities.segment(exchange) is None:
        traded = ", ".join(s.exchange.value for s in capabilities.segments) or "none"
        raise UnsupportedOperationError(f"{broker} does not trade on {exchange} (it trades on: {traded})",
                                        broker=broker)


def require_order(capabilities: Capabilities, request: OrderRequest, broker: str) -> Support:
    """Refuse an order the broker cannot take; return how its validity is served (TTL may be EMULATED)."""
    exchange = request.instrument.exchange
    require_exchange(capabilities, exchange, broker)
    seg = capabilities.segment(exchange)
    assert seg is not None
    for what, value, allowed in (
        ("order type", request.order_type, seg.order_types),
        ("product", request.product, seg.products),
        ("variety", request.variety, seg.varieties),
    ):
        if value not in allowed:
            names = ", ".join(sorted(str(a) for a in allowed)) or "none"
            raise UnsupportedOperationError(
                f"{broker} does not support {what} {value} on {exchange} (supported: {names})", broker=broker)
    support = capabilities.validity_support(exchange, request.validity)
    if support is Support.UNSUPPORTED:
        names = ", ".join(sorted(str(v) for v in seg.validities | seg.emulated_validities)) or "none"
        raise UnsupportedOperationError(
            f"{broker} does not support validity {request.validity} on {exchange} (supported: {names})",
            broker=broker)
    if request.variety is Variety.ICEBERG and request.validity is Validity.TTL and support is Support.EMULATED:
        raise UnsupportedOperationError(f"{broker} cannot combine an iceberg order with an emulated TTL",
                                        broker=broker)
    return support


def require_gtt(capabilities: Capabilities, request: GttRequest, broker: str) -> None:
    """Refuse a GTT the broker cannot hold: its kind, the order type or the product of a leg."""
    require_exchange(capabilities, request.instrument.exchange, broker)
    if request.type not in capabilities.gtt_types:
        kinds = ", ".join(sorted(capabilities.gtt_types)) or "none"
        raise UnsupportedOperationError(f"{broker} does not support {request.type} GTT triggers (supported: {kinds})",
                                        broker=broker)
    seg = capabilities.segment(request.instrument.exchange)
    assert seg is not None
    for leg in request.legs:
        for what, value, allowed in (("order type", leg.order_type, capabilities.gtt_order_types),
                                     ("product", leg.product, seg.products)):
            if value not in allowed:
                names = ", ".join(sorted(str(a) for a in allowed)) or "none"
                raise UnsupportedOperationError(
                    f"{broker} does not support GTT legs with {what} {value} on {request.instrument.exchange} "
                    f"(supported: {names})", broker=broker)
