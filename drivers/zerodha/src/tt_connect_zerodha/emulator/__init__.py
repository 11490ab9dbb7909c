"""The Kite Connect v3 emulator (``tt-connect emulate zerodha``): see :mod:`.app`."""

from tt_connect_zerodha.emulator.app import KiteEmulator, main

__all__ = ["KiteEmulator", "main"]
