"""Processes on one host that share a file (or keyring) store log in once: the file lock beside the sessions.

Two real processes start together on one account with the default lock (`host_login_lock`): one logs
in, the other waits for the lock, reads the store again and adopts that session. Without the lock the
same start logs in twice, which on brokers that end the older session at each login kills one bot.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tt_connect.auth import FileLoginLock, FileStore, MemoryStore, host_login_lock
from tt_connect.errors import AuthenticationError

from tests.transport.fake_broker import FakeBrokerServer

ROOT = Path(__file__).resolve().parents[2]

_BOT = r"""
import asyncio, hashlib, sys, time
from pathlib import Path
from tt_connect.auth import AuthManager, FileStore, NoLoginLock, host_login_lock
from tt_connect.transport import AiohttpTransport
from tests.transport.fake_broker import PASSWORD, TOTP_SECRET, FakeAuth, FakeConfig

url, directory, name, locked = sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4] == "1"

async def main() -> None:
    transport = AiohttpTransport()
    store = FileStore(directory / "sessions")
    config = FakeConfig(base_url=url, password=PASSWORD, totp_secret=TOTP_SECRET)

    async def send(request):
        return await transport.send(request, timeout=10.0)

    manager = AuthManager(broker="fake", spec=FakeAuth(config), store=store, account="acct", send=send,
                          login_lock=host_login_lock(store) if locked else NoLoginLock())
    (directory / f"ready-{name}").touch()
    while len(list(directory.glob("ready-*"))) < 2:  # both bots start their login together
        await asyncio.sleep(0.005)
    try:
        session = await manager.session()
    finally:
        await transport.close()
    print(manager.logins, hashlib.sha256(session.access_token.encode()).hexdigest()[:12])

asyncio.run(main())
"""


async def _two_bots(server: FakeBrokerServer, directory: Path, *, locked: bool) -> list[tuple[int, str]]:
    server.login_delay = 0.3
    procs = [await asyncio.create_subprocess_exec(
        sys.executable, "-c", _BOT, server.url, str(directory), name, "1" if locked else "0",
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for name in ("a", "b")]
    results = []
    for proc in procs:
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode == 0, err.decode()
        logins, digest = out.decode().split()
        results.append((int(logins), digest))
    return results


async def test_two_processes_starting_together_log_in_once(server: FakeBrokerServer, tmp_path: Path) -> None:
    results = await _two_bots(server, tmp_path, locked=True)
    assert server.logins == 1, "the second process waited for the lock and adopted the first one's session"
    assert sorted(logins for logins, _ in results) == [0, 1]
    assert results[0][1] == results[1][1], "both run on one session"


async def test_without_the_lock_the_same_start_logs_in_twice(server: FakeBrokerServer, tmp_path: Path) -> None:
    await _two_bots(server, tmp_path, locked=False)
    assert server.logins == 2, "the lock is what makes the first login single-flight across processes"


async def test_a_second_holder_waits_until_the_first_lets_go(tmp_path: Path) -> None:
    first, second = FileLoginLock(tmp_path), FileLoginLock(tmp_path)
    order: list[str] = []
    held, release = asyncio.Event(), asyncio.Event()

    async def hold_first() -> None:
        async with first.hold("zerodha", "AB1234"):
            order.append("first in")
            held.set()
            await release.wait()
            order.append("first out")

    async def hold_second() -> None:
        await held.wait()
        waiting = asyncio.create_task(_enter(second, order))
        for _ in range(20):  # the second polls the lock meanwhile and must not get in
            await asyncio.sleep(0)
        assert not waiting.done() and order == ["first in"]
        release.set()
        await waiting

    await asyncio.gather(hold_first(), hold_second())
    assert order == ["first in", "first out", "second in", "second out"]


async def _enter(lock: FileLoginLock, order: list[str]) -> None:
    async with lock.hold("zerodha", "AB1234"):
        order.append("second in")
    order.append("second out")


def _lock_files(directory: Path) -> list[Path]:
    return list(directory.glob("*.login.lock"))


async def test_other_accounts_do_not_wait(tmp_path: Path) -> None:
    lock = FileLoginLock(tmp_path, timeout=0.2)
    async with lock.hold("zerodha", "AB1234"), lock.hold("zerodha", "CD5678"), lock.hold("angelone", "AB1234"):
        assert len(_lock_files(tmp_path)) == 3


async def test_a_lock_held_too_long_is_a_retryable_authentication_error(tmp_path: Path) -> None:
    holder, waiter = FileLoginLock(tmp_path), FileLoginLock(tmp_path, timeout=0.1)
    async with holder.hold("zerodha", "AB1234"):
        with pytest.raises(AuthenticationError) as caught:
            async with waiter.hold("zerodha", "AB1234"):
                pass
    assert caught.value.retryable and "AB1234" not in str(caught.value), "the account is a digest in the name"


async def test_a_holder_that_dies_releases_the_lock(tmp_path: Path) -> None:
    lock = FileLoginLock(tmp_path, timeout=5.0)
    path = lock.path("zerodha", "AB1234")
    script = ("import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600); "
              "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)")
    holder = await asyncio.create_subprocess_exec(sys.executable, "-c", script, str(path), stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and (await holder.stdout.readline()).strip() == b"held"
        started = time.monotonic()
        asyncio.get_running_loop().call_later(0.2, os.kill, holder.pid, signal.SIGKILL)
        async with lock.hold("zerodha", "AB1234"):
            waited = time.monotonic() - started
    finally:
        if holder.returncode is None:
            holder.kill()
        await holder.wait()
    assert 0.15 <= waited < 5.0, "it waited for the holder, then had the lock the moment the holder died"


def test_the_lock_file_is_private_and_beside_the_sessions(tmp_path: Path) -> None:
    lock = host_login_lock(FileStore(tmp_path / "sessions"))
    assert isinstance(lock, FileLoginLock) and lock.directory == tmp_path / "sessions"
    assert host_login_lock(MemoryStore()) is None, "a store only this process sees needs no host lock"


async def test_the_lock_file_mode_is_0600(tmp_path: Path) -> None:
    lock = FileLoginLock(tmp_path / "sessions")
    async with lock.hold("zerodha", "AB1234"):
        pass
    assert lock.path("zerodha", "AB1234").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "sessions").stat().st_mode & 0o777 == 0o700
