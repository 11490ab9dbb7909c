"""Kite's instrument master (CSV) -> canonical rows, as one DuckDB SELECT.

Kite columns: instrument_token, exchange_token, tradingsymbol, name, last_price,
expiry, strike, tick_size, lot_size, instrument_type (EQ/FUT/CE/PE), segment
(NSE, BSE, NFO-FUT, NFO-OPT, BFO-*, CDS-*, BCD-*, MCX-*, INDICES) and exchange.

Canonical mapping:

* ``segment = 'INDICES'`` -> an index (kind IDX) named by its tradingsymbol
  (``NIFTY 50``), whatever ``instrument_type`` says; its underlying is the F&O
  symbol traders use (``NIFTY``, ``BANKNIFTY``) where one exists.
* derivatives take Kite's ``name`` (``NIFTY``) as symbol and underlying. Older
  dumps leave ``name`` empty; the symbol is then the tradingsymbol minus its
  expiry/strike/type tail, rebuilt from the row's own expiry and strike for
  both the monthly (``NIFTY25JAN18000CE``) and weekly (``NIFTY2513018000CE``) forms.
* ``broker_token`` = instrument_token, ``broker_symbol`` = tradingsymbol,
  ``broker_exchange`` = exchange, ``broker_segment`` = Kite's segment.
  The stream decoder looks tokens up under these segments (see ticker.py).
"""

from __future__ import annotations

import datetime as _dt

from tt_connect.driver_api import InstrumentSource

__all__ = ["INDEX_UNDERLYINGS", "KITE_PUBLISH_TIME", "KITE_READ_OPTIONS", "KITE_SELECT", "kite_instrument_source"]

KITE_PUBLISH_TIME = _dt.time(8, 30)
"""Kite regenerates the dump once a day before the open; ~08:30 IST is the commonly used refresh time."""

INDEX_UNDERLYINGS: dict[str, str] = {
    "NIFTY 50": "NIFTY",
    "NIFTY BANK": "BANKNIFTY",
    "NIFTY FIN SERVICE": "FINNIFTY",
    "NIFTY MID SELECT": "MIDCPNIFTY",
    "NIFTY NEXT 50": "NIFTYNXT50",
    "SENSEX": "SENSEX",
    "BANKEX": "BANKEX",
    "SENSEX50": "SENSEX50",
}

_INDEX_CASE = "CASE tradingsymbol " + " ".join(
    f"WHEN '{index}' THEN '{underlying}'" for index, underlying in INDEX_UNDERLYINGS.items()
) + " ELSE tradingsymbol END"

KITE_SELECT = f"""
WITH typed AS (
    SELECT trim(tradingsymbol) AS tradingsymbol,
           nullif(trim(name), '') AS kite_name,
           upper(trim(exchange)) AS exchange,
           upper(trim(segment)) AS segment,
           upper(trim(instrument_type)) AS instrument_type,
           CAST(instrument_token AS VARCHAR) AS instrument_token,
           TRY_CAST(expiry AS DATE) AS expiry,
           TRY_CAST(strike AS DOUBLE) AS strike,
           TRY_CAST(lot_size AS INTEGER) AS lot_size,
           TRY_CAST(tick_size AS DOUBLE) AS tick_size
    FROM {{source}}
),
classified AS (
    SELECT *,
           CASE WHEN segment = 'INDICES' THEN 'IDX'
                WHEN instrument_type = 'EQ' THEN 'EQ'
                WHEN instrument_type = 'FUT' THEN 'FUT'
                WHEN instrument_type IN ('CE', 'PE') THEN 'OPT' END AS kind,
           strftime(expiry, '%y') AS yy,
           upper(strftime(expiry, '%b')) AS mon,
           CASE month(expiry) WHEN 10 THEN 'O' WHEN 11 THEN 'N' WHEN 12 THEN 'D'
                ELSE CAST(month(expiry) AS VARCHAR) END || strftime(expiry, '%d') AS weekly_code,
           CASE WHEN strike = floor(strike) THEN CAST(CAST(strike AS BIGINT) AS VARCHAR)
                ELSE CAST(strike AS VARCHAR) END AS strike_text
    FROM typed
),
tails AS (
    SELECT *,
           CASE kind WHEN 'FUT' THEN yy || mon || 'FUT'
                     WHEN 'OPT' THEN yy || mon || strike_text || instrument_type END AS monthly_tail,
           CASE kind WHEN 'OPT' THEN yy || weekly_code || strike_text || instrument_type END AS weekly_tail
    FROM classified
),
named AS (
    SELECT *,
           CASE WHEN kind = 'IDX' THEN {_INDEX_CASE}
                WHEN kind IN ('FUT', 'OPT') THEN coalesce(
                    kite_name,
                    CASE WHEN ends_with(tradingsymbol, monthly_tail)
                              THEN left(tradingsymbol, length(tradingsymbol) - length(monthly_tail))
                         WHEN ends_with(tradingsymbol, weekly_tail)
                              THEN left(tradingsymbol, length(tradingsymbol) - length(weekly_tail)) END,
                    nullif(regexp_extract(tradingsymbol, '^(.+?)[0-9]{{2}}(?:[A-Z]{{3}}|[1-9OND][0-9]{{2}})', 1), ''),
                    tradingsymbol)
                ELSE tradingsymbol END AS underlying_symbol
    FROM tails
)
SELECT exchange,
       CASE WHEN kind = 'IDX' THEN exchange || '_INDEX'
            WHEN kind = 'EQ' THEN exchange || '_EQ'
            ELSE exchange END AS segment,
       kind,
       CASE WHEN kind IN ('FUT', 'OPT') THEN underlying_symbol ELSE tradingsymbol END AS symbol,
       underlying_symbol AS underlying,
       expiry,
       CASE WHEN kind = 'OPT' THEN strike END AS strike,
       CASE WHEN kind = 'OPT' THEN instrument_type END AS option_type,
       lot_size,
       tick_size,
       CAST(NULL AS VARCHAR) AS isin,
       coalesce(kite_name, CASE WHEN kind IN ('FUT', 'OPT') THEN underlying_symbol END, tradingsymbol) AS name,
       instrument_token AS broker_token,
       tradingsymbol AS broker_symbol,
       exchange AS broker_exchange,
       segment AS broker_segment
FROM named
WHERE kind IS NOT NULL
"""

# Every column as text (the SELECT casts) and the dialect spelled out, so DuckDB's sniffer
# only confirms the header instead of trying dialects over ~100k rows.
KITE_READ_OPTIONS = "header=true, all_varchar=true, delim=',', quote='\"', escape='\"', sample_size=2048"


def kite_instrument_source(instruments_url: str) -> InstrumentSource:
    """Return where Kite's master is downloaded from (authenticated) and its canonical SELECT."""
    return InstrumentSource.one_file(select_sql=KITE_SELECT, format="csv", url=instruments_url,
                            read_options=KITE_READ_OPTIONS, publish_time=KITE_PUBLISH_TIME, authenticated=True)
