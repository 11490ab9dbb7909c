"""Kite sessions end to end on the emulator: every login flow, the 06:00 IST expiry, refresh tokens, logout."""

from __future__ import annotations

import datetime as _dt
import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pyotp
import pytest
from kite_clients import client, kite_get, web_login_config
from tt_connect import AsyncTTConnect
from tt_connect.enums import Exchange, StreamMode
from tt_connect.errors import AuthenticationError, SessionExpiredError
from tt_connect.instruments import Equity
from tt_connect.models import Tick
from tt_connect.testing import eventually
from tt_connect.timeutil import IST, ManualClock
from tt_connect_zerodha.auth import KiteAuth
from tt_connect_zerodha.config import ZerodhaConfig
from tt_connect_zerodha.emulator import KiteEmulator


@pytest.fixture
def emulator() -> Iterator[KiteEmulator]:
    with KiteEmulator(tick_interval=0.05) as running:
        yield running


async def test_web_login_with_totp_gets_a_session_and_a_wrong_totp_is_an_authentication_error(
        emulator: KiteEmulator) -> None:
    async with client(emulator) as broker:
        assert (await broker.profile()).user_id == emulator.user_id
    wrong = web_login_config(emulator, totp_secret="JBSWY3DPEHPK3PXP")
    with pytest.raises(AuthenticationError, match="TOTP"):
        async with client(emulator, wrong):
            pass


async def test_the_announcements_access_token_is_used_as_is(emulator: KiteEmulator) -> None:
    async with client(emulator, emulator.driver_config()) as broker:
        assert (await broker.profile()).user_id == emulator.user_id
    assert emulator.session_routes.web_logins == 0


async def test_a_dead_given_token_is_a_session_expired_error_saying_what_to_do(emulator: KiteEmulator) -> None:
    emulator.faults.expire_sessions()
    with pytest.raises(SessionExpiredError, match="06:00 IST"):
        async with client(emulator, emulator.driver_config()):
            pass


async def test_the_redirect_flow_exchanges_the_request_token_with_its_checksum(emulator: KiteEmulator) -> None:
    emulator.redirect_url = "http://127.0.0.1:9/callback"
    auth = KiteAuth(ZerodhaConfig(**{k: v for k, v in emulator.driver_config().items()
                                     if k not in ZerodhaConfig.announcement_ignored}))
    form = {"user_id": emulator.user_id, "password": emulator.password,
            "totp": pyotp.TOTP(emulator.totp_secret).now()}
    async with aiohttp.ClientSession() as http:  # the user's browser posts the login form
        async with http.post(auth.connect_login_url, data=form, allow_redirects=False) as reply:
            location = reply.headers["Location"]
        assert location.startswith("http://127.0.0.1:9/callback?") and "status=success" in location
        request_token = location.split("request_token=")[1].split("&")[0]
        request = auth.session_token_request(request_token)
        async with http.post(request.url, data=list(request.form or ())) as reply:
            body = await reply.json()
    assert body["status"] == "success" and body["data"]["user_id"] == emulator.user_id
    assert request.form is not None and dict(request.form)["checksum"] == hashlib.sha256(
        f"{emulator.api_key}{request_token}{emulator.api_secret}".encode()).hexdigest()


async def test_tokens_die_at_six_ist_and_the_client_logs_in_again_by_itself() -> None:
    clock = ManualClock(_dt.datetime(2026, 11, 25, 15, 0, tzinfo=IST))
    with KiteEmulator(clock=clock, tick_interval=0.05) as emulator:
        async with client(emulator, clock=clock) as broker:
            assert (await broker.profile()).user_id == emulator.user_id
            status, _ = await kite_get(emulator, "/user/profile")
            assert status == 200
            clock.set(_dt.datetime(2026, 11, 26, 6, 0, 1, tzinfo=IST))
            status, body = await kite_get(emulator, "/user/profile")
            assert status == 403 and body["error_type"] == "TokenException"
            live = emulator.sessions.live()
            assert (await broker.profile()).user_id == emulator.user_id
            assert emulator.sessions.live() == live + 1, "the client did not log in again"


async def test_a_refresh_token_renews_a_dead_session_without_a_new_login() -> None:
    """Kite's approved platforms get refresh tokens: the core tries ``refresh`` before logging in again."""
    with KiteEmulator(tick_interval=0.05, refresh_tokens=True) as emulator:
        async with client(emulator) as broker:
            assert (await broker.profile()).user_id == emulator.user_id
            assert emulator.session_routes.web_logins == 1
            emulator.faults.expire_sessions()
            assert (await broker.funds()).equity.available_cash > 0
            assert emulator.session_routes.web_logins == 1, "the session was renewed by logging in again"
            assert emulator.sessions.live() == 1


