"""Acme's instrument master (one CSV, published at 07:30 IST) -> canonical rows, in one SELECT.

Columns: ``token, key, exchange, kind, underlying, expiry, strike, lot, tick, isin, name``; ``key`` is
Acme's ``EXCHANGE:TRADINGSYMBOL`` (``NSE:RELIANCE``, ``NFO:NIFTY25JANFUT``) and ``kind`` one of
EQ, IDX, FUT, CE, PE.
"""

from __future__ import annotations

import datetime as _dt

from tt_connect.driver_api import InstrumentSource

__all__ = ["ACME_SELECT", "acme_instrument_source"]

ACME_SELECT = """
SELECT upper(exchange) AS exchange,
       upper(exchange) AS segment,
       CASE kind WHEN 'CE' THEN 'OPT' WHEN 'PE' THEN 'OPT' ELSE kind END AS kind,
       CASE WHEN kind IN ('EQ', 'IDX') THEN split_part(key, ':', 2) ELSE underlying END AS symbol,
       underlying,
       TRY_CAST(expiry AS DATE) AS expiry,
       TRY_CAST(strike AS DOUBLE) AS strike,
       CASE WHEN kind IN ('CE', 'PE') THEN kind END AS option_type,
       CAST(lot AS INTEGER) AS lot_size,
       CAST(tick AS DOUBLE) AS tick_size,
       nullif(isin, '') AS isin,
       name,
       token AS broker_token,
       split_part(key, ':', 2) AS broker_symbol,
       upper(exchange) AS broker_exchange,
       upper(exchange) AS broker_segment
FROM {source}
"""


def acme_instrument_source(url: str) -> InstrumentSource:
    return InstrumentSource.one_file(ACME_SELECT, url=url, read_options="header=true, all_varchar=true",
                                     publish_time=_dt.time(7, 30))
