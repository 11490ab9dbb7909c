"""Upstox's BOD instrument file (one gzipped JSON array) -> canonical rows, as one DuckDB SELECT.

``complete.json.gz`` lists every segment (``NSE_EQ``, ``NSE_INDEX``, ``NSE_FO``, ``BSE_EQ``,
``BSE_INDEX``, ``BSE_FO``, ``NCD_FO``, ``BCD_FO``, ``MCX_FO``, ``MCX_INDEX``, ``NSE_COM``);
the per-exchange files (``NSE``, ``BSE``, ``MCX``) have the same layout. Each record has
``segment``, ``instrument_key`` (the broker id everywhere: orders, quotes, the feed),
``trading_symbol``, ``name``, ``instrument_type`` (``EQ``... for cash, ``INDEX``, ``FUT``,
``CE``, ``PE``), ``lot_size``, ``tick_size`` **in paise**, ``freeze_quantity`` and, for
derivatives, ``underlying_symbol``, ``strike_price`` and ``expiry`` **in epoch milliseconds**.

Canonical mapping:

* index rows -> kind IDX named the NSE way, the upper-cased ``name`` (``Nifty 50`` ->
  ``NIFTY 50``, ``Nifty Bank`` -> ``NIFTY BANK``), underlying the trading symbol (``NIFTY``);
* cash rows (``NSE_EQ``, ``BSE_EQ``) -> kind EQ with the trading symbol, one row per symbol
  and segment (an ordinary series first); bonds, T-bills and gold bonds are left out;
* derivatives -> ``underlying_symbol`` as symbol and underlying, the option type is
  ``instrument_type``, the expiry the IST calendar day of ``expiry``;
* ``broker_token`` = ``instrument_key``, ``broker_symbol`` = ``trading_symbol``,
  ``broker_exchange`` = ``broker_segment`` = ``segment`` (keys are unique; the feed decoder
  looks an instrument up by (segment of the key, key)).
"""

from __future__ import annotations

import datetime as _dt

from tt_connect.driver_api import InstrumentSource

__all__ = ["UPSTOX_PUBLISH_TIME", "UPSTOX_READ_OPTIONS", "UPSTOX_SELECT", "upstox_instrument_source"]

UPSTOX_PUBLISH_TIME = _dt.time(6, 30)
"""The BOD files are regenerated before the pre-open (``[UNVERIFIED]`` hour; see PROTOCOL.md)."""

_EXCHANGE = ("CASE segment WHEN 'NSE_EQ' THEN 'NSE' WHEN 'NSE_INDEX' THEN 'NSE' WHEN 'BSE_EQ' THEN 'BSE' "
             "WHEN 'BSE_INDEX' THEN 'BSE' WHEN 'NSE_FO' THEN 'NFO' WHEN 'BSE_FO' THEN 'BFO' WHEN 'NCD_FO' THEN 'CDS' "
             "WHEN 'BCD_FO' THEN 'BCD' WHEN 'MCX_FO' THEN 'MCX' WHEN 'MCX_INDEX' THEN 'MCX' END")
_CASH_TYPES = "'EQ', 'BE', 'BZ', 'SM', 'ST', 'IV', 'RR', 'A', 'B', 'M', 'MT', 'T', 'X', 'XT', 'Z', 'ZP', 'P'"
"""Instrument types of shares and units: NSE series and BSE groups; anything else in a cash
segment (``GB``, ``SG``, ``TB``, ``N*`` debt series...) is not an equity."""
_SERIES_RANK = "CASE itype WHEN 'EQ' THEN 0 WHEN 'A' THEN 0 WHEN 'BE' THEN 1 WHEN 'B' THEN 1 ELSE 2 END"
_IST_DAY_MS = "19800000"  # 05:30 in milliseconds: an expiry instant's IST calendar day

