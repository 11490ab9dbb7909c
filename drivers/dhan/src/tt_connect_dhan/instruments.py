"""Dhan's scrip master (a public CSV, compact or detailed layout) -> canonical rows, as one DuckDB SELECT.

Both layouts list the same instruments under different column names (reference 1.9):
the compact file (``api-scrip-master.csv``, 16 ``SEM_*``/``SM_*`` columns) and the
detailed one (``api-scrip-master-detailed.csv``, ``EXCH_ID``, ``SEGMENT``,
``SECURITY_ID``, ``ISIN``, ...). A layout is one projection onto common names; the
canonical SELECT after it is shared.

Conventions of the files (see PROTOCOL.md for sources):

* ``EXCH_ID`` ``NSE``/``BSE``/``MCX`` plus a one-letter ``SEGMENT``: ``E`` equity, ``I``
  index, ``D`` derivatives, ``C`` currency, ``M`` commodity. Together they give the
  ``exchangeSegment`` every request names (``NSE_EQ``, ``IDX_I``, ``NSE_FNO``...): that is
  ``broker_segment`` and ``broker_exchange``; the security id is ``broker_token`` (unique
  per segment).
* derivatives: ``FUT*``/``OPT*`` instruments; the underlying is the trading symbol's first
  dash-separated part (``NIFTY-Oct2024-25800-CE``), or ``UNDERLYING_SYMBOL`` in the detailed
  file; expiries read ``2024-10-24 14:30:00`` (compact) or ``2024-10-24``; strikes in rupees.
* tick sizes are in paise (``5.0000`` is 0.05).
* indices are named the NSE way: the display name upper-cased (``Nifty 50`` -> ``NIFTY 50``),
  with the trading symbol (``NIFTY``) as underlying.
* NSE equities: the tradable series only (``EQ``, ``BE``, ``BZ``, ``SM``, ``ST``), one row
  per symbol, the most ordinary series first.
"""

from __future__ import annotations

import datetime as _dt
from typing import Literal

from tt_connect.driver_api import InstrumentSource

__all__ = ["COMPACT_COLUMNS", "DETAILED_COLUMNS", "DHAN_PUBLISH_TIME", "EQUITY_SERIES", "dhan_instrument_source",
           "dhan_select"]

DHAN_PUBLISH_TIME = _dt.time(8, 0)
"""When a new master is up: not published; Dhan regenerates it before the pre-open (unverified)."""

EQUITY_SERIES: tuple[str, ...] = ("EQ", "BE", "BZ", "SM", "ST")
"""NSE series that are tradable shares, most ordinary first (the de-duplication order)."""

COMPACT_COLUMNS: tuple[str, ...] = (
    "SEM_EXM_EXCH_ID", "SEM_SEGMENT", "SEM_SMST_SECURITY_ID", "SEM_INSTRUMENT_NAME", "SEM_EXPIRY_CODE",
    "SEM_TRADING_SYMBOL", "SEM_LOT_UNITS", "SEM_CUSTOM_SYMBOL", "SEM_EXPIRY_DATE", "SEM_STRIKE_PRICE",
    "SEM_OPTION_TYPE", "SEM_TICK_SIZE", "SEM_EXPIRY_FLAG", "SEM_EXCH_INSTRUMENT_TYPE", "SEM_SERIES",
    "SM_SYMBOL_NAME",
)
"""The compact file's header, in file order."""

