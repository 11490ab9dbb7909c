"""The emulator on the wire: logins of each profile, envelopes, books, and each outcome the way Noren gives it."""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import aiohttp
import pyotp
import pytest
from tt_connect.testing import eventually
from tt_connect.timeutil import IST, ManualClock
from tt_connect_noren.emulator import FlattradeEmulator, NorenEmulator, QuickAuthEmulator, ShoonyaEmulator

MONDAY = _dt.datetime(2026, 11, 23, 10, 0, tzinfo=IST)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MONDAY)


@pytest.fixture
def shoonya(clock: ManualClock) -> Iterator[ShoonyaEmulator]:
    with ShoonyaEmulator(clock=clock, tick_interval=0.05) as emulator:
        yield emulator


async def _post(url: str, fields: dict[str, Any], *, key: str | None = None, bearer: str | None = None) -> Any:
    body = "jData=" + json.dumps(fields) + (f"&jKey={key}" if key else "")
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as reply:
        assert reply.status == 200 or reply.status == 429
        return await reply.json(content_type=None)


async def _oauth_login(emu: ShoonyaEmulator) -> str:
    ann = emu.announcement()
    async with aiohttp.ClientSession() as http, http.get(f"{ann['oauth_url']}?client_id={ann['api_key']}",
                                                          allow_redirects=False) as reply:
        assert reply.status == 302
        code = parse_qs(urlparse(reply.headers["Location"]).query)["code"][0]
    reply = await _post(f"{ann['api_url']}/GenAcsTok", {"code": code, "checksum": _sha(emu.api_key + emu.api_secret
                                                                                        + code), "uid": emu.user_id})
    assert reply["stat"] == "Ok" and reply["USERID"] == emu.user_id
    token: str = reply["access_token"]
    return token


async def _call(emu: NorenEmulator, route: str, session: str, **fields: Any) -> Any:
    return await _post(f"{emu.announcement()['api_url']}/{route}", {"uid": emu.user_id, **fields}, bearer=session)


async def test_the_oauth_code_works_once_and_a_wrong_checksum_is_refused(shoonya: ShoonyaEmulator) -> None:
    ann = shoonya.announcement()
    async with aiohttp.ClientSession() as http, http.get(f"{ann['oauth_url']}?client_id={ann['api_key']}",
                                                          allow_redirects=False) as page:
        code = parse_qs(urlparse(page.headers["Location"]).query)["code"][0]
    wrong = await _post(f"{ann['api_url']}GenAcsTok", {"code": code, "checksum": _sha("nope"), "uid": "FA12345"})
    assert (wrong["stat"], wrong["emsg"]) == ("Not_Ok", "Invalid Input : Invalid checksum")
    good = {"code": code, "checksum": _sha(shoonya.api_key + shoonya.api_secret + code), "uid": shoonya.user_id}
    assert (await _post(f"{ann['api_url']}GenAcsTok", good))["stat"] == "Ok"
    again = await _post(f"{ann['api_url']}GenAcsTok", good)
    assert again["emsg"] == "Invalid Input : Invalid or expired code"


async def test_single_and_double_slash_routes_and_both_session_carriers_are_served(shoonya: ShoonyaEmulator) -> None:
    token = await _oauth_login(shoonya)
    base = shoonya.announcement()["api_url"]
    assert base.endswith("/")
    double = await _post(f"{base}/Limits", {"uid": shoonya.user_id, "actid": shoonya.user_id}, bearer=token)
    single = await _post(f"{base}Limits", {"uid": shoonya.user_id, "actid": shoonya.user_id}, bearer=token)
    assert double["stat"] == single["stat"] == "Ok"
    susertoken = shoonya.user_tokens.issue(shoonya.user_id)
    legacy = await _post(f"{base}Limits", {"uid": shoonya.user_id, "actid": shoonya.user_id}, key=susertoken)
    assert legacy["stat"] == "Ok"


