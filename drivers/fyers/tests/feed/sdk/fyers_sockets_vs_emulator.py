"""Run by the official SDK's interpreter (fyers-apiv3 3.2.0): its two socket clients against the emulator.

Reads the emulator's announcement (JSON) from argv[1], points the SDK's hard-coded hosts at it (the
data socket's and order socket's name-mangled URLs, the symbol-token endpoint, the index map), refuses
every name but 127.0.0.1, then: the data socket in full mode with SymbolUpdate and DepthUpdate
subscriptions, the data socket in lite mode, and the order socket with a market order placed through
the SDK's REST client. Prints one JSON line of what arrived.
"""

from __future__ import annotations

import json
import socket
import sys
import tempfile
import threading
import time
from typing import Any

_real_getaddrinfo = socket.getaddrinfo


def _local_only(host: Any, *args: Any, **kwargs: Any) -> Any:
    if host not in ("127.0.0.1", "localhost", None):
        raise OSError(f"the SDK tried to reach {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _local_only  # type: ignore[assignment]

from fyers_apiv3 import fyersModel  # noqa: E402
from fyers_apiv3.FyersWebsocket import data_ws, defines, order_ws  # noqa: E402


def _wait(check: Any, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def main() -> None:
    found = json.loads(sys.argv[1])
    symbols = json.loads(sys.argv[2])
    logs = tempfile.mkdtemp()
    token = found["access_token"]
    base = found["api_url"].rsplit("/api/v3", 1)[0]
    fyersModel.Config.API = found["api_url"]
    fyersModel.Config.DATA_API = found["data_url"]
    defines.INDEX_HSM_MAPPING_API = found["index_hsm_url"]
    real_init = data_ws.SymbolConversion.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        self.symbols_token_api = f"{found['data_url']}/symbol-token"

    data_ws.SymbolConversion.__init__ = init  # type: ignore[method-assign]
    out: dict[str, Any] = {"base": base}

    messages: list[dict[str, Any]] = []
    errors: list[Any] = []
    feed = data_ws.FyersDataSocket(access_token=f"{found['app_id']}:{token}", log_path=logs, litemode=False,
                                   on_message=messages.append, on_error=errors.append, reconnect=False)
    feed._FyersDataSocket__url = found["ws_url"]
    feed.connect()
    feed.subscribe(symbols=symbols, data_type="SymbolUpdate")
    feed.subscribe(symbols=symbols[:1], data_type="DepthUpdate")
    _wait(lambda: len([m for m in messages if m.get("type") == "sf"]) >= 6
          and any(m.get("type") == "dp" for m in messages))
    out["full"] = {"acks": [m for m in messages if "code" in m],
                   "sf": [m for m in messages if m.get("type") == "sf"][-1:],
                   "dp": [m for m in messages if m.get("type") == "dp"][-1:],
                   "if": [m for m in messages if m.get("type") == "if"][-1:], "errors": [str(e) for e in errors]}
    feed.close_connection()
    data_ws.FyersDataSocket._instance = None

    lite: list[dict[str, Any]] = []
    feed = data_ws.FyersDataSocket(access_token=f"{found['app_id']}:{token}", log_path=logs, litemode=True,
                                   on_message=lite.append, on_error=errors.append, reconnect=False)
    feed._FyersDataSocket__url = found["ws_url"]
    feed.connect()
    feed.subscribe(symbols=symbols[:1], data_type="SymbolUpdate")
    _wait(lambda: len([m for m in lite if "ltp" in m and "vol_traded_today" not in m]) >= 3)
    out["lite"] = [m for m in lite if "ltp" in m][-3:]
    feed.close_connection()

    orders: list[dict[str, Any]] = []
    general: list[Any] = []
    order_socket = order_ws.FyersOrderSocket(access_token=f"{found['app_id']}:{token}", log_path=logs,
                                             on_orders=orders.append, on_general=general.append,
                                             on_error=errors.append, reconnect=False)
    order_socket._FyersOrderSocket__url = found["order_ws_url"]
    connected = threading.Event()
    order_socket.onopen = connected.set
    order_socket.connect()
    order_socket.keep_running()  # close_connection() joins the thread this starts
    order_socket.subscribe(data_type="OnOrders")
    _wait(lambda: bool(general))
    client = fyersModel.FyersModel(client_id=found["app_id"], token=token, is_async=False, log_path=logs)
    placed = client.place_order({"symbol": symbols[0], "qty": 1, "type": 2, "side": 1, "productType": "INTRADAY",
                                 "limitPrice": 0, "stopPrice": 0, "validity": "DAY", "disclosedQty": 0,
                                 "offlineOrder": False, "orderTag": "sdksocket1"})
    out["placed"] = placed
    _wait(lambda: any(o.get("orders", {}).get("status") == 2 for o in orders))
    out["orders"] = orders[-2:]
    out["general"] = general[:2]
    order_socket.close_connection()
    out["errors"] = [str(e) for e in errors]
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
