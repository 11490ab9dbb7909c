"""The paper broker's in-process "network": a tiny JSON REST API and WebSocket.

The paper driver is a translator like any other; this transport stands where
the internet would be. Requests to ``paper://local/...`` are routed to the
engine and answered with JSON bodies and HTTP statuses; ``ws_connect`` returns
an in-process socket that takes JSON subscribe messages and pushes frames of
ticks and order updates. A background task steps the market every
``tick_interval`` seconds while the transport is open.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import msgspec

from tt_connect.driver_api import HttpRequest, HttpResponse, WsClosed
from tt_connect.paper import margins
from tt_connect.paper.engine import PaperEngine, PaperOrder, PaperRejection
from tt_connect.paper.triggers import PaperGttLeg

__all__ = ["PaperSocket", "PaperTransport"]

_MODES = ("ltp", "quote", "full")


def _ok(data: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(status=status, body=msgspec.json.encode({"data": data}),
                        headers={"Content-Type": "application/json"})


def _error(code: str, message: str, status: int) -> HttpResponse:
    return HttpResponse(status=status, body=msgspec.json.encode({"error": {"code": code, "message": message}}),
                        headers={"Content-Type": "application/json"})


class PaperSocket:
    """An in-process WebSocket to the paper market."""

    def __init__(self, owner: PaperTransport) -> None:
        self._owner = owner
        self._inbox: asyncio.Queue[str | bytes | None] = asyncio.Queue()
        self.modes: dict[int, str] = {}
        self.closed = False

    async def send(self, data: str | bytes) -> None:
        if self.closed:
            raise WsClosed("socket closed")
        try:
            message = msgspec.json.decode(data)
            action = message["a"]
            tokens = [int(t) for t in message.get("tokens", ())]
        except (msgspec.DecodeError, KeyError, TypeError, ValueError):
            self.push(msgspec.json.encode({"type": "error", "message": "malformed message"}).decode())
            return
        if action == "subscribe":
            mode = message.get("mode", "full")
            if mode not in _MODES:
                mode = "full"
            for token in tokens:
                if token in self._owner.engine.rows:
                    self.modes[token] = mode
        elif action == "unsubscribe":
            for token in tokens:
                self.modes.pop(token, None)

    def push(self, frame: str | bytes) -> None:
        if not self.closed:
            self._inbox.put_nowait(frame)

    async def receive(self) -> str | bytes:
        if self.closed:
            raise WsClosed("socket closed")
        frame = await self._inbox.get()
        if frame is None:
            raise WsClosed("socket closed by the paper broker")
        return frame

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._inbox.put_nowait(None)
            self._owner.forget(self)


class PaperTransport:
    """Routes requests to a :class:`PaperEngine` and streams its market."""

    def __init__(self, engine: PaperEngine, *, tick_interval: float = 0.25) -> None:
        self.engine = engine
        self.tick_interval = tick_interval
        self._sockets: list[PaperSocket] = []
        self._ticker: asyncio.Task[None] | None = None
        self._routes: dict[tuple[str, str], Callable[[HttpRequest, list[str]], Any]] = {
            ("GET", "profile"): lambda r, a: {"user_id": "PAPER01", "name": "Paper Trader",
                                              "email": "paper@tt-connect.invalid",
                                              "exchanges": ["NSE", "NFO"], "products": ["CNC", "MIS", "NRML"]},
            ("GET", "funds"): lambda r, a: self.engine.funds(),
            ("GET", "holdings"): lambda r, a: [{"holding": h, "last_price": p} for h, p in
                                               self.engine.holding_rows()],
            ("GET", "positions"): lambda r, a: [{"position": p, "last_price": lp} for p, lp in
                                                self.engine.position_rows()],
            ("GET", "orders"): lambda r, a: [self._order(o) for o in self.engine.orders.values()],
            ("GET", "orders/*"): lambda r, a: [self._order(o) for o in self.engine.order_history(a[0])],
            ("GET", "orders/*/trades"): lambda r, a: [f for f in self.engine.fills if f.order_id == a[0]],
            ("GET", "trades"): lambda r, a: self.engine.fills,
            ("POST", "orders"): self._place,
            ("PUT", "orders/*"): self._modify,
            ("DELETE", "orders/*"): lambda r, a: {"order_id": self.engine.cancel(a[0]).order_id},
            ("GET", "quote"): self._quote,
            ("GET", "history/*"): self._history,
            ("POST", "gtt"): lambda r, a: {"gtt_id": self.engine.triggers.place(*self._gtt(r)).gtt_id},
            ("PUT", "gtt/*"): lambda r, a: {"gtt_id": self.engine.triggers.modify(a[0], *self._gtt(r)[1:]).gtt_id},
            ("DELETE", "gtt/*"): lambda r, a: {"gtt_id": self.engine.triggers.delete(a[0]).gtt_id},
            ("GET", "gtt"): lambda r, a: list(self.engine.triggers.gtts.values()),
            ("GET", "gtt/*"): lambda r, a: self.engine.triggers.get(a[0]),
            ("POST", "margins/orders"): lambda r, a: [margins.order_margin(self.engine, o)
                                                      for o in self._margin_orders(r)],
            ("POST", "margins/basket"): lambda r, a: margins.basket_margin(self.engine, self._margin_orders(r)),
            ("PUT", "positions"): self._convert,
        }

    # -- REST ------------------------------------------------------------------------------

    @staticmethod
    def _order(order: PaperOrder) -> PaperOrder:
        return order

    def _place(self, request: HttpRequest, args: list[str]) -> Any:
        body = request.json or {}
        order = self.engine.place(
            token=int(body["token"]), side=str(body["side"]), qty=body["qty"], order_type=str(body["order_type"]),
            product=str(body["product"]), price=float(body.get("price") or 0.0),
            trigger_price=float(body.get("trigger_price") or 0.0), validity=str(body.get("validity", "DAY")),
            tag=str(body.get("tag", "")), amo=body.get("variety") == "AMO")
        return {"order_id": order.order_id}

    def _modify(self, request: HttpRequest, args: list[str]) -> Any:
        body = request.json or {}
        order = self.engine.modify(args[0], qty=body.get("qty"), price=body.get("price"),
                                   trigger_price=body.get("trigger_price"), order_type=body.get("order_type"))
        return {"order_id": order.order_id}

    @staticmethod
    def _gtt(request: HttpRequest) -> tuple[int, list[PaperGttLeg], float]:
        body = request.json or {}
        legs = [msgspec.convert(leg, PaperGttLeg) for leg in body["legs"]]
        return int(body["token"]), legs, float(body["last_price"])

    @staticmethod
    def _margin_orders(request: HttpRequest) -> list[margins.MarginOrder]:
        return [msgspec.convert(o, margins.MarginOrder) for o in (request.json or {})["orders"]]

    def _convert(self, request: HttpRequest, args: list[str]) -> Any:
        body = request.json or {}
        self.engine.convert(token=int(body["token"]), side=str(body["side"]), qty=int(body["qty"]),
                            from_product=str(body["from_product"]), to_product=str(body["to_product"]))
        return True

    def _quote(self, request: HttpRequest, args: list[str]) -> Any:
        tokens = [int(t) for t in str((request.params or {}).get("tokens", "")).split(",") if t]
        return [self.engine.quote(t) for t in tokens]

    def _history(self, request: HttpRequest, args: list[str]) -> Any:
        import datetime as _dt

        params = request.params or {}
        start = _dt.datetime.fromisoformat(params["from"])
        end = _dt.datetime.fromisoformat(params["to"])
        return self.engine.candles(int(args[0]), int(params["interval"]), start, end)

    def _route(self, method: str, path: str) -> tuple[Callable[[HttpRequest, list[str]], Any], list[str]] | None:
        parts = [p for p in path.split("/") if p]
        for (verb, pattern), handler in self._routes.items():
            if verb != method:
                continue
            expected = pattern.split("/")
            if len(expected) != len(parts):
                continue
            args = []
            for want, got in zip(expected, parts):
                if want == "*":
                    args.append(got)
                elif want != got:
                    break
            else:
                return handler, args
        return None

    async def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        self._ensure_ticker()
        parts = urlsplit(request.url)
        found = self._route(request.method.upper(), parts.path)
        if found is None:
            return _error("NOT_FOUND", f"no route {request.method} {parts.path}", 404)
        handler, args = found
        try:
            return _ok(handler(request, args))
        except PaperRejection as exc:
            return _error(exc.code, exc.message, exc.status)
        except (KeyError, ValueError, TypeError, msgspec.ValidationError) as exc:
            return _error("INPUT", f"bad request: {type(exc).__name__}: {exc}", 400)

    # -- streaming -------------------------------------------------------------------------

    async def download(self, request: HttpRequest, *, timeout: float,
                       progress: Callable[[int, int | None], None] | None = None) -> HttpResponse:
        response = await self.send(request, timeout=timeout)
        if progress is not None:
            progress(len(response.body), len(response.body))
        return response

    async def ws_connect(self, url: str, headers: Mapping[str, str], *, timeout: float) -> PaperSocket:
        socket = PaperSocket(self)
        self._sockets.append(socket)
        if len(self._sockets) == 1:
            self.engine.listen(self._on_engine_event)
        self._ensure_ticker()
        return socket

    def forget(self, socket: PaperSocket) -> None:
        if socket in self._sockets:
            self._sockets.remove(socket)
        if not self._sockets:
            self.engine.unlisten(self._on_engine_event)

    def kill_sockets(self) -> None:
        """Close every open socket from the broker's side (fault injection)."""
        for socket in list(self._sockets):
            socket.closed = True
            socket._inbox.put_nowait(None)
            self.forget(socket)

    def _on_engine_event(self, kind: str, payload: Any) -> None:
        if kind != "order":
            return
        frame = msgspec.json.encode({"type": "order", "data": payload}).decode()
        for socket in self._sockets:
            socket.push(frame)

    def _ensure_ticker(self) -> None:
        if self._ticker is None or self._ticker.done():
            self._ticker = asyncio.get_running_loop().create_task(self._tick_loop(), name="tt-connect-paper-market")

    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(self.tick_interval)
            self.engine.step(self.tick_interval)
            self.publish()

    def publish(self) -> None:
        """Push one frame of ticks to every socket for its subscribed tokens."""
        quotes: dict[int, Any] = {}
        for socket in self._sockets:
            if not socket.modes:
                socket.push('{"type":"heartbeat"}')  # keeps an order-update-only socket from going stale
                continue
            ticks = []
            for token, mode in socket.modes.items():
                quote = quotes.get(token)
                if quote is None:
                    quote = quotes[token] = self.engine.quote(token)
                ticks.append([mode, quote])
            socket.push(msgspec.json.encode({"type": "ticks", "data": ticks}))

    async def close(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        for socket in list(self._sockets):
            await socket.close()
