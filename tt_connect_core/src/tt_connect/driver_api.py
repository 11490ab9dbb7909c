"""Types of the driver contract: the pure objects a driver's hooks return.

A driver is a *translator*: it builds broker requests from canonical objects,
parses broker payloads into canonical models, decodes stream frames and
describes its auth steps, rate limits and error codes as data. It never opens
a socket: the core owns every connection, retry, rate limit and reconnect.
This module holds everything a driver author imports besides the public
models; bump :data:`DRIVER_API_VERSION` on any incompatible change.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, Literal, Protocol, TypeAlias, TypeVar

import msgspec

from tt_connect.enums import (
    CandleInterval,
    Exchange,
    OrderType,
    ProductType,
    StreamMode,
    Validity,
    Variety,
)
from tt_connect.errors import (
    AuthenticationError,
    BrokerRefusedError,
    BrokerUnavailableError,
    InstrumentNotFoundError,
    RateLimitError,
    SessionExpiredError,
    TTConnectError,
    UnsupportedOperationError,
)
from tt_connect.instruments import AnyInstrument, Instrument
from tt_connect.models import (
    BasketMargin,
    Candle,
    ConvertRequest,
    Funds,
    Gtt,
    GttRequest,
    Holding,
    MarginRequirement,
    ModifyRequest,
    Order,
    OrderRequest,
    OrderUpdate,
    Position,
    Profile,
    Quote,
    Tick,
    Trade,
)
from tt_connect.redact import REDACTED

__all__ = [
    "DRIVER_API_VERSION",
    "AuthKind",
    "AuthSpec",
    "BrokerApi",
    "BrokerFailure",
    "BrokerSymbol",
    "Call",
    "PagedCall",
    "Capabilities",
    "DriverConfig",
    "DriverContext",
    "DriverDescription",
    "ErrorMap",
    "FrameDecoder",
    "HttpRequest",
    "HttpResponse",
    "InstrumentSource",
    "LoginFlow",
    "NeedRedirect",
    "NeedTotp",
    "Operation",
    "RateClass",
    "RateLimits",
    "SegmentCapabilities",
    "Session",
    "StreamSpec",
    "Support",
    "Transport",
    "WsClosed",
    "WsConnection",
    "parse_rows",
]

DRIVER_API_VERSION = 1
"""Version of this contract. A driver declares the version it implements."""

T = TypeVar("T")


# -- description and config --------------------------------------------------------------


class DriverConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of every driver's config Struct: unknown keys are refused by name.

    Subclasses add their fields; fields whose names look secret (``api_secret``,
    ``password``, ``totp_secret``...) are hidden from ``repr``. Every endpoint
    URL a driver uses must be a field, so a test can point it at an emulator.
    """

    def __repr__(self) -> str:
        from tt_connect.redact import is_secret_key

        shown = []
        for name in self.__struct_fields__:
            value = getattr(self, name)
            if is_secret_key(name) and value not in (None, ""):
                value = REDACTED
            shown.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"

    def secrets(self) -> dict[str, str]:
        """Return the secret-looking fields that are set, for redaction and login."""
        from tt_connect.redact import is_secret_key

        out: dict[str, str] = {}
        for name in self.__struct_fields__:
            value = getattr(self, name)
            if isinstance(value, str) and value and is_secret_key(name):
                out[name] = value
        return out


@dataclass(frozen=True)
class DriverDescription:
    """Who a driver is: returned by the ``ttc_describe`` hook."""

    name: str
    api_version: int
    config_type: type[DriverConfig]
    title: str = ""
    package: str = ""


# -- wire --------------------------------------------------------------------------------

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
    headers: Mapping[str, str] | None = None
    is_write: bool = False
    authenticated: bool = True
    follow_redirects: bool = True
    """False: return a 3xx reply as is (its ``Location`` header), e.g. for a login step
    whose redirect target is a local URL nobody serves."""

    @property
    def encoding(self) -> Encoding:
        """Return how the body is encoded."""
        if self.form is not None:
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


