"""Facts of Fyers' HSM data socket (``wss://socket.fyers.in/hsm/v1-5/prod``) shared by both ends.

All integers are big-endian. A client frame is ``uint16 length | uint8 request type | uint8
field count | fields``, each field ``uint8 id | uint16 length | value``; a server frame is
``uint16 length | uint8 response type | ...``. Sources: ``fyers_apiv3`` 3.2.0
``FyersWebsocket/data_ws.py`` and ``map.json`` (PROTOCOL.md lists the lines).

Topics name what is subscribed: ``sf|<exseg>|<exchange token>`` (quote fields),
``dp|<exseg>|<exchange token>`` (five levels of depth) and ``if|<exseg>|<index name>``
(indices, which have no depth). The exchange segment comes from the first four digits of the
fyToken, the exchange token is the fyToken from its eleventh digit on.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

from tt_connect.driver_api import jwt_claims

__all__ = [
    "ACK", "AUTH", "CHANNEL", "CUSTOM", "DATA", "DEPTH_FIELDS", "DEPTH_SCALED", "EXCHANGE_SEGMENTS", "FULL_MODE",
    "INDEX_FIELDS", "INDEX_NAMES", "INDEX_SCALED", "LITE_MODE", "LITE_RECORD", "MODE", "NO_VALUE", "PAUSE", "PING",
    "PING_FRAME", "QUOTE_FIELDS", "QUOTE_SCALED", "RESUME", "SNAPSHOT_RECORD", "SUBSCRIBE", "TOPICS_PER_FRAME",
    "UNSUBSCRIBE", "UPDATE_RECORD", "hsm_key", "index_name", "topic_parts",
]

AUTH, ACK, SUBSCRIBE, UNSUBSCRIBE, DATA, PAUSE, RESUME, PING, MODE, CUSTOM = 1, 3, 4, 5, 6, 7, 8, 11, 12, 51
"""Request/response types: one number per request, its reply carries the same (custom messages are 51)."""
PING_FRAME = b"\x00\x01\x0b"
"""The client's heartbeat, sent every 10 s (the SDK's ``__ping``)."""
FULL_MODE, LITE_MODE = 70, 76
"""Mode frame's field 2: ``F`` (every field, 'U' updates) or ``L`` (last price only, 'L' updates)."""
CHANNEL = 11
"""The SDK's default channel; modes, pause/resume and subscriptions name a channel."""
TOPICS_PER_FRAME = 1500
"""The SDK subscribes at most 1500 topics a frame."""

SNAPSHOT_RECORD, UPDATE_RECORD, LITE_RECORD = 83, 85, 76
"""Record kinds inside a data frame: ``S`` snapshot, ``U`` full update, ``L`` lite update."""
NO_VALUE = -2147483648
"""INT32_MIN: the field has no value (snapshot) or did not change (update)."""

QUOTE_FIELDS = ("ltp", "vol_traded_today", "last_traded_time", "exch_feed_time", "bid_size", "ask_size",
                "bid_price", "ask_price", "last_traded_qty", "tot_buy_qty", "tot_sell_qty", "avg_trade_price",
                "OI", "low_price", "high_price", "Yhigh", "Ylow", "lower_ckt", "upper_ckt", "open_price",
                "prev_close_price")
"""``sf`` topics' values, in wire order (``map.json`` ``data_val``); times are epoch seconds."""
QUOTE_SCALED = frozenset({"ltp", "bid_price", "ask_price", "avg_trade_price", "low_price", "high_price",
                          "open_price", "prev_close_price"})
"""The SDK divides these by ``10**precision * multiplier`` (circuit limits are not scaled: unverified)."""
INDEX_FIELDS = ("ltp", "prev_close_price", "exch_feed_time", "high_price", "low_price", "open_price")
INDEX_SCALED = frozenset({"ltp", "prev_close_price", "high_price", "low_price", "open_price"})
DEPTH_FIELDS = (*(f"bid_price{i}" for i in range(1, 6)), *(f"ask_price{i}" for i in range(1, 6)),
                *(f"bid_size{i}" for i in range(1, 6)), *(f"ask_size{i}" for i in range(1, 6)),
                *(f"bid_order{i}" for i in range(1, 6)), *(f"ask_order{i}" for i in range(1, 6)))
DEPTH_SCALED = frozenset(DEPTH_FIELDS[:10])

EXCHANGE_SEGMENTS: Mapping[str, str] = {
    "1010": "nse_cm", "1011": "nse_fo", "1012": "cde_fo", "1020": "nse_com", "1120": "mcx_fo",
    "1210": "bse_cm", "1211": "bse_fo", "1212": "bcs_fo",
}
"""fyToken's first four digits -> the topic's exchange segment (``map.json`` ``exch_seg_dict``)."""

INDEX_NAMES: Mapping[str, str] = {
    "NSE:NIFTY50-INDEX": "Nifty 50", "NSE:NIFTYBANK-INDEX": "Nifty Bank", "NSE:FINNIFTY-INDEX": "Nifty Fin Service",
    "NSE:MIDCPNIFTY-INDEX": "NIFTY MID SELECT", "NSE:INDIAVIX-INDEX": "India VIX", "NSE:NIFTYIT-INDEX": "Nifty IT",
    "NSE:NIFTYNXT50-INDEX": "Nifty Next 50", "NSE:NIFTY100-INDEX": "Nifty 100", "BSE:SENSEX-INDEX": "SENSEX",
    "BSE:BANKEX-INDEX": "BANKEX",
}
"""Index ticker -> the exchange's index name its topic uses, for the indices traded most (the SDK fetches
the full map from ``index_hsm_mapping.json``; any other index falls back to the ticker's middle part)."""


def index_name(ticker: str, names: Mapping[str, str] = INDEX_NAMES) -> str:
    """The topic name of an index ticker (``NSE:NIFTY50-INDEX`` -> ``Nifty 50``), as the SDK derives it."""
    found = names.get(ticker)
    if found:
        return found
    return ticker.split(":", 1)[-1].rsplit("-", 1)[0]


def topic_parts(fy_token: str) -> tuple[str, str] | None:
    """``(exchange segment, exchange token)`` of a fyToken, or None when its segment is not streamed."""
    segment = EXCHANGE_SEGMENTS.get(fy_token[:4])
    token = fy_token[10:]
    return (segment, token) if segment is not None and token else None


def hsm_key(access_token: str) -> str | None:
    """The ``hsm_key`` claim of an access-token JWT (the data socket's credential), or None."""
    key = jwt_claims(access_token.split(":", 1)[-1]).get("hsm_key")
    return key if isinstance(key, str) and key else None


FRAME_HEAD = struct.Struct(">HB")
DATA_HEAD = struct.Struct(">HBIH")
"""Data frame: length, type 6, message number (what an ack names), record count."""
