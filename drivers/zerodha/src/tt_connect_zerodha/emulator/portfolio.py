"""The Kite emulator's account and portfolio: profile, funds, holdings, positions and conversion."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web
from tt_connect.emulation import ErrorKind, Refusal, number_field

from tt_connect_zerodha.emulator.wire import kite_holding, kite_margins, kite_position

if TYPE_CHECKING:
    from tt_connect_zerodha.emulator.app import KiteEmulator

__all__ = ["PortfolioRoutes"]

_PROFILE_FIELDS = ("user_id", "user_type", "email", "user_name", "user_shortname", "broker", "exchanges",
                   "products", "order_types", "avatar_url", "meta")


class PortfolioRoutes:
    """``/user/*`` and ``/portfolio/*`` of one emulator."""

    def __init__(self, host: KiteEmulator) -> None:
        self._host = host

    def add(self, app: web.Application) -> None:
        api = self._host.api
        app.add_routes([
            web.get("/user/profile", api(self._profile)),
            web.get("/user/margins", api(lambda request, fields, user: kite_margins(self._host.engine))),
            web.get("/user/margins/{segment}", api(self._segment_margins)),
            web.get("/portfolio/holdings", api(self._holdings)),
            web.get("/portfolio/positions", api(self._positions)),
            web.put("/portfolio/positions", api(self._convert)),
        ])

    def token(self, fields: dict[str, Any]) -> int:
        """The paper token of a request's ``exchange`` + ``tradingsymbol``, or Kite's refusal."""
        token = self._host.listing.by_symbol.get((str(fields.get("exchange", "")),
                                                  str(fields.get("tradingsymbol", ""))))
        if token is None:
            raise Refusal(ErrorKind.INPUT, "Invalid `tradingsymbol`.")
        return token

    def _profile(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, Any]:
        reply = self._host.session_routes.session_reply("")
        return {key: reply[key] for key in _PROFILE_FIELDS}

    def _segment_margins(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, Any]:
        margins = kite_margins(self._host.engine)
        segment = request.match_info["segment"]
        if segment not in margins:
            raise Refusal(ErrorKind.INPUT, "Invalid segment.")
        found: dict[str, Any] = margins[segment]
        return found

    def _close(self, token: int) -> float:
        return self._host.engine.quote(token).close

    def _holdings(self, request: web.Request, fields: dict[str, Any], user: str) -> list[dict[str, Any]]:
        host = self._host
        return [kite_holding(host.listing, h, last, self._close(h.token)) for h, last in host.engine.holding_rows()]

    def _positions(self, request: web.Request, fields: dict[str, Any], user: str) -> dict[str, Any]:
        """Everything in the paper book was traded today, so the ``net`` and ``day`` books are the same."""
        host = self._host
        rows = [kite_position(host.listing, p, last, self._close(p.token)) for p, last in host.engine.position_rows()]
        return {"net": rows, "day": rows}

    def _convert(self, request: web.Request, fields: dict[str, Any], user: str) -> bool:
        quantity = number_field(fields, "quantity", int, Refusal(ErrorKind.INPUT, "Invalid `quantity`."),
                                required=True)
        assert quantity is not None
        self._host.engine.convert(token=self.token(fields), side=str(fields.get("transaction_type", "")),
                                  qty=quantity, from_product=str(fields.get("old_product", "")),
                                  to_product=str(fields.get("new_product", "")))
        return True
