"""Building blocks of broker emulators: a paper market behind a real HTTP/WebSocket server.

Drivers ship emulators (``tt_connect_<broker>.emulator``) that speak their
broker's wire protocol on 127.0.0.1, so tests, scripts and even the broker's
official SDK can run against them without an account. Everything that is not
wire protocol lives here, written once.
"""

from tt_connect.emulation.faults import Faults, RateWindow
from tt_connect.emulation.host import EmulatorHost, ErrorKind, Handler, StreamClient
from tt_connect.emulation.order_log import OrderWrite, OrderWriteLog
from tt_connect.emulation.refusals import CandleRange, Refusal, moment_field, number_field
from tt_connect.emulation.sessions import IssuedToken, SessionBook, verify_totp

__all__ = ["CandleRange", "EmulatorHost", "ErrorKind", "Faults", "Handler", "IssuedToken", "OrderWrite",
           "OrderWriteLog", "RateWindow", "Refusal", "SessionBook", "StreamClient", "moment_field", "number_field",
           "verify_totp"]