async def test_a_stream_whose_token_died_logs_in_again_at_the_refused_handshake(emulator: KiteEmulator) -> None:
    """At 06:00 Kite refuses the socket's upgrade with 403; a stream-only strategy must not wait for a REST call."""
    infy = Equity(exchange=Exchange.NSE, symbol="INFY")
    ticks: list[Tick] = []
    async with client(emulator) as broker:
        subscription = await broker.subscribe([infy], on_tick=ticks.append, mode=StreamMode.LTP)
        try:
            await eventually(lambda: ticks, timeout=10, what="a first tick")
            emulator.faults.expire_sessions()
            emulator.faults.kill_streams()
            await eventually(lambda: emulator.session_routes.web_logins == 2, timeout=10,
                             what="the stream to log in again by itself")
            seen = len(ticks)
            await eventually(lambda: len(ticks) > seen, timeout=10, what="ticks on the renewed session")
        finally:
            await subscription.unsubscribe()


async def test_logout_revokes_the_clients_token_only(emulator: KiteEmulator) -> None:
    broker = client(emulator)
    async with broker:
        await broker.profile()
        live = emulator.sessions.live()
        await broker.logout()
        assert emulator.sessions.live() == live - 1
    status, _ = await kite_get(emulator, "/user/profile", token=emulator.access_token)
    assert status == 200, "only the client's own token is revoked"


async def test_interactive_login_catches_the_redirect_and_stores_the_session(
        emulator: KiteEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """What ``tt-connect login zerodha`` does: open the Connect login, catch request_token on 127.0.0.1,
    exchange it with its checksum, and keep the session in the file store for the next run."""
    import socket
    import urllib.parse
    import urllib.request
    import webbrowser

    with socket.socket() as probe:  # a free local port for the app's registered redirect URL
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    emulator.redirect_url = f"http://127.0.0.1:{port}/kite/callback"
    opened: list[str] = []

    def browser(url: str) -> bool:
        """The user logs in in the browser, which then follows Kite's redirect to the local listener."""
        opened.append(url)

        def log_in() -> None:
            form = urllib.parse.urlencode({"user_id": emulator.user_id, "password": emulator.password,
                                           "totp": pyotp.TOTP(emulator.totp_secret).now()}).encode()
            with urllib.request.urlopen(urllib.request.Request(url, data=form), timeout=10) as page:
                page.read()

        threading.Thread(target=log_in, daemon=True).start()
        return True

    monkeypatch.setattr(webbrowser, "open", browser)
    config = {k: v for k, v in emulator.driver_config(redirect_url=emulator.redirect_url).items()
              if k != "access_token"}
    options: dict[str, Any] = {"instruments_db": ":memory:", "session_store": "file",
                               "session_path": str(tmp_path / "sessions")}
    async with AsyncTTConnect("zerodha", config, interactive_login=True, **options) as broker:
        assert (await broker.profile()).user_id == emulator.user_id
    assert len(opened) == 1 and opened[0].startswith(f"{emulator.base_url}/connect/login?")
    assert f"api_key={emulator.api_key}" in opened[0]
    # The next run needs no browser: the stored session is reused.
    async with AsyncTTConnect("zerodha", config, **options) as broker:
        assert (await broker.funds()).equity.available_cash > 0
    assert len(opened) == 1


async def test_a_pasted_redirect_url_completes_the_browser_login(emulator: KiteEmulator) -> None:
    """On a headless server the user logs in elsewhere and pastes the address Kite redirected to."""
    config = {k: v for k, v in emulator.driver_config().items() if k != "access_token"}
    async with aiohttp.ClientSession() as http:
        form = {"user_id": emulator.user_id, "password": emulator.password,
                "totp": pyotp.TOTP(emulator.totp_secret).now()}
        login = KiteAuth(ZerodhaConfig(api_key=emulator.api_key, login_url=f"{emulator.base_url}/connect/login"))
        async with http.post(login.connect_login_url, data=form, allow_redirects=False) as reply:
            pasted = reply.headers["Location"]
    broker = client(emulator, config)
    try:
        await broker.complete_login(pasted)
        assert (await broker.profile()).user_id == emulator.user_id
    finally:
        await broker.close()
