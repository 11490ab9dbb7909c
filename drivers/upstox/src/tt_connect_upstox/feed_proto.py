"""The market feed's protobuf schema (``FeedResponse``), built at import from a table, no generated code.

Upstox publishes the schema as ``MarketDataFeedV3.proto`` (package
``com.upstox.marketdatafeederv3udapi.rpc.proto``); its official SDK ships protoc's output
for it. Here the same messages, field numbers and types are declared as data and turned
into message classes by the protobuf runtime (its C ``upb`` parser does the decoding).
They live in a private descriptor pool, so this module and the official SDK (a test
dependency) can be imported into one process without clashing in the default pool.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, wrappers_pb2

__all__ = ["PACKAGE", "Feed", "FeedFrame", "FeedResponse", "MarketStatus", "RequestMode", "message_class"]

PACKAGE = "com.upstox.marketdatafeederv3udapi.rpc.proto"

_F = descriptor_pb2.FieldDescriptorProto
_DOUBLE: int = _F.TYPE_DOUBLE
_INT64: int = _F.TYPE_INT64
_STRING: int = _F.TYPE_STRING
_BOOL: int = _F.TYPE_BOOL
_MESSAGE: int = _F.TYPE_MESSAGE
_ENUM: int = _F.TYPE_ENUM
_REPEATED = "repeated"

# message -> [(field, number, type, message/enum type or "", repeated?, oneof or "")]
_MESSAGES: dict[str, list[tuple[str, int, int, str, bool, str]]] = {
    "LTPC": [("ltp", 1, _DOUBLE, "", False, ""), ("ltt", 2, _INT64, "", False, ""), ("ltq", 3, _INT64, "", False, ""),
             ("cp", 4, _DOUBLE, "", False, ""), ("iep", 5, _MESSAGE, ".google.protobuf.DoubleValue", False, "")],
    "MarketLevel": [("bidAskQuote", 1, _MESSAGE, "Quote", True, "")],
    "MarketOHLC": [("ohlc", 1, _MESSAGE, "OHLC", True, "")],
    "Quote": [("bidQ", 1, _INT64, "", False, ""), ("bidP", 2, _DOUBLE, "", False, ""),
              ("askQ", 3, _INT64, "", False, ""), ("askP", 4, _DOUBLE, "", False, "")],
    "OptionGreeks": [("delta", 1, _DOUBLE, "", False, ""), ("theta", 2, _DOUBLE, "", False, ""),
                     ("gamma", 3, _DOUBLE, "", False, ""), ("vega", 4, _DOUBLE, "", False, ""),
                     ("rho", 5, _DOUBLE, "", False, "")],
    "OHLC": [("interval", 1, _STRING, "", False, ""), ("open", 2, _DOUBLE, "", False, ""),
             ("high", 3, _DOUBLE, "", False, ""), ("low", 4, _DOUBLE, "", False, ""),
             ("close", 5, _DOUBLE, "", False, ""), ("vol", 6, _INT64, "", False, ""), ("ts", 7, _INT64, "", False, "")],
    "MarketFullFeed": [("ltpc", 1, _MESSAGE, "LTPC", False, ""), ("marketLevel", 2, _MESSAGE, "MarketLevel", False, ""),
                       ("optionGreeks", 3, _MESSAGE, "OptionGreeks", False, ""),
                       ("marketOHLC", 4, _MESSAGE, "MarketOHLC", False, ""), ("atp", 5, _DOUBLE, "", False, ""),
                       ("vtt", 6, _INT64, "", False, ""), ("oi", 7, _DOUBLE, "", False, ""),
                       ("iv", 8, _DOUBLE, "", False, ""), ("tbq", 9, _DOUBLE, "", False, ""),
                       ("tsq", 10, _DOUBLE, "", False, ""), ("iep", 11, _DOUBLE, "", False, ""),
                       ("rp", 12, _DOUBLE, "", False, ""), ("ieq", 13, _INT64, "", False, ""),
                       ("iiqTotal", 14, _INT64, "", False, ""), ("iiqM", 15, _INT64, "", False, ""),
                       ("casEligible", 16, _BOOL, "", False, "")],
    "IndexFullFeed": [("ltpc", 1, _MESSAGE, "LTPC", False, ""), ("marketOHLC", 2, _MESSAGE, "MarketOHLC", False, "")],
    "FullFeed": [("marketFF", 1, _MESSAGE, "MarketFullFeed", False, "FullFeedUnion"),
                 ("indexFF", 2, _MESSAGE, "IndexFullFeed", False, "FullFeedUnion")],
    "FirstLevelWithGreeks": [("ltpc", 1, _MESSAGE, "LTPC", False, ""),
                             ("firstDepth", 2, _MESSAGE, "Quote", False, ""),
                             ("optionGreeks", 3, _MESSAGE, "OptionGreeks", False, ""),
                             ("vtt", 4, _INT64, "", False, ""), ("oi", 5, _DOUBLE, "", False, ""),
                             ("iv", 6, _DOUBLE, "", False, "")],
    "Feed": [("ltpc", 1, _MESSAGE, "LTPC", False, "FeedUnion"),
             ("fullFeed", 2, _MESSAGE, "FullFeed", False, "FeedUnion"),
             ("firstLevelWithGreeks", 3, _MESSAGE, "FirstLevelWithGreeks", False, "FeedUnion"),
             ("requestMode", 4, _ENUM, "RequestMode", False, "")],
    "StatusInfo": [("status", 1, _STRING, "", False, ""), ("updatedTime", 2, _INT64, "", False, "")],
}
# map<string, V> fields: message -> [(field, number, value type, value is an enum?)]
_MAPS: dict[str, list[tuple[str, int, str, bool]]] = {
    "MarketInfo": [("segmentStatus", 1, "MarketStatus", True), ("casMarketStatus", 2, "StatusInfo", False),
                   ("preOpenSessionStatus", 3, "StatusInfo", False)],
    "FeedResponse": [("feeds", 2, "Feed", False)],
}
_RESPONSE_FIELDS: list[tuple[str, int, int, str, bool, str]] = [
    ("type", 1, _ENUM, "Type", False, ""), ("currentTs", 3, _INT64, "", False, ""),
    ("marketInfo", 4, _MESSAGE, "MarketInfo", False, "")]
_ENUMS: dict[str, list[tuple[str, int]]] = {
    "Type": [("initial_feed", 0), ("live_feed", 1), ("market_info", 2)],
    "RequestMode": [("ltpc", 0), ("full_d5", 1), ("option_greeks", 2), ("full_d30", 3)],
    "MarketStatus": [("PRE_OPEN_START", 0), ("PRE_OPEN_END", 1), ("NORMAL_OPEN", 2), ("NORMAL_CLOSE", 3),
                     ("CLOSING_START", 4), ("CLOSING_END", 5)],
}


def _qualified(type_name: str) -> str:
    return type_name if type_name.startswith(".") else f".{PACKAGE}.{type_name}"


def _add_field(message: descriptor_pb2.DescriptorProto, name: str, number: int, kind: int, type_name: str,
               repeated: bool, oneofs: dict[str, int]) -> descriptor_pb2.FieldDescriptorProto:
    field = message.field.add(name=name, number=number, type=kind,
                              label=_F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL)
    if type_name:
        field.type_name = _qualified(type_name)
    return field


def _message(file: descriptor_pb2.FileDescriptorProto, name: str,
             fields: list[tuple[str, int, int, str, bool, str]]) -> descriptor_pb2.DescriptorProto:
    message = file.message_type.add(name=name)
    oneofs: dict[str, int] = {}
    for field_name, number, kind, type_name, repeated, oneof in fields:
        field = _add_field(message, field_name, number, kind, type_name, repeated, oneofs)
        if oneof:
            if oneof not in oneofs:
                oneofs[oneof] = len(message.oneof_decl)
                message.oneof_decl.add(name=oneof)
            field.oneof_index = oneofs[oneof]
    return message


def _file() -> descriptor_pb2.FileDescriptorProto:
    file = descriptor_pb2.FileDescriptorProto(name="tt_connect_upstox/MarketDataFeedV3.proto", package=PACKAGE,
                                              syntax="proto3", dependency=["google/protobuf/wrappers.proto"])
    for name, values in _ENUMS.items():
        enum = file.enum_type.add(name=name)
        for value_name, number in values:
            enum.value.add(name=value_name, number=number)
    for name, fields in _MESSAGES.items():
        _message(file, name, fields)
    for name, maps in _MAPS.items():
        message = _message(file, name, _RESPONSE_FIELDS if name == "FeedResponse" else [])
        for field_name, number, value_type, is_enum in maps:
            entry_name = field_name[0].upper() + field_name[1:] + "Entry"
            entry = message.nested_type.add(name=entry_name)
            entry.options.map_entry = True
            entry.field.add(name="key", number=1, type=_STRING, label=_F.LABEL_OPTIONAL)
            entry.field.add(name="value", number=2, type=_ENUM if is_enum else _MESSAGE, label=_F.LABEL_OPTIONAL,
                            type_name=_qualified(value_type))
            message.field.add(name=field_name, number=number, type=_MESSAGE, label=_F.LABEL_REPEATED,
                              type_name=f".{PACKAGE}.{name}.{entry_name}")
    return file


def _frame_file() -> descriptor_pb2.FileDescriptorProto:
    """``FeedFrame``: ``FeedResponse`` read with its ``feeds`` map as a repeated entry message.

    A map field is a repeated key/value message on the wire, so the same bytes parse into either;
    the protobuf runtime builds a map's Python view on every access, a repeated field's ~15 % cheaper,
    and the decoder (which only iterates) reads this one.
    """
    file = descriptor_pb2.FileDescriptorProto(name="tt_connect_upstox/FeedFrame.proto", package=PACKAGE,
                                              syntax="proto3", dependency=["tt_connect_upstox/MarketDataFeedV3.proto"])
    message = _message(file, "FeedFrame", _RESPONSE_FIELDS)
    entry = file.message_type.add(name="FeedFrameEntry")
    entry.field.add(name="key", number=1, type=_STRING, label=_F.LABEL_OPTIONAL)
    entry.field.add(name="value", number=2, type=_MESSAGE, label=_F.LABEL_OPTIONAL, type_name=f".{PACKAGE}.Feed")
    message.field.add(name="feeds", number=2, type=_MESSAGE, label=_F.LABEL_REPEATED,
                      type_name=f".{PACKAGE}.FeedFrameEntry")
    return file


_POOL = descriptor_pool.DescriptorPool()
_POOL.AddSerializedFile(wrappers_pb2.DESCRIPTOR.serialized_pb)
_POOL.Add(_file())
_POOL.Add(_frame_file())


def message_class(name: str) -> Any:
    """Return the message class of one feed message (``"FeedResponse"``, ``"Feed"``, ``"LTPC"``...)."""
    return message_factory.GetMessageClass(_POOL.FindMessageTypeByName(f"{PACKAGE}.{name}"))


FeedResponse: Any = message_class("FeedResponse")
FeedFrame: Any = message_class("FeedFrame")
Feed: Any = message_class("Feed")
RequestMode = {value.name: value.number for value in _POOL.FindEnumTypeByName(f"{PACKAGE}.RequestMode").values}
"""Request mode name -> number (``ltpc`` 0, ``full_d5`` 1, ``option_greeks`` 2, ``full_d30`` 3)."""
MarketStatus = {value.number: value.name for value in _POOL.FindEnumTypeByName(f"{PACKAGE}.MarketStatus").values}
"""Segment status number -> name (``NORMAL_OPEN``...)."""