DETAILED_COLUMNS: tuple[str, ...] = (
    "EXCH_ID", "SEGMENT", "SECURITY_ID", "ISIN", "INSTRUMENT", "UNDERLYING_SECURITY_ID", "UNDERLYING_SYMBOL",
    "SYMBOL_NAME", "DISPLAY_NAME", "INSTRUMENT_TYPE", "SERIES", "LOT_SIZE", "SM_EXPIRY_DATE", "STRIKE_PRICE",
    "OPTION_TYPE", "TICK_SIZE", "EXPIRY_FLAG", "BRACKET_FLAG", "COVER_FLAG", "ASM_GSM_FLAG", "ASM_GSM_CATEGORY",
    "BUY_SELL_INDICATOR", "BUY_CO_MIN_MARGIN_PER", "BUY_CO_SL_RANGE_MAX_PERC", "BUY_CO_SL_RANGE_MIN_PERC",
    "BUY_BO_MIN_MARGIN_PER", "BUY_BO_PROFIT_RANGE_MAX_PERC", "BUY_BO_PROFIT_RANGE_MIN_PERC", "MTF_LEVERAGE",
    "SM_UPPER_LIMIT", "SM_LOWER_LIMIT", "SM_FREEZE_QTY",
)
"""The detailed file's header as third-party readers of the live file list it (PROTOCOL.md); the SELECT
reads columns by header name, never by position."""

# Each layout projected onto the names the shared SELECT reads. Everything is read as text.
_COMPACT = """SELECT SEM_EXM_EXCH_ID AS exch, SEM_SEGMENT AS seg, SEM_SMST_SECURITY_ID AS sid,
       CAST(NULL AS VARCHAR) AS isin, SEM_INSTRUMENT_NAME AS instrument, SEM_TRADING_SYMBOL AS tsym,
       split_part(SEM_TRADING_SYMBOL, '-', 1) AS under, SEM_CUSTOM_SYMBOL AS display, SM_SYMBOL_NAME AS company,
       SEM_LOT_UNITS AS lot, SEM_EXPIRY_DATE AS expiry, SEM_STRIKE_PRICE AS strike, SEM_OPTION_TYPE AS opt,
       SEM_TICK_SIZE AS tick, SEM_SERIES AS series
FROM {source}"""
_DETAILED = """SELECT EXCH_ID AS exch, SEGMENT AS seg, SECURITY_ID AS sid, nullif(ISIN, 'NA') AS isin,
       INSTRUMENT AS instrument,
       CASE WHEN starts_with(INSTRUMENT, 'FUT') OR starts_with(INSTRUMENT, 'OPT') THEN SYMBOL_NAME
            ELSE UNDERLYING_SYMBOL END AS tsym,
       UNDERLYING_SYMBOL AS under, DISPLAY_NAME AS display, SYMBOL_NAME AS company, LOT_SIZE AS lot,
       SM_EXPIRY_DATE AS expiry, STRIKE_PRICE AS strike, OPTION_TYPE AS opt, TICK_SIZE AS tick, SERIES AS series
FROM {source}"""

_SERIES_RANK = "CASE series " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(EQUITY_SERIES)) + " END"
_SERIES_LIST = ", ".join(f"'{s}'" for s in EQUITY_SERIES)