async def test_sessions_die_at_five_in_the_morning(shoonya: ShoonyaEmulator, clock: ManualClock) -> None:
    token = await _oauth_login(shoonya)
    assert (await _call(shoonya, "Limits", token))["stat"] == "Ok"
    clock.set(_dt.datetime(2026, 11, 24, 5, 0, 1, tzinfo=IST))
    dead = await _call(shoonya, "Limits", token)
    assert dead["stat"] == "Not_Ok" and dead["emsg"] == "Session Expired :  Invalid Session Key"


async def test_an_empty_book_is_the_no_data_object_and_a_full_one_a_bare_array(shoonya: ShoonyaEmulator) -> None:
    token = await _oauth_login(shoonya)
    empty = await _call(shoonya, "OrderBook", token)
    assert empty["stat"] == "Not_Ok" and "no data" in empty["emsg"]
    placed = await _call(shoonya, "PlaceOrder", token, actid=shoonya.user_id, exch="NSE", tsym="RELIANCE-EQ", qty="1",
                         prc="0", trgprc="None", prd="I", trantype="B", prctyp="MKT", ret="DAY", remarks=None,
                         algo_id=None)
    assert placed["stat"] == "Ok"
    book = await _call(shoonya, "OrderBook", token)
    assert isinstance(book, list) and book[0]["norenordno"] == placed["norenordno"]
    assert book[0]["status"] == "COMPLETE" and book[0]["fillshares"] == "1"


async def test_insufficient_funds_is_an_accepted_order_that_turns_rejected_with_the_rms_text(
        shoonya: ShoonyaEmulator) -> None:
    token = await _oauth_login(shoonya)
    placed = await _call(shoonya, "PlaceOrder", token, actid=shoonya.user_id, exch="NSE", tsym="RELIANCE-EQ",
                         qty="100000", prc="0", prd="C", trantype="B", prctyp="MKT", ret="DAY")
    assert placed["stat"] == "Ok"
    (row,) = await _call(shoonya, "SingleOrdHist", token, norenordno=placed["norenordno"])
    assert row["status"] == "REJECTED" and row["rpt"] == "Rejected"
    assert row["rejreason"].startswith("RED:Margin Shortfall:INR ") and "for C-FA12345" in row["rejreason"]


async def test_unknown_ids_and_orders_no_longer_open_are_refused_in_noren_words(shoonya: ShoonyaEmulator) -> None:
    token = await _oauth_login(shoonya)
    assert "no data" in (await _call(shoonya, "SingleOrdHist", token, norenordno="999"))["emsg"]
    assert (await _call(shoonya, "CancelOrder", token, norenordno="999"))["emsg"] == "Rejected : ORA:Order not found"
    modify = await _call(shoonya, "ModifyOrder", token, norenordno="999", exch="NSE", tsym="RELIANCE-EQ", qty="1")
    assert modify["emsg"] == "Rejected : ORA:Order not found"
    quote = await _call(shoonya, "GetQuotes", token, exch="NSE", token="2885")
    far = f"{float(quote['lp']) * 0.9:.1f}"
    placed = await _call(shoonya, "PlaceOrder", token, actid=shoonya.user_id, exch="NSE", tsym="RELIANCE-EQ", qty="1",
                         prc=far, prd="C", trantype="B", prctyp="LMT", ret="DAY")
    order_id = placed["norenordno"]
    assert (await _call(shoonya, "CancelOrder", token, norenordno=order_id))["result"] == order_id
    twice = await _call(shoonya, "CancelOrder", token, norenordno=order_id)
    assert twice["emsg"] == "Rejected : ORA:Order not found to Cancel"
    late = await _call(shoonya, "ModifyOrder", token, norenordno=order_id, exch="NSE", tsym="RELIANCE-EQ", qty="2")
    assert late["emsg"] == "Rejected : ORA:Order not found to Modify"


