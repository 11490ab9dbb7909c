"""The transport encodes a form itself, byte for byte as aiohttp's FormData would, and a server reads it back."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from aiohttp import web
from tt_connect.driver_api import HttpRequest
from tt_connect.transport import AiohttpTransport
from tt_connect.transport.aiohttp_transport import form_body

FORMS = [
    [("tradingsymbol", "INFY"), ("quantity", "1"), ("price", "1520.5"), ("tag", "ttc0a1b2c3d4e5")],
    [("symbol", "M&M"), ("note", "a b+c=d"), ("empty", ""), ("tilde~dash-dot.under_", "x")],
    [("name", "पुणे"), ("emoji", "📈"), ("slash", "a/b?c#d%e")],
    [("n", 5), ("flag", True), ("many", ["a", "b c"]), ("raw", b"\xff&")],  # type: ignore[list-item]
    [],
]


@pytest.mark.parametrize("form", FORMS)
def test_the_body_is_what_urlencode_gives(form: list[tuple[str, str]]) -> None:
    assert form_body(form) == urlencode(form, doseq=True).encode()


async def test_a_server_reads_the_form_and_its_content_type() -> None:
    seen: dict[str, object] = {}

    async def handle(request: web.Request) -> web.Response:
        seen["type"] = request.content_type
        seen["form"] = list((await request.post()).items())
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/orders", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    transport = AiohttpTransport()
    try:
        form = FORMS[1] + FORMS[2]
        reply = await transport.send(HttpRequest(method="POST", url=f"http://127.0.0.1:{port}/orders",
                                                 endpoint="orders", form=form), timeout=5)
        assert reply.status == 200
        assert seen == {"type": "application/x-www-form-urlencoded", "form": form}
    finally:
        await transport.close()
        await runner.cleanup()
