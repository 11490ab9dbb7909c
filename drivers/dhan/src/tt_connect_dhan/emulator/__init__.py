"""The Dhan (DhanHQ v2) emulator (``tt-connect emulate dhan``): see :mod:`.app`."""

from tt_connect_dhan.emulator.app import DhanEmulator, main

__all__ = ["DhanEmulator", "main"]
