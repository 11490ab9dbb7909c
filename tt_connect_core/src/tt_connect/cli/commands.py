"""The commands that talk to a broker (and ``drivers``, ``login``, ``emulate``), one function each."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from tt_connect.cli.output import ProgressBar, emit, plain, render_table, tick_fields, tick_line
from tt_connect.errors import ConfigurationError, TTConnectError


def config_file(explicit: str | None, broker: str | None) -> str | None:
    """The file a command reads: ``--config``, else ``./tt-connect.toml`` unless ``--broker`` was given."""
    if explicit:
        return explicit
    return "tt-connect.toml" if broker is None and os.path.exists("tt-connect.toml") else None


def make_client(args: argparse.Namespace, bar: ProgressBar) -> Any:
    from tt_connect.client import AsyncTTConnect

    path = config_file(args.config, args.broker)
    if path is not None:
        return AsyncTTConnect.from_config(path, on_download_progress=bar)
    return AsyncTTConnect(args.broker or "paper", on_download_progress=bar)


def with_client(
    work: Callable[[Any, argparse.Namespace], Coroutine[Any, Any, None]],
) -> Callable[[argparse.Namespace], Coroutine[Any, Any, None]]:
    async def run(args: argparse.Namespace) -> None:
        bar = ProgressBar("instruments")
        async with contextlib.AsyncExitStack() as stack:
            broker = make_client(args, bar)
            stack.push_async_callback(broker.close)
            try:
                await broker.connect()
            finally:
                bar.finish()
            await work(broker, args)

    return run


async def funds(broker: Any, args: argparse.Namespace) -> None:
    funds = await broker.funds()
    if args.json:
        print(json.dumps(plain(funds), indent=2))
        return
    segments = [("equity", funds.equity)] + ([("commodity", funds.commodity)] if funds.commodity else [])
    rows = [{"segment": name, **plain(seg)} for name, seg in segments]
    print(render_table(rows, ["segment", "available_cash", "available_margin", "used_margin", "opening_balance"],
                       "Funds"))


async def positions(broker: Any, args: argparse.Namespace) -> None:
    day = bool(getattr(args, "day", False))
    emit(args, await broker.positions(day=day),
          ["instrument", "product", "quantity", "average_price", "last_price", "pnl"],
          "Day positions" if day else "Positions")


async def holdings(broker: Any, args: argparse.Namespace) -> None:
    emit(args, await broker.holdings(),
          ["instrument", "quantity", "average_price", "last_price", "pnl"], "Holdings")


async def orders(broker: Any, args: argparse.Namespace) -> None:
    emit(args, await broker.orders(),
          ["order_id", "instrument", "side", "qty", "order_type", "price", "status", "filled_qty", "tag"],
          "Orders")


def parse_instruments(texts: Sequence[str]) -> list[Any]:
    from tt_connect.instruments import parse_instrument

    return [parse_instrument(t) for t in texts]


async def quote(broker: Any, args: argparse.Namespace) -> None:
    quotes = await broker.quote(parse_instruments(args.instruments))
    emit(args, list(quotes.values()),
          ["instrument", "last_price", "open", "high", "low", "close", "volume", "oi"], "Quotes")


async def search(broker: Any, args: argparse.Namespace) -> None:
    found = broker.search(args.text, limit=args.limit)
    if args.json:
        print(json.dumps([str(i) for i in found], indent=2))
        return
    total = broker.search_count(args.text)
    rows = [{"instrument": str(i), "kind": i.kind.value, "lot_size": broker.lot_size(i),
             "tick_size": broker.tick_size(i)} for i in found]
    print(render_table(rows, ["instrument", "kind", "lot_size", "tick_size"], f"Instruments matching {args.text!r}"))
    if total > len(found):
        print(f"{len(found):,} of {total:,} matches shown; --limit {total} shows all, or narrow the text")
    else:
        print(f"{total:,} match{'' if total == 1 else 'es'}")


async def stream(broker: Any, args: argparse.Namespace) -> None:
    from tt_connect.enums import StreamMode

    instruments = parse_instruments(args.instruments)
    deadline = asyncio.get_running_loop().time() + args.seconds
    count = 0
    # aclosing: the stream ends (and unsubscribes) here, before the client closes, however the loop ends
    async with contextlib.aclosing(broker.stream(instruments, StreamMode(args.mode.upper()))) as ticks:
        async for tick in ticks:
            count += 1
            print(json.dumps(tick_fields(tick)) if args.json else tick_line(tick), flush=True)
            if asyncio.get_running_loop().time() >= deadline or (args.count and count >= args.count):
                break


def drivers(args: argparse.Namespace) -> None:
    from tt_connect.drivers import available_drivers, load_driver

    report: list[dict[str, Any]] = []
    for name in available_drivers():
        try:
            loaded = load_driver(name)
        except TTConnectError as exc:
            report.append({"name": name, "error": str(exc)})
            continue
        entry: dict[str, Any] = {"name": name, "title": loaded.description.title,
                                 "package": loaded.description.package,
                                 "api_version": loaded.description.api_version}
        caps = capabilities(loaded)
        if caps is None:
            entry["error"] = "the driver did not report its capability matrix"
        else:
            entry["operations"] = {op.value: caps.support(op).value for op in operations()}
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
        print(f"{entry['name']}: {entry.get('title') or ''}".rstrip())
        if "error" in entry:
            print(f"  error: {entry['error']}")
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


def operations() -> list[Any]:
    from tt_connect.driver_api import Operation

    return list(Operation)


def capabilities(loaded: Any) -> Any:
    """A driver's capability matrix: it needs no config, so no credentials."""
    try:
        return loaded.plugin.capabilities()
    except Exception:  # a broken driver is listed with an error, not a traceback
        return None