R = TypeVar("R")


@dataclass(frozen=True)
class PagedCall(Call[list[R]]):
    """A read whose rows come a page at a time: the executor sends pages until ``next_request`` says stop.

    ``next_request(pages_read, last_page)`` returns the request for the next page, or None after
    the last (typically: the last page came back shorter than a full page). Every page goes
    through ``parse``; the result is the pages' rows in order. At most ``max_pages`` are read,
    so a broker that never stops paging cannot hold a call forever.
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

    async def ws_connect(self, url: str, headers: Mapping[str, str], *, timeout: float) -> WsConnection:
        """Open a WebSocket; raise :class:`~tt_connect.errors.NetworkError` on failure."""
        ...

    async def close(self) -> None: ...


# -- errors as data ----------------------------------------------------------------------


class BrokerFailure(Exception):
    """Raised by a driver's ``unwrap`` when the broker's reply is an error.

    The core maps it to the error tree with the driver's :class:`ErrorMap`.
    """

    def __init__(
        self, message: str, *, code: str | None = None, http_status: int | None = None, raw: Any = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.http_status = http_status
        self.raw = raw


def _never(_: BrokerFailure) -> bool:
    return False


@dataclass(frozen=True)
class ErrorMap:
    """How a broker's error replies map to the error tree, as data.

    Lookup order, most specific signal first:

    1. HTTP 429 is a rate limit, whatever the body says (Kite sends it as a
       ``NetworkException``);
    2. a failure ``session_dead`` recognises is a :class:`SessionExpiredError`;
    3. exact ``codes`` and message ``patterns`` (regexes, first match wins):
       codes first, unless ``patterns_first`` (for brokers whose codes are
       coarse classes, like Kite's ``OrderException`` for both "rejected" and
       "no such order");
    4. ``http_status``, then the generic classes by status range.
    """

    codes: Mapping[str, type[TTConnectError]] = field(default_factory=dict)
    patterns: Sequence[tuple[str, type[TTConnectError]]] = ()
    http_status: Mapping[int, type[TTConnectError]] = field(default_factory=dict)
    session_dead: Callable[[BrokerFailure], bool] = _never
    patterns_first: bool = False

    def __post_init__(self) -> None:
        compiled = tuple((re.compile(p, re.IGNORECASE), cls) for p, cls in self.patterns)
        object.__setattr__(self, "_compiled", compiled)

    def _by_code(self, failure: BrokerFailure) -> type[TTConnectError] | None:
        return self.codes.get(failure.code) if failure.code is not None else None

    def _by_pattern(self, failure: BrokerFailure) -> type[TTConnectError] | None:
        for pattern, cls in self._compiled:  # type: ignore[attr-defined]
            if pattern.search(failure.message):
                return cls  # type: ignore[no-any-return]
        return None

    def classify(self, failure: BrokerFailure) -> type[TTConnectError]:
        """Return the error class for a failure."""
        status = failure.http_status
        if status == 429:
            return RateLimitError
        if self.session_dead(failure):
            return SessionExpiredError
        first, second = (self._by_pattern, self._by_code) if self.patterns_first else (self._by_code,
                                                                                         self._by_pattern)
        found = first(failure) or second(failure)
        if found is not None:
            return found
        if status is not None:
            if status in self.http_status:
                return self.http_status[status]
            if status in (401, 403):
                return AuthenticationError
            if status >= 500:
                return BrokerUnavailableError
        return BrokerRefusedError


# -- auth --------------------------------------------------------------------------------


class AuthKind(StrEnum):
    """How a session is obtained."""

    ACCESS_TOKEN = "access_token"
    """The user supplies a ready access token (no silent renewal)."""
    OAUTH_REDIRECT = "oauth_redirect"
    """Browser login; the broker redirects to a localhost URL with a one-time code."""
    PASSWORD_TOTP = "password_totp"
    """User id + password/PIN + TOTP, fully automatic (silent daily re-login)."""


class Session(msgspec.Struct, frozen=True, kw_only=True):
    """A logged-in session. ``repr`` never shows a token."""

    broker: str
    user_id: str
    access_token: str
    created_at: _dt.datetime
    expires_at: _dt.datetime
    refresh_token: str = ""
    feed_token: str = ""
    extra: Mapping[str, str] = msgspec.field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"Session(broker={self.broker!r}, user_id={self.user_id!r}, access_token={REDACTED!r}, "
            f"created_at={self.created_at.isoformat()}, expires_at={self.expires_at.isoformat()})"
        )

    __str__ = __repr__

    def secrets(self) -> tuple[str, ...]:
        """Return every secret value this session holds, for redaction."""
        values = [self.access_token, self.refresh_token, self.feed_token, *self.extra.values()]
        return tuple(v for v in values if v)


class NeedTotp(msgspec.Struct, frozen=True, kw_only=True):
    """Login step: the core answers with the current TOTP code (a str) computed from ``secret``.

    The driver passes the secret it was configured with; the core owns the clock
    and pyotp, so every driver computes codes the same way.
    """

    secret: str

    def __repr__(self) -> str:
        return f"NeedTotp(secret={REDACTED!r})"


class NeedRedirect(msgspec.Struct, frozen=True, kw_only=True):
    """Login step: a human must log in at ``login_url``; the core answers with the redirect's query."""

    login_url: str


