"""Fyers' sockets: the HSM binary data socket and the JSON order socket, both directions.

:mod:`.protocol` holds the wire facts, :mod:`.encoder` builds frames (the driver's requests and,
for the emulator and tests, the server's replies), :mod:`.decoder` turns server frames into
Ticks, :mod:`.stream` and :mod:`.order_stream` are the driver's streaming backends and
:mod:`.emulator` serves both sockets from an emulator's paper market.
"""
