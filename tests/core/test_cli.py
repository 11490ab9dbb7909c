"""The command line, on the paper broker."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tt_connect import cli
from tt_connect.cli import main, render_table

from tests.entry_points import FakeEntryPoint


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
        (("emulate", "nosuch"), "no tt-connect driver named 'nosuch'"),
        (("emulate", "paper"), "ships no emulator"),
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


def test_version_names_the_core_and_every_driver(capsys: pytest.CaptureFixture[str]) -> None:
    from tt_connect import __version__

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"tt-connect {__version__}")


def test_search_says_how_many_matched_and_how_to_see_the_rest(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "instruments", "search", "NIFTY", "--limit", "2")
    assert code == 0
    lines = out.splitlines()
    assert lines[3].startswith("NSE:NIFTY 50 ")
    footer = lines[-1]
    assert footer.startswith("2 of ") and "--limit" in footer
    total = int(footer.split(" of ")[1].split()[0].replace(",", ""))
    code, out, _ = run(capsys, "instruments", "search", "NIFTY", "--limit", str(total), "--json")
    assert len(json.loads(out)) == total


def test_an_ltp_stream_prints_no_fields_the_mode_does_not_carry(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "stream", "NSE:TCS", "--count", "1", "--mode", "ltp", "--json")
    assert code == 0
    assert set(json.loads(out)) == {"instrument", "mode", "last_price", "received_at"}
    code, out, _ = run(capsys, "stream", "NSE:TCS", "--count", "1", "--mode", "ltp")
    assert "vol" not in out
    code, out, _ = run(capsys, "stream", "NSE:TCS", "--count", "1", "--mode", "quote", "--json")
    tick = json.loads(out)
    assert "volume" in tick and "depth" not in tick


def test_emulate_help_lists_the_installed_emulators(capsys: pytest.CaptureFixture[str]) -> None:
    from tt_connect.cli.commands import emulators

    with pytest.raises(SystemExit):
        main(["emulate", "--help"])
    out = capsys.readouterr().out
    listed = " ".join(out.split("installed emulators:")[1].split())  # argparse wraps the line
    assert listed == (", ".join(emulators()) or "none")
    assert "zerodha" in listed


def test_drivers_shows_a_matrix_for_every_driver_without_credentials(capsys: pytest.CaptureFixture[str]) -> None:
    from tt_connect.drivers import available_drivers

    code, out, _ = run(capsys, "drivers", "--json")
    assert code == 0
    report = {entry["name"]: entry for entry in json.loads(out)}
    assert set(report) == set(available_drivers())
    for name, entry in report.items():
        assert "error" not in entry, f"{name}: {entry.get('error')}"
        assert entry["segments"], name


@pytest.mark.parametrize(("calls", "lines", "full_bars"), [
    ([(0, 100), (50, 100), (100, 100), (100, 100)], 1, 1),   # the finished line is drawn once, not twice
    ([(0, None), (10, None)], 1, 0),                          # unknown size: finish() ends the line
    ([(0, 100), (100, 100), (0, 80), (80, 80)], 2, 2),       # a second download draws a second line
    ([(0, 100), (40, 100), (0, 100), (100, 100)], 2, 1),     # a retry starts over on a new line
])
def test_the_download_bar_ends_each_line_once(calls: list[tuple[int, int | None]], lines: int,
                                              full_bars: int) -> None:
    import io

    from tt_connect.cli.output import ProgressBar

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    bar = ProgressBar("instruments", screen)
    for done, total in calls:
        bar(done, total)
    bar.finish()
    bar.finish()
    text = screen.getvalue()
    assert text.count("\n") == lines
    assert text.count("[" + "#" * 30 + "]") == full_bars


def test_add_on_commands_come_from_the_cli_entry_point_group(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata

    seen: list[str] = []

    def register(sub: Any, common: Any) -> None:
        hello = sub.add_parser("hello", parents=[common], help="say hello")
        hello.add_argument("--name", default="world")
        hello.set_defaults(run_sync=lambda args: seen.append(args.name))

    def broken(sub: Any, common: Any) -> None:
        raise RuntimeError("missing dependency")

    def shadowing(sub: Any, common: Any) -> None:
        raise AssertionError("a built-in name is never handed to an add-on")

    points = [FakeEntryPoint("hello", register), FakeEntryPoint("oops", broken), FakeEntryPoint("demo", shadowing)]
    monkeypatch.setattr(importlib.metadata, "entry_points",
                        lambda group: points if group == cli.CLI_ENTRY_POINTS else [])
    assert cli.main(["hello", "--name", "hub"]) == 0
    assert seen == ["hub"]
    assert "'oops'" in capsys.readouterr().err, "the broken add-on is named, and the others still work"
