"""Upstox API v2/v3 driver for tt-connect.

The driver only translates: canonical requests to Upstox's JSON REST calls (single
orders on the order host, everything else on the main host), Upstox's envelopes and
the protobuf market feed back to canonical models. Install it and
``TTConnect("upstox", {...})`` finds it through its entry point.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "1.0.0"