LoginStep: TypeAlias = HttpRequest | NeedTotp | NeedRedirect
LoginReply: TypeAlias = HttpResponse | str | Mapping[str, str]
LoginFlow: TypeAlias = Generator[LoginStep, LoginReply, Session]
"""A sans-I/O login: yields steps, receives their replies, returns the Session."""


class AuthSpec(Protocol):
    """A driver's auth description (returned by ``ttc_auth``).

    Optional: a ``refresh(session, now) -> LoginFlow`` method renewing a session with
    its ``refresh_token`` (AngelOne's ``generateTokens``). The core tries it first when a
    session dies or nears expiry, and falls back to :meth:`login` when it fails.
    """

    def login_kind(self) -> AuthKind:
        """Return which kind of login the configured credentials allow."""
        ...

    def login(self, now: _dt.datetime) -> LoginFlow:
        """Return a fresh login flow using the configured credentials."""
        ...

    def session_headers(self, session: Session) -> Mapping[str, str]:
        """Return the headers that carry the session on every authenticated request."""
        ...

    def logout(self, session: Session) -> HttpRequest | None:
        """Return the request that ends the session at the broker, if any."""
        ...


# -- instruments -------------------------------------------------------------------------

CANONICAL_COLUMNS: tuple[str, ...] = (
    "exchange",
    "segment",
    "kind",
    "symbol",
    "underlying",
    "expiry",
    "strike",
    "option_type",
    "lot_size",
    "tick_size",
    "isin",
    "name",
    "broker_token",
    "broker_symbol",
    "broker_exchange",
    "broker_segment",
)
"""Columns a driver's instrument SELECT must emit, in any order."""


@dataclass(frozen=True)
class InstrumentSource:
    """Where a broker's instrument master comes from and how it maps to canonical rows.

    ``select_sql`` is one DuckDB SELECT whose FROM clause reads ``{source}``
    (the core substitutes ``read_csv(...)``/``read_json(...)`` of the downloaded
    file) and emits :data:`CANONICAL_COLUMNS`. ``local`` produces the file's
    bytes in-process instead of downloading (the paper broker).
    ``publish_time`` is when the broker publishes a new master each day (IST).
    """

    select_sql: str
    format: Literal["csv", "json"] = "csv"
    url: str | None = None
    read_options: str = ""
    publish_time: _dt.time = _dt.time(8, 0)
    local: Callable[[], bytes] | None = None
    authenticated: bool = False


