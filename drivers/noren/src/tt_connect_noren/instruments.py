"""Noren's per-exchange symbol files -> canonical rows, as one DuckDB SELECT.

Each exchange has a zipped CSV (``NSE_symbols.txt.zip``...) with a header row and a
trailing comma on every line (reference 3.10). Cash files (NSE, BSE) have
``Exchange,Token,LotSize,Symbol,TradingSymbol,Instrument,TickSize``; derivative files
(NFO, BFO, CDS, MCX) add ``Expiry`` (``27-JUL-2023``), ``OptionType`` (``CE``/``PE``/``XX``)
and ``StrikePrice`` (rupees). The SELECT reads every file through ``{source}`` (missing
columns read as NULL) and classifies each row by its own ``Exchange`` and ``Instrument``:

* ``Instrument = 'INDEX'`` -> kind IDX named the NSE way (upper-cased ``TradingSymbol``:
  ``Nifty 50`` -> ``NIFTY 50``);
* cash rows whose series (``Instrument``: EQ, BE, BZ, SM, ST...) is a share series ->
  EQ, named by ``Symbol``; a name listed in several series keeps one row, the most
  ordinary series; bonds, T-bills and the like are left out. BSE rows carry the BSE
  group (A, B, T, X...) there and are all shares;
* ``FUT*`` -> FUT, ``OPT*`` -> OPT, on ``Symbol`` as underlying, with expiry, strike
  and option type.

``broker_token`` = Token (the feed's and ``GetQuotes``' key), ``broker_symbol`` =
TradingSymbol (what orders carry), ``broker_exchange`` = ``broker_segment`` = Exchange.
"""

from __future__ import annotations

import datetime as _dt

from tt_connect.driver_api import InstrumentFile, InstrumentSource

from tt_connect_noren.profiles import EXCHANGE_FILES

__all__ = ["CASH_COLUMNS", "DERIVATIVE_COLUMNS", "EQUITY_SERIES", "NOREN_PUBLISH_TIME", "NOREN_READ_OPTIONS",
           "NOREN_SELECT", "noren_instrument_source", "read_options", "symbol_file_urls"]

NOREN_PUBLISH_TIME = _dt.time(8, 0)
"""Shoonya publishes the files before the open; the exact hour is undocumented ([UNVERIFIED])."""

EQUITY_SERIES: tuple[str, ...] = ("EQ", "BE", "BZ", "SM", "ST", "IV", "RR")
"""NSE series that are tradable shares or units, most ordinary first (the de-duplication order)."""

_SERIES_RANK = "CASE inst " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(EQUITY_SERIES)) + \
    " ELSE 9 END"
_SERIES_LIST = ", ".join(f"'{s}'" for s in EQUITY_SERIES)

