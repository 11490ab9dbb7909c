"""The instrument master on DuckDB: loading, freshness, resolution and queries."""

from __future__ import annotations

from tt_connect.instruments_db.catalogue import BrokerInstruments, OptionChain, OptionChainRow
from tt_connect.instruments_db.master import InstrumentMaster, LoadReport
from tt_connect.instruments_db.registry import active_brokers, register_catalogue

__all__ = [
    "BrokerInstruments",
    "InstrumentMaster",
    "LoadReport",
    "OptionChain",
    "OptionChainRow",
    "active_brokers",
    "register_catalogue",
]
