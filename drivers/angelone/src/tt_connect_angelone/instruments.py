"""AngelOne's scrip master (one JSON array) -> canonical rows, as one DuckDB SELECT.

Every field of a record is a string (reference 2.12): ``token``, ``symbol``
(the trading symbol: ``SBIN-EQ``, ``NIFTY30JAN2524000CE``, ``Nifty 50``), ``name``
(the underlying: ``SBIN``, ``NIFTY``), ``expiry`` (``30JAN2025``), ``strike`` and
``tick_size`` in paise (x10^7 for currency), ``lotsize``, ``instrumenttype``
(``''`` cash, ``AMXIDX``/``INDEX`` index, ``OPTIDX``/``OPTSTK``/``FUTIDX``/``FUTSTK``/
``FUTCOM``/``OPTCUR``...) and ``exch_seg`` (``NSE``, ``NFO``, ``BSE``, ``BFO``, ``CDS``,
``MCX``...).

Canonical mapping:

* index rows -> kind IDX named the NSE way, the upper-cased symbol (``Nifty 50`` ->
  ``NIFTY 50``, ``Nifty Bank`` -> ``NIFTY BANK``), with ``name`` (``NIFTY``) as underlying;
  an index listed twice keeps one row, its 999xxxxx token (an ``AMXIDX`` row first). An
  index and a share of the same name (BSE ``SENSEX``) are different contracts and both stay;
* NSE cash rows carry their series as a suffix (``SBIN-EQ``, ``IDEA-BE``): the canonical
  symbol is the NSE name without it. A name listed in several series (``-EQ`` and the
  block-deal ``-BL``, say) keeps ONE row, the most ordinary series (EQ, BE, BZ, SM, ST,
  IV, RR); other series (bonds, T-bills, ...) are not equities and are left out;
* derivatives take ``name`` as symbol and underlying; the option type is the symbol's
  ``CE``/``PE`` tail (the master has no column for it); strike and tick are rescaled;
* ``broker_token`` = token, ``broker_symbol`` = symbol, ``broker_exchange`` =
  ``broker_segment`` = exch_seg (tokens are unique per exch_seg; the feed decoder maps
  its exchange-type codes back to these segments).
"""

from __future__ import annotations

import datetime as _dt

from tt_connect.driver_api import InstrumentSource

__all__ = ["ANGEL_PUBLISH_TIME", "ANGEL_READ_OPTIONS", "ANGEL_SELECT", "EQUITY_SERIES", "angel_instrument_source"]

ANGEL_PUBLISH_TIME = _dt.time(8, 30)
"""The master's refresh time is undocumented (reference 2.12); it is regenerated before the open."""

EQUITY_SERIES: tuple[str, ...] = ("EQ", "BE", "BZ", "SM", "ST", "IV", "RR")
"""NSE series that are tradable shares/units, most ordinary first (the de-duplication order)."""

_SERIES_RANK = "CASE series " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(EQUITY_SERIES)) + " END"
_SERIES_LIST = ", ".join(f"'{s}'" for s in EQUITY_SERIES)
_DERIVATIVE_SEGMENTS = "'NFO', 'BFO', 'CDS', 'MCX'"

