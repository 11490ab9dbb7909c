"""Fyers' symbol masters (one headerless CSV per exchange segment) -> canonical rows, as one DuckDB SELECT.

``https://public.fyers.in/sym_details/<SEGMENT>.csv`` (``NSE_CM``, ``NSE_FO``, ``NSE_CD``, ``NSE_COM``,
``BSE_CM``, ``BSE_FO``, ``MCX_COM``) have no header and 21 columns (v3 reference, "Symbol master"):
fyToken, symbol details, exchange instrument type, lot size, tick size (rupees), ISIN, trading
session, last update, expiry (epoch seconds), symbol ticker (``NSE:SBIN-EQ``), exchange (int),
segment (int), scrip code, underlying symbol, underlying scrip code, strike, option type
(``CE``/``PE``/``XX``), underlying fyToken and three reserved columns. Columns are named up front and
read as text, so nothing is sniffed.

Each row is classified by its own exchange and segment integers and its instrument type:

* segment 10 (capital market): type 10 -> IDX named by the upper-cased symbol details (``Nifty 50`` ->
  ``NIFTY 50``); types 0 (EQ) and 9 (ETF) -> EQ named by the ticker between ``:`` and the series
  suffix (``NSE:BAJAJ-AUTO-EQ`` -> ``BAJAJ-AUTO``), NSE rows of tradable share series only, one row
  per name, the most ordinary series first; the rest (bonds, G-secs, T-bills...) is left out;
* segments 11, 12, 20: futures types (11 FUTIDX, 12 FUTIVX, 13 FUTSTK, 16 FUTCUR, 17 FUTIRT, 18 FUTIRC,
  25 FUTIRD, 30 FUTCOM, 33 FUTBAS, 34 FUTBLN, 35 FUTENR) -> FUT and options types (14 OPTIDX, 15 OPTSTK,
  19 OPTCUR, 31/37 OPTFUT, 32 OPTCOM, 36 OPTBLN) -> OPT, on the underlying symbol column, the expiry
  the IST date of the epoch (arithmetic, so no time-zone extension is needed), named by the underlying
  (the symbol details of 100k option rows would only weigh on the load).

``broker_token`` = fyToken (unique across segments), ``broker_segment`` = the file's segment name
(``NSE_CM``...; a fyToken's first four digits say it), ``broker_symbol`` = the ticker every order and
quote names, ``broker_exchange`` = its exchange prefix. NSE's own commodity segment has no canonical
exchange and is dropped.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping

from tt_connect.driver_api import InstrumentFile, InstrumentSource
from tt_connect.timeutil import IST

from tt_connect_fyers.mapping import SEGMENT_CODES

__all__ = ["EQUITY_SERIES", "FYERS_COLUMNS", "FYERS_PUBLISH_TIME", "FYERS_READ_OPTIONS", "FYERS_SELECT",
           "fyers_instrument_source"]

FYERS_PUBLISH_TIME = _dt.time(8, 30)
"""When the day's masters are up: not published (PROTOCOL.md, unverified); before the 09:00 pre-open."""

FYERS_COLUMNS: tuple[str, ...] = (
    "fy_token", "details", "inst_type", "lot", "tick", "isin", "session", "updated", "expiry", "ticker",
    "exch", "seg", "scrip", "under", "under_scrip", "strike", "opt", "under_token", "r1", "r2", "r3",
)
"""Our names for the 21 headerless columns, in file order."""

EQUITY_SERIES: tuple[str, ...] = ("EQ", "BE", "BZ", "SM", "ST", "IV", "RR")
"""NSE series that are tradable shares or units, most ordinary first (the de-duplication order)."""

_FUT_TYPES = ("11", "12", "13", "16", "17", "18", "25", "30", "33", "34", "35")
_OPT_TYPES = ("14", "15", "19", "31", "32", "36", "37")
_EXCHANGES = {"NSE_CM": "NSE", "BSE_CM": "BSE", "NSE_FO": "NFO", "BSE_FO": "BFO", "NSE_CD": "CDS",
              "BSE_CD": "BCD", "MCX_COM": "MCX"}


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


_SEGMENT_CASE = "CASE " + " ".join(f"WHEN exch = '{e}' AND seg = '{s}' THEN '{name}'"
                                   for name, (e, s) in SEGMENT_CODES.items()) + " END"
_CANONICAL_CASE = "CASE fseg " + " ".join(f"WHEN '{name}' THEN '{exchange}'"
                                          for name, exchange in _EXCHANGES.items()) + " END"
_LAST_EPOCH = int(_dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=IST).timestamp())
"""The last expiry epoch whose IST date Python can hold: a row past it (or at or before 1970) is dropped, not
cast (an INTEGER overflow would fail the whole master; a DATE past 9999 reaches Python as a string)."""
_SERIES_RANK = "CASE series " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(EQUITY_SERIES)) + " ELSE 9 END"