async def login(args: argparse.Namespace) -> None:
    """Log in and store the session: through the browser, or with what the user pastes (``--paste``)."""
    from tt_connect.client import AsyncTTConnect
    from tt_connect.config import load_config
    from tt_connect.drivers import load_driver

    wanted = load_driver(args.login_broker).description.name
    path = config_file(args.config, None)
    if path is not None:
        selected = load_config(path).broker
        if selected.lower() != wanted:
            raise ConfigurationError(
                f"{path} selects broker = {selected!r}, not {wanted!r}: set broker = {wanted!r} in it, or pass "
                f"the config file of your {wanted} account with --config")
    browser = args.paste is None
    client = AsyncTTConnect.from_config(path, interactive_login=browser) if path is not None \
        else AsyncTTConnect(wanted, interactive_login=browser)
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(client.close)
        if not browser:
            await _complete_pasted_login(client, args.paste)
        profile = await client.profile()
    print(f"logged in to {client.broker} as {profile.user_id}; the session is stored for reuse")


async def _complete_pasted_login(client: Any, pasted: str) -> None:
    """The headless login: show the login page's address, take the redirect URL (or its token) back."""
    from tt_connect.errors import InputError

    url = client.login_url()
    if url is None:
        raise InputError(f"the {client.broker} login needs no browser, so there is nothing to paste: "
                         f"run tt-connect login {client.broker} without --paste")
    if not pasted:
        print(f"Open this address on any device and log in:\n  {url}\nThen paste the address your browser was "
              "sent to afterwards (or only the one-time token in it), and press Enter:", file=sys.stderr, flush=True)
        pasted = (await asyncio.to_thread(sys.stdin.readline)).strip()
    await client.complete_login(pasted)


# -- emulators ---------------------------------------------------------------------------


def emulators() -> list[str]:
    """The installed drivers that ship an emulator (``DriverPlugin.emulator``)."""
    from tt_connect.drivers import available_drivers, load_driver

    found = []
    for name in available_drivers():
        try:
            if load_driver(name).description.emulator:
                found.append(name)
        except TTConnectError:
            continue
    return found


def emulate(args: argparse.Namespace) -> None:
    from tt_connect.drivers import emulator_class
    from tt_connect.errors import UnsupportedOperationError

    emulator = emulator_class(args.emulate_broker)
    if emulator is None:
        listed = ", ".join(emulators()) or "none"
        raise UnsupportedOperationError(f"the {args.emulate_broker} driver ships no emulator (installed emulators: "
                                        f"{listed})")
    emulator.main(["--port", str(args.port), *(["--no-rate-limits"] if args.no_rate_limits else []),
                   *(["--redirect-url", args.redirect_url] if args.redirect_url else []),
                   *(["--env-file", args.env_file] if args.env_file else [])])
