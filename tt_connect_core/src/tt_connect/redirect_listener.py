"""Catch an OAuth redirect on localhost, for ``tt-connect login <broker>``.

Brokers such as Zerodha only issue sessions through a browser: the user logs
in at the broker's page, which redirects to the app's registered redirect URL
with a one-time code in the query string. Registering ``http://127.0.0.1:<port>/``
as that URL lets this listener catch the code without any web server of yours.
"""

from __future__ import annotations

import asyncio
import webbrowser
from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import urlsplit

from tt_connect.errors import AuthenticationError, ConfigurationError

__all__ = ["make_redirect_catcher"]

_PAGE = (
    "<!doctype html><html><body style='font-family:sans-serif'>"
    "<h2>tt-connect: login received</h2><p>You can close this window.</p></body></html>"
)


def make_redirect_catcher(
    redirect_url: str,
    *,
    open_browser: Callable[[str], object] | None = None,
    timeout: float = 300.0,
) -> Callable[[str], Awaitable[Mapping[str, str]]]:
    """Return an ``interactive_redirect`` callable for the auth lifecycle.

    It listens on the host and port of ``redirect_url`` (which must be a
    127.0.0.1 or localhost http URL), opens the login URL in a browser and
    returns the query parameters of the first request that arrives.
    """
    parts = urlsplit(redirect_url)
    if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost") or not parts.port:
        raise ConfigurationError(
            f"redirect_url must be http://127.0.0.1:<port>/ to catch the login locally, got {redirect_url!r}; "
            "register that URL as your app's redirect URL at the broker"
        )
    host, port = parts.hostname, parts.port
    path = parts.path or "/"

    async def catch(login_url: str) -> Mapping[str, str]:
        from aiohttp import web

        received: asyncio.Future[dict[str, str]] = asyncio.get_running_loop().create_future()

        async def handle(request: web.Request) -> web.Response:
            if not received.done():
                received.set_result(dict(request.query))
            return web.Response(text=_PAGE, content_type="text/html")

        app = web.Application()
        app.router.add_get(path, handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, host, port)
            try:
                await site.start()
            except OSError as exc:
                raise ConfigurationError(f"cannot listen on {host}:{port} for the login redirect: {exc}") from None
            print(f"Log in at this URL (opening your browser):\n  {login_url}", flush=True)
            (open_browser or webbrowser.open)(login_url)  # looked up now: patchable, and the user's choice
            try:
                return await asyncio.wait_for(received, timeout)
            except TimeoutError:
                raise AuthenticationError(
                    f"no login redirect arrived at {redirect_url} within {timeout:.0f}s"
                ) from None
        finally:
            await runner.cleanup()

    return catch
