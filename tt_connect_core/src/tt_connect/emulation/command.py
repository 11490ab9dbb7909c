"""``tt-connect emulate <broker>``: run one emulator in the foreground, and say where it is.

The first stdout line is the emulator's announcement (JSON: its URLs and fresh test credentials),
which is itself a valid config for ``TTConnect(broker, announcement)``. ``--env-file`` also writes it
as environment variables, for a ``tt-connect.toml`` whose secrets are ``{ env = ... }`` references.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import json
import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tt_connect.emulation.host import EmulatorHost

__all__ = ["run_emulator", "write_env_file"]


def run_emulator(cls: type[EmulatorHost], argv: Sequence[str] | None = None) -> None:
    """Parse the options, serve on 127.0.0.1 until interrupted (Ctrl-C), print the announcement first."""
    parser = argparse.ArgumentParser(prog=f"tt-connect emulate {cls.broker}")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--no-rate-limits", action="store_true", help="never answer 429")
    # An emulator of a browser login takes the app's registered redirect URL, so that
    # `tt-connect login <broker>` can catch the redirect on 127.0.0.1 as it does with the broker.
    redirects = "redirect_url" in inspect.signature(cls.__init__).parameters
    if redirects:
        parser.add_argument("--redirect-url", help="where the login page sends the browser with the one-time "
                                                   "token (default: the emulator's own page showing it)")
    parser.add_argument("--env-file", help=f"also write the announcement to this file as TTC_{cls.broker.upper()}"
                                           "_<KEY>=value lines (mode 0600), for a config of { env = ... } references")
    args = parser.parse_args(argv)
    options: dict[str, Any] = {"redirect_url": args.redirect_url} if redirects else {}
    host = cls(port=args.port, enforce_rate_limits=not args.no_rate_limits, **options)

    async def serve() -> None:
        await host.start_serving()
        if args.env_file:
            write_env_file(args.env_file, cls.broker, host.announcement())
        print(json.dumps(host.announcement()), flush=True)
        print(f"{cls.broker} emulator on {host.base_url} (Ctrl-C to stop)", file=sys.stderr, flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await host.stop_serving()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


def write_env_file(path: str, broker: str, announcement: Mapping[str, Any]) -> None:
    """Write an announcement as shell-quoted ``TTC_<BROKER>_<KEY>=value`` lines, readable by the owner only.

    ``set -a; . FILE; set +a`` (or a systemd ``EnvironmentFile``) then lets a ``tt-connect.toml`` take the
    emulator's fresh credentials as ``{ env = "TTC_ZERODHA_ACCESS_TOKEN" }`` references.
    """
    prefix = f"TTC_{broker.upper()}_"
    lines = [f"{prefix}{key.upper()}={shlex.quote(str(value))}" for key, value in announcement.items()
             if isinstance(value, str | int | float) and not isinstance(value, bool)]
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    os.replace(partial, target)  # whole or absent: a script waiting for the file never reads half of it
