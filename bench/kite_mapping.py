"""Kite's instrument CSV -> canonical columns, as one DuckDB SELECT.

Used by the benchmark until the zerodha driver ships its own mapping (issue "Zerodha driver").
"""

from __future__ import annotations

import datetime as dt

from tt_connect.driver_api import InstrumentSource

KITE_SELECT = """
SELECT exchange,
       segment,
       CASE WHEN segment = 'INDICES' THEN 'IDX'
            WHEN instrument_type = 'EQ' THEN 'EQ'
            WHEN instrument_type = 'FUT' THEN 'FUT'
            WHEN instrument_type IN ('CE', 'PE') THEN 'OPT' END AS kind,
       CASE WHEN instrument_type IN ('FUT', 'CE', 'PE') THEN name ELSE tradingsymbol END AS symbol,
       CASE WHEN instrument_type IN ('FUT', 'CE', 'PE') THEN name ELSE tradingsymbol END AS underlying,
       TRY_CAST(expiry AS DATE) AS expiry,
       TRY_CAST(strike AS DOUBLE) AS strike,
       CASE WHEN instrument_type IN ('CE', 'PE') THEN instrument_type END AS option_type,
       TRY_CAST(lot_size AS INTEGER) AS lot_size,
       TRY_CAST(tick_size AS DOUBLE) AS tick_size,
       NULL AS isin,
       name,
       instrument_token AS broker_token,
       tradingsymbol AS broker_symbol,
       exchange AS broker_exchange,
       segment AS broker_segment
FROM {source}
"""

# Every column as text (the SELECT casts), and the dialect spelled out so DuckDB's sniffer only
# confirms the header on a small sample instead of trying dialects over 20k rows.
KITE_READ_OPTIONS = "header=true, all_varchar=true, delim=',', quote='\"', escape='\"', sample_size=2048"


def kite_source(local: bytes) -> InstrumentSource:
    return InstrumentSource.one_file(select_sql=KITE_SELECT, format="csv", local=lambda: local,
                            read_options=KITE_READ_OPTIONS, publish_time=dt.time(8, 30))
