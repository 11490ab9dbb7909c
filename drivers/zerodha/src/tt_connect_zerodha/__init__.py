"""Zerodha Kite Connect v3 driver for tt-connect.

The driver only translates: canonical requests to Kite's form-encoded REST calls,
Kite's JSON envelopes and binary ticks back to canonical models. Install it and
``TTConnect("zerodha", {"api_key": ...})`` finds :class:`KiteDriver` through its entry point.
"""

from __future__ import annotations

from tt_connect_zerodha.config import ZerodhaConfig
from tt_connect_zerodha.plugin import KiteDriver

__all__ = ["KiteDriver", "ZerodhaConfig", "__version__"]

__version__ = "1.0.0"
