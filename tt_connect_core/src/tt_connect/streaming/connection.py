"""One streaming socket: connect, send the full subscription state, read, and start over.

A :class:`FeedConnection` owns a task that loops forever: fetch the current
session, open the socket through the core's ``Transport`` (never aiohttp
directly, so the paper broker's in-process sockets work too), send every
subscription assigned to it with its mode, then read frames until the socket
closes or stays silent for ``stale_after`` seconds. After that it backs off
(capped exponential, full jitter) and does it all again, so a reconnect
restores exactly what was subscribed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence

from tt_connect.driver_api import (
    BrokerStream,
    BrokerSymbol,
    Call,
    DriverContext,
    FrameDecoder,
    Session,
    StreamRejected,
    Transport,
    WsClosed,
    WsConnection,
)
from tt_connect.enums import StreamMode
from tt_connect.errors import StreamingError, TTConnectError
from tt_connect.instruments import Instrument
from tt_connect.logs import get_logger
from tt_connect.streaming.tasks import cancel_and_wait

__all__ = ["FeedConnection"]

_log = get_logger("tt_connect.streaming")
_CLOSE_TIMEOUT = 2.0


class FeedConnection:
    """One socket of a feed and the instruments (with their modes) assigned to it.

    Parameters
    ----------
    index
        Position among the feed's connections; #0 also carries order updates.
    spec, transport, session
        The driver's stream description, the core's transport, and the session
        provider called on every (re)connect.
    ctx
        Lent to the decoder the spec makes for each connect.
    route
        Called with the connection's decoder and every frame read; returns True when it
        queued work for a subscriber, so the reader yields once and lets handlers run.
    run_call, renew_session
        Send the spec's ``authorize`` call; renew a session the broker refused on the socket.
    report
        Called with errors worth surfacing (connect failures, send failures).
    backoff
        Delay before retry number ``n``.
    on_reconnect
        Called each time the socket is re-established after the first time.
    """

    def __init__(
        self,
        index: int,
        *,
        spec: BrokerStream,
        transport: Transport,
        session: Callable[[], Awaitable[Session | None]],
        ctx: DriverContext,
        route: Callable[[FrameDecoder, str | bytes], bool],
        report: Callable[[BaseException], None],
        backoff: Callable[[int], float],
        on_reconnect: Callable[[], None],
        connect_timeout: float,
        run_call: Callable[[Call[str]], Awaitable[str]] | None = None,
        renew_session: Callable[[Session | None], Awaitable[None]] | None = None,
    ) -> None:
        self.index = index
        self.modes: dict[Instrument, StreamMode] = {}
        self.symbols: dict[Instrument, BrokerSymbol] = {}
        self.connected = asyncio.Event()
        self._spec = spec
        self._transport = transport
        self._session = session
        self._ctx = ctx
        self._route = route
        self._run_call = run_call
        self._renew_session = renew_session
        self._current_session: Session | None = None
        self._report = report
        self._backoff = backoff
        self._on_reconnect = on_reconnect
        self._connect_timeout = connect_timeout
        self._socket: WsConnection | None = None
        self._state_sent = False
        # Serialises the full-state send of a fresh socket with later subscribe/unsubscribe
        # deltas, so a delta can never overtake the (older) full state on the wire.
        self._send_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._ever_connected = False
        self._got_frame = False

    @property
    def running(self) -> bool:
        """Return True while the connection's task is alive (connected or retrying)."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start connecting in the background (no-op when already running)."""
        if not self.running:
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name=f"tt-connect-stream-{self.index}")

    async def stop(self) -> None:
        """Close the socket and end the task; the assigned instruments are kept."""
        task, self._task = self._task, None
        if task is not None:
            await cancel_and_wait(task)
        await self._close_socket()

    async def restart(self) -> None:
        """Reconnect now, without backoff (e.g. with a renewed session)."""
        was_running = self.running
        await self.stop()
        if was_running:
            self.start()

    async def send(self, messages: Sequence[str | bytes]) -> None:
        """Send a subscription delta; no-op while disconnected (the next connect sends the full state)."""
        if not messages:
            return
        async with self._send_lock:
            socket = self._socket
            if socket is None or not self._state_sent:
                return
            try:
                for message in messages:
                    await socket.send(message)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the reader sees the closed socket and reconnects with the full state
                _log.info("stream_send_failed", connection=self.index, reason=type(exc).__name__)
                await self._close_socket()

    def full_state(self) -> list[str | bytes]:
        """Return the messages that subscribe everything assigned here, grouped by mode."""
        by_mode: dict[StreamMode, list[BrokerSymbol]] = {}
        for instrument, mode in self.modes.items():
            by_mode.setdefault(mode, []).append(self.symbols[instrument])
        messages: list[str | bytes] = []
        for mode, symbols in by_mode.items():
            messages.extend(self._spec.subscribe(symbols, mode))
        return messages

    # -- the connection's task -------------------------------------------------------------

    async def _run(self) -> None:
        failures = 0
        while True:
            socket = await self._connect()
            if socket is None:
                failures += 1
                await asyncio.sleep(self._backoff(failures))
                continue
            if self._ever_connected:
                self._on_reconnect()
            self._ever_connected = True
            if await self._serve(socket):
                failures = 0
            failures += 1
            await asyncio.sleep(self._backoff(failures))

    async def _connect(self) -> WsConnection | None:
        try:
            session = self._current_session = await self._session()
            authorize = self._spec.authorize(session)
            if authorize is not None:
                if self._run_call is None:
                    raise StreamingError("this stream needs an authorize call but the engine cannot send one")
                url = await self._run_call(authorize)
            else:
                url = self._spec.url(session)
            return await self._transport.ws_connect(url, self._spec.headers(session), timeout=self._connect_timeout)
        except asyncio.CancelledError:
            raise
        except StreamRejected as refused:  # the handshake itself refused (a dead token): renew, then retry
            await self._refused(refused)
        except TTConnectError as exc:
            self._report(exc)
        except Exception as exc:  # a transport that broke its contract: keep retrying, but say so
            self._report(StreamingError(f"stream connect failed: {type(exc).__name__}"))
        return None

    async def _serve(self, socket: WsConnection) -> bool:
        """Subscribe and read until the socket dies; return True if at least one frame arrived.

        Only a socket that delivered something resets the backoff, so a server that accepts
        and at once drops connections is not hammered at the base rate.
        """
        self._got_frame = False
        try:
            async with self._send_lock:
                self._socket = socket
                for message in [*self._spec.handshake(self._current_session), *self.full_state()]:
                    await socket.send(message)
                self._state_sent = True
            self.connected.set()
            await self._read(socket, self._spec.decoder(self._ctx))
        except asyncio.CancelledError:
            raise
        except StreamRejected as refused:
            await self._refused(refused)
        except (WsClosed, StreamingError) as exc:
            _log.info("stream_disconnected", connection=self.index, reason=type(exc).__name__)
        except Exception as exc:  # anything else from a transport: reconnect rather than die silently
            self._report(StreamingError(f"stream read failed: {type(exc).__name__}"))
        finally:
            await self._close_socket(socket)
        return self._got_frame

    async def _refused(self, refused: StreamRejected) -> None:
        """The broker refused the socket (at the handshake or in a frame): renew a dead session first."""
        self._report(StreamingError(f"the broker refused the stream: {refused.message}"))
        if refused.session_dead and self._renew_session is not None:
            with contextlib.suppress(TTConnectError):
                await self._renew_session(self._current_session)

    async def _read(self, socket: WsConnection, decoder: FrameDecoder) -> None:
        spec = self._spec
        route = self._route
        stale_after = spec.stale_after if spec.stale_after and spec.stale_after > 0 else None
        loop = asyncio.get_running_loop()
        pinger = None
        # Frames a decoder asks to send back (Fyers' HSM acknowledgements), after the frame that queued them.
        replies: list[str | bytes] | None = getattr(decoder, "replies", None)
        ping = spec.ping() if spec.ping_interval else None
        if ping is not None and spec.ping_interval:
            pinger = loop.create_task(self._ping(socket, ping, spec.ping_interval),
                                      name=f"tt-connect-ping-{self.index}")
        try:
            # One rescheduled deadline rather than wait_for per frame: cheaper on the hot path,
            # and wait_for on Python 3.11 can swallow a cancellation racing with a ready frame.
            async with asyncio.timeout(stale_after) as deadline:
                while True:
                    frame = await socket.receive()
                    self._got_frame = True
                    if stale_after is not None:
                        deadline.reschedule(loop.time() + stale_after)
                    if route(decoder, frame):
                        # Several frames may already be buffered; yield so subscribers' delivery
                        # tasks run before the next frame would conflate their pending ticks.
                        await asyncio.sleep(0)
                    if replies:
                        await self._send_replies(socket, replies)
        except TimeoutError:
            raise StreamingError(f"no frame for {stale_after}s: the feed is stale, reconnecting") from None
        finally:
            if pinger is not None:
                pinger.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pinger

    async def _send_replies(self, socket: WsConnection, replies: list[str | bytes]) -> None:
        batch = replies[:]
        replies.clear()
        async with self._send_lock:
            for message in batch:
                await socket.send(message)

    async def _ping(self, socket: WsConnection, message: str | bytes, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            async with self._send_lock:
                try:
                    await socket.send(message)
                except asyncio.CancelledError:
                    raise
                except Exception:  # a dead socket: the reader notices and reconnects
                    return

    async def _close_socket(self, socket: WsConnection | None = None) -> None:
        current = self._socket
        if socket is None:
            socket = current
        if socket is current:
            self._socket = None
            self._state_sent = False
            self.connected.clear()
        if socket is not None:
            # Bounded: a closing handshake with a half-open peer must not delay the reconnect.
            with contextlib.suppress(Exception):
                async with asyncio.timeout(_CLOSE_TIMEOUT):
                    await socket.close()
