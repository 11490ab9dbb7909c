"""Test helpers: a real redis-server process, and a bus of hubs and consumer engines on it.

``redis-server`` must be on PATH (``.ci/run`` installs Debian's package). Each test gets its own
server on a free port, with no persistence (a restart loses every key, the harshest case), started
and stopped by the fixtures in conftest.py.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis
from redis.asyncio import Redis
from tt_connect import AsyncTTConnect
from tt_connect.sharing import broker_feed
from tt_connect.streaming import StreamEngine
from tt_connect_redis import BusKeys, FeedHub, RedisFeed
from tt_connect_redis.connection import connect


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """One redis-server process; ``restart`` keeps its port, so clients reconnect to the same URL."""

    def __init__(self, directory: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not on PATH: `apt-get install redis-server` (see .ci/run)")
        self.binary = binary
        self.directory = directory
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory), "--protected-mode", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                if client.ping():
                    break
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"redis-server did not start on port {self.port}") from None
                time.sleep(0.01)
        client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


class Bus:
    """Hubs and consumer engines on one test Redis; everything is closed after the test."""

    def __init__(self, server: RedisServer, client: AsyncTTConnect, namespace: str = "test:acct") -> None:
        self.server = server
        self.client = client
        self.keys = BusKeys(namespace, shards=4)
        self._closers: list[object] = []

    async def hub(self, **options: object) -> FeedHub:
        redis_client = connect(self.server.url)
        hub = FeedHub(redis=redis_client, keys=self.keys, source=await broker_feed(self.client),
                      lease=options.pop("lease", 2.0), **options)  # type: ignore[arg-type]
        await hub.start()
        self._closers.append(hub)
        self._closers.append(redis_client)
        return hub

    def feed(self, **options: object) -> RedisFeed:
        options.setdefault("lease", 2.0)
        return RedisFeed(redis=connect(self.server.url), keys=self.keys, owns_client=True,
                         backoff_max=0.5, **options)  # type: ignore[arg-type]

    def engine(self, feed: RedisFeed | None = None, errors: list[BaseException] | None = None) -> StreamEngine:
        engine = StreamEngine(broker="paper", feed=feed or self.feed(), ready_timeout=2.0,
                              on_error=errors.append if errors is not None else None)
        self._closers.append(engine)
        return engine

    async def close(self) -> None:
        stuck: list[str] = []
        for closer in reversed(self._closers):
            closing = asyncio.ensure_future(closer.aclose() if isinstance(closer, Redis)
                                            else closer.close())  # type: ignore[attr-defined]
            await asyncio.wait([closing], timeout=5.0)
            if not closing.done():
                stuck.append(type(closer).__name__)
                closing.cancel()
        assert not stuck, f"these did not close within 5 s: {stuck}"
