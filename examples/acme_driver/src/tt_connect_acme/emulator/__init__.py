"""The Acme emulator (``tt-connect emulate acme``)."""

from tt_connect_acme.emulator.app import AcmeEmulator

__all__ = ["AcmeEmulator", "main"]

main = AcmeEmulator.main
