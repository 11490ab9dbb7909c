"""User input -> canonical requests, checked once for every driver.

:mod:`~tt_connect.request_builder.coerce` holds the one coercion rule every argument follows;
:mod:`~tt_connect.request_builder.orders` builds orders, modifications, cancellations, margin and
conversion requests; :mod:`~tt_connect.request_builder.gtt` GTT triggers;
:mod:`~tt_connect.request_builder.market` quotes, history chunks and stream subscriptions;
:mod:`~tt_connect.request_builder.capabilities` every capability check. Client-side mistakes raise
:class:`~tt_connect.errors.InputError` subclasses; drivers receive only requests that passed.
"""

from tt_connect.request_builder.orders import OrderBuilder, PlacePlan

__all__ = ["OrderBuilder", "PlacePlan"]
