"""AngelOne SmartAPI driver for tt-connect.

The driver only translates: canonical requests to SmartAPI's JSON REST calls,
SmartAPI's envelopes and SmartWebSocketV2 binary ticks back to canonical models.
Install it and ``TTConnect("angelone", {...})`` finds :class:`AngelOneDriver` through
its entry point.
"""

from __future__ import annotations

from tt_connect_angelone.config import AngelOneConfig
from tt_connect_angelone.plugin import AngelOneDriver

__all__ = ["AngelOneConfig", "AngelOneDriver", "__version__"]

__version__ = "1.0.0"
