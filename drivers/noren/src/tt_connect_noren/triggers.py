"""GTT ("alert orders"), margins and position conversion: the Noren calls beside the order book.

Noren's GTT is an alert that places an order (reference 3.5.3): a single trigger is ``ai_t``
``LTP_A_O`` (fires when the last price goes above ``d``) or ``LTP_B_O`` (below); an OCO pair is
``LMT_BOS_O`` with its two triggers in ``oivariable`` (``x`` the lower, ``y`` the upper) and each
leg's order in ``place_order_params`` / ``place_order_params_leg2``. Success ``stat`` is ``OI
created`` / ``OI replaced`` / ``OI deleted`` with the alert id ``al_id``.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote_plus, unquote_plus

from tt_connect.driver_api import BrokerApi, Call, DriverContext, HttpRequest, parse_rows
from tt_connect.enums import GttStatus, GttType, OrderType, Side
from tt_connect.errors import BrokerUnavailableError, GttNotFoundError
from tt_connect.models import BasketMargin, ConvertRequest, Gtt, GttLeg, GttRequest, MarginRequirement, OrderRequest

from tt_connect_noren.mapping import noren_product, noren_time, order_type_to_noren, product_to_noren, side_to_noren
from tt_connect_noren.parsing import integer, number

__all__ = ["TriggerCalls", "noren_gtt_to_gtt"]


def _leg_fields(leg: GttLeg) -> dict[str, str]:
    from tt_connect_noren.api import price_text

    return {"trantype": side_to_noren(leg.side), "prctyp": order_type_to_noren(leg.order_type),
            "qty": str(leg.qty), "prc": price_text(leg.price if leg.order_type is OrderType.LIMIT else 0.0),
            "prd": product_to_noren(leg.product), "ret": "DAY"}


def _gtt_leg(params: Mapping[str, Any], trigger: object) -> GttLeg:
    order_type = OrderType.LIMIT if str(params.get("prctyp", "LMT")) == "LMT" else OrderType.MARKET
    return GttLeg(trigger_price=number(trigger), side=Side.BUY if params.get("trantype") == "B" else Side.SELL,
                  qty=integer(params.get("qty")), product=noren_product(params.get("prd") or "C"),
                  order_type=order_type, price=number(params.get("prc")) if order_type is OrderType.LIMIT else None)


def noren_gtt_to_gtt(ctx: DriverContext, row: Mapping[str, Any]) -> Gtt:
    """A ``GetPendingGTTOrder`` row -> Gtt (every pending alert is active)."""
    instrument = ctx.by_symbol(str(row.get("exch", "")), unquote_plus(str(row.get("tsym", ""))))
    variables = {str(v.get("var_name")): v.get("d") for v in row.get("oivariable") or () if isinstance(v, Mapping)}
    params = row.get("place_order_params")
    first: Mapping[str, Any] = params if isinstance(params, Mapping) else row
    second = row.get("place_order_params_leg2")
    legs: tuple[GttLeg, ...]
    if "x" in variables and "y" in variables and isinstance(second, Mapping):
        legs = (_gtt_leg(first, variables["x"]), _gtt_leg(second, variables["y"]))
        kind = GttType.OCO
    else:
        legs = (_gtt_leg(first, row.get("d")),)
        kind = GttType.SINGLE
    return Gtt(gtt_id=str(row.get("al_id", "")), instrument=instrument, type=kind, status=GttStatus.ACTIVE,
               legs=legs, created_at=noren_time(row.get("norentm")), raw=dict(row))


def _alert_id(data: Any) -> str:
    if not isinstance(data, Mapping) or not data.get("al_id"):
        raise BrokerUnavailableError("Noren answered a GTT call without an al_id", broker="noren")
    return str(data["al_id"])


class TriggerCalls(BrokerApi):
    """The GTT, margin and conversion builders of :class:`~tt_connect_noren.api.NorenApi`."""

    _uid: str

    @abc.abstractmethod
    def _request(self, route: str, fields: Mapping[str, Any], *, rate_class: str | None = None) -> HttpRequest:
        """Build one ``jData`` call (see NorenApi)."""

    # -- GTT -------------------------------------------------------------------------------

    def _gtt_fields(self, ctx: DriverContext, request: GttRequest) -> tuple[str, dict[str, Any]]:
        from tt_connect_noren.api import price_text

        symbol = ctx.resolve(request.instrument)
        fields: dict[str, Any] = {"actid": self._uid, "exch": symbol.exchange, "tsym": quote_plus(symbol.symbol),
                                  "validity": "GTT", "remarks": ""}
        if request.type is GttType.SINGLE:
            (leg,) = request.legs
            kind = "LTP_A_O" if leg.trigger_price > request.last_price else "LTP_B_O"
            fields.update(ai_t=kind, d=price_text(leg.trigger_price), **_leg_fields(leg))
            return "GTTOrder", fields
        lower, upper = request.legs
        fields.update(ai_t="LMT_BOS_O", oivariable=[{"var_name": "x", "d": price_text(lower.trigger_price)},
                                                    {"var_name": "y", "d": price_text(upper.trigger_price)}],
                      place_order_params=_leg_fields(lower), place_order_params_leg2=_leg_fields(upper))
        return "OCOOrder", fields

    def place_gtt(self, ctx: DriverContext, request: GttRequest) -> Call[str]:
        kind, fields = self._gtt_fields(ctx, request)
        return Call(self._request(f"Place{kind}", fields), _alert_id)

    def modify_gtt(self, ctx: DriverContext, gtt_id: str, request: GttRequest) -> Call[str]:
        kind, fields = self._gtt_fields(ctx, request)
        return Call(self._request(f"Modify{kind}", {**fields, "al_id": gtt_id}), _alert_id)

    def cancel_gtt(self, ctx: DriverContext, gtt_id: str) -> Call[str]:
        return Call(self._request("CancelGTTOrder", {"al_id": gtt_id}), _alert_id)

    def gtts(self, ctx: DriverContext) -> Call[list[Gtt]]:
        return Call(self._request("GetPendingGTTOrder", {}), lambda data: parse_rows(
            data if isinstance(data, list) else [], lambda row: noren_gtt_to_gtt(ctx, row), broker=self.broker,
            what="gtts"))

    def gtt(self, ctx: DriverContext, gtt_id: str) -> Call[Gtt]:
        """No single-alert route: the pending list, filtered (a fired or deleted alert is not there)."""
        def parse(data: Any) -> Gtt:
            for row in data if isinstance(data, list) else []:
                if str(row.get("al_id")) == gtt_id:
                    return noren_gtt_to_gtt(ctx, row)
            raise GttNotFoundError(f"no pending GTT {gtt_id}", broker=self.broker)

        return Call(self._request("GetPendingGTTOrder", {}), parse)

    # -- margins and conversion ------------------------------------------------------------

    def _margin_fields(self, ctx: DriverContext, request: OrderRequest) -> dict[str, Any]:
        from tt_connect_noren.api import price_text

        symbol = ctx.resolve(request.instrument)
        fields = {"actid": self._uid, "exch": symbol.exchange, "tsym": quote_plus(symbol.symbol),
                  "qty": str(request.qty), "prc": price_text(request.price),
                  "prd": product_to_noren(request.product, request.variety), "trantype": side_to_noren(request.side),
                  "prctyp": order_type_to_noren(request.order_type)}
        if request.order_type.needs_trigger:
            fields["trgprc"] = price_text(request.trigger_price)
        return fields

    def order_margins(self, ctx: DriverContext, requests: Sequence[OrderRequest]) -> Call[list[MarginRequirement]]:
        """``GetOrderMargin``, one order per call (``margin_batch_size`` 1): ``ordermargin`` is what it blocks."""
        (request,) = requests

        def parse(data: Any) -> list[MarginRequirement]:
            row = data if isinstance(data, Mapping) else {}
            return [MarginRequirement(instrument=request.instrument, total=number(row.get("ordermargin")),
                                      charges=number(row.get("charges")), raw=dict(row))]

        return Call(self._request("GetOrderMargin", self._margin_fields(ctx, request)), parse)

    def basket_margin(self, ctx: DriverContext, requests: Sequence[OrderRequest]) -> Call[BasketMargin]:
        """``GetBasketMargin``: the first order at the top level, the others in ``basketlists``."""
        first, *rest = requests
        fields = {**self._margin_fields(ctx, first),
                  "basketlists": [self._margin_fields(ctx, other) for other in rest]}

        def parse(data: Any) -> BasketMargin:
            row = data if isinstance(data, Mapping) else {}
            final = MarginRequirement(total=number(row.get("marginused")), raw=dict(row))
            initial = MarginRequirement(total=number(row.get("marginusedtrade")) or final.total)
            return BasketMargin(initial=initial, final=final, raw=dict(row))

        return Call(self._request("GetBasketMargin", fields), parse)

    def convert_position(self, ctx: DriverContext, request: ConvertRequest) -> Call[bool]:
        symbol = ctx.resolve(request.instrument)
        fields = {"actid": self._uid, "ordersource": "API", "exch": symbol.exchange, "tsym": quote_plus(symbol.symbol),
                  "qty": str(request.qty), "prd": product_to_noren(request.to_product),
                  "prevprd": product_to_noren(request.from_product), "trantype": side_to_noren(request.side),
                  "postype": "CF" if request.overnight else "DAY"}
        return Call(self._request("ProductConversion", fields), lambda data: True)
