"""``tt-connect hub``: serve one account's feed to every consumer through Redis.

Registered in the ``tt_connect.cli`` entry-point group. It prints one JSON line
when it serves (``{"hub": namespace, "epoch": ...}``), then runs until
interrupted (SIGINT or SIGTERM).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
from typing import Any

from tt_connect_redis.keys import DEFAULT_SHARDS

__all__ = ["register"]


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``hub`` subcommand to the ``tt-connect`` parser."""
    hub = sub.add_parser("hub", parents=[common],
                         help="hold the broker's feed for one account and share it through Redis")
    hub.add_argument("--redis", default="redis://127.0.0.1:6379/0", help="Redis URL (default: local)")
    hub.add_argument("--namespace", help="bus namespace (default: the broker and a digest of the account)")
    hub.add_argument("--shards", type=int, default=DEFAULT_SHARDS,
                     help="tick streams (consumers must use the same)")
    hub.add_argument("--maxlen", type=int, default=1_000, help="approximate entries kept per tick stream")
    hub.add_argument("--lease", type=float, default=10.0, help="seconds a consumer's holds live unrenewed")
    hub.add_argument("--tick-interval", type=float, default=None, help=argparse.SUPPRESS)  # paper tests
    hub.set_defaults(run=_serve)


async def _serve(args: argparse.Namespace) -> None:
    from tt_connect.cli import client_from_args

    from tt_connect_redis.runner import running_hub

    client = client_from_args(args)
    if args.tick_interval is not None and client.broker == "paper":
        from tt_connect.client import AsyncTTConnect

        client = AsyncTTConnect("paper", {"tick_interval": args.tick_interval}, instruments_db=":memory:")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with running_hub(client, args.redis, namespace=args.namespace, shards=args.shards,
                           maxlen=args.maxlen, lease=args.lease) as hub:
        print(json.dumps({"hub": hub.keys.namespace, "epoch": hub.epoch, "shards": hub.keys.shards}), flush=True)
        await stop.wait()
