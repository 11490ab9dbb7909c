"""The ``tt-connect`` command: a demo, and the unified API from a shell, for any driver.

Every command takes ``--broker NAME`` (default ``paper``) or ``--config FILE``
(a ``tt-connect.toml``), and ``--json`` where a script would want the output.

Installed add-ons contribute subcommands through the ``tt_connect.cli`` entry-point
group: each entry point names a function ``register(subparsers, common)`` that adds
its parser (``common`` is the parent parser holding ``--broker``, ``--config`` and
``--json``) and sets ``run`` (a coroutine function of the parsed arguments) or
``run_sync`` as its default, exactly as the built-in commands do.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as _dt
import json
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

import msgspec

from tt_connect.errors import TTConnectError

__all__ = ["main"]


# -- output ------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """Make models, instruments and enums JSON-friendly (instruments as their printed form)."""
    from tt_connect.instruments import Instrument

    if isinstance(value, Instrument):
        return str(value)
    if isinstance(value, msgspec.Struct):
        return {f: _plain(getattr(value, f)) for f in value.__struct_fields__ if f != "raw"}
    if isinstance(value, dict):
        return {str(_plain(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    return value


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, _dt.datetime):
        return value.strftime("%H:%M:%S")
    return str(value)


def render_table(rows: Sequence[dict[str, Any]], columns: Sequence[str], title: str = "") -> str:
    """Render rows as an aligned text table (numbers right-aligned)."""
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    numeric = [
        all(isinstance(row.get(c), (int, float)) or row.get(c) is None for row in rows) for c in columns
    ]

    def line(values: Sequence[str]) -> str:
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)]
        return "  ".join(parts).rstrip()

    out = []
    if title:
        out.append(title)
    out.append(line([c.upper() for c in columns]))
    out.append(line(["-" * w for w in widths]))
    out.extend(line(r) for r in cells)
    if not rows:
        out.append("(none)")
    return "\n".join(out)


def _emit(args: argparse.Namespace, value: Any, columns: Sequence[str], title: str = "") -> None:
    if args.json:
        print(json.dumps(_plain(value), indent=2))
        return
    items = value if isinstance(value, list) else [value]
    rows = [_plain(v) for v in items]
    print(render_table(rows, columns, title))


# -- client ------------------------------------------------------------------------------


class ProgressBar:
    """A one-line download bar on stderr (only when stderr is a terminal)."""

    def __init__(self, label: str, stream: Any = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.shown = False

    def __call__(self, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        if total:
            filled = int(30 * done / total)
            line = f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {done / 1e6:6.1f}/{total / 1e6:.1f} MB"
        else:
            line = f"\r{self.label} {done / 1e6:6.1f} MB"
        self.stream.write(line)
        self.shown = True
        if total and done >= total:
            self.stream.write("\n")
        self.stream.flush()


def _client(args: argparse.Namespace) -> Any:
    from tt_connect.client import AsyncTTConnect

    bar = ProgressBar("instruments")
    if args.config:
        return AsyncTTConnect.from_config(args.config, on_download_progress=bar)
    config_file = "tt-connect.toml"
    if args.broker is None and os.path.exists(config_file):
        return AsyncTTConnect.from_config(config_file, on_download_progress=bar)
    return AsyncTTConnect(args.broker or "paper", on_download_progress=bar)


def _with_client(
    work: Callable[[Any, argparse.Namespace], Coroutine[Any, Any, None]],
) -> Callable[[argparse.Namespace], Coroutine[Any, Any, None]]:
    async def run(args: argparse.Namespace) -> None:
        async with _client(args) as broker:
            await work(broker, args)

    return run


async def _funds(broker: Any, args: argparse.Namespace) -> None:
    funds = await broker.funds()
    if args.json:
        print(json.dumps(_plain(funds), indent=2))
        return
    segments = [("equity", funds.equity)] + ([("commodity", funds.commodity)] if funds.commodity else [])
    rows = [{"segment": name, **_plain(seg)} for name, seg in segments]
    print(render_table(rows, ["segment", "available_cash", "available_margin", "used_margin", "opening_balance"],
                       "Funds"))


async def _positions(broker: Any, args: argparse.Namespace) -> None:
    day = bool(getattr(args, "day", False))
    _emit(args, await broker.positions(day=day),
          ["instrument", "product", "quantity", "average_price", "last_price", "pnl"],
          "Day positions" if day else "Positions")


async def _holdings(broker: Any, args: argparse.Namespace) -> None:
    _emit(args, await broker.holdings(),
          ["instrument", "quantity", "average_price", "last_price", "pnl"], "Holdings")


async def _orders(broker: Any, args: argparse.Namespace) -> None:
    _emit(args, await broker.orders(),
          ["order_id", "instrument", "side", "qty", "order_type", "price", "status", "filled_qty", "tag"],
          "Orders")


def _instruments(texts: Sequence[str]) -> list[Any]:
    from tt_connect.instruments import parse_instrument

    return [parse_instrument(t) for t in texts]


async def _quote(broker: Any, args: argparse.Namespace) -> None:
    quotes = await broker.quote(_instruments(args.instruments))
    _emit(args, list(quotes.values()),
          ["instrument", "last_price", "open", "high", "low", "close", "volume", "oi"], "Quotes")


async def _search(broker: Any, args: argparse.Namespace) -> None:
    found = broker.search(args.text, limit=args.limit)
    if args.json:
        print(json.dumps([str(i) for i in found], indent=2))
        return
    rows = [{"instrument": str(i), "kind": i.kind.value, "lot_size": broker.lot_size(i),
             "tick_size": broker.tick_size(i)} for i in found]
    print(render_table(rows, ["instrument", "kind", "lot_size", "tick_size"], f"Instruments matching {args.text!r}"))


async def _stream(broker: Any, args: argparse.Namespace) -> None:
    from tt_connect.enums import StreamMode

    instruments = _instruments(args.instruments)
    deadline = asyncio.get_running_loop().time() + args.seconds
    count = 0
    async for tick in broker.stream(instruments, StreamMode(args.mode.upper())):
        count += 1
        if args.json:
            print(json.dumps(_plain(tick)), flush=True)
        else:
            print(f"{tick.received_at:%H:%M:%S.%f}  {tick.instrument!s:<36} {tick.last_price:>12,.2f}"
                  f"  vol {tick.volume:,}", flush=True)
        if asyncio.get_running_loop().time() >= deadline or (args.count and count >= args.count):
            break


def _drivers(args: argparse.Namespace) -> None:
    from tt_connect.drivers import available_drivers, load_driver

    report: list[dict[str, Any]] = []
    for name in available_drivers():
        try:
            loaded = load_driver(name)
        except TTConnectError as exc:
            report.append({"name": name, "error": str(exc)})
            continue
        caps = loaded.plugin.capabilities()
        entry: dict[str, Any] = {"name": name, "title": loaded.description.title,
                                 "api_version": loaded.description.api_version}
        if caps is not None:
            entry["operations"] = {op.value: caps.support(op).value for op in _operations()}
            entry["segments"] = [
                {"exchange": s.exchange.value, "order_types": sorted(s.order_types),
                 "products": sorted(s.products), "validities": sorted(s.validities),
                 "varieties": sorted(s.varieties)}
                for s in caps.segments
            ]
            entry["stream_modes"] = sorted(caps.stream_modes)
        report.append(entry)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    for entry in report:
        print(f"{entry['name']}: {entry.get('title') or entry.get('error', '')}")
        if "operations" in entry:
            ops = entry["operations"]
            for support in ("supported", "emulated", "unsupported"):
                names = [k for k, v in ops.items() if v == support]
                if names:
                    print(f"  {support:<12} {', '.join(names)}")
            for seg in entry["segments"]:
                print(f"  {seg['exchange']:<4} orders {','.join(seg['order_types'])}; products "
                      f"{','.join(seg['products'])}; validity {','.join(seg['validities'])}")
        print()


def _operations() -> list[Any]:
    from tt_connect.driver_api import Operation

    return list(Operation)


# -- demo --------------------------------------------------------------------------------


async def _demo(args: argparse.Namespace) -> None:
    from tt_connect.client import AsyncTTConnect
    from tt_connect.enums import Exchange, OrderType, ProductType, Side, StreamMode
    from tt_connect.instruments import Equity, Future

    print("tt-connect demo on the built-in paper broker (no credentials, no network)\n")
    async with AsyncTTConnect("paper", instruments_db=args.instruments_db) as broker:
        reliance = Equity(exchange=Exchange.NSE, symbol="RELIANCE")
        infy = Equity(exchange=Exchange.NSE, symbol="INFY")
        nifty_fut = broker.futures("NIFTY")[0]
        assert isinstance(nifty_fut, Future)
        expiry = broker.nearest_expiry("NIFTY")
        chain = broker.strikes("NIFTY", expiry)
        spot = (await broker.ltp(nifty_fut))[nifty_fut]
        atm = min(chain, key=lambda k: abs(k - spot))
        from tt_connect.enums import OptionType
        from tt_connect.instruments import Option

        atm_call = Option(exchange=Exchange.NFO, symbol="NIFTY", expiry=expiry, strike=atm,
                          option_type=OptionType.CE)
        watch = [reliance, infy, nifty_fut, atm_call]
        print(f"Streaming {', '.join(str(i) for i in watch)} for {args.seconds:g}s...")
        seen: dict[str, Any] = {}
        updates: list[Any] = []

        def on_tick(tick: Any) -> None:
            seen[str(tick.instrument)] = tick

        sub = await broker.subscribe(watch, on_tick=on_tick, mode=StreamMode.FULL,
                                     on_order_update=updates.append)
        await asyncio.sleep(args.seconds)
        rows = [{"instrument": k, "last_price": t.last_price, "volume": t.volume,
                 "best_bid": t.depth.bids[0].price if t.depth and t.depth.bids else None,
                 "best_ask": t.depth.asks[0].price if t.depth and t.depth.asks else None}
                for k, t in seen.items()]
        print(render_table(rows, ["instrument", "last_price", "volume", "best_bid", "best_ask"], "Last ticks"))
        print(f"\nstream stats: {_plain(sub.stats)}\n")

        print(f"BUY 10 {reliance} at market (CNC)")
        await broker.place_order(instrument=reliance, qty=10, side=Side.BUY, product=ProductType.CNC,
                                 order_type=OrderType.MARKET)
        lot = broker.lot_size(nifty_fut)
        print(f"SELL {lot} {nifty_fut} at market (NRML, one lot)")
        await broker.place_order(instrument=nifty_fut, qty=lot, side=Side.SELL, product=ProductType.NRML,
                                 order_type=OrderType.MARKET)
        infy_ltp = (await broker.ltp(infy))[infy]
        tick = broker.tick_size(infy)
        low = round(round(infy_ltp * 0.95 / tick) * tick, 2)
        print(f"BUY 5 {infy} LIMIT {low:.2f} (5% below market: rests in the book)")
        limit_id = await broker.place_order(instrument=infy, qty=5, side=Side.BUY, product=ProductType.MIS,
                                            order_type=OrderType.LIMIT, price=low)
        lower = round(round(infy_ltp * 0.94 / tick) * tick, 2)
        print(f"MODIFY {limit_id}: price {lower:.2f}, qty 8")
        await broker.modify_order(limit_id, qty=8, price=lower)
        print(f"CANCEL {limit_id}")
        await broker.cancel_order(limit_id)
        try:
            await broker.place_order(instrument=nifty_fut, qty=lot + 1, side=Side.BUY,
                                     product=ProductType.NRML, order_type=OrderType.MARKET)
        except TTConnectError as exc:
            print(f"refused before sending, as it should be: {type(exc).__name__}: {exc}")
        await asyncio.sleep(min(args.seconds, 0.5))
        await sub.unsubscribe()
        print()
        args.json = False
        await _orders(broker, args)
        print()
        await _positions(broker, args)
        print()
        await _funds(broker, args)
        print(f"\norder updates received on the stream: {len(updates)}")
    print("\nDone. The same code runs on any broker: TTConnect(\"zerodha\", config).")


# -- login -------------------------------------------------------------------------------


async def _login(args: argparse.Namespace) -> None:
    from tt_connect.client import AsyncTTConnect

    client = (AsyncTTConnect.from_config(args.config, interactive_login=True) if args.config
              else AsyncTTConnect(args.login_broker, interactive_login=True))
    async with client as broker:
        profile = await broker.profile()
    print(f"logged in to {broker.broker} as {profile.user_id}; the session is stored for reuse")


# -- parser ------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tt-connect", description="One interface to every Indian broker.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--broker", help="driver name (default: paper, or tt-connect.toml when present)")
    common.add_argument("--config", help="path of a tt-connect.toml file")
    common.add_argument("--json", action="store_true", help="print JSON instead of tables")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="stream, trade and report on the paper broker")
    demo.add_argument("--seconds", type=float, default=3.0, help="how long to stream (default 3)")
    demo.add_argument("--instruments-db", default=":memory:", help="instrument master path (default in memory)")
    demo.set_defaults(run=_demo)

    drivers = sub.add_parser("drivers", help="installed drivers and their capability matrix")
    drivers.add_argument("--json", action="store_true")
    drivers.set_defaults(run_sync=_drivers)

    instruments = sub.add_parser("instruments", help="instrument master queries")
    isub = instruments.add_subparsers(dest="instruments_command", required=True)
    search = isub.add_parser("search", parents=[common], help="find instruments by symbol or name")
    search.add_argument("text")
    search.add_argument("--limit", type=int, default=20)
    search.set_defaults(run=_with_client(_search))

    quote = sub.add_parser("quote", parents=[common], help="quotes, e.g. quote NSE:RELIANCE 'NSE:NIFTY 50'")
    quote.add_argument("instruments", nargs="+")
    quote.set_defaults(run=_with_client(_quote))

    for name, work, text in (
        ("orders", _orders, "today's order book"),
        ("positions", _positions, "net positions"),
        ("holdings", _holdings, "demat holdings"),
        ("funds", _funds, "funds and margins"),
    ):
        cmd = sub.add_parser(name, parents=[common], help=text)
        if name == "positions":
            cmd.add_argument("--day", action="store_true", help="today's buys and sells only")
        cmd.set_defaults(run=_with_client(work))

    stream = sub.add_parser("stream", parents=[common], help="print live ticks")
    stream.add_argument("instruments", nargs="+")
    stream.add_argument("--mode", default="ltp", choices=["ltp", "quote", "full"])
    stream.add_argument("--seconds", type=float, default=10.0)
    stream.add_argument("--count", type=int, default=0, help="stop after this many ticks")
    stream.set_defaults(run=_with_client(_stream))

    login = sub.add_parser("login", help="log in (browser flow where the broker needs it) and store the session")
    login.add_argument("login_broker", metavar="broker")
    login.add_argument("--config", help="path of a tt-connect.toml file")
    login.set_defaults(run=_login)

    emulate = sub.add_parser("emulate", help="run a broker emulator on 127.0.0.1")
    emulate.add_argument("emulate_broker", metavar="broker")
    emulate.add_argument("--port", type=int, default=0)
    emulate.add_argument("--no-rate-limits", action="store_true", help="never answer 429")
    emulate.set_defaults(run_sync=_emulate)
    _add_plugin_commands(sub, common)
    return parser


CLI_ENTRY_POINTS = "tt_connect.cli"
"""Entry-point group of add-on subcommands (e.g. ``tt-connect hub`` from tt-connect-redis)."""


def _add_plugin_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Let installed add-ons register their subcommands; one that fails to load is skipped, with a note."""
    from importlib.metadata import entry_points

    for entry in entry_points(group=CLI_ENTRY_POINTS):
        if entry.name in sub.choices:
            continue  # a built-in command keeps its name
        try:
            entry.load()(sub, common)
        except Exception as exc:  # a broken add-on must not take the whole command line down
            print(f"note: the {entry.name!r} command is unavailable ({type(exc).__name__}: {exc})", file=sys.stderr)


def _emulate(args: argparse.Namespace) -> None:
    from tt_connect.drivers import emulator_class
    from tt_connect.errors import UnsupportedOperationError

    emulator = emulator_class(args.emulate_broker)
    if emulator is None:
        raise UnsupportedOperationError(f"the {args.emulate_broker} driver ships no emulator")
    emulator.main(["--port", str(args.port), *(["--no-rate-limits"] if args.no_rate_limits else [])])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        if hasattr(args, "run_sync"):
            args.run_sync(args)
        else:
            asyncio.run(args.run(args))
    except TTConnectError as exc:
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
