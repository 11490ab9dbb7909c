"""The ``tt-connect`` command: a demo, and the unified API from a shell, for any driver.

Every command takes ``--broker NAME`` (default ``paper``) or ``--config FILE``
(a ``tt-connect.toml``), and ``--json`` where a script would want the output. stdout holds
only the output (with ``--json``, only JSON); tt-connect's own events go to stderr.

Installed add-ons contribute subcommands through the ``tt_connect.cli`` entry-point
group: each entry point names a function ``register(subparsers, common)`` that adds
its parser (``common`` is the parent parser holding ``--broker``, ``--config`` and
``--json``) and sets ``run`` (a coroutine function of the parsed arguments) or
``run_sync`` as its default, exactly as the built-in commands do.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import Sequence
from typing import Any

from tt_connect.cli import commands
from tt_connect.cli.demo import demo as demo_command
from tt_connect.cli.output import render_table
from tt_connect.errors import TTConnectError

__all__ = ["client_from_args", "main", "render_table"]


def client_from_args(args: argparse.Namespace) -> Any:
    """The client a command's ``--broker`` / ``--config`` (or ``./tt-connect.toml``) names, not yet connected.

    For add-on commands (``tt-connect hub``) that hold a client of their own.
    """
    from tt_connect.cli.output import ProgressBar

    return commands.make_client(args, ProgressBar("instruments"))


def _version() -> str:
    from importlib import metadata

    from tt_connect import __version__
    from tt_connect.drivers import ENTRY_POINT_GROUP

    drivers = sorted({f"{ep.name} {ep.dist.version}" for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)
                      if ep.dist is not None})
    return f"tt-connect {__version__}" + (f" (drivers: {', '.join(drivers)})" if drivers else "")


class _VersionAction(argparse.Action):
    """``--version``: the versions are looked up only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest=dest, nargs=0, help="print the versions of tt-connect and its drivers")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        print(_version())
        parser.exit()


def _parser(argv: Sequence[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tt-connect", description="One interface to every Indian broker.")
    parser.add_argument("--version", action=_VersionAction)
    parser.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"],
                        help="tt-connect's events on stderr at this level and above (default: warning)")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--broker", help="driver name (default: paper, or tt-connect.toml when present)")
    common.add_argument("--config", help="path of a tt-connect.toml file")
    common.add_argument("--json", action="store_true", help="print JSON instead of tables (stdout holds only JSON)")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="stream, trade and report on the paper broker")
    demo.add_argument("--seconds", type=float, default=3.0, help="how long to stream (default 3)")
    demo.add_argument("--instruments-db", default=":memory:", help="instrument master path (default in memory)")
    demo.set_defaults(run=demo_command)

    drivers = sub.add_parser("drivers", help="installed drivers and their capability matrix")
    drivers.add_argument("--json", action="store_true")
    drivers.set_defaults(run_sync=commands.drivers)

    instruments = sub.add_parser("instruments", help="instrument master queries")
    isub = instruments.add_subparsers(dest="instruments_command", required=True)
    search = isub.add_parser("search", parents=[common], help="find instruments by symbol or name")
    search.add_argument("text")
    search.add_argument("--limit", type=int, default=20, help="how many to show (default 20)")
    search.set_defaults(run=commands.with_client(commands.search))

    quote = sub.add_parser("quote", parents=[common], help="quotes, e.g. quote NSE:RELIANCE 'NSE:NIFTY 50'")
    quote.add_argument("instruments", nargs="+")
    quote.set_defaults(run=commands.with_client(commands.quote))

    for name, work, text in (
        ("orders", commands.orders, "today's order book"),
        ("positions", commands.positions, "net positions"),
        ("holdings", commands.holdings, "demat holdings"),
        ("funds", commands.funds, "funds and margins"),
    ):
        cmd = sub.add_parser(name, parents=[common], help=text)
        if name == "positions":
            cmd.add_argument("--day", action="store_true", help="today's buys and sells only")
        cmd.set_defaults(run=commands.with_client(work))

    stream = sub.add_parser("stream", parents=[common], help="print live ticks")
    stream.add_argument("instruments", nargs="+")
    stream.add_argument("--mode", default="ltp", choices=["ltp", "quote", "full"])
    stream.add_argument("--seconds", type=float, default=10.0)
    stream.add_argument("--count", type=int, default=0, help="stop after this many ticks")
    stream.set_defaults(run=commands.with_client(commands.stream))

    login = sub.add_parser("login", help="log in (browser flow where the broker needs it) and store the session",
                           description="Log in and store the session for later runs. A browser login opens the "
                                       "broker's page and catches its redirect on the config's redirect_url "
                                       "(127.0.0.1); on a server without a browser, use --paste.")
    login.add_argument("login_broker", metavar="broker")
    login.add_argument("--config", help="path of a tt-connect.toml file (default: ./tt-connect.toml)")
    login.add_argument("--paste", nargs="?", const="", default=None, metavar="URL_OR_TOKEN",
                       help="no browser here: print the login address, then take the address the browser was "
                            "redirected to (or its one-time token), as this argument or from stdin")
    login.set_defaults(run=commands.login)

    emulate = sub.add_parser("emulate", help="run a broker emulator on 127.0.0.1",
                             description="Run a broker emulator on 127.0.0.1 over the paper market; its first "
                                         "stdout line is a JSON object with its URLs and test credentials.",
                             # listing them finds packages on disk: only worth it when emulate is asked for
                             epilog=f"installed emulators: {', '.join(commands.emulators()) or 'none'}"
                             if "emulate" in argv else None)
    emulate.add_argument("emulate_broker", metavar="broker", help="the driver whose broker to emulate")
    emulate.add_argument("--port", type=int, default=0)
    emulate.add_argument("--no-rate-limits", action="store_true", help="never answer 429")
    emulate.add_argument("--redirect-url", help="for a browser login: the app's redirect URL the login page sends "
                                                "the browser to (e.g. the redirect_url tt-connect login listens on)")
    emulate.add_argument("--env-file", help="also write its URLs and credentials as TTC_<BROKER>_<KEY>=value "
                                            "lines (mode 0600), for a config of { env = ... } references")
    emulate.set_defaults(run_sync=commands.emulate)
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


def _quiet_stdout() -> None:
    """Point stdout at /dev/null once its reader went away, so the exit flush cannot fail again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    2: an error tt-connect explained on stderr; 130: interrupted (Ctrl-C); 141: stdout was closed
    by its reader (``| head``), as if SIGPIPE had ended the process.
    """
    from tt_connect.logs import cli_logging

    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser(argv).parse_args(argv)
    try:
        with cli_logging("json" if getattr(args, "json", False) else "console", args.log_level):
            if hasattr(args, "run_sync"):
                args.run_sync(args)
            else:
                asyncio.run(args.run(args))
            sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
        return 141
    except TTConnectError as exc:
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0
