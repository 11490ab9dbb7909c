"""The Upstox emulator (``tt-connect emulate upstox``): see :mod:`.app`."""

from tt_connect_upstox.emulator.app import UpstoxEmulator, main

__all__ = ["UpstoxEmulator", "main"]