NOREN_SELECT = f"""
WITH rows AS MATERIALIZED (
    SELECT Exchange AS exch, Token AS token, LotSize AS lot, Symbol AS sym, TradingSymbol AS tsym,
           Instrument AS inst, Expiry AS expiry, OptionType AS optt, StrikePrice AS strike, TickSize AS tick,
           CASE WHEN Instrument = 'INDEX' THEN 'IDX'
                WHEN starts_with(Instrument, 'FUT') THEN 'FUT'
                WHEN starts_with(Instrument, 'OPT') THEN 'OPT'
                WHEN Exchange = 'BSE' THEN 'EQ'
                WHEN Exchange = 'NSE' AND Instrument IN ({_SERIES_LIST}) THEN 'EQ' END AS kind
    FROM (SELECT * FROM {{source}}
          UNION ALL BY NAME  -- a master of cash files only has no derivative columns: add them, empty
          SELECT NULL::VARCHAR AS Expiry, NULL::VARCHAR AS OptionType, NULL::VARCHAR AS StrikePrice WHERE false)
    WHERE Exchange IN ({", ".join(f"'{e}'" for e in EXCHANGE_FILES)})
)
SELECT exch AS exchange, exch AS segment, kind, sym AS symbol, sym AS underlying,
       try_strptime(expiry, '%d-%b-%Y')::DATE AS expiry,
       CASE WHEN kind = 'OPT' THEN TRY_CAST(strike AS DOUBLE) END AS strike,
       CASE WHEN kind = 'OPT' THEN optt END AS option_type,
       TRY_CAST(lot AS INTEGER) AS lot_size, TRY_CAST(tick AS DOUBLE) AS tick_size,
       CAST(NULL AS VARCHAR) AS isin, sym AS name,
       token AS broker_token, tsym AS broker_symbol, exch AS broker_exchange, exch AS broker_segment
FROM rows WHERE kind IN ('FUT', 'OPT') AND sym <> ''
UNION ALL
SELECT * EXCLUDE (series_rank) FROM (
    SELECT exch AS exchange, exch || CASE kind WHEN 'IDX' THEN '_INDEX' ELSE '_EQ' END AS segment, kind,
           canonical AS symbol, canonical AS underlying,
           CAST(NULL AS DATE) AS expiry, CAST(NULL AS DOUBLE) AS strike, CAST(NULL AS VARCHAR) AS option_type,
           TRY_CAST(lot AS INTEGER) AS lot_size, TRY_CAST(tick AS DOUBLE) AS tick_size,
           CAST(NULL AS VARCHAR) AS isin, CASE WHEN kind = 'IDX' THEN tsym ELSE canonical END AS name,
           token AS broker_token, tsym AS broker_symbol, exch AS broker_exchange, exch AS broker_segment,
           CASE WHEN kind = 'EQ' AND exch = 'NSE' THEN {_SERIES_RANK} ELSE 0 END AS series_rank
    FROM (SELECT *, CASE WHEN kind = 'IDX' THEN upper(tsym) ELSE sym END AS canonical
          FROM rows WHERE kind IN ('EQ', 'IDX'))
    WHERE canonical <> ''
    QUALIFY row_number() OVER (PARTITION BY kind, exch, canonical ORDER BY series_rank, token) = 1
)
"""

CASH_COLUMNS = ("Exchange", "Token", "LotSize", "Symbol", "TradingSymbol", "Instrument", "TickSize")
DERIVATIVE_COLUMNS = ("Exchange", "Token", "LotSize", "Symbol", "TradingSymbol", "Expiry", "Instrument",
                      "OptionType", "StrikePrice", "TickSize")
DERIVATIVE_FILES = frozenset({"NFO", "BFO", "CDS", "MCX"})


def read_options(exchange: str) -> str:
    """DuckDB ``read_csv`` options of one exchange's file: its columns named up front, every one text.

    Nothing is sniffed (a sniff per file costs more than reading it); the trailing comma on
    every line is one more, empty, column (``Tail``).
    """
    columns = DERIVATIVE_COLUMNS if exchange in DERIVATIVE_FILES else CASH_COLUMNS
    spec = ", ".join(f"'{name}': 'VARCHAR'" for name in (*columns, "Tail"))
    return f"header=true, auto_detect=false, delim=',', quote='\"', escape='\"', columns={{{spec}}}"


NOREN_READ_OPTIONS = "header=true, all_varchar=true"
"""Options for reading several files at once by their headers (tests and tools); the driver reads each
file with :func:`read_options`."""


def noren_instrument_source(base_url: str, exchanges: tuple[str, ...] = EXCHANGE_FILES) -> InstrumentSource:
    """Return the master: one zipped CSV per exchange (public, no auth), each read with its columns."""
    files = tuple(InstrumentFile(url=url, format="csv", read_options=read_options(exchange), compression="zip",
                                 name=exchange) for exchange, url in symbol_file_urls(base_url, exchanges).items())
    return InstrumentSource(select_sql=NOREN_SELECT, files=files, publish_time=NOREN_PUBLISH_TIME)


def symbol_file_urls(base_url: str, exchanges: tuple[str, ...] = EXCHANGE_FILES) -> dict[str, str]:
    """Return exchange -> the URL of its zipped symbol file under ``base_url``."""
    base = base_url if base_url.endswith("/") else base_url + "/"
    return {exchange: f"{base}{exchange}_symbols.txt.zip" for exchange in exchanges}
