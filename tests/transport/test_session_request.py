"""A driver that carries the session in the body (``BrokerAuth.session_request``) gets it on every send:
the first, the replay after a re-login, and the logout."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

import msgspec
from tt_connect.auth.lifecycle import AuthManager
from tt_connect.auth.stores import MemoryStore
from tt_connect.driver_api import (
    AuthKind,
    BrokerApi,
    BrokerAuth,
    BrokerFailure,
    Call,
    ErrorMap,
    HttpRequest,
    HttpResponse,
    LoginFlow,
    Session,
)
from tt_connect.timeutil import IST
from tt_connect.transport.executor import RestExecutor, RetryPolicy
from tt_connect.transport.mock import MockTransport
from tt_connect.transport.rate_limit import RateLimiter
from tt_connect.transport.sender import Sender

NOW = _dt.datetime(2026, 11, 25, 10, 0, tzinfo=IST)


class BodyKeyAuth(BrokerAuth):
    """Logs in by issuing key-1, key-2...; the key rides as ``&key=`` at the end of the body."""

    def __init__(self) -> None:
        self.issued = 0

    def login_kind(self) -> AuthKind:
        return AuthKind.KEY_SECRET

    def login(self, now: _dt.datetime) -> LoginFlow:
        self.issued += 1
        yield from ()
        return Session(broker="bodykey", user_id="U1", access_token=f"key-{self.issued}", created_at=now,
                       expires_at=now + _dt.timedelta(hours=8))

    def session_headers(self, session: Session) -> Mapping[str, str]:
        return {}

    def session_request(self, session: Session, request: HttpRequest) -> HttpRequest:
        assert request.body is not None
        return msgspec.structs.replace(request, body=request.body + b"&key=" + session.access_token.encode())

    def logout(self, session: Session) -> HttpRequest | None:
        return HttpRequest(method="POST", url="http://127.0.0.1:1/logout", endpoint="logout", body=b"data=bye")


class EchoApi(BrokerApi):
    def unwrap(self, response: HttpResponse) -> Any:
        data = response.json()
        if data.get("error"):
            raise BrokerFailure(data["error"], code="DEAD")
        return data


def _setup() -> tuple[MockTransport, AuthManager, RestExecutor, set[str]]:
    live = {"key-2"}

    async def handler(request: HttpRequest) -> HttpResponse:
        body = request.body or b""
        key = body.rpartition(b"&key=")[2].decode()
        if request.endpoint == "logout":
            return HttpResponse(status=200, body=b'{"ok": true}')
        if key not in live:
            return HttpResponse(status=200, body=b'{"error": "session expired"}')
        return HttpResponse(status=200, body=b'{"ok": true}')

    transport = MockTransport(handler)
    sender = Sender(broker="bodykey", transport=transport, limiter=RateLimiter(None), timeout=5.0)
    auth = AuthManager(broker="bodykey", spec=BodyKeyAuth(), store=MemoryStore(), account="U1",
                       send=sender.send)
    errors = ErrorMap(session_dead=lambda failure: failure.code == "DEAD")
    executor = RestExecutor(sender=sender, api=EchoApi(), error_map=errors, auth=auth, retry=RetryPolicy(attempts=1))
    return transport, auth, executor, live


async def test_the_session_rides_in_the_body_and_the_replay_carries_the_renewed_one() -> None:
    transport, auth, executor, _ = _setup()
    call = Call(HttpRequest(method="POST", url="http://127.0.0.1:1/x", endpoint="x", body=b"data=1"), lambda d: d)
    assert await executor.call(call) == {"ok": True}
    bodies = [r.body for r in transport.requests]
    assert bodies == [b"data=1&key=key-1", b"data=1&key=key-2"]  # key-1 refused: re-login, replayed with key-2
    await auth.logout()
    assert transport.requests[-1].body == b"data=bye&key=key-2"
