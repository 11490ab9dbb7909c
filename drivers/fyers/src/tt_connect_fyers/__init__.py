"""Fyers (API v3) driver for tt-connect.

The driver only translates: canonical requests to Fyers' JSON REST calls (``{"s": "ok", ...}``
envelopes, ``NSE:SBIN-EQ`` tickers), its replies and symbol masters back to canonical models.
The HSM data socket and the order socket live in :mod:`tt_connect_fyers.feed`.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "1.0.0"
