"""The driver contract and the extension hooks, as pluggy hook specifications.

pluggy calls hooks synchronously, so no hook does I/O: each *driver hook*
(``firstresult``) is a factory returning a pure object from
:mod:`tt_connect.driver_api` that the core then drives. A client's plugin
manager holds exactly one driver, so "first result" is that driver's answer.
Drivers do not implement these hooks by hand: they subclass
:class:`tt_connect.driver_api.DriverPlugin`, which implements every driver hook
once over the factory methods a driver overrides.

*Extension hooks* are called on every registered plugin (risk checks,
fan-out, auditing) and must return quickly: they run on the client's event loop.

Hooks are called with keyword arguments, so new arguments can be added
without breaking existing plugins. ``async def`` implementations are refused
at registration.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from tt_connect.driver_api import (
        BrokerApi,
        BrokerAuth,
        BrokerStream,
        Capabilities,
        DriverConfig,
        DriverDescription,
        ErrorMap,
        InstrumentSource,
        RateLimits,
        Transport,
    )
    from tt_connect.models import Order, OrderRequest, Tick

PROJECT = "tt_connect"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

__all__ = ["PROJECT", "hookimpl", "hookspec"]


# -- identity ----------------------------------------------------------------------------


@hookspec(firstresult=True)
def ttc_describe() -> DriverDescription:
    """Describe the driver: name, implemented driver-API version, config Struct type.

    Called once by the loader, before any other hook. Required.
    """


@hookspec(firstresult=True)
def ttc_capabilities() -> Capabilities:
    """Return the capability matrix (operations, per-exchange order types, stream modes).

    Called once per client, and by ``tt-connect drivers`` without any settings: the matrix
    describes the driver, not an account. Required. The core refuses unsupported calls with
    ``UnsupportedOperationError`` before any translator runs.
    """


# -- auth --------------------------------------------------------------------------------


@hookspec(firstresult=True)
def ttc_auth(config: DriverConfig) -> BrokerAuth | None:
    """Return the auth description: login flow (sans-I/O), session headers, logout.

    Called once per client. Return None for a broker that needs no session (paper).
    """


# -- instruments -------------------------------------------------------------------------


@hookspec(firstresult=True)
def ttc_instrument_source(config: DriverConfig) -> InstrumentSource:
    """Return where the instrument master comes from and its canonical SELECT.

    Called when the client loads or refreshes the master. Required.
    """


# -- orders, portfolio and market data ---------------------------------------------------


@hookspec(firstresult=True)
def ttc_api(config: DriverConfig) -> BrokerApi:
    """Return the REST translator: request builders and response parsers per operation.

    Called once per client. Required.
    """


@hookspec(firstresult=True)
def ttc_error_map(config: DriverConfig) -> ErrorMap:
    """Return how the broker's error codes, messages and statuses map to the error tree.

    Called once per client. Optional: a default map by HTTP status is used otherwise.
    """


@hookspec(firstresult=True)
def ttc_rate_limits(config: DriverConfig) -> RateLimits | None:
    """Return the broker's rate classes (per-second/minute/day windows).

    Called once per client. Optional: no client-side limiting otherwise.
    """


# -- streaming ---------------------------------------------------------------------------


@hookspec(firstresult=True)
def ttc_stream(config: DriverConfig) -> BrokerStream | None:
    """Return the streaming description: URL, messages, frame decoder, limits.

    Called when the client first subscribes. Return None when the broker has no stream.
    """


# -- transport ---------------------------------------------------------------------------


@hookspec(firstresult=True)
def ttc_transport(config: DriverConfig) -> Transport | None:
    """Return an in-process transport instead of the network (the paper broker).

    Called once per client. Optional: the core's aiohttp transport is used when
    every implementation returns None.
    """


# -- extension hooks (every plugin) ------------------------------------------------------


@hookspec
def ttc_validate_order(broker: str, request: OrderRequest) -> None:
    """Check an order before it is sent; raise ``InvalidOrderError`` to block it.

    Called for every ``place_order`` after tt-connect's own lot/tick checks.
    """


@hookspec
def ttc_order_event(broker: str, event: str, order: Order | None, order_id: str | None) -> None:
    """Observe an order event: ``placed``, ``modified``, ``cancelled`` or ``updated``.

    Called after the broker acknowledged the call, or when a stream update arrives.
    """


@hookspec
def ttc_tick(broker: str, tick: Tick) -> None:
    """Observe every tick delivered to a subscriber (fan-out, recording).

    Called on the event loop before the user's handler; keep it cheap. Only
    invoked at all when at least one plugin implements it.
    """


@hookspec
def ttc_session_event(broker: str, event: str, details: dict[str, Any]) -> None:
    """Observe the session lifecycle: ``login``, ``restored``, ``refreshed``, ``expired``, ``logout``.

    ``details`` never contains a secret.
    """
