"""SmartWebSocketV2: subscribe messages, heartbeat and the binary tick decoder (the hot path).

Every binary frame is ONE little-endian packet (reference 2.13.4): a header of
``uint8 mode``, ``uint8 exchange type`` and a 25-byte NUL-padded ASCII token, then

* LTP (mode 1, 51 bytes): sequence number, exchange time (epoch ms), last price;
* QUOTE (mode 2, 123 bytes): + last quantity, average price, volume, total buy and
  sell quantity (doubles), open, high, low, close;
* SNAP_QUOTE (mode 3, 379 bytes): + last trade time, open interest, OI change %
  (double), 5 buy then 5 sell levels of (int16 flag, int64 qty, int64 price,
  int16 orders), upper and lower circuit, 52-week high and low.

Prices are in paise (divide by 100; currency by 10^7, see PROTOCOL.md). Each packet
kind is read by ONE precompiled ``struct.Struct.unpack_from`` (depth included), and
the (exchange type, raw token bytes) -> (instrument, divisor) lookup is cached per
decoder, so a steady-state tick costs one unpack, one dict hit and the Tick.
Text frames are the server's ``pong`` or a JSON error reply.
"""

from __future__ import annotations

import datetime as _dt
import struct
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
from tt_connect.driver_api import BrokerStream, BrokerSymbol, DriverContext, Session
from tt_connect.enums import StreamMode
from tt_connect.errors import InstrumentError, SessionExpiredError, StreamingError
from tt_connect.instruments import AnyInstrument
from tt_connect.models import Depth, DepthLevel, OrderUpdate, Tick
from tt_connect.timeutil import IST

from tt_connect_angelone.config import AngelOneConfig
from tt_connect_angelone.mapping import EXCHANGE_TYPES, SEGMENT_OF_EXCHANGE_TYPE
from tt_connect_angelone.order_stream import AngelOrderStream

__all__ = ["DIVISORS", "LTP_PACKET", "QUOTE_PACKET", "SNAP_QUOTE_PACKET", "AngelDecoder", "AngelStream",
           "subscription_mode"]

BROKER = "angelone"

LTP_PACKET = struct.Struct("<BB25sqqq")
QUOTE_PACKET = struct.Struct("<BB25sqqqqqqddqqqq")
SNAP_QUOTE_PACKET = struct.Struct("<BB25sqqqqqqddqqqqqqd" + "hqqh" * 10 + "qqqq")
assert (LTP_PACKET.size, QUOTE_PACKET.size, SNAP_QUOTE_PACKET.size) == (51, 123, 379)

DIVISORS: dict[int, float] = {13: 10_000_000.0}
"""Price divisors that differ from 100, by exchange type: currency (cde_fo) at 10^7."""

_MODES: dict[StreamMode, int] = {StreamMode.LTP: 1, StreamMode.QUOTE: 2, StreamMode.FULL: 3}


def subscription_mode(mode: StreamMode) -> int:
    """Return SmartWebSocketV2's mode code: LTP 1, QUOTE 2, FULL -> SNAP_QUOTE 3."""
    return _MODES[mode]


_LTP, _QUOTE, _FULL = StreamMode.LTP, StreamMode.QUOTE, StreamMode.FULL
_MISSING: Any = object()
_MS_THRESHOLD = 100_000_000_000
"""Epoch values above this are milliseconds (2001 onwards); below, seconds."""


def _epoch(value: int) -> _dt.datetime | None:
    if value <= 0:
        return None
    seconds = value / 1000 if value > _MS_THRESHOLD else float(value)
    try:
        return _dt.datetime.fromtimestamp(seconds, IST)
    except (ValueError, OverflowError, OSError):  # a garbled time beyond year 9999: no time rather than no tick
        return None


def _whole(value: float) -> int:
    """A quantity the wire sends as a double (total buy/sell quantity): NaN or beyond int64 is unknown, 0."""
    return int(value) if -9.2e18 < value < 9.2e18 else 0