async def test_a_gtt_is_created_listed_and_deleted_and_an_unknown_alert_is_refused(shoonya: ShoonyaEmulator) -> None:
    token = await _oauth_login(shoonya)
    quote = await _call(shoonya, "GetQuotes", token, exch="NSE", token="2885")
    above = f"{float(quote['lp']) * 1.1:.1f}"
    created = await _call(shoonya, "PlaceGTTOrder", token, actid=shoonya.user_id, exch="NSE", tsym="RELIANCE-EQ",
                          ai_t="LTP_A_O", d=above, validity="GTT", trantype="S", prctyp="LMT", qty="1", prc=above,
                          prd="C", ret="DAY")
    assert created["stat"] == "OI created" and created["al_id"]
    (pending,) = await _call(shoonya, "GetPendingGTTOrder", token)
    assert pending["al_id"] == created["al_id"] and pending["d"] == f"{float(above):.2f}"
    deleted = await _call(shoonya, "CancelGTTOrder", token, al_id=created["al_id"])
    assert deleted["stat"] == "OI deleted"
    unknown = await _call(shoonya, "CancelGTTOrder", token, al_id=created["al_id"])
    assert unknown["emsg"] == "Invalid Input : Alert Id not found"


async def test_the_order_routes_answer_429_past_ten_a_second(clock: ManualClock) -> None:
    with ShoonyaEmulator(clock=clock, tick_interval=0.05) as emulator:
        token = await _oauth_login(emulator)
        replies = [await _call(emulator, "CancelOrder", token, norenordno="1") for _ in range(12)]
    refused = [r for r in replies if r["emsg"] == "Too many requests"]
    assert refused and emulator.rate_limited == len(refused)


def test_each_exchange_file_is_a_zip_of_a_csv_with_header_and_trailing_commas(shoonya: ShoonyaEmulator) -> None:
    for exchange, blob in shoonya.files.items():
        with zipfile.ZipFile(io.BytesIO(blob)) as archive:
            (name,) = archive.namelist()
            text = archive.read(name).decode()
        header, *rows = text.splitlines()
        assert name == f"{exchange}_symbols.txt"
        assert header.startswith("Exchange,Token,LotSize,Symbol,TradingSymbol") and header.endswith(",")
        assert all(row.startswith(f"{exchange},") and row.endswith(",") for row in rows)
    assert set(shoonya.files) == {"NSE", "BSE", "NFO", "BFO", "CDS", "MCX"}


async def test_quickauth_checks_password_hash_totp_and_app_key(clock: ManualClock) -> None:
    with QuickAuthEmulator(clock=clock) as emulator:
        ann = emulator.announcement()
        fields = {"source": "API", "apkversion": "1.0.0", "uid": ann["user_id"], "pwd": _sha(ann["password"]),
                  "factor2": pyotp.TOTP(ann["totp_secret"]).at(clock.now()), "vc": ann["vendor_code"],
                  "appkey": _sha(f"{ann['user_id']}|{ann['api_key']}"), "imei": "x"}
        reply = await _post(f"{ann['api_url']}QuickAuth", fields)
        assert reply["stat"] == "Ok" and reply["susertoken"]
        wrong = await _post(f"{ann['api_url']}QuickAuth", {**fields, "factor2": "000000"})
        assert wrong["emsg"] == "Invalid Input : Invalid OTP"
        limits = await _post(f"{ann['api_url']}Limits", {"uid": ann["user_id"], "actid": ann["user_id"]},
                             key=reply["susertoken"])
        assert limits["stat"] == "Ok"


async def test_flattrade_token_service_checks_its_hash(clock: ManualClock) -> None:
    with FlattradeEmulator(clock=clock) as emulator:
        ann = emulator.announcement()
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{ann['oauth_url']}?app_key={ann['api_key']}", allow_redirects=False) as page:
                code = parse_qs(urlparse(page.headers["Location"]).query)["code"][0]
            body = {"api_key": ann["api_key"], "request_code": code,
                    "api_secret": _sha(ann["api_key"] + code + ann["api_secret"])}
            async with http.post(ann["token_url"], json={**body, "api_secret": "x"}) as reply:
                assert (await reply.json())["stat"] == "Not_Ok"
            async with http.post(ann["token_url"], json=body) as reply:
                token = await reply.json()
        assert token["stat"] == "Ok" and token["client"] == ann["user_id"]
        quick = await _post(f"{ann['api_url']}QuickAuth", {"uid": ann["user_id"]})
        assert quick["stat"] == "Not_Ok"  # Flattrade serves its token flow, not QuickAuth


