"""A Kite-shaped REST server that answers every call instantly with a fixed reply (benchmarks only).

It serves what ``AsyncTTConnect('zerodha', ...)`` needs to connect with a given ``access_token``
(``/user/profile``, the ``/instruments`` CSV) and the order path: ``POST /orders/{variety}``,
``PUT``/``DELETE /orders/{variety}/{id}``, ``GET /orders/{id}`` (the order the core reads before a
modification) and ``GET /portfolio/positions``. Replies are prebuilt bytes, so the server's own cost
is the same for every client measured against it; it runs in its own process (``serve_in_child``).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import multiprocessing.connection
from typing import Any

from aiohttp import web

ORDER_ID = "151220000000000"
SYMBOLS = tuple(f"SYM{i:03d}" for i in range(50))
CSV_HEADER = ("instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,"
              "instrument_type,segment,exchange\n")


def instruments_csv() -> bytes:
    rows = [f"{1000 + i},{10 + i},{symbol},{symbol} LTD,0.0,,0.0,0.05,1,EQ,NSE,NSE\n"
            for i, symbol in enumerate(SYMBOLS)]
    return (CSV_HEADER + "".join(rows)).encode()


def _envelope(data: Any) -> bytes:
    return json.dumps({"status": "success", "data": data}).encode()


def _order_row(status: str = "OPEN") -> dict[str, Any]:
    return {"order_id": ORDER_ID, "exchange_order_id": "1100000000000001", "parent_order_id": None,
            "status": status, "status_message": None, "order_timestamp": "2025-01-06 10:00:00",
            "exchange_timestamp": "2025-01-06 10:00:00", "exchange_update_timestamp": None,
            "variety": "regular", "exchange": "NSE", "tradingsymbol": SYMBOLS[0], "instrument_token": 1000,
            "order_type": "LIMIT", "transaction_type": "BUY", "validity": "DAY", "product": "CNC",
            "quantity": 1, "disclosed_quantity": 0, "price": 100.0, "trigger_price": 0, "average_price": 0,
            "filled_quantity": 0, "pending_quantity": 1, "cancelled_quantity": 0, "market_protection": 0,
            "tag": "bench", "guid": "x"}


def _position_row(i: int) -> dict[str, Any]:
    return {"tradingsymbol": SYMBOLS[i % len(SYMBOLS)], "exchange": "NSE", "instrument_token": 1000 + i % 50,
            "product": "CNC", "quantity": 10 + i, "overnight_quantity": 0, "multiplier": 1,
            "average_price": 100.5, "close_price": 99.0, "last_price": 101.0, "value": -1005.0, "pnl": 5.0,
            "m2m": 5.0, "unrealised": 5.0, "realised": 0, "buy_quantity": 10 + i, "buy_price": 100.5,
            "buy_value": 1005.0, "buy_m2m": 1005.0, "sell_quantity": 0, "sell_price": 0, "sell_value": 0,
            "sell_m2m": 0, "day_buy_quantity": 10 + i, "day_buy_price": 100.5, "day_buy_value": 1005.0,
            "day_sell_quantity": 0, "day_sell_price": 0, "day_sell_value": 0}


def positions_reply(rows: int = 10) -> bytes:
    net = [_position_row(i) for i in range(rows)]
    return _envelope({"net": net, "day": net})


ORDER_REPLY = _envelope({"order_id": ORDER_ID})
PROFILE_REPLY = _envelope({"user_id": "AB1234", "user_name": "Bench", "email": "b@example.com",
                           "exchanges": ["NSE"], "products": ["CNC", "MIS"]})
HISTORY_REPLY = _envelope([_order_row()])
POSITIONS_REPLY = positions_reply()


def app() -> web.Application:
    csv = instruments_csv()

    def fixed(body: bytes, content_type: str = "application/json") -> Any:
        async def handle(request: web.Request) -> web.Response:
            if request.body_exists:
                await request.read()
            return web.Response(body=body, content_type=content_type)
        return handle

    application = web.Application()
    application.router.add_get("/user/profile", fixed(PROFILE_REPLY))
    application.router.add_get("/instruments", fixed(csv, "text/csv"))
    application.router.add_post("/orders/{variety}", fixed(ORDER_REPLY))
    application.router.add_put("/orders/{variety}/{order_id}", fixed(ORDER_REPLY))
    application.router.add_delete("/orders/{variety}/{order_id}", fixed(ORDER_REPLY))
    application.router.add_get("/orders/{order_id}", fixed(HISTORY_REPLY))
    application.router.add_get("/portfolio/positions", fixed(POSITIONS_REPLY))
    return application


async def _serve(conn: multiprocessing.connection.Connection) -> None:
    runner = web.AppRunner(app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    conn.send(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, conn.recv)  # any message (or the parent's exit) stops the server
    await runner.cleanup()


def _main(conn: multiprocessing.connection.Connection) -> None:
    try:
        asyncio.run(_serve(conn))
    except EOFError:
        pass


class ServerProcess:
    """The fixed-reply server in a child process; ``url`` once started."""

    def __init__(self) -> None:
        self._parent, child = multiprocessing.Pipe()
        self._process = multiprocessing.get_context("spawn").Process(target=_main, args=(child,), daemon=True)
        self._process.start()
        self.url = f"http://127.0.0.1:{self._parent.recv()}"

    def stop(self) -> None:
        self._parent.send("stop")
        self._process.join(10)
