"""Transport and auth against a fake broker on 127.0.0.1: sessions, rate limits, exactly-once orders."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import stat
from pathlib import Path

import pytest
from tt_connect import AsyncTTConnect, Equity, Exchange, OrderType, ProductType, Side
from tt_connect.errors import (
    BrokerUnavailableError,
    InsufficientFundsError,
    OrderStatusUnknownError,
    SessionExpiredError,
)
from tt_connect.logs import configure_logging, reset_logging

from tests.transport.fake_broker import PASSWORD, TOTP_SECRET, FakeBrokerServer


def client(credentials: dict[str, str], **options: object) -> AsyncTTConnect:
    options.setdefault("session_store", "memory")
    options.setdefault("instruments_db", ":memory:")
    return AsyncTTConnect("fake", credentials, **options)  # type: ignore[arg-type]


def reliance() -> Equity:
    return Equity(exchange=Exchange.NSE, symbol="RELIANCE")


async def test_token_expiring_during_50_concurrent_calls_logs_in_once(
    server: FakeBrokerServer, credentials: dict[str, str]
) -> None:
    server.limit_per_second = 10_000
    server.login_delay = 0.05  # a slow login: every caller arrives while it is in flight
    async with client({**credentials, "rate_per_second": 1000}) as broker:  # type: ignore[dict-item]
        assert server.logins == 1
        server.expire()
        results = await asyncio.gather(*(broker.profile() for _ in range(50)))
    assert len(results) == 50 and all(p.user_id == "FAKE01" for p in results)
    assert server.logins == 2, "exactly one re-login for 50 callers"


async def test_a_429_storm_loses_nothing_and_the_limits_hold(
    server: FakeBrokerServer, credentials: dict[str, str]
) -> None:
    async with client(credentials) as broker:
        server.storm = 5  # the next five calls are refused with Retry-After
        results = await asyncio.gather(*(broker.profile() for _ in range(25)))
    assert len(results) == 25
    assert server.breaches == 0, "the client never sent more than the declared 10/s"
    assert len(server.accepted_at) == 25


@pytest.mark.parametrize("header", ["86400", "inf", "soon", "Wed, 21 Oct 2015 07:28:00 GMT"])
async def test_any_retry_after_is_honoured_up_to_the_cap_and_never_raises(
    server: FakeBrokerServer, credentials: dict[str, str], header: str
) -> None:
    async with client(credentials, retry_max_delay=0.2) as broker:
        server.storm, server.storm_retry_after = 2, header
        profile = await asyncio.wait_for(broker.profile(), 30)  # a day's Retry-After would hang here
    assert profile.user_id


async def test_a_rate_limited_order_is_sent_again_and_placed_once(
    server: FakeBrokerServer, credentials: dict[str, str]
) -> None:
    """A 429 means the broker acted on nothing, so even a write may be sent again (after Retry-After)."""
    async with client(credentials) as broker:
        server.order_storm = 2  # the order is refused twice with 429, then accepted
        order_id = await broker.place_order(instrument=reliance(), qty=5, side=Side.BUY, product=ProductType.CNC,
                                            order_type=OrderType.MARKET)
    assert server.order_refusals == 2 and list(server.orders) == [order_id]


async def test_a_dropped_order_response_yields_the_one_order(
    server: FakeBrokerServer, credentials: dict[str, str]
) -> None:
    async with client(credentials) as broker:
        server.drop_next_order = True
        order_id = await broker.place_order(instrument=reliance(), qty=5, side=Side.BUY, product=ProductType.CNC,
                                            order_type=OrderType.MARKET)
    assert list(server.orders) == [order_id], "exactly one order, found through its tag"


async def test_an_order_lost_before_the_broker_saw_it_is_reported_unknown_with_its_tag(
    server: FakeBrokerServer, credentials: dict[str, str]
) -> None:
    async with client(credentials, order_lookup_attempts=2, retry_base_delay=0.01) as broker:
        server.drop_next_order = True
        server.drop_before_recording = True
        with pytest.raises(OrderStatusUnknownError) as info:
            await broker.place_order(instrument=reliance(), qty=5, side=Side.BUY, product=ProductType.CNC,
                                     order_type=OrderType.MARKET)
    assert info.value.tag and not server.orders
    assert info.value.retryable is False


async def test_a_refused_order_is_raised_as_is_and_never_retried(
    server: FakeBrokerServer, credentials: dict[str, str]
) -> None:
    async with client(credentials) as broker:
        with pytest.raises(InsufficientFundsError) as info:
            await broker.place_order(instrument=reliance(), qty=5000, side=Side.BUY, product=ProductType.CNC,
                                     order_type=OrderType.MARKET)
    assert info.value.code == "MARGIN" and info.value.http_status == 400
    assert not server.orders


async def test_html_proxy_pages_and_truncated_bodies_become_typed_errors(
    server: FakeBrokerServer, credentials: dict[str, str]
) -> None:
    async with client(credentials, retry_base_delay=0.01) as broker:
        server.html_errors = 2
        assert (await broker.profile()).user_id == "FAKE01"  # retried past two 502 pages
        server.html_errors = 10
        with pytest.raises(BrokerUnavailableError) as info:
            await broker.profile()
        assert info.value.http_status == 502
        server.html_errors = 0
        server.truncated = 10
        with pytest.raises(BrokerUnavailableError):
            await broker.profile()


async def test_a_given_token_that_dies_raises_session_expired_and_calls_back(
    server: FakeBrokerServer, credentials: dict[str, str]
) -> None:
    called: list[str] = []
    settings = {"base_url": credentials["base_url"], "access_token": "tok-given-by-user-0001"}
    server.tokens.add("tok-given-by-user-0001")
    async with AsyncTTConnect("fake", settings, session_store="memory", instruments_db=":memory:",
                              on_login_required=called.append) as broker:
        assert (await broker.profile()).user_id == "FAKE01"
        server.expire()
        with pytest.raises(SessionExpiredError, match="tt-connect login fake"):
            await broker.profile()
    assert called == ["fake"]


async def test_sessions_persist_in_a_0600_file_and_are_restored(
    server: FakeBrokerServer, credentials: dict[str, str], tmp_path: Path
) -> None:
    store = tmp_path / "sessions"
    async with client(credentials, session_store="file", session_path=str(store)) as broker:
        await broker.profile()
    files = list(store.glob("*.json"))
    assert len(files) == 1
    assert {p.suffix for p in store.iterdir()} == {".json", ".lock"}, "the session and the host's login lock"
    assert stat.S_IMODE(os.stat(files[0]).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(store).st_mode) == 0o700
    async with client(credentials, session_store="file", session_path=str(store)) as broker:
        await broker.profile()
    assert server.logins == 1, "the second client restored the stored session"
    files[0].write_text("{corrupted")
    async with client(credentials, session_store="file", session_path=str(store)) as broker:
        await broker.profile()
    assert server.logins == 2, "a corrupted session file means a fresh login, not a crash"


async def test_auto_store_falls_back_to_the_file_store_without_a_keyring() -> None:
    from tt_connect.auth import FileStore, keyring_available, select_store

    assert not keyring_available()
    assert isinstance(select_store("auto"), FileStore)


class _ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.mark.parametrize("fmt", ["json", "console", "stdlib"])
async def test_no_secret_ever_reaches_the_logs(
    server: FakeBrokerServer, credentials: dict[str, str], fmt: str
) -> None:
    sink = io.StringIO()
    stdlib = _ListHandler()
    ttc_logger = logging.getLogger("tt_connect")
    if fmt == "stdlib":  # structlog left unconfigured: the events take the standard library's route
        ttc_logger.addHandler(stdlib)
        ttc_logger.setLevel(logging.DEBUG)
    else:
        configure_logging(format=fmt, level="DEBUG", stream=sink)  # type: ignore[arg-type]
    try:
        async with client(credentials) as broker:
            await broker.profile()
            server.expire()
            await broker.profile()
            server.drop_next_order = True
            await broker.place_order(instrument=reliance(), qty=1, side=Side.BUY, product=ProductType.CNC,
                                     order_type=OrderType.MARKET)
            session = await broker._rt.auth.session()  # type: ignore[union-attr]
            text = repr(session) + str(broker._rt.config) + repr(broker._rt.config)
    finally:
        reset_logging()
        ttc_logger.removeHandler(stdlib)
        ttc_logger.setLevel(logging.NOTSET)
    for record in stdlib.records:
        sink.write(record.getMessage() + " " + json.dumps(record.ttc_fields, default=str) + "\n")  # type: ignore[attr-defined]
    output = sink.getvalue() + text
    assert "request" in output, "the test must have captured request events"
    for secret in (PASSWORD, TOTP_SECRET, session.access_token, *server.tokens):
        assert secret not in output
    if fmt == "json":
        events = [json.loads(line) for line in sink.getvalue().splitlines() if line.startswith("{")]
        assert any(e.get("event") == "request" and e.get("endpoint") == "profile" for e in events)
    if fmt == "stdlib":
        assert any(getattr(r, "ttc_event", "") == "request" and r.ttc_fields.get("endpoint") == "profile"  # type: ignore[attr-defined]
                   for r in stdlib.records)
