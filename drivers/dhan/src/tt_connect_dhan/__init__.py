"""Dhan (DhanHQ v2) driver for tt-connect.

The driver only translates: canonical requests to DhanHQ's JSON REST calls, its bare
JSON replies and little-endian binary market-feed packets back to canonical models.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "1.0.0"
