"""Noren OMS driver for tt-connect: Shoonya (Finvasia), Flattrade and any other Noren broker.

Noren (Kambala Solutions) runs the same REST routes, ``jData=`` bodies and JSON
socket at several brokers; only hosts, the login flow and the socket's connect
message differ. Those differences are data (:mod:`tt_connect_noren.profiles`), so one
translator serves every profile and a new Noren broker needs a config, not code.
"""

from __future__ import annotations

from tt_connect_noren.profiles import PROFILES, NorenProfile

__all__ = ["PROFILES", "NorenProfile", "__version__"]

__version__ = "1.0.0"