class _ErrorReply(msgspec.Struct):
    correlationID: str = ""  # the wire's keys
    errorCode: str = ""
    errorMessage: str = ""


class AngelDecoder:
    """Turns SmartWebSocketV2 frames into canonical Ticks."""

    def __init__(self, ctx: DriverContext) -> None:
        self._ctx = ctx
        self._known: dict[tuple[int, bytes], tuple[AnyInstrument, float] | None] = {}
        self._decode_error = msgspec.json.Decoder(_ErrorReply).decode

    def _lookup(self, exchange_type: int, raw_token: bytes) -> tuple[AnyInstrument, float] | None:
        """Resolve a token once; a token the master does not know is remembered as None and skipped."""
        found: tuple[AnyInstrument, float] | None = None
        segment = SEGMENT_OF_EXCHANGE_TYPE.get(exchange_type)
        if segment is not None:
            token = raw_token.split(b"\0", 1)[0].decode("ascii", "replace")
            try:
                found = (self._ctx.by_token(segment, token), DIVISORS.get(exchange_type, 100.0))
            except InstrumentError:
                found = None
        self._known[(exchange_type, raw_token)] = found
        return found

    def decode(self, frame: str | bytes, received_at: _dt.datetime) -> list[Tick | OrderUpdate]:
        """Decode one WebSocket message; pongs, unknown tokens and depth-20 packets yield nothing."""
        if isinstance(frame, str):
            return self._text(frame)
        size = len(frame)
        if size == 379:
            v = SNAP_QUOTE_PACKET.unpack_from(frame)
            entry = self._known.get((v[1], v[2]), _MISSING)
            if entry is _MISSING:
                entry = self._lookup(v[1], v[2])
            if entry is None:
                return []
            instrument, div = entry
            last, close = v[5] / div, v[14] / div
            level = DepthLevel
            # Depth levels start at v[18], four values each: flag, quantity, price, orders.
            depth = Depth(
                (level(v[20] / div, v[19], v[21]), level(v[24] / div, v[23], v[25]),
                 level(v[28] / div, v[27], v[29]), level(v[32] / div, v[31], v[33]),
                 level(v[36] / div, v[35], v[37])),
                (level(v[40] / div, v[39], v[41]), level(v[44] / div, v[43], v[45]),
                 level(v[48] / div, v[47], v[49]), level(v[52] / div, v[51], v[53]),
                 level(v[56] / div, v[55], v[57])))
            # Positional Tick(...): instrument, mode, last_price, received_at, last_quantity, average_price,
            # volume, buy_quantity, sell_quantity, open, high, low, close, change, oi, oi_day_high,
            # oi_day_low, last_trade_time, exchange_timestamp, depth (see models.Tick).
            return [Tick(instrument, _FULL, last, received_at, v[6], v[7] / div, v[8], _whole(v[9]), _whole(v[10]),
                         v[11] / div, v[12] / div, v[13] / div, close, last - close if close else 0.0,
                         v[16], 0, 0, _epoch(v[15]), _epoch(v[4]), depth)]
        if size == 51:
            _, exchange_type, raw_token, _, _, price = LTP_PACKET.unpack_from(frame)
            entry = self._known.get((exchange_type, raw_token), _MISSING)
            if entry is _MISSING:
                entry = self._lookup(exchange_type, raw_token)
            if entry is None:
                return []
            return [Tick(entry[0], _LTP, price / entry[1], received_at)]
        if size == 123:
            v = QUOTE_PACKET.unpack_from(frame)
            entry = self._known.get((v[1], v[2]), _MISSING)
            if entry is _MISSING:
                entry = self._lookup(v[1], v[2])
            if entry is None:
                return []
            instrument, div = entry
            last, close = v[5] / div, v[14] / div
            return [Tick(instrument, _QUOTE, last, received_at, v[6], v[7] / div, v[8], _whole(v[9]), _whole(v[10]),
                         v[11] / div, v[12] / div, v[13] / div, close, last - close if close else 0.0,
                         0, 0, 0, None, _epoch(v[4]))]
        if size >= 2 and frame[0] == 4:
            return []  # depth-20 packets: never subscribed by tt-connect
        raise StreamingError(f"unexpected SmartWebSocketV2 packet of {size} bytes (mode byte "
                             f"{frame[0] if size else 'missing'}); expected 51, 123 or 379", broker=BROKER)

    def _text(self, frame: str) -> list[Tick | OrderUpdate]:
        stripped = frame.strip()
        if not stripped or stripped.lower() == "pong":
            return []
        try:
            reply = self._decode_error(stripped)
        except msgspec.DecodeError:
            return []
        if reply.errorCode or reply.errorMessage:
            raise StreamingError(f"AngelOne stream error: {reply.errorMessage or 'no message'}", broker=BROKER,
                                 code=reply.errorCode or None)
        return []


