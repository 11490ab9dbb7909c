"""The conformance suite for the Zerodha driver: static tiers over the official mocks, the behaviour, fault and
cross-broker tiers on the Kite emulator (the suite's ``emulator`` fixture runs it for the class)."""

from __future__ import annotations

import base64
import datetime as _dt
import struct
from collections.abc import Mapping
from typing import Any, ClassVar

import msgspec
import pytest
from kite_mock_files import mock_bytes
from tt_connect.enums import (
    CandleInterval,
    Exchange,
    GttStatus,
    GttType,
    OptionType,
    OrderStatus,
    OrderType,
    ProductType,
    Side,
    StreamMode,
    Variety,
)
from tt_connect.instruments import Equity, Index, Option
from tt_connect.models import (
    BasketMargin,
    CancelRequest,
    Candle,
    ConvertRequest,
    Funds,
    Gtt,
    GttLeg,
    GttRequest,
    HistoryRequest,
    Holding,
    MarginRequirement,
    ModifyRequest,
    Order,
    OrderRequest,
    Position,
    Profile,
    Trade,
)
from tt_connect.testing import DriverConformance, FrameCase, RequestCase, ResponseCase
from tt_connect.timeutil import IST
from zerodha_fakes import FakeContext

pytestmark = pytest.mark.conformance


def _sbin() -> Equity:
    return Equity(exchange=Exchange.NSE, symbol="SBIN")


def _limit_order() -> OrderRequest:
    return OrderRequest(instrument=_sbin(), qty=10, side=Side.BUY, product=ProductType.CNC,
                        order_type=OrderType.LIMIT, price=420.5, tag="conformancetag1")


def _ist(*parts: int) -> _dt.datetime:
    return _dt.datetime(*parts, tzinfo=IST)  # type: ignore[misc]


def _check(kind: type, count: int | None = None) -> Any:
    def check(result: Any) -> None:
        items = result if isinstance(result, list) else [result]
        assert all(isinstance(item, kind) for item in items), result
        if count is not None:
            assert len(items) == count
    return check


def _check_orders(orders: list[Order]) -> None:
    assert len(orders) == 10
    assert {o.status for o in orders} >= {OrderStatus.CANCELLED, OrderStatus.COMPLETE}
    assert all(o.placed_at is not None and o.placed_at.tzinfo is not None for o in orders)


def _check_quote(quotes: dict[Any, Any]) -> None:
    (quote,) = quotes.values()
    assert quote.last_price == 1412.95 and quote.depth is not None


def _check_candles_with_oi(candles: list[Candle]) -> None:
    assert len(candles) == 6 and candles[0].oi == 13667775
    assert candles[0].timestamp == _ist(2019, 12, 4, 9, 15)


def _gtt() -> GttRequest:
    leg = GttLeg(trigger_price=702.0, side=Side.BUY, qty=1, product=ProductType.CNC, price=702.5)
    return GttRequest(instrument=_sbin(), legs=(leg,), last_price=798.0)


def _convert() -> ConvertRequest:
    return ConvertRequest(instrument=_sbin(), side=Side.BUY, qty=1, from_product=ProductType.MIS,
                          to_product=ProductType.CNC)


def _check_gtts(gtts: list[Gtt]) -> None:
    assert [g.type for g in gtts] == [GttType.SINGLE, GttType.OCO]
    single, oco = gtts
    assert single.status is GttStatus.ACTIVE and single.legs[0].trigger_price == 702
    assert single.legs[0].price == 702.5 and single.instrument == Equity(exchange=Exchange.NSE, symbol="INFY")
    assert oco.status is GttStatus.TRIGGERED and [leg.trigger_price for leg in oco.legs] == [102.0, 103.7]


def _check_order_margin(margins: list[MarginRequirement]) -> None:
    (margin,) = margins
    assert margin.instrument == Equity(exchange=Exchange.NSE, symbol="INFY")
    assert margin.total == 1498 and margin.var == 1498 and margin.charges == 1.79255122


def _check_basket(basket: BasketMargin) -> None:
    assert basket.initial.total == 96504.975 and basket.final.total < basket.initial.total
    assert len(basket.orders) == 2 and all(m.instrument is not None for m in basket.orders)


def _check_ohlc(quotes: dict[Any, Any]) -> None:
    (quote,) = quotes.values()
    assert (quote.last_price, quote.open, quote.high, quote.low, quote.close) == (1075, 1085.8, 1085.9, 1070.9,
                                                                                  1075.8)


def _frame(*packets: bytes) -> bytes:
    """Bare packets framed as KiteTicker sends them: a count, then length-prefixed packets."""
    return struct.pack(">H", len(packets)) + b"".join(struct.pack(">H", len(p)) + p for p in packets)


