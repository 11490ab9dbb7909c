"""The login flows, stepped by a small sans-I/O runner against the emulator: PIN + TOTP, consent, token, renewal."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest
import requests
from tt_connect.driver_api import (
    AuthKind,
    BrokerFailure,
    HttpRequest,
    HttpResponse,
    LoginFlow,
    NeedRedirect,
    NeedTotp,
    Session,
)
from tt_connect.errors import AuthenticationError, SessionExpiredError
from tt_connect.timeutil import IST, ManualClock
from tt_connect_dhan.auth import DhanAuth
from tt_connect_dhan.config import DhanConfig
from tt_connect_dhan.emulator import DhanEmulator
from tt_connect_dhan.errors import dhan_error_map

START = _dt.datetime(2025, 1, 6, 10, 0, tzinfo=IST)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def emulator(clock: ManualClock, loopback_only: None) -> Iterator[DhanEmulator]:
    with DhanEmulator(clock=clock) as emu:
        yield emu


def _send(request: HttpRequest) -> HttpResponse:
    reply = requests.request(request.method, request.url, params=request.params, headers=request.headers,
                             json=request.json, timeout=10, allow_redirects=False)
    return HttpResponse(status=reply.status_code, body=reply.content, headers=dict(reply.headers), url=reply.url)


def _run(flow: LoginFlow, emulator: DhanEmulator, *, paste_token_only: bool = False) -> Session:
    """Step a flow as the core does: requests sent, TOTP computed, the browser login followed."""
    reply: object = None
    try:
        while True:
            step = flow.send(reply)  # type: ignore[arg-type]
            if isinstance(step, NeedTotp):
                reply = pyotp.TOTP(step.secret).at(emulator.clock.now())
            elif isinstance(step, NeedRedirect):
                page = requests.get(step.login_url, allow_redirects=False, timeout=10)
                query = {k: v[0] for k, v in parse_qs(urlparse(page.headers["Location"]).query).items()}
                reply = query["tokenId"] if paste_token_only else query
            else:
                reply = _send(step)
    except StopIteration as done:
        session: Session = done.value
        return session


def _works(emulator: DhanEmulator, auth: DhanAuth, session: Session) -> bool:
    reply = requests.get(f"{emulator.base_url}/v2/fundlimit", headers=dict(auth.session_headers(session)), timeout=10)
    return reply.status_code == 200


def _config(emulator: DhanEmulator, **fields: str) -> DhanConfig:
    found = emulator.announcement()
    return DhanConfig(client_id=emulator.client_id, api_url=found["api_url"], auth_url=found["auth_url"], **fields)


def test_pin_and_totp_log_in_headless_for_24_hours(emulator: DhanEmulator) -> None:
    auth = DhanAuth(_config(emulator, pin=emulator.pin, totp_secret=emulator.totp_secret))
    assert auth.login_kind() is AuthKind.PASSWORD_TOTP
    session = _run(auth.login(START), emulator)
    assert session.user_id == emulator.client_id and session.expires_at == START + _dt.timedelta(hours=24)
    assert _works(emulator, auth, session) and emulator.logins == 1


@pytest.mark.parametrize("paste_token_only", [False, True], ids=["redirect-query", "bare-token-id"])
def test_api_key_consent_completes_from_the_redirect_or_its_token_id(emulator: DhanEmulator,
                                                                     paste_token_only: bool) -> None:
    auth = DhanAuth(_config(emulator, api_key=emulator.api_key, api_secret=emulator.api_secret))
    assert auth.login_kind() is AuthKind.OAUTH_REDIRECT
    session = _run(auth.login(START), emulator, paste_token_only=paste_token_only)
    assert _works(emulator, auth, session)


def test_a_given_token_is_checked_once_and_renewed_for_another_day(emulator: DhanEmulator,
                                                                   clock: ManualClock) -> None:
    auth = DhanAuth(_config(emulator, access_token=emulator.access_token))
    assert auth.login_kind() is AuthKind.ACCESS_TOKEN
    session = _run(auth.login(START), emulator)
    assert session.expires_at == START + _dt.timedelta(hours=24)
    clock.advance(23 * 3600)
    flow = auth.refresh(session, clock.now())
    assert flow is not None and session.refresh_token == session.access_token
    renewed = _run(flow, emulator)
    assert renewed.access_token != session.access_token and renewed.expires_at == clock.now() + _dt.timedelta(hours=24)
    clock.advance(2 * 3600)
    assert _works(emulator, auth, renewed) and not _works(emulator, auth, session)


def test_a_dead_token_cannot_be_renewed(emulator: DhanEmulator, clock: ManualClock) -> None:
    auth = DhanAuth(_config(emulator, access_token=emulator.access_token))
    session = _run(auth.login(START), emulator)
    clock.advance(25 * 3600)
    flow = auth.refresh(session, clock.now())
    assert flow is not None
    with pytest.raises(BrokerFailure) as caught:
        _run(flow, emulator)
    assert dhan_error_map().classify(caught.value) is SessionExpiredError


def test_a_wrong_pin_is_an_authentication_error(emulator: DhanEmulator) -> None:
    auth = DhanAuth(_config(emulator, pin="999999" if emulator.pin != "999999" else "111111",
                            totp_secret=emulator.totp_secret))
    with pytest.raises(BrokerFailure) as caught:
        _run(auth.login(START), emulator)
    assert caught.value.code == "DH-901" and emulator.pin not in caught.value.message
    assert dhan_error_map().classify(caught.value) is AuthenticationError  # a refused login, not a dead session


def _token_id(emulator: DhanEmulator) -> str:
    """What a user copies after logging in on any device: the redirect's tokenId."""
    keys = {"app_id": emulator.api_key, "app_secret": emulator.api_secret}
    consent = requests.post(f"{emulator.base_url}/app/generate-consent", params={"client_id": emulator.client_id},
                            headers=keys, timeout=10).json()["consentAppId"]
    page = requests.get(f"{emulator.base_url}/login/consentApp-login", params={"consentAppId": consent},
                        allow_redirects=False, timeout=10)
    (token_id,) = parse_qs(urlparse(page.headers["Location"]).query)["tokenId"]
    return token_id


@pytest.mark.parametrize("paste_url", [True, False], ids=["redirect-url", "bare-token-id"])
async def test_a_headless_server_completes_the_consent_login_from_a_pasted_redirect(
        emulator: DhanEmulator, paste_url: bool) -> None:
    from tt_connect import AsyncTTConnect

    config = {k: v for k, v in emulator.driver_config().items() if k not in ("pin", "totp_secret", "access_token")}
    broker = AsyncTTConnect("dhan", config, instruments_db=":memory:", session_store="memory")
    try:
        token_id = _token_id(emulator)
        await broker.complete_login(f"{emulator.redirect_url}?tokenId={token_id}" if paste_url else token_id)
        assert (await broker.profile()).user_id == emulator.client_id
    finally:
        await broker.close()
