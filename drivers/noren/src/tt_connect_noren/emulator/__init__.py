"""The Noren emulator (``tt-connect emulate shoonya|flattrade|noren``): see :mod:`.app`."""

from tt_connect_noren.emulator.app import (
    EMULATORS,
    FlattradeEmulator,
    NorenEmulator,
    QuickAuthEmulator,
    ShoonyaEmulator,
    main,
)

__all__ = ["EMULATORS", "FlattradeEmulator", "NorenEmulator", "QuickAuthEmulator", "ShoonyaEmulator", "main"]
