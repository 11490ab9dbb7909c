"""The Fyers (API v3) emulator (``tt-connect emulate fyers``): see :mod:`.app`."""

from tt_connect_fyers.emulator.app import FyersEmulator, main

__all__ = ["FyersEmulator", "main"]