class AngelStream(BrokerStream):
    """SmartWebSocketV2, the market feed; order updates come on a socket of their own (``order_updates``)."""

    max_instruments_per_connection = 1000
    max_connections = 3
    stale_after = 20.0
    """The SDKs reconnect after ~20 s without any message (reference 2.13.2)."""
    ping_interval: float | None = 10.0

    def __init__(self, config: AngelOneConfig) -> None:
        self._config = config
        self.order_updates = AngelOrderStream(config)

    def url(self, session: Session | None) -> str:
        return self._config.ws_url

    def headers(self, session: Session | None) -> Mapping[str, str]:
        """Return the handshake headers: Bearer JWT, api key, client code and feed token (reference 2.13.1)."""
        if session is None:
            raise SessionExpiredError("the AngelOne stream needs a logged-in session", broker=BROKER)
        if not session.feed_token:
            raise StreamingError("the AngelOne session has no feed token: log in with pin and totp_secret, or "
                                 "set feed_token next to access_token", broker=BROKER)
        return {"Authorization": f"Bearer {session.access_token}", "x-api-key": self._config.api_key,
                "x-client-code": session.user_id or self._config.client_code,
                "x-feed-token": session.feed_token}

    def ping(self) -> str:
        """Return the text heartbeat the server answers with ``pong``."""
        return "ping"

    @staticmethod
    def _token_list(symbols: Sequence[BrokerSymbol]) -> list[dict[str, Any]]:
        grouped: dict[int, list[str]] = {}
        for symbol in symbols:
            code = EXCHANGE_TYPES.get(symbol.segment)
            if code is None:
                raise StreamingError(f"AngelOne does not stream segment {symbol.segment!r}", broker=BROKER)
            grouped.setdefault(code, []).append(symbol.token)
        return [{"exchangeType": code, "tokens": tokens} for code, tokens in grouped.items()]

    @staticmethod
    def _message(action: int, mode: int, token_list: list[dict[str, Any]]) -> str:
        correlation = f"ttc{'sub' if action else 'uns'}{mode}"
        return msgspec.json.encode({"correlationID": correlation, "action": action,
                                    "params": {"mode": mode, "tokenList": token_list}}).decode()

    def subscribe(self, symbols: Sequence[BrokerSymbol], mode: StreamMode) -> list[str | bytes]:
        """Return one subscribe message (action 1) with the tokens grouped by exchange type."""
        token_list = self._token_list(symbols)
        return [self._message(1, subscription_mode(mode), token_list)] if token_list else []

    def unsubscribe(self, symbols: Sequence[BrokerSymbol]) -> list[str | bytes]:
        """Return unsubscribe messages (action 0) for every mode: the server ignores tokens not subscribed."""
        token_list = self._token_list(symbols)
        if not token_list:
            return []
        return [self._message(0, mode, token_list) for mode in sorted(set(_MODES.values()))]

    def decoder(self, ctx: DriverContext) -> AngelDecoder:
        return AngelDecoder(ctx)
