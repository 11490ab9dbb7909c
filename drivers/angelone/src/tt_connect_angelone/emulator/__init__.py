"""The AngelOne SmartAPI emulator (``tt-connect emulate angelone``): see :mod:`.app`."""

from tt_connect_angelone.emulator.app import SmartApiEmulator, main

__all__ = ["SmartApiEmulator", "main"]
