"""tt-connect: one typed interface to every Indian broker.

>>> from tt_connect import TTConnect, Equity, Exchange, Side, ProductType, OrderType  # doctest: +SKIP
>>> broker = TTConnect("paper")                                                      # doctest: +SKIP

Names are imported lazily, so ``import tt_connect`` stays cheap: aiohttp,
DuckDB and the drivers load only when a client needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "1.0.0"

_EXPORTS: dict[str, str] = {
    "TTConnect": "tt_connect.sync",
    "AsyncTTConnect": "tt_connect.client",
    "Equity": "tt_connect.instruments",
    "Future": "tt_connect.instruments",
    "Index": "tt_connect.instruments",
    "Instrument": "tt_connect.instruments",
    "Option": "tt_connect.instruments",
    "CandleInterval": "tt_connect.enums",
    "Exchange": "tt_connect.enums",
    "InstrumentKind": "tt_connect.enums",
    "OptionType": "tt_connect.enums",
    "OrderStatus": "tt_connect.enums",
    "OrderType": "tt_connect.enums",
    "ProductType": "tt_connect.enums",
    "Side": "tt_connect.enums",
    "StreamMode": "tt_connect.enums",
    "Validity": "tt_connect.enums",
    "Variety": "tt_connect.enums",
    "GttStatus": "tt_connect.enums",
    "GttType": "tt_connect.enums",
    "GttLeg": "tt_connect.models",
    "OrderRequest": "tt_connect.models",
    "TTConnectError": "tt_connect.errors",
}

__all__ = sorted([*_EXPORTS, "__version__"])

if TYPE_CHECKING:
    from tt_connect.client import AsyncTTConnect
    from tt_connect.enums import (
        CandleInterval,
        Exchange,
        GttStatus,
        GttType,
        InstrumentKind,
        OptionType,
        OrderStatus,
        OrderType,
        ProductType,
        Side,
        StreamMode,
        Validity,
        Variety,
    )
    from tt_connect.errors import TTConnectError
    from tt_connect.instruments import Equity, Future, Index, Instrument, Option
    from tt_connect.models import GttLeg, OrderRequest
    from tt_connect.sync import TTConnect


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tt_connect' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