# One pass over the file: every record is classified once (``classified``, materialised because
# both branches read it), then derivatives and cash/index rows are shaped separately. Only cash
# and index rows can collide (one NSE name in several series, an index listed twice), so the
# de-duplicating window sees those ~9k rows, not the ~140k derivatives. An index keeps its
# 999xxxxx row, the token the feed and the candles use (reference 2.8). Upper-casing and trimming
# of the canonical columns is left to the core's normalisation, which does it once.
ANGEL_SELECT = f"""
WITH classified AS (
    SELECT token, symbol AS sym, name AS nm, expiry, strike, lotsize, tick_size, itype, exch_seg AS seg,
           CASE WHEN itype IN ('AMXIDX', 'INDEX') THEN 'IDX'
                WHEN exch_seg IN ({_DERIVATIVE_SEGMENTS}) THEN CASE WHEN starts_with(itype, 'OPT') THEN 'OPT'
                                                                   WHEN starts_with(itype, 'FUT') THEN 'FUT' END
                WHEN itype = '' AND exch_seg IN ('NSE', 'BSE') THEN 'EQ' END AS kind
    FROM (SELECT *, coalesce(instrumenttype, '') AS itype FROM {{source}})
)
SELECT seg AS exchange, seg AS segment, kind, nm AS symbol, nm AS underlying,
       try_strptime(expiry, '%d%b%Y')::DATE AS expiry,
       CASE WHEN kind = 'OPT' THEN TRY_CAST(strike AS DOUBLE) / scale END AS strike,
       CASE WHEN kind = 'OPT' THEN right(sym, 2) END AS option_type,
       TRY_CAST(lotsize AS INTEGER) AS lot_size, TRY_CAST(tick_size AS DOUBLE) / scale AS tick_size,
       CAST(NULL AS VARCHAR) AS isin, nm AS name,
       token AS broker_token, sym AS broker_symbol, seg AS broker_exchange, seg AS broker_segment
FROM (SELECT *, CASE WHEN seg = 'CDS' THEN 10000000.0 ELSE 100.0 END AS scale
      FROM classified WHERE kind IN ('FUT', 'OPT') AND nm <> '')
UNION ALL
SELECT * EXCLUDE (series_rank) FROM (
    SELECT seg AS exchange, seg || CASE kind WHEN 'IDX' THEN '_INDEX' ELSE '_EQ' END AS segment, kind,
           canonical AS symbol,
           CASE WHEN kind = 'IDX' THEN coalesce(nullif(nm, ''), canonical) ELSE canonical END AS underlying,
           CAST(NULL AS DATE) AS expiry, CAST(NULL AS DOUBLE) AS strike, CAST(NULL AS VARCHAR) AS option_type,
           TRY_CAST(lotsize AS INTEGER) AS lot_size, TRY_CAST(tick_size AS DOUBLE) / 100.0 AS tick_size,
           CAST(NULL AS VARCHAR) AS isin,
           CASE WHEN kind = 'IDX' THEN sym ELSE coalesce(nullif(nm, ''), canonical) END AS name,
           token AS broker_token, sym AS broker_symbol, seg AS broker_exchange, seg AS broker_segment,
           CASE WHEN kind = 'IDX' THEN (CASE WHEN starts_with(token, '999') THEN 0 ELSE 2 END)
                                         + (CASE WHEN itype = 'AMXIDX' THEN 0 ELSE 1 END)
                ELSE coalesce({_SERIES_RANK}, 0) END AS series_rank
    FROM (SELECT *, CASE WHEN kind = 'EQ' AND seg = 'NSE' THEN left(sym, length(sym) - length(series) - 1)
                         ELSE upper(sym) END AS canonical
          FROM (SELECT *, CASE WHEN kind = 'EQ' AND seg = 'NSE' THEN regexp_extract(sym, '-([A-Z0-9]+)$', 1) END
                            AS series
                FROM classified WHERE kind IN ('EQ', 'IDX'))
          WHERE kind <> 'EQ' OR seg <> 'NSE' OR series IN ({_SERIES_LIST}))
    WHERE canonical <> ''
    QUALIFY row_number() OVER (PARTITION BY kind, seg, canonical ORDER BY series_rank, token) = 1
)
"""

ANGEL_READ_OPTIONS = (
    "format='array', records=true, columns={token: 'VARCHAR', symbol: 'VARCHAR', name: 'VARCHAR', expiry: 'VARCHAR', "
    "strike: 'VARCHAR', lotsize: 'VARCHAR', instrumenttype: 'VARCHAR', exch_seg: 'VARCHAR', "
    "tick_size: 'VARCHAR'}"
)
"""The master as an array of string fields, typed up front so DuckDB does not sniff ~150k records."""


def angel_instrument_source(instruments_url: str) -> InstrumentSource:
    """Return where AngelOne's master is downloaded from (public, no auth) and its canonical SELECT."""
    return InstrumentSource.one_file(select_sql=ANGEL_SELECT, format="json", url=instruments_url,
                            read_options=ANGEL_READ_OPTIONS, publish_time=ANGEL_PUBLISH_TIME, authenticated=False)
