"""The broker-neutral half of every emulator: a paper market behind a real aiohttp server.

A driver's emulator subclasses :class:`EmulatorHost` and adds only its wire
protocol: routes, error envelopes, rate classes, stream frames. The host owns
what every broker shares: the :class:`~tt_connect.paper.engine.PaperEngine`,
the clock, access tokens, injected faults, 429s, the market loop that steps
prices and pushes frames, and running on 127.0.0.1 in a background thread (so
synchronous SDKs and async clients alike can talk to it) or in the foreground
for ``tt-connect emulate``.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import datetime as _dt
import enum
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, ClassVar, Self

import msgspec
from aiohttp import WSMsgType, web

from tt_connect.emulation.faults import Faults, RateWindow
from tt_connect.emulation.order_log import OrderWriteLog
from tt_connect.emulation.refusals import Refusal
from tt_connect.emulation.sessions import SessionBook
from tt_connect.emulation.stream_client import StreamClient
from tt_connect.paper.engine import PaperEngine, PaperOrder, PaperRejection
from tt_connect.paper.universe import build_universe
from tt_connect.timeutil import IST, Clock, SystemClock

__all__ = ["EmulatorHost", "ErrorKind", "StreamClient"]


class ErrorKind(enum.Enum):
    """Broker-neutral reasons a request fails; each emulator renders them in its own envelope."""

    AUTH = "auth"
    INPUT = "input"
    ORDER = "order"
    FUNDS = "funds"
    NOT_FOUND = "not_found"
    PERMISSION = "permission"
    RATE_LIMIT = "rate_limit"
    SERVER = "server"


_DEFAULT_STATUS: dict[ErrorKind, int] = {
    ErrorKind.AUTH: 403, ErrorKind.INPUT: 400, ErrorKind.ORDER: 400, ErrorKind.FUNDS: 400, ErrorKind.NOT_FOUND: 404,
    ErrorKind.PERMISSION: 403, ErrorKind.RATE_LIMIT: 429, ErrorKind.SERVER: 503,
}

_REJECTION_KINDS: dict[str, ErrorKind] = {
    "FUNDS": ErrorKind.FUNDS,
    "NOT_FOUND": ErrorKind.NOT_FOUND,
    "GTT_NOT_FOUND": ErrorKind.NOT_FOUND,
    "ORDER_STATE": ErrorKind.ORDER,
    "NO_HOLDINGS": ErrorKind.ORDER,
    "NOT_TRADABLE": ErrorKind.ORDER,
    "PRICE_BAND": ErrorKind.ORDER,
    "FREEZE": ErrorKind.ORDER,
    "MARKET_CLOSED": ErrorKind.ORDER,
    "NO_POSITION": ErrorKind.ORDER,
}
"""The paper engine's refusal codes by broker-neutral kind. An emulator whose broker answers each
outcome with its own code (most do) overrides ``rejection_response`` and reads ``rejection.code``."""


Handler = Callable[[web.Request, dict[str, Any], str], Any]
"""An API handler: ``(request, fields, user) -> data`` (the envelope is added by :meth:`EmulatorHost.api`)."""


class _DropConnection(Exception):
    """Raised by a handler that acted on a request and must now vanish without replying."""


class EmulatorHost(abc.ABC):
    """Base of a broker emulator. Subclasses implement the ``abstract`` protocol methods.

    Parameters
    ----------
    port
        TCP port on 127.0.0.1; 0 picks a free one.
    clock
        The emulator's wall clock (token expiry, timestamps, TOTP checks); a
        test passes a :class:`~tt_connect.timeutil.ManualClock` to jump past
        the daily expiry.
    seed
        Seeds the paper market and universe.
    tick_interval
        Seconds between market steps (and stream frames).
    enforce_rate_limits
        Answer 429 when a rate class is exceeded.
    """

    broker: ClassVar[str] = ""
    daily_expiry: ClassVar[_dt.time] = _dt.time(6, 0)
    session_lifetime: ClassVar[_dt.timedelta | None] = None
    """Set for a broker whose sessions last a fixed time from login instead of dying at a daily hour."""
    static_ip_refusal: ClassVar[str] = "Static IP not whitelisted: orders are accepted only from a registered IP"
    """What the broker answers an order write from an IP off the whitelist (override with its words)."""

    def __init__(self, *, port: int = 0, clock: Clock | None = None, seed: int = 7, tick_interval: float = 0.2,
                 enforce_rate_limits: bool = True) -> None:
        self.port = port
        self.clock: Clock = clock or SystemClock()
        self.tick_interval = tick_interval
        self.enforce_rate_limits = enforce_rate_limits
        today = self.clock.now().astimezone(IST).date()
        self.engine = PaperEngine(build_universe(today, seed), seed=seed, clock=self.clock)
        self.sessions = SessionBook(self.clock, self.daily_expiry, lifetime=self.session_lifetime)
        self.faults = Faults(self.sessions.expire_all, self._kill_streams_threadsafe,
                             close_market=self.engine.close_market,
                             open_market=lambda: self._on_loop(self.engine.open_market))
        self.streams: set[StreamClient] = set()
        self.requests_served = 0
        self.order_writes = OrderWriteLog()
        """Every order write as it arrived (an emulator records them in its order routes)."""
        self._windows: dict[str, Sequence[RateWindow]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._market: asyncio.Task[None] | None = None
        self._stopped: asyncio.Event | None = None

    @property
    def rate_limited(self) -> int:
        """How many requests this emulator's own rate windows refused with a 429."""
        return self.faults.rate_limited

    # -- the protocol a subclass provides ---------------------------------------------------

    @abc.abstractmethod
    def add_routes(self, app: web.Application) -> None:
        """Register the broker's REST, login and streaming routes."""

    @abc.abstractmethod
    def error_response(self, kind: ErrorKind, message: str, status: int) -> web.Response:
        """Render a failure in the broker's error envelope."""

    @abc.abstractmethod
    def announcement(self) -> dict[str, Any]:
        """The first stdout line: URLs and test credentials, so scripts and SDKs can find the emulator."""

    def driver_config(self, **overrides: Any) -> dict[str, Any]:
        """Settings for ``TTConnect(broker, ...)`` pointing at this emulator: the announcement, as is.

        The driver's config declares which announcement keys are aliases of its fields and which
        carry no setting, so the announcement line itself is a valid config.
        """
        return {**self.announcement(), **overrides}

    def rate_limits(self) -> Mapping[str, Sequence[RateWindow]]:
        """Rate class -> its windows (per second, per minute...); override to publish the broker's limits."""
        return {}

    def rate_class(self, request: web.Request) -> str | None:
        """The rate class a request counts against, or None for unlimited routes (metered whether or not
        :meth:`is_api_request` lets injected failures hit it)."""
        return None

    def is_api_request(self, request: web.Request) -> bool:
        """Whether injected HTTP failures apply to this request (login pages and sockets are spared)."""
        return True

    @abc.abstractmethod
    async def publish(self, client: StreamClient) -> None:
        """Push one market frame (or a heartbeat) to one socket; called every ``tick_interval``."""

    def order_frame(self, order: PaperOrder, client: StreamClient) -> str | bytes | None:
        """Render an order update for a socket, or None when this socket does not carry them."""
        return None

    @abc.abstractmethod
    async def on_stream_message(self, client: StreamClient, message: str | bytes) -> None:
        """Handle one message a client sent on its socket (subscribe, mode, ping...)."""

    def authenticate(self, request: web.Request) -> str:
        """Return the user a request's session belongs to; raise :class:`Refusal` (AUTH) when it has none.

        Override in every emulator that serves :meth:`api` routes.
        """
        raise Refusal(ErrorKind.AUTH, "this emulator authenticates no API requests")

    def ok_response(self, data: Any) -> web.Response:
        """Render a successful reply in the broker's envelope (override: ``{"status": "success", ...}``)."""
        return web.json_response({"data": data})

    def refusal_response(self, refusal: Refusal) -> web.Response:
        """Render a :class:`Refusal`; override when a broker's code or status depends on more than its kind."""
        return self.error_response(refusal.kind, refusal.message, refusal.status or _DEFAULT_STATUS[refusal.kind])

    async def read_fields(self, request: web.Request, body: str) -> dict[str, Any]:
        """Read a request's fields: ``form`` (urlencoded), ``json`` (an object), ``query`` or ``none``."""
        if body == "form":
            return dict(await request.post()) if request.method in ("POST", "PUT", "PATCH") else dict(request.query)
        if body == "json":
            raw = await request.read()
            if not raw.strip():
                return {}
            try:
                decoded = msgspec.json.decode(raw)
            except msgspec.DecodeError:
                raise Refusal(ErrorKind.INPUT, "Invalid JSON body") from None
            if isinstance(decoded, list):
                return {"items": decoded}
            if not isinstance(decoded, dict):
                raise Refusal(ErrorKind.INPUT, "The body must be a JSON object")
            return decoded
        if body == "query":
            return dict(request.query)
        return {}

    def api(self, handler: Handler, *, body: str = "form", authenticated: bool = True
            ) -> Callable[[web.Request], Awaitable[web.Response]]:
        """Wrap a handler: authenticate, read the fields, call it, answer in the envelope or as a refusal.

        A JSON list body reaches the handler as ``fields["items"]``.
        """
        async def run(request: web.Request) -> web.Response:
            try:
                user = self.authenticate(request) if authenticated else ""
                fields = await self.read_fields(request, body)
                return self.ok_response(handler(request, fields, user))
            except Refusal as refusal:
                return self.refusal_response(refusal)
        return run

    # -- helpers for subclasses -------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_base_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def rejection_response(self, rejection: PaperRejection) -> web.Response:
        """Render a paper-engine refusal through the broker's envelope."""
        kind = _REJECTION_KINDS.get(rejection.code, ErrorKind.INPUT)
        status = 404 if kind is ErrorKind.NOT_FOUND else (400 if rejection.status < 500 else rejection.status)
        return self.error_response(kind, rejection.message, status)

    def order_write(self, action: str, exchange: str, algo_id: object = None) -> None:
        """Call first in every order-write handler: logs the arrival (:attr:`order_writes`) and refuses
        it, as a ``PERMISSION`` refusal in :attr:`static_ip_refusal`'s words, while the test has put the
        caller off the static-IP whitelist (``faults.set_ip_whitelisted(False)``)."""
        self.order_writes.record(action, exchange, str(algo_id) if algo_id else None)
        if not self.faults.ip_whitelisted:
            raise Refusal(ErrorKind.PERMISSION, self.static_ip_refusal)

    def drop_if_asked(self) -> None:
        """Call right after acting on an order: raise so the connection closes with no reply."""
        if self.faults.take_drop():
            raise _DropConnection

    async def serve_stream(self, request: web.Request, user_id: str, *, heartbeat: float | None = None,
                           state: Mapping[str, Any] | None = None) -> web.WebSocketResponse:
        """Upgrade ``request`` and run the socket until either side closes it.

        ``state`` seeds :attr:`StreamClient.state` (say, which of the broker's sockets this is).
        """
        ws = web.WebSocketResponse(heartbeat=heartbeat, max_msg_size=4 * 1024 * 1024)
        await ws.prepare(request)
        client = StreamClient(ws, request, user_id)
        client.state.update(state or {})
        self.streams.add(client)
        writer = asyncio.get_running_loop().create_task(client._write())
        try:
            await self.publish(client)
            async for message in ws:
                if message.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    await self.on_stream_message(client, message.data)
                elif message.type == WSMsgType.ERROR:
                    break
        finally:
            self.streams.discard(client)
            client._stop_writer()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer, 2.0)
        return ws

    # -- middleware -------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request,
                          handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
        self.requests_served += 1
        if self.is_api_request(request):
            failure = self.faults.take_failure()
            if failure is not None:
                kind = ErrorKind.RATE_LIMIT if failure == 429 else ErrorKind.SERVER
                return self.error_response(kind, f"injected failure (HTTP {failure})", failure)
        if self.enforce_rate_limits:  # a login the broker meters has a class, though injected failures spare it
            name = self.rate_class(request)
            windows = self._windows.get(name, ()) if name else ()
            if not all(window.admit() for window in windows):
                self.faults.rate_limited += 1
                return self.error_response(ErrorKind.RATE_LIMIT, "Too many requests", 429)
        try:
            return await handler(request)
        except _DropConnection:
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError from None
        except PaperRejection as rejection:
            return self.rejection_response(rejection)
        except Refusal as refusal:
            return self.refusal_response(refusal)

    # -- lifecycle --------------------------------------------------------------------------

    def on_order(self, order: PaperOrder) -> None:
        """Called on the loop after every order change; override for webhooks (Kite's postbacks)."""
        return None  # most brokers push order changes on their sockets only

    def _on_engine_event(self, kind: str, payload: Any) -> None:
        if kind != "order":
            return
        self.on_order(payload)
        for client in list(self.streams):
            frame = self.order_frame(payload, client)
            if frame is not None:
                client.push(frame)

    async def _market_loop(self) -> None:
        while True:
            await asyncio.sleep(self.tick_interval)
            self.engine.step(self.tick_interval)
            for client in list(self.streams):
                await self.publish(client)

    def _kill_streams(self) -> None:
        for client in list(self.streams):
            client.kill()

    def _kill_streams_threadsafe(self) -> None:
        self._on_loop(self._kill_streams)

    def _on_loop(self, action: Callable[[], None]) -> None:
        """Run ``action`` on the emulator's loop (now, when already on it)."""
        loop = self._loop
        if loop is None or threading.current_thread() is self._thread:
            action()
        else:
            loop.call_soon_threadsafe(action)

    async def start_serving(self) -> None:
        """Bind and serve on the running loop (the CLI's path; tests use :meth:`start`)."""
        self._loop = asyncio.get_running_loop()
        self._windows = dict(self.rate_limits())
        app = web.Application(middlewares=[self._middleware])
        self.add_routes(app)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        server = site._server
        if self.port == 0 and server is not None:
            sockets: Sequence[Any] = getattr(server, "sockets", ())
            self.port = int(sockets[0].getsockname()[1])
        self.engine.listen(self._on_engine_event)
        self._market = self._loop.create_task(self._market_loop(), name=f"{self.broker}-emulator-market")

    async def stop_serving(self) -> None:
        self.engine.unlisten(self._on_engine_event)
        if self._market is not None:
            self._market.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._market
        for client in list(self.streams):
            with contextlib.suppress(Exception):
                await client.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def start(self) -> Self:
        """Serve from a background thread; return once the port is bound."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._stopped = asyncio.Event()
            try:
                loop.run_until_complete(self.start_serving())
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_until_complete(self._stopped.wait())
                loop.run_until_complete(self.stop_serving())
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name=f"{self.broker}-emulator", daemon=True)
        self._thread.start()
        if not ready.wait(30):
            raise RuntimeError(f"the {self.broker} emulator did not start within 30 s")
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        """Stop the background server and wait for its thread."""
        loop, stopped = self._loop, self._stopped
        if loop is not None and stopped is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stopped.set)
        if self._thread is not None:
            self._thread.join(15)
            self._thread = None

    def call(self, function: Callable[[], Any]) -> Any:
        """Run ``function`` on the emulator's loop thread and return its result (engine access from tests)."""
        loop = self._loop
        if loop is None:
            raise RuntimeError("the emulator is not running")

        async def run() -> Any:
            return function()

        return asyncio.run_coroutine_threadsafe(run(), loop).result(10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- command line -----------------------------------------------------------------------

    @classmethod
    def main(cls, argv: Sequence[str] | None = None) -> None:
        """``tt-connect emulate <broker>``: print the announcement line, then serve until interrupted."""
        from tt_connect.emulation.command import run_emulator

        run_emulator(cls, argv)
