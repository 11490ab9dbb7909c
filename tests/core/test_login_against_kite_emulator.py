"""tt-connect login zerodha against tt-connect emulate zerodha: the browser redirect, and --paste."""

from __future__ import annotations

import shlex
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from tt_connect.cli import main

pytest.importorskip("tt_connect_zerodha")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Emulator:
    """`tt-connect emulate zerodha` as a process, with what its --env-file says."""

    def __init__(self, tmp_path: Path, redirect_url: str) -> None:
        self.port = _free_port()
        env_file = tmp_path / "kite.env"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tt_connect.cli", "emulate", "zerodha", "--port", str(self.port),
             "--env-file", str(env_file), "--redirect-url", redirect_url],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.process.stdout is not None
        assert self.process.stdout.readline().startswith("{"), "the emulator did not start"
        self.env = {}
        for line in env_file.read_text().splitlines():
            name, _, value = line.partition("=")
            self.env[name] = shlex.split(value)[0] if value else ""

    def setting(self, key: str) -> str:
        return self.env[f"TTC_ZERODHA_{key.upper()}"]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


@pytest.fixture(scope="module")
def catcher_port() -> int:
    return _free_port()


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory, catcher_port: int) -> Iterator[Emulator]:
    """One `tt-connect emulate zerodha` for the module: its redirect goes to our catcher's port."""
    running = Emulator(tmp_path_factory.mktemp("kite"), f"http://127.0.0.1:{catcher_port}/")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def kite(emulator: Emulator, tmp_path: Path, catcher_port: int,
         monkeypatch: pytest.MonkeyPatch) -> tuple[Emulator, Path]:
    """The emulator, and a tt-connect.toml for the browser login (no access token: a human must log in)."""
    for name, value in emulator.env.items():
        monkeypatch.setenv(name, value)
    base = f"http://127.0.0.1:{emulator.port}"
    config = tmp_path / "kite.toml"
    config.write_text("\n".join([
        'broker = "zerodha"', "[zerodha]", f'api_url = "{base}"', f'login_url = "{base}/connect/login"',
        f'web_url = "{base}"', f'ws_url = "ws://127.0.0.1:{emulator.port}/ws"',
        f'instruments_url = "{base}/instruments"', f'redirect_url = "http://127.0.0.1:{catcher_port}/"',
        'api_key = { env = "TTC_ZERODHA_API_KEY" }', 'api_secret = { env = "TTC_ZERODHA_API_SECRET" }',
        "[client]", 'session_store = "file"', 'instruments_db = ":memory:"']) + "\n")
    return emulator, config


class Browser:
    """What the user does in a browser: open the login page, log in with TOTP, follow the redirect."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.visited: list[str] = []
        self.done = threading.Event()
        self.failure: BaseException | None = None

    def redirect_address(self, login_url: str) -> str:
        """Log in at the page and return where it redirects, without going there (a phone's address bar)."""
        import pyotp

        class Stay(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: object, **kwargs: object) -> None:
                return None

        form = urllib.parse.urlencode({"user_id": self.emulator.setting("user_id"),
                                       "password": self.emulator.setting("password"),
                                       "totp": pyotp.TOTP(self.emulator.setting("totp_secret")).now()})
        try:
            urllib.request.build_opener(Stay).open(login_url, data=form.encode(), timeout=10)
        except urllib.error.HTTPError as redirect:
            return str(redirect.headers["Location"])
        raise AssertionError("the login page did not redirect")

    def open(self, url: str) -> bool:  # webbrowser.open's signature: returns at once, the page loads apart
        threading.Thread(target=self._log_in, args=(url,), daemon=True).start()
        return True

    def _log_in(self, url: str) -> None:
        import pyotp

        try:
            with urllib.request.urlopen(url, timeout=10) as page:
                assert b"<form" in page.read()
            form = urllib.parse.urlencode({"user_id": self.emulator.setting("user_id"),
                                           "password": self.emulator.setting("password"),
                                           "totp": pyotp.TOTP(self.emulator.setting("totp_secret")).now()})
            with urllib.request.urlopen(url, data=form.encode(), timeout=10) as landed:  # follows the 302
                self.visited.append(landed.url)
        except BaseException as exc:
            self.failure = exc
        finally:
            self.done.set()


def test_the_browser_login_completes_against_the_emulator_and_the_session_is_reused(
        kite: tuple[Emulator, Path], catcher_port: int, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    emulator, config = kite
    browser = Browser(emulator)
    monkeypatch.setattr("webbrowser.open", browser.open)
    code = main(["login", "zerodha", "--config", str(config)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert browser.done.wait(10) and browser.failure is None
    assert browser.visited[0].startswith(f"http://127.0.0.1:{catcher_port}/?request_token=")
    assert f"logged in to zerodha as {emulator.setting('user_id')}" in out
    assert main(["funds", "--config", str(config)]) == 0, "the stored session serves the next command"


def test_login_paste_of_the_token_completes_once_and_a_reused_token_is_refused(
        kite: tuple[Emulator, Path], capsys: pytest.CaptureFixture[str]) -> None:
    emulator, config = kite
    token = emulator.setting("request_token")  # what the emulator announced: a redirect's one-time token
    code = main(["login", "zerodha", "--config", str(config), "--paste", token])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"logged in to zerodha as {emulator.setting('user_id')}" in out
    assert main(["orders", "--config", str(config), "--json"]) == 0
    capsys.readouterr()
    assert main(["login", "zerodha", "--config", str(config), "--paste", token]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_login_paste_of_the_whole_redirect_address_completes_against_the_emulator(
        kite: tuple[Emulator, Path], capsys: pytest.CaptureFixture[str]) -> None:
    emulator, config = kite
    login_url = f"http://127.0.0.1:{emulator.port}/connect/login?v=3&api_key={emulator.setting('api_key')}"
    pasted = Browser(emulator).redirect_address(login_url)
    assert "request_token=" in pasted
    code = main(["login", "zerodha", "--config", str(config), "--paste", pasted])
    assert code == 0, capsys.readouterr().err