# One pass: every row is classified once (``classified``), then derivatives and cash/index rows are
# shaped apart. Only cash and index rows can collide (a name in several series), so the
# de-duplicating window sees those few thousand rows, not the derivatives. Upper-casing and trimming
# of the canonical columns is left to the core's normalisation, which does it once.
_SELECT = f"""
WITH projected AS ({{layout}}),
classified AS (
    SELECT *,
           CASE WHEN seg = 'I' THEN 'IDX'
                WHEN seg = 'E' AND instrument = 'EQUITY' THEN 'EQ'
                WHEN seg IN ('D', 'C', 'M') AND starts_with(instrument, 'FUT') THEN 'FUT'
                WHEN seg IN ('D', 'C', 'M') AND starts_with(instrument, 'OPT') THEN 'OPT' END AS kind,
           CASE WHEN seg = 'I' THEN 'IDX_I'
                WHEN exch = 'NSE' AND seg = 'E' THEN 'NSE_EQ' WHEN exch = 'BSE' AND seg = 'E' THEN 'BSE_EQ'
                WHEN exch = 'NSE' AND seg = 'D' THEN 'NSE_FNO' WHEN exch = 'BSE' AND seg = 'D' THEN 'BSE_FNO'
                WHEN exch = 'NSE' AND seg = 'C' THEN 'NSE_CURRENCY' WHEN exch = 'BSE' AND seg = 'C' THEN 'BSE_CURRENCY'
                WHEN exch = 'MCX' AND seg = 'M' THEN 'MCX_COMM' END AS dseg,
           CASE WHEN seg IN ('E', 'I') THEN exch
                WHEN exch = 'NSE' AND seg = 'D' THEN 'NFO' WHEN exch = 'BSE' AND seg = 'D' THEN 'BFO'
                WHEN exch = 'NSE' AND seg = 'C' THEN 'CDS' WHEN exch = 'BSE' AND seg = 'C' THEN 'BCD'
                WHEN exch = 'MCX' AND seg = 'M' THEN 'MCX' END AS canonical_exchange,
           TRY_CAST(TRY_CAST(lot AS DOUBLE) AS INTEGER) AS lot_size,
           TRY_CAST(tick AS DOUBLE) / 100.0 AS tick_size
    FROM projected
)
SELECT canonical_exchange AS exchange, dseg AS segment, kind, under AS symbol, under AS underlying,
       TRY_CAST(left(expiry, 10) AS DATE) AS expiry,
       CASE WHEN kind = 'OPT' THEN TRY_CAST(strike AS DOUBLE) END AS strike,
       CASE WHEN kind = 'OPT' THEN opt END AS option_type,
       lot_size, tick_size, isin, coalesce(nullif(display, ''), tsym) AS name,
       sid AS broker_token, tsym AS broker_symbol, dseg AS broker_exchange, dseg AS broker_segment
FROM classified WHERE kind IN ('FUT', 'OPT') AND coalesce(under, '') <> ''
UNION ALL
SELECT * EXCLUDE (series_rank) FROM (
    SELECT canonical_exchange AS exchange, dseg AS segment, kind,
           CASE WHEN kind = 'IDX' THEN upper(coalesce(nullif(display, ''), tsym)) ELSE tsym END AS symbol,
           tsym AS underlying,
           CAST(NULL AS DATE) AS expiry, CAST(NULL AS DOUBLE) AS strike, CAST(NULL AS VARCHAR) AS option_type,
           lot_size, tick_size, isin,
           CASE WHEN kind = 'EQ' THEN coalesce(nullif(company, ''), display, tsym) ELSE display END AS name,
           sid AS broker_token, tsym AS broker_symbol, dseg AS broker_exchange, dseg AS broker_segment,
           CASE WHEN kind = 'EQ' AND exch = 'NSE' THEN coalesce({_SERIES_RANK}, 9) ELSE 0 END AS series_rank
    FROM classified
    WHERE kind IN ('EQ', 'IDX') AND coalesce(tsym, '') <> ''
      AND (kind <> 'EQ' OR exch <> 'NSE' OR series IN ({_SERIES_LIST}))
    QUALIFY row_number() OVER (PARTITION BY kind, canonical_exchange, symbol ORDER BY series_rank, sid) = 1
)
"""

_READ_OPTIONS = "header=true, all_varchar=true"
"""Every column as text (typed in the SELECT), so DuckDB sniffs nothing but the dialect and header."""


def dhan_select(layout: Literal["compact", "detailed"]) -> str:
    """Return the canonical SELECT over one layout of the master (``{source}`` is the file)."""
    return _SELECT.replace("{layout}", _COMPACT if layout == "compact" else _DETAILED)


def dhan_instrument_source(instruments_url: str, instruments_detailed_url: str = "") -> InstrumentSource:
    """Return where Dhan's master comes from (public, no auth): the detailed file when set, else the compact one."""
    layout: Literal["compact", "detailed"] = "detailed" if instruments_detailed_url else "compact"
    url = instruments_detailed_url or instruments_url
    return InstrumentSource.one_file(dhan_select(layout), url=url, format="csv", read_options=_READ_OPTIONS,
                                     publish_time=DHAN_PUBLISH_TIME)
