"""The default transport: one aiohttp ClientSession per client, created inside the running loop."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import quote_plus, urlencode

from tt_connect.driver_api import HttpRequest, HttpResponse, StreamRejected, WsClosed
from tt_connect.errors import NetworkError

__all__ = ["FORM_TYPE", "AiohttpTransport", "form_body"]

FORM_TYPE = "application/x-www-form-urlencoded"
_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch  # what quote_plus leaves as it is


@functools.lru_cache(maxsize=4096)
def _quoted(text: str) -> str:
    """One field name or value, quoted; remembered, since an order form's names and most values recur."""
    return text if _PLAIN(text) else quote_plus(text)


@functools.lru_cache(maxsize=4096)
def _text_pair(name: str, value: str) -> str:
    """``name=value`` quoted; most of an order form's pairs (exchange, product, side...) recur as they are."""
    return f"{_quoted(name)}={_quoted(value)}"


def _pair(name: Any, value: Any) -> str:
    if type(name) is str and type(value) is str:
        return _text_pair(name, value)
    return urlencode([(name, value)], doseq=True)  # anything else exactly as aiohttp's FormData has it


def form_body(form: Iterable[tuple[str, str]]) -> bytes:
    """``urlencode(form, doseq=True)``, what aiohttp sends for a list of pairs, without ``quote_plus`` on plain text.

    aiohttp's ``FormData`` costs ~27 calls and a dozen ``isinstance`` checks a field; an order form has ~10.
    """
    return "&".join([_pair(name, value) for name, value in form]).encode("ascii")


class _AiohttpSocket:
    """Adapts an aiohttp WebSocket to the engine's WsConnection."""

    def __init__(self, ws: Any) -> None:
        self._ws = ws

    async def send(self, data: str | bytes) -> None:
        try:
            if isinstance(data, bytes):
                await self._ws.send_bytes(data)
            else:
                await self._ws.send_str(data)
        except (ConnectionError, RuntimeError) as exc:
            raise WsClosed(str(exc)) from None

    async def receive(self) -> str | bytes:
        import aiohttp

        msg = await self._ws.receive()
        if msg.type is aiohttp.WSMsgType.TEXT:
            return str(msg.data)
        if msg.type is aiohttp.WSMsgType.BINARY:
            return bytes(msg.data)
        raise WsClosed(f"socket closed ({msg.type.name})")

    async def close(self) -> None:
        await self._ws.close()


class AiohttpTransport:
    """Sends requests over one pooled aiohttp session (keep-alive, per-host limits)."""

    def __init__(self, *, connect_timeout: float = 5.0, limit_per_host: int = 20,
                 user_agent: str = "tt-connect", source_address: str | None = None, proxy: str | None = None) -> None:
        self._connect_timeout = connect_timeout
        self._limit_per_host = limit_per_host
        self._user_agent = user_agent
        self._source = source_address
        self._proxy = proxy
        """Every request (and socket) leaves from ``source_address`` or through ``proxy``: a broker whitelists
        one static IP, and a server may have several."""
        self._session: Any = None
        self._timeouts: dict[float, Any] = {}

    def _client(self) -> Any:
        import aiohttp

        if self._session is None or self._session.closed:
            # unsafe=True keeps cookies set by IP-addressed hosts (an emulator on 127.0.0.1): login flows
            # that ride on a web session (Kite's web login) need them; named hosts behave as before.
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit_per_host=self._limit_per_host,
                                               local_addr=(self._source, 0) if self._source else None),
                cookie_jar=aiohttp.CookieJar(unsafe=True),
                headers={"User-Agent": self._user_agent},
            )
        return self._session

    def _timeout(self, total: float) -> Any:
        """One ``ClientTimeout`` per total (a client uses one or two), not one per request."""
        found = self._timeouts.get(total)
        if found is None:
            import aiohttp

            found = self._timeouts[total] = aiohttp.ClientTimeout(total=total, connect=self._connect_timeout)
        return found

    async def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        import aiohttp

        headers = dict(request.headers or {})
        kwargs: dict[str, Any] = {"headers": headers}
        if request.params:
            kwargs["params"] = dict(request.params)
        if request.body is not None:
            kwargs["data"] = request.body
        elif request.form is not None:
            # encoded here, as aiohttp's FormData would (urlencode, quote_plus, UTF-8), at a fraction of its cost
            kwargs["data"] = form_body(request.form)
            if not any(name.lower() == "content-type" for name in headers):
                headers["Content-Type"] = FORM_TYPE
        elif request.json is not None:
            kwargs["json"] = request.json
        kwargs["timeout"] = self._timeout(timeout)
        kwargs["allow_redirects"] = request.follow_redirects
        if self._proxy:
            kwargs["proxy"] = self._proxy
        try:
            async with self._client().request(request.method, request.url, **kwargs) as resp:
                body = await resp.read()
                return HttpResponse(status=resp.status, body=body, headers=dict(resp.headers), url=str(resp.url))
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise NetworkError(f"{request.endpoint}: {type(exc).__name__}: {exc}".rstrip(": ")) from None

    async def download(
        self, request: HttpRequest, *, timeout: float, progress: Callable[[int, int | None], None] | None = None
    ) -> HttpResponse:
        """GET a large file in chunks, reporting ``progress(bytes_done, total_or_None)``."""
        if progress is None:
            return await self.send(request, timeout=timeout)
        import aiohttp

        try:
            async with self._client().get(request.url, headers=dict(request.headers or {}), proxy=self._proxy,
                                          timeout=aiohttp.ClientTimeout(total=timeout,
                                                                        connect=self._connect_timeout)) as resp:
                total = resp.content_length
                chunks: list[bytes] = []
                done = 0
                progress(0, total)
                async for chunk in resp.content.iter_chunked(1 << 16):
                    chunks.append(chunk)
                    done += len(chunk)
                    progress(done, total)
                return HttpResponse(status=resp.status, body=b"".join(chunks), headers=dict(resp.headers),
                                    url=str(resp.url))
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise NetworkError(f"{request.endpoint}: {type(exc).__name__}") from None

    async def ws_connect(self, url: str, headers: Mapping[str, str], *, timeout: float) -> _AiohttpSocket:
        import aiohttp

        try:
            ws = await self._client().ws_connect(url, headers=dict(headers), timeout=aiohttp.ClientWSTimeout(
                ws_close=timeout), autoping=True, max_msg_size=0, proxy=self._proxy)
        except aiohttp.WSServerHandshakeError as exc:
            if exc.status in (401, 403):  # the session the URL or headers carry is dead (Kite's 403)
                raise StreamRejected(f"the broker refused the socket (HTTP {exc.status})", session_dead=True) from None
            raise NetworkError(f"stream connect failed: {type(exc).__name__}") from None
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise NetworkError(f"stream connect failed: {type(exc).__name__}") from None
        return _AiohttpSocket(ws)

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None