@dataclass(frozen=True)
class BrokerSymbol:
    """A canonical instrument as one broker knows it."""

    token: str
    symbol: str
    exchange: str
    segment: str
    lot_size: int
    tick_size: float


class DriverContext(Protocol):
    """What the core lends a driver while it builds requests and parses replies."""

    broker: str

    def resolve(self, instrument: Instrument) -> BrokerSymbol:
        """Return the broker's token and symbol for a canonical instrument."""
        ...

    def by_token(self, segment: str, token: str) -> AnyInstrument:
        """Return the instrument behind a broker token (tokens are unique per segment)."""
        ...

    def by_symbol(self, exchange: str, symbol: str) -> AnyInstrument:
        """Return the instrument behind a broker trading symbol on a broker exchange."""
        ...

    def now(self) -> _dt.datetime:
        """Return the current time (aware, IST); a test clock in tests."""
        ...


# -- capabilities ------------------------------------------------------------------------


class Support(StrEnum):
    """Whether a driver does something."""

    SUPPORTED = "supported"
    EMULATED = "emulated"
    """Done by tt-connect on the broker's behalf (e.g. a TTL order by cancel-after)."""
    UNSUPPORTED = "unsupported"


class Operation(StrEnum):
    """The operations of the unified API the capability matrix covers."""

    PROFILE = "profile"
    FUNDS = "funds"
    HOLDINGS = "holdings"
    POSITIONS = "positions"
    ORDERS = "orders"
    ORDER_HISTORY = "order_history"
    TRADES = "trades"
    ORDER_TRADES = "order_trades"
    PLACE_ORDER = "place_order"
    MODIFY_ORDER = "modify_order"
    CANCEL_ORDER = "cancel_order"
    QUOTE = "quote"
    LTP = "ltp"
    HISTORY = "history"
    STREAM = "stream"
    ORDER_UPDATES = "order_updates"
    GTT = "gtt"
    MARGINS = "margins"
    CONVERT_POSITION = "convert_position"
    LOGOUT = "logout"


class SegmentCapabilities(msgspec.Struct, frozen=True, kw_only=True):
    """What can be traded on one exchange."""

    exchange: Exchange
    order_types: frozenset[OrderType]
    products: frozenset[ProductType]
    validities: frozenset[Validity]
    varieties: frozenset[Variety] = frozenset({Variety.REGULAR})


class Capabilities(msgspec.Struct, frozen=True, kw_only=True):
    """A driver's typed capability matrix: no "unknown" allowed."""

    operations: Mapping[Operation, Support]
    segments: tuple[SegmentCapabilities, ...] = ()
    stream_modes: frozenset[StreamMode] = frozenset()

    def support(self, operation: Operation) -> Support:
        """Return how an operation is supported (absent means unsupported)."""
        return self.operations.get(operation, Support.UNSUPPORTED)

    def require(self, operation: Operation, broker: str) -> None:
        """Raise UnsupportedOperationError unless the operation is supported or emulated."""
        if self.support(operation) is Support.UNSUPPORTED:
            raise UnsupportedOperationError(
                f"{broker} does not support {operation.value}; see `tt-connect drivers` for its "
                "capability matrix",
                broker=broker,
            )

    def segment(self, exchange: Exchange) -> SegmentCapabilities | None:
        """Return the capabilities of one exchange, or None when it is not tradable."""
        for seg in self.segments:
            if seg.exchange is exchange:
                return seg
        return None

    def require_order(self, request: OrderRequest, broker: str) -> None:
        """Raise UnsupportedOperationError when this order cannot be placed with the broker."""
        exchange = request.instrument.exchange
        seg = self.segment(exchange)
        if seg is None:
            raise UnsupportedOperationError(f"{broker} does not trade on {exchange}", broker=broker)
        for what, value, allowed in (
            ("order type", request.order_type, seg.order_types),
            ("product", request.product, seg.products),
            ("validity", request.validity, seg.validities),
            ("variety", request.variety, seg.varieties),
        ):
            if value not in allowed:
                names = ", ".join(sorted(str(a) for a in allowed)) or "none"
                raise UnsupportedOperationError(
                    f"{broker} does not support {what} {value} on {exchange} (supported: {names})",
                    broker=broker,
                )