def _minutes(start: _dt.datetime, end: _dt.datetime, oi: bool = False) -> HistoryRequest:
    return HistoryRequest(instrument=_sbin(), interval=CandleInterval.MINUTE_1, start=start, end=end, oi=oi)


class TestZerodhaConformance(DriverConformance):
    broker = "zerodha"
    emulator_options: ClassVar[Mapping[str, Any]] = {"tick_interval": 0.05, "enforce_rate_limits": False}
    """The emulator lives for the class while each test has a fresh client, whose rate limiter cannot know what
    the previous test sent in the last second; the suite's quick retries then meet the emulator's 429s on
    Kite's 10 orders/s. The 429 rows come from injected failures, which the emulator serves either way; its
    own rate windows are tested in test_zerodha_emulator.py."""

    @pytest.fixture
    def static_context(self, ctx: FakeContext) -> FakeContext:
        ctx.add(Equity(exchange=Exchange.NSE, symbol="RAIN"), "3926273", "RAIN", "NSE", "NSE")
        for strike, token in ((20600, "12219650"), (20700, "12220162")):
            ctx.add(Option(exchange=Exchange.NFO, symbol="NIFTY", expiry=_dt.date(2023, 7, 27), strike=strike,
                           option_type=OptionType.CE), token, f"NIFTY23JUL{strike}CE", "NFO", "NFO-OPT")
        return ctx

    @pytest.fixture
    def static_config(self) -> dict[str, Any]:
        return {"api_key": "kitefront", "api_url": "https://api.kite.trade"}

    @pytest.fixture
    def request_cases(self) -> list[RequestCase]:
        start, end = _ist(2025, 1, 1, 9, 15), _ist(2025, 1, 3, 15, 30)
        return [
            RequestCase(name="place_order limit", build=lambda api, ctx: api.place_order(ctx, _limit_order()),
                        method="POST", path="/orders/regular", encoding="form",
                        params={"tradingsymbol": "SBIN", "exchange": "NSE", "transaction_type": "BUY",
                                "quantity": "10", "order_type": "LIMIT", "product": "CNC", "price": "420.5",
                                "tag": "conformancetag1"}),
            RequestCase(name="modify", build=lambda api, ctx: api.modify_order(
                            ctx, ModifyRequest(order_id="151220000000000", variety=Variety.REGULAR, qty=5)),
                        method="PUT", path="/orders/regular/151220000000000", params={"quantity": "5"}),
            RequestCase(name="cancel", build=lambda api, ctx: api.cancel_order(
                            ctx, CancelRequest(order_id="151220000000000", variety=Variety.AMO)),
                        method="DELETE", path="/orders/amo/151220000000000"),
            RequestCase(name="quote", build=lambda api, ctx: api.quote(ctx, [_sbin()], StreamMode.FULL),
                        method="GET", path="/quote", params={"i": "NSE:SBIN"}),
            RequestCase(name="ltp of an index", build=lambda api, ctx: api.ltp(
                            ctx, [Index(exchange=Exchange.NSE, symbol="NIFTY 50")]),
                        method="GET", path="/quote/ltp"),
            RequestCase(name="gtt place", build=lambda api, ctx: api.place_gtt(ctx, _gtt()), method="POST",
                        path="/gtt/triggers", encoding="form", params={"type": "single"}),
            RequestCase(name="convert", build=lambda api, ctx: api.convert_position(ctx, _convert()), method="PUT",
                        path="/portfolio/positions", encoding="form",
                        params={"old_product": "MIS", "new_product": "CNC", "position_type": "day",
                                "tradingsymbol": "SBIN"}),
            RequestCase(name="basket margins", build=lambda api, ctx: api.basket_margin(ctx, [_limit_order()]),
                        method="POST", path="/margins/basket", encoding="json",
                        params={"consider_positions": "true"}),
            RequestCase(name="history", build=lambda api, ctx: api.history(ctx, _minutes(start, end, oi=True)),
                        method="GET", path="/instruments/historical/779521/minute",
                        params={"from": "2025-01-01 09:15:00", "to": "2025-01-03 15:30:00", "oi": "1"}),
        ]

    @pytest.fixture
    def response_cases(self) -> list[ResponseCase]:
        def case(name: str, build: Any, file: str, expected: Any) -> ResponseCase:
            return ResponseCase(name=name, build=build, body=mock_bytes(file), expected=expected)

        start, end = _ist(2019, 12, 4, 9, 15), _ist(2019, 12, 4, 9, 20)
        return [
            case("profile", lambda a, c: a.profile(c), "profile.json", _check(Profile)),
            case("margins", lambda a, c: a.funds(c), "margins.json", _check(Funds)),
            case("holdings", lambda a, c: a.holdings(c), "holdings.json", _check(Holding)),
            case("positions", lambda a, c: a.positions(c), "positions.json", _check(Position)),
            case("orders", lambda a, c: a.orders(c), "orders.json", _check_orders),
            case("order history", lambda a, c: a.order_history(c, "171229000724687"), "order_info.json",
                 _check(Order)),
            case("trades", lambda a, c: a.trades(c), "trades.json", _check(Trade)),
            case("order trades", lambda a, c: a.order_trades(c, "200000000000000"), "order_trades.json",
                 _check(Trade, 1)),
            case("place", lambda a, c: a.place_order(c, _limit_order()), "order_response.json", "151220000000000"),
            case("modify", lambda a, c: a.modify_order(c, ModifyRequest(order_id="151220000000000",
                                                                        variety=Variety.REGULAR, qty=5)),
                 "order_modify.json", "151220000000000"),
            case("cancel", lambda a, c: a.cancel_order(c, CancelRequest(order_id="151220000000000")),
                 "order_cancel.json", "151220000000000"),
            case("quote", lambda a, c: a.quote(c, [Equity(exchange=Exchange.NSE, symbol="INFY")], StreamMode.FULL),
                 "quote.json", _check_quote),
            case("ltp", lambda a, c: a.ltp(c, [Equity(exchange=Exchange.NSE, symbol="INFY")]), "ltp.json",
                 {Equity(exchange=Exchange.NSE, symbol="INFY"): 1074.35}),
            case("quote from an ohlc reply", lambda a, c: a.quote(c, [Equity(exchange=Exchange.NSE, symbol="INFY")],
                                                                  StreamMode.QUOTE), "ohlc.json", _check_ohlc),
            case("full profile", lambda a, c: a.profile(c), "full_profile.json", _check(Profile)),
            case("day positions", lambda a, c: a.day_positions(c), "positions.json", _check(Position, 3)),
            case("history", lambda a, c: a.history(c, _minutes(start, end)), "historical_minute.json",
                 _check(Candle)),
            case("history with oi", lambda a, c: a.history(c, _minutes(start, end, oi=True)), "historical_oi.json",
                 _check_candles_with_oi),
            case("gtt list", lambda a, c: a.gtts(c), "gtt_get_orders.json", _check_gtts),
            case("gtt one", lambda a, c: a.gtt(c, "123"), "gtt_get_order.json", _check(Gtt)),
            case("gtt place", lambda a, c: a.place_gtt(c, _gtt()), "gtt_place_order.json", "123"),
            case("gtt modify", lambda a, c: a.modify_gtt(c, "123", _gtt()), "gtt_modify_order.json", "123"),
            case("gtt delete", lambda a, c: a.cancel_gtt(c, "123"), "gtt_delete_order.json", "123"),
            case("order margins", lambda a, c: a.order_margins(c, [_limit_order()]), "order_margins.json",
                 _check_order_margin),
            case("basket margins", lambda a, c: a.basket_margin(c, [_limit_order()]), "basket_margins.json",
                 _check_basket),
            case("convert", lambda a, c: a.convert_position(c, _convert()), "convert_position.json", True),
            ResponseCase(name="token exception", build=lambda a, c: a.profile(c), status=403,
                         body=b'{"status": "error", "message": "Incorrect `api_key` or `access_token`.", '
                              b'"data": null, "error_type": "TokenException"}', error_code="TokenException"),
        ]

    @pytest.fixture
    def stream_frames(self) -> list[FrameCase]:
        """The official full and quote packets, an LTP and the index packets, an order update and an error."""
        full, quote = (base64.b64decode(mock_bytes(f"ticker_{kind}.packet")) for kind in ("full", "quote"))
        index = struct.pack(">8I", 256265, 2450010, 2460000, 2440000, 2445000, 2430000, 0, 1625461887)
        order = msgspec.json.encode({"type": "order", "data": msgspec.json.decode(mock_bytes("postback.json"))})
        return [
            FrameCase(name="full", frames=[_frame(full)]),
            FrameCase(name="ltp, quote and full in one frame",
                      frames=[_frame(struct.pack(">II", 408065, 157315), quote, full)]),
            FrameCase(name="index full and quote", frames=[_frame(index, index[:28])]),
            FrameCase(name="heartbeat", frames=[b"\x00"]),
            FrameCase(name="order update and error", frames=[
                order.decode(), '{"type": "error", "data": "Invalid mode"}']),
        ]

    @pytest.fixture
    def instrument_files(self) -> list[bytes]:
        """The official instruments dump (99 contracts)."""
        return [mock_bytes("instruments_all.csv")]

    @pytest.fixture
    def client_options(self, emulator_config: Mapping[str, Any]) -> dict[str, Any]:
        """The emulator's announcement, logging in by the web login: a dead session then renews by itself."""
        config = {**emulator_config, "web_login": True}
        return {"config": config, "instruments_db": ":memory:", "session_store": "memory",
                "retry_base_delay": 0.01, "retry_max_delay": 0.05}
