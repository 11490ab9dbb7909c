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

_SERIES_RANK = "CASE Instrument " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(EQUITY_SERIES)) + \
    " ELSE 9 END"
_SERIES_LIST = ", ".join(f"'{s}'" for s in EQUITY_SERIES)

NOREN_SELECT = f"""
SELECT exch AS exchange,
       CASE kind WHEN 'IDX' THEN exch || '_INDEX' WHEN 'EQ' THEN exch || '_EQ' ELSE exch END AS segment,
       kind, canonical AS symbol, canonical AS underlying,
       CASE WHEN kind IN ('FUT', 'OPT') THEN try_strptime(Expiry, '%d-%b-%Y')::DATE END AS expiry,
       CASE WHEN kind = 'OPT' THEN TRY_CAST(StrikePrice AS DOUBLE) END AS strike,
       CASE WHEN kind = 'OPT' THEN OptionType END AS option_type,
       TRY_CAST(LotSize AS INTEGER) AS lot_size, TRY_CAST(TickSize AS DOUBLE) AS tick_size,
       CAST(NULL AS VARCHAR) AS isin, CASE WHEN kind = 'IDX' THEN TradingSymbol ELSE canonical END AS name,
       Token AS broker_token, TradingSymbol AS broker_symbol, exch AS broker_exchange, exch AS broker_segment
FROM (
    SELECT *, CASE WHEN kind = 'IDX' THEN upper(TradingSymbol) ELSE Symbol END AS canonical
    FROM (
        SELECT *, Exchange AS exch,
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
    WHERE kind IS NOT NULL
)
WHERE canonical <> ''
-- only cash and index rows can collide (one NSE name in several series): derivatives pass untouched
QUALIFY kind IN ('FUT', 'OPT')
        OR row_number() OVER (PARTITION BY kind, exch, canonical
                              ORDER BY CASE WHEN kind = 'EQ' AND exch = 'NSE' THEN {_SERIES_RANK} ELSE 0 END,
                                       Token) = 1
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