# -- rate limits -------------------------------------------------------------------------


class RateClass(msgspec.Struct, frozen=True, kw_only=True):
    """One metered bucket of a broker's API. None means "no limit on that window"."""

    name: str
    per_second: float | None = None
    per_minute: float | None = None
    per_day: float | None = None
    max_queue: int = 1000
    per_hour: float | None = None
    """SmartAPI publishes hourly caps; without this window they had to be approximated per day."""
    """Calls allowed to wait for a slot before RateLimitQueueFullError is raised."""


class RateLimits(msgspec.Struct, frozen=True, kw_only=True):
    """Every rate class of a broker; requests name their class, unknown names use ``default``."""

    classes: tuple[RateClass, ...]
    scope: Literal["api_key", "user", "ip"] = "api_key"

    def get(self, name: str) -> RateClass | None:
        """Return the class called ``name`` or the default class."""
        fallback = None
        for rc in self.classes:
            if rc.name == name:
                return rc
            if rc.name == "default":
                fallback = rc
        return fallback


# -- orders, portfolio, market data ------------------------------------------------------


class BrokerApi:
    """Request builders and response parsers for the REST side of a broker.

    Subclass it and override what the broker supports; every method not
    overridden raises UnsupportedOperationError, so a template driver is simply
    this class. Each method is pure: it returns a :class:`Call` (or a list of
    them, for operations the broker caps per request) and never does I/O.
    """

    broker: str = "template"
    tag_max_length: int = 20
    """Longest order tag the broker accepts; the core sizes its unique tags to fit."""
    tag_alphabet: str = "0123456789abcdefghijklmnopqrstuvwxyz"

    def _unsupported(self, operation: str) -> UnsupportedOperationError:
        return UnsupportedOperationError(f"{self.broker} does not support {operation}", broker=self.broker)

    def unwrap(self, response: HttpResponse) -> Any:
        """Return the payload of a successful reply, or raise :class:`BrokerFailure`."""
        raise self._unsupported("REST calls")

    def profile(self, ctx: DriverContext) -> Call[Profile]:
        raise self._unsupported("profile")

    def funds(self, ctx: DriverContext) -> Call[Funds]:
        raise self._unsupported("funds")

    def holdings(self, ctx: DriverContext) -> Call[list[Holding]]:
        raise self._unsupported("holdings")

    def positions(self, ctx: DriverContext) -> Call[list[Position]]:
        raise self._unsupported("positions")

    def day_positions(self, ctx: DriverContext) -> Call[list[Position]]:
        """Today's activity only: what was bought and sold today, carried-forward quantity left out."""
        raise self._unsupported("day positions")

    def orders(self, ctx: DriverContext) -> Call[list[Order]]:
        raise self._unsupported("orders")

    def order_history(self, ctx: DriverContext, order_id: str) -> Call[list[Order]]:
        raise self._unsupported("order_history")

    def trades(self, ctx: DriverContext) -> Call[list[Trade]]:
        raise self._unsupported("trades")

    def order_trades(self, ctx: DriverContext, order_id: str) -> Call[list[Trade]]:
        raise self._unsupported("order_trades")

    def place_order(self, ctx: DriverContext, request: OrderRequest) -> Call[str]:
        """Return the call that places ``request``; it parses to the broker's order id."""
        raise self._unsupported("place_order")

    def modify_order(self, ctx: DriverContext, request: ModifyRequest) -> Call[str]:
        raise self._unsupported("modify_order")

    def cancel_order(self, ctx: DriverContext, order_id: str, variety: Variety) -> Call[str]:
        raise self._unsupported("cancel_order")

    def quote(
        self, ctx: DriverContext, instruments: Sequence[Instrument], mode: StreamMode
    ) -> list[Call[dict[Instrument, Quote]]]:
        """Return one call per batch the broker allows; the core merges the dicts."""
        raise self._unsupported("quote")

    def ltp(self, ctx: DriverContext, instruments: Sequence[Instrument]) -> list[Call[dict[Instrument, float]]]:
        raise self._unsupported("ltp")

    def history(
        self,
        ctx: DriverContext,
        instrument: Instrument,
        interval: CandleInterval,
        start: _dt.datetime,
        end: _dt.datetime,
        oi: bool,
    ) -> list[Call[list[Candle]]]:
        """Return one call per date-range chunk the broker allows; the core concatenates."""
        raise self._unsupported("history")

    # GTT triggers (Operation.GTT)

    def place_gtt(self, ctx: DriverContext, request: GttRequest) -> Call[str]:
        """Return the call that creates a GTT; it parses to the broker's trigger id."""
        raise self._unsupported("gtt")

    def modify_gtt(self, ctx: DriverContext, gtt_id: str, request: GttRequest) -> Call[str]:
        raise self._unsupported("gtt")

    def cancel_gtt(self, ctx: DriverContext, gtt_id: str) -> Call[str]:
        raise self._unsupported("gtt")

    def gtts(self, ctx: DriverContext) -> Call[list[Gtt]]:
        raise self._unsupported("gtt")

    def gtt(self, ctx: DriverContext, gtt_id: str) -> Call[Gtt]:
        raise self._unsupported("gtt")

    # margin calculator (Operation.MARGINS) and conversion (Operation.CONVERT_POSITION)

    def order_margins(self, ctx: DriverContext,
                      requests: Sequence[OrderRequest]) -> list[Call[list[MarginRequirement]]]:
        """Return the calls that price each order on its own (one per batch the broker allows, in order)."""
        raise self._unsupported("margins")

    def basket_margin(self, ctx: DriverContext, requests: Sequence[OrderRequest]) -> Call[BasketMargin]:
        """Return the call that prices the orders together (with hedge benefit)."""
        raise self._unsupported("margins")

    def convert_position(self, ctx: DriverContext, request: ConvertRequest) -> Call[bool]:
        raise self._unsupported("convert_position")


