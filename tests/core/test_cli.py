"""The command line, on the paper broker."""

from __future__ import annotations

import json

import pytest
from tt_connect.cli import main, render_table


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_drivers_lists_paper_with_its_capability_matrix(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "drivers", "--json")
    assert code == 0
    paper = next(d for d in json.loads(out) if d["name"] == "paper")
    assert paper["operations"]["place_order"] == "supported"
    assert paper["operations"]["gtt"] == "supported"
    assert paper["operations"]["logout"] == "unsupported"
    assert {s["exchange"] for s in paper["segments"]} == {"NSE", "NFO"}


def test_quote_search_and_portfolio_commands(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "quote", "NSE:RELIANCE", "NSE:NIFTY 50", "--json")
    assert code == 0
    assert {q["instrument"] for q in json.loads(out)} == {"NSE:RELIANCE", "NSE:NIFTY 50"}
    code, out, _ = run(capsys, "instruments", "search", "INF")
    assert code == 0 and "NSE:INFY" in out
    for command in ("funds", "positions", "holdings", "orders"):
        code, out, _ = run(capsys, command)
        assert code == 0 and out.strip()
    code, out, _ = run(capsys, "positions", "--day", "--json")
    assert code == 0 and isinstance(json.loads(out), list)


def test_stream_prints_ticks_and_stops(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "stream", "NSE:TCS", "--count", "2", "--json")
    assert code == 0
    ticks = [json.loads(line) for line in out.splitlines()]
    assert len(ticks) == 2 and ticks[0]["instrument"] == "NSE:TCS"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("funds", "--broker", "nosuch"), "tt-connect-nosuch"),
        (("quote", "RELIANCE"), "EXCHANGE:SYMBOL"),
        (("quote", "NSE:NOTASTOCK"), "is not in the instrument master"),
        (("emulate", "nosuch"), "no emulator"),
    ],
)
def test_bad_input_exits_2_with_a_message(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...],
                                          message: str) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_tables_align_numbers_right() -> None:
    text = render_table([{"name": "A", "qty": 5}, {"name": "BBB", "qty": 1000}], ["name", "qty"])
    lines = text.splitlines()
    assert lines[2].endswith("    5") and lines[3].endswith("1,000")


def test_demo_trades_on_paper_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "demo", "--seconds", "0.5")
    assert code == 0
    assert "Positions" in out and "Funds" in out and "CANCELLED" in out
    assert "refused before sending" in out