async def test_the_socket_acks_both_connect_styles_and_streams_snapshot_then_deltas(shoonya: ShoonyaEmulator) -> None:
    token = await _oauth_login(shoonya)
    async with aiohttp.ClientSession() as http, http.ws_connect(shoonya.announcement()["ws_url"]) as ws:
        await ws.send_str(json.dumps({"t": "a", "uid": shoonya.user_id, "actid": shoonya.user_id,
                                      "accesstoken": token, "source": "API"}))
        assert json.loads((await ws.receive()).data) == {"t": "ak", "s": "OK", "uid": shoonya.user_id}
        await ws.send_str(json.dumps({"t": "t", "k": "NSE|2885#NSE|26000"}))
        seen: list[dict[str, Any]] = []

        async def two_deltas() -> bool:
            seen.append(json.loads((await ws.receive()).data))
            return sum(m["t"] == "tf" for m in seen) >= 2

        await eventually(two_deltas, timeout=10)
    snapshots = [m for m in seen if m["t"] == "tk"]
    assert {m["tk"] for m in snapshots} == {"2885", "26000"}
    assert all(isinstance(value, str) for value in snapshots[0].values())
    delta = next(m for m in seen if m["t"] == "tf")
    assert set(delta) <= {"t", "e", "tk", *snapshots[0]} and len(delta) < len(snapshots[0])


async def test_a_bad_session_key_on_the_socket_is_refused_and_closed(shoonya: ShoonyaEmulator) -> None:
    async with aiohttp.ClientSession() as http, http.ws_connect(shoonya.announcement()["ws_url"]) as ws:
        await ws.send_str(json.dumps({"t": "c", "uid": shoonya.user_id, "susertoken": "bogus"}))
        reply = json.loads((await ws.receive()).data)
        assert reply["t"] == "ck" and reply["s"] == "NOT_OK"
        assert (await ws.receive()).type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


@pytest.mark.parametrize(("order", "rejreason"), [
    ({"tsym": "RELIANCE-EQ", "prctyp": "LMT", "prc": "10.00", "prd": "C"}, "RED:Order price is outside the day's"),
    ({"exch": "NFO", "tsym": "{fut}", "qty": "3750", "prctyp": "MKT", "prc": "0", "prd": "M"},
     "RED:Order quantity exceeds the freeze quantity"),
])
async def test_band_and_freeze_refusals_are_rejected_orders_with_the_rms_text(
        shoonya: ShoonyaEmulator, order: dict[str, str], rejreason: str) -> None:
    token = await _oauth_login(shoonya)
    future = next(t for (exch, t) in shoonya.listing.by_tsym if exch == "NFO" and t.startswith("NIFTY")
                  and t.endswith("F"))
    fields = {"actid": shoonya.user_id, "exch": "NSE", "qty": "1", "trantype": "B", "ret": "DAY", **order}
    fields["tsym"] = fields["tsym"].replace("{fut}", future)
    placed = await _call(shoonya, "PlaceOrder", token, **fields)
    assert placed["stat"] == "Ok"
    (row,) = await _call(shoonya, "SingleOrdHist", token, norenordno=placed["norenordno"])
    assert row["status"] == "REJECTED" and row["rejreason"].startswith(rejreason)


async def test_a_closed_market_rejects_regular_orders_and_accepts_amo_ones(shoonya: ShoonyaEmulator) -> None:
    token = await _oauth_login(shoonya)
    shoonya.faults.close_market()
    base = {"actid": shoonya.user_id, "exch": "NSE", "tsym": "RELIANCE-EQ", "qty": "1", "prc": "0", "prd": "C",
            "trantype": "B", "prctyp": "MKT", "ret": "DAY"}
    regular = await _call(shoonya, "PlaceOrder", token, **base)
    (row,) = await _call(shoonya, "SingleOrdHist", token, norenordno=regular["norenordno"])
    assert (row["status"], row["rejreason"]) == ("REJECTED", "RED:Market is Closed")
    amo = await _call(shoonya, "PlaceOrder", token, **base, amo="Yes")
    (row,) = await _call(shoonya, "SingleOrdHist", token, norenordno=amo["norenordno"])
    assert row["status"] != "REJECTED" and row["amo"] == "Yes"