# -- streaming ---------------------------------------------------------------------------


class FrameDecoder(Protocol):
    """Turns one WebSocket message into canonical events (hot path: no per-field slicing)."""

    def decode(self, frame: str | bytes, received_at: _dt.datetime) -> list[Tick | OrderUpdate]: ...


class StreamSpec(Protocol):
    """How to talk to a broker's streaming socket (returned by ``ttc_stream``).

    A broker whose order updates come on a socket of their own (AngelOne) sets
    ``carries_order_updates = False`` and gives the spec an ``order_updates``
    attribute: another StreamSpec for that socket (no instruments are ever
    subscribed on it; its decoder yields OrderUpdates). The core opens it only
    while someone wants order updates.
    """

    max_instruments_per_connection: int
    max_connections: int
    stale_after: float
    """Seconds without any frame (ticks or heartbeats) after which the feed is dead."""
    ping_interval: float | None
    """Seconds between client pings, or None when the broker does not expect them."""
    carries_order_updates: bool

    def url(self, session: Session | None) -> str: ...

    def headers(self, session: Session | None) -> Mapping[str, str]: ...

    def ping(self) -> str | bytes | None: ...

    def subscribe(self, symbols: Sequence[BrokerSymbol], mode: StreamMode) -> list[str | bytes]: ...

    def unsubscribe(self, symbols: Sequence[BrokerSymbol]) -> list[str | bytes]: ...

    def decoder(self, ctx: DriverContext) -> FrameDecoder: ...