# Derivatives (~95% of the file) are shaped straight from the records; only cash and index rows
# can collide (one symbol listed in two series), so only those few thousand go through the window.
UPSTOX_SELECT = f"""
WITH classified AS (
    SELECT *, {_EXCHANGE} AS exch,
           CASE WHEN segment IN ('NSE_INDEX', 'BSE_INDEX', 'MCX_INDEX') THEN 'IDX'
                WHEN itype IN ('CE', 'PE') THEN 'OPT'
                WHEN itype = 'FUT' THEN 'FUT'
                WHEN segment IN ('NSE_EQ', 'BSE_EQ') AND itype IN ({_CASH_TYPES}) THEN 'EQ' END AS kind
    FROM (SELECT *, coalesce(instrument_type, '') AS itype FROM {{source}})
)
SELECT exch AS exchange, segment, kind, underlying_symbol AS symbol, underlying_symbol AS underlying,
       DATE '1970-01-01' + CAST((expiry + {_IST_DAY_MS}) // 86400000 AS INTEGER) AS expiry,
       CASE WHEN kind = 'OPT' THEN strike_price END AS strike,
       CASE WHEN kind = 'OPT' THEN itype END AS option_type,
       CAST(lot_size AS INTEGER) AS lot_size, tick_size / 100.0 AS tick_size, CAST(NULL AS VARCHAR) AS isin,
       coalesce(name, underlying_symbol) AS name, instrument_key AS broker_token, trading_symbol AS broker_symbol,
       segment AS broker_exchange, segment AS broker_segment
FROM classified WHERE kind IN ('FUT', 'OPT') AND exch IS NOT NULL AND coalesce(underlying_symbol, '') <> ''
UNION ALL
SELECT * EXCLUDE (rank) FROM (
    SELECT exch AS exchange, segment, kind, canonical AS symbol,
           CASE WHEN kind = 'IDX' THEN coalesce(nullif(trading_symbol, ''), canonical) ELSE canonical END
               AS underlying,
           CAST(NULL AS DATE) AS expiry, CAST(NULL AS DOUBLE) AS strike, CAST(NULL AS VARCHAR) AS option_type,
           CAST(coalesce(lot_size, 1) AS INTEGER) AS lot_size, coalesce(tick_size, 5.0) / 100.0 AS tick_size,
           isin, coalesce(name, canonical) AS name, instrument_key AS broker_token, trading_symbol AS broker_symbol,
           segment AS broker_exchange, segment AS broker_segment,
           CASE WHEN kind = 'IDX' THEN 0 ELSE {_SERIES_RANK} END AS rank
    FROM (SELECT *, upper(CASE WHEN kind = 'IDX' THEN coalesce(name, trading_symbol) ELSE trading_symbol END)
                        AS canonical
          FROM classified WHERE kind IN ('EQ', 'IDX') AND exch IS NOT NULL)
    WHERE coalesce(canonical, '') <> ''
    QUALIFY row_number() OVER (PARTITION BY kind, segment, canonical ORDER BY rank, instrument_key) = 1
)
"""

UPSTOX_READ_OPTIONS = (
    "format='array', records=true, columns={segment: 'VARCHAR', name: 'VARCHAR', isin: 'VARCHAR', "
    "instrument_type: 'VARCHAR', instrument_key: 'VARCHAR', trading_symbol: 'VARCHAR', "
    "underlying_symbol: 'VARCHAR', lot_size: 'DOUBLE', tick_size: 'DOUBLE', strike_price: 'DOUBLE', "
    "expiry: 'BIGINT'}"
)
"""Only the columns the SELECT reads, typed up front so DuckDB neither sniffs ~170k records nor
builds the ~15 columns the driver never uses."""


def upstox_instrument_source(instruments_url: str) -> InstrumentSource:
    """Return where Upstox's BOD file is downloaded from (public, no auth; gzipped JSON) and its SELECT."""
    return InstrumentSource.one_file(UPSTOX_SELECT, url=instruments_url, format="json", compression="gzip",
                                     read_options=UPSTOX_READ_OPTIONS, publish_time=UPSTOX_PUBLISH_TIME)
