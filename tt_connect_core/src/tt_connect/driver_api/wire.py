"""What travels between the core and the network: requests, replies, calls, sockets, transports.

A driver builds :class:`HttpRequest` objects and pure parsers (a :class:`Call`); the core sends
them through a :class:`Transport` (aiohttp for real brokers, in-process for paper, a mock in tests).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, Protocol, TypeAlias, TypeVar

import msgspec

from tt_connect.errors import BrokerUnavailableError, InstrumentNotFoundError

__all__ = [
    "Call",
    "Encoding",
    "HttpRequest",
    "HttpResponse",
    "PagedCall",
    "Transport",
    "WsClosed",
    "WsConnection",
    "parse_rows",
    "reply_list",
    "reply_object",
]

T = TypeVar("T")
R = TypeVar("R")

Encoding: TypeAlias = Literal["none", "query", "form", "json"]


class HttpRequest(msgspec.Struct, frozen=True, kw_only=True):
    """One request a driver wants sent; the core adds session headers and sends it.

    ``endpoint`` is a stable logical name (``"orders.place"``) used for rate
    limits, logs and tests. ``is_write`` marks calls that change state: the core
    never retries those blindly.
    """

    method: str
    url: str
    endpoint: str
    rate_class: str = "default"
    cost: int = 1
    params: Mapping[str, str] | None = None
    form: Sequence[tuple[str, str]] | None = None
    json: Any = None
    body: bytes | None = None
    """A body sent as is (with a ``Content-Type`` header of the driver's): Noren's ``jData=...&jKey=...``."""
    headers: Mapping[str, str] | None = None
    is_write: bool = False
    authenticated: bool = True
    follow_redirects: bool = True
    """False: return a 3xx reply as is (its ``Location`` header), e.g. for a login step
    whose redirect target is a local URL nobody serves."""

    @property
    def encoding(self) -> Encoding:
        """Return how the body is encoded (a raw ``body`` counts as form: it is the driver's own encoding)."""
        if self.form is not None or self.body is not None:
            return "form"
        if self.json is not None:
            return "json"
        if self.params:
            return "query"
        return "none"


class HttpResponse(msgspec.Struct, frozen=True, kw_only=True):
    """A reply as the core received it."""

    status: int
    body: bytes
    headers: Mapping[str, str] = msgspec.field(default_factory=dict)
    url: str = ""

    def header(self, name: str) -> str | None:
        """Return a header case-insensitively."""
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return None

    def json(self) -> Any:
        """Decode the body as JSON; an unreadable body raises BrokerUnavailableError."""
        try:
            return msgspec.json.decode(self.body)
        except msgspec.DecodeError:
            snippet = self.body[:120].decode("utf-8", "replace")
            raise BrokerUnavailableError(
                f"broker replied with a body that is not JSON: {snippet!r}",
                http_status=self.status,
            ) from None


@dataclass(frozen=True)
class Call(Generic[T]):
    """A request plus the pure function that turns its unwrapped payload into a model."""

    request: HttpRequest
    parse: Callable[[Any], T]


@dataclass(frozen=True)
class PagedCall(Call[list[R]]):
    """A read whose rows come a page at a time: the executor sends pages until ``next_request`` says stop.

    ``next_request(pages_read, last_page)`` returns the request for the next page, or None after
    the last (typically: the last page came back shorter than a full page). Every page goes
    through ``parse``; the result is the pages' rows in order. At most ``max_pages`` are read,
    so a broker that never stops paging cannot hold a call forever. ``next_request`` sees the
    parsed rows; a driver that must count rows on the wire (some skipped by the parser) reads
    the count from the page it parsed, e.g. by parsing to rows that carry it.
    """

    next_request: Callable[[int, list[R]], HttpRequest | None] = lambda _pages, _rows: None
    max_pages: int = 100


def parse_rows(rows: Sequence[R], parse: Callable[[R], T | None], *, broker: str, what: str) -> list[T]:
    """Parse a book row by row; a row whose contract today's instrument master lacks is skipped.

    An expired future still in the positions on its expiry day, or a suspended stock
    in the holdings, must not make the whole book unreadable. Each skipped row is
    logged as a warning (``row_skipped``) with the reason. ``parse`` may also return
    None to leave a row out on purpose (a day book skipping untraded rows, say).
    """
    out: list[T] = []
    for row in rows:
        try:
            parsed = parse(row)
        except InstrumentNotFoundError as exc:
            from tt_connect.logs import get_logger

            get_logger("tt_connect.driver").warning("row_skipped", broker=broker, book=what, reason=str(exc))
            continue
        if parsed is not None:
            out.append(parsed)
    return out


def reply_list(payload: Any, *, broker: str, what: str) -> list[Any]:
    """Return an unwrapped payload that must be a list (a book); anything else is the broker's malfunction.

    A parser reads its book through this, so a reply of the wrong shape (an object where a list
    belongs, a proxy's stray value) is a :class:`~tt_connect.errors.BrokerUnavailableError` naming the
    reply, never a ``TypeError`` from the loop that follows.
    """
    if not isinstance(payload, list):
        raise BrokerUnavailableError(f"{broker} {what} reply is not a list", broker=broker)
    return payload


def reply_object(payload: Any, *, broker: str, what: str) -> Mapping[str, Any]:
    """Return an unwrapped payload that must be an object (see :func:`reply_list`)."""
    if not isinstance(payload, Mapping):
        raise BrokerUnavailableError(f"{broker} {what} reply is not an object", broker=broker)
    return payload


class WsClosed(Exception):
    """Raised by :meth:`WsConnection.receive` when the socket is gone."""


class WsConnection(Protocol):
    """A WebSocket as the streaming engine sees it."""

    async def send(self, data: str | bytes) -> None: ...

    async def receive(self) -> str | bytes:
        """Return the next message; raise :class:`WsClosed` when closed."""
        ...

    async def close(self) -> None: ...


class Transport(Protocol):
    """The one seam between the core and the network (or an in-process broker)."""

    async def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        """Send a request; raise :class:`~tt_connect.errors.NetworkError` when no reply came."""
        ...

    async def download(self, request: HttpRequest, *, timeout: float,
                       progress: Callable[[int, int | None], None] | None = None) -> HttpResponse:
        """Send a request for a large file, reporting ``(bytes_done, bytes_total_or_None)`` as it arrives."""
        ...

    async def ws_connect(self, url: str, headers: Mapping[str, str], *, timeout: float) -> WsConnection:
        """Open a WebSocket; raise :class:`~tt_connect.errors.NetworkError` on failure, and
        :class:`~tt_connect.driver_api.StreamRejected` (``session_dead``) when the handshake is answered
        401 or 403: the session the socket was opened with is dead, and the core renews it."""
        ...

    async def close(self) -> None: ...