FYERS_SELECT = f"""
WITH classified AS (
    -- only the columns the output needs, and only rows with a canonical kind and exchange: the rest of the
    -- 21 columns (sessions, dates, reserved) and NSE's commodities are never materialised
    SELECT fy_token, CASE WHEN kind IN ('EQ', 'IDX') THEN details END AS details, nullif(isin, '') AS isin,
           ticker, under, strike, opt, kind, fseg, canonical_exchange,
           split_part(ticker, ':', 1) AS prefix,
           TRY_CAST(TRY_CAST(lot AS DOUBLE) AS INTEGER) AS lot_size, TRY_CAST(tick AS DOUBLE) AS tick_size,
           CASE WHEN kind IN ('FUT', 'OPT') AND TRY_CAST(expiry AS BIGINT) BETWEEN 1 AND {_LAST_EPOCH}
                THEN DATE '1970-01-01' + CAST((TRY_CAST(expiry AS BIGINT) + 19800) // 86400 AS INTEGER) END AS day
    FROM (
        SELECT *,
               CASE WHEN seg = '10' AND inst_type = '10' THEN 'IDX'
                    WHEN seg = '10' AND inst_type IN ('0', '9') THEN 'EQ'
                    WHEN seg IN ('11', '12', '20') AND inst_type IN ({_in(_FUT_TYPES)}) THEN 'FUT'
                    WHEN seg IN ('11', '12', '20') AND inst_type IN ({_in(_OPT_TYPES)}) THEN 'OPT' END AS kind,
               {_CANONICAL_CASE} AS canonical_exchange
        FROM (SELECT *, {_SEGMENT_CASE} AS fseg FROM {{source}})
    )
    WHERE kind IS NOT NULL AND canonical_exchange IS NOT NULL
)
SELECT canonical_exchange AS exchange, fseg AS segment, kind, under AS symbol, under AS underlying,
       day AS expiry, CASE WHEN kind = 'OPT' THEN TRY_CAST(strike AS DOUBLE) END AS strike,
       CASE WHEN kind = 'OPT' THEN opt END AS option_type, lot_size, tick_size, isin, under AS name,
       fy_token AS broker_token, ticker AS broker_symbol, prefix AS broker_exchange, fseg AS broker_segment
FROM classified
WHERE kind IN ('FUT', 'OPT') AND coalesce(under, '') <> '' AND day > DATE '1970-01-01'
UNION ALL
SELECT * EXCLUDE (series_rank) FROM (
    SELECT canonical_exchange AS exchange, fseg AS segment, kind, canonical AS symbol, canonical AS underlying,
           CAST(NULL AS DATE) AS expiry, CAST(NULL AS DOUBLE) AS strike, CAST(NULL AS VARCHAR) AS option_type,
           lot_size, tick_size, isin, details AS name,
           fy_token AS broker_token, ticker AS broker_symbol, prefix AS broker_exchange, fseg AS broker_segment,
           CASE WHEN kind = 'EQ' AND prefix = 'NSE' THEN {_SERIES_RANK} ELSE 0 END AS series_rank
    FROM (SELECT *, split_part(ticker, '-', -1) AS series,
                    CASE WHEN kind = 'IDX' THEN upper(details)
                         ELSE ticker[length(prefix) + 2 : length(ticker) - length(split_part(ticker, '-', -1)) - 1]
                    END AS canonical
          FROM classified WHERE kind IN ('EQ', 'IDX'))
    WHERE coalesce(canonical, '') <> '' AND (kind <> 'EQ' OR prefix <> 'NSE' OR series IN ({_in(EQUITY_SERIES)}))
    QUALIFY row_number() OVER (PARTITION BY kind, canonical_exchange, canonical ORDER BY series_rank, fy_token) = 1
)
"""

_SPEC = ", ".join(f"'{name}': 'VARCHAR'" for name in FYERS_COLUMNS)
FYERS_READ_OPTIONS = (f"header=false, auto_detect=false, delim=',', quote='\"', escape='\"', "
                      f"null_padding=true, columns={{{_SPEC}}}")
"""Every file read with the 21 columns named up front, all text; a short row (an older file without the
reserved columns) is padded with NULLs."""


def fyers_instrument_source(urls: Mapping[str, str]) -> InstrumentSource:
    """Return the master: one headerless CSV per segment (public, no auth); ``urls`` maps segment -> URL."""
    files = tuple(InstrumentFile(url=url, format="csv", read_options=FYERS_READ_OPTIONS, name=segment)
                  for segment, url in urls.items() if url)
    return InstrumentSource(select_sql=FYERS_SELECT, files=files, publish_time=FYERS_PUBLISH_TIME)
