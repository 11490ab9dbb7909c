"""tt-connect login: the headless --paste login, and a config file that selects another broker."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_login_flows import LOGIN_URL, OAuthConfig, OAuthDriver, OAuthServer
from tt_connect.cli import main
from tt_connect.driver_api import Transport
from tt_connect.drivers import register_driver, unregister_driver
from tt_connect.transport import MockTransport

SERVER = OAuthServer()


class PastingDriver(OAuthDriver):
    """The OAuth test broker, reached through a mock transport the driver itself supplies."""

    def transport(self, config: OAuthConfig) -> Transport:
        return MockTransport(SERVER)


@pytest.fixture(autouse=True)
def oauth_broker() -> Iterator[OAuthServer]:
    SERVER.codes_seen.clear()
    register_driver("oauth", PastingDriver)
    yield SERVER
    unregister_driver("oauth")


def test_login_paste_takes_the_redirect_url_as_an_argument(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["login", "oauth", "--paste", "http://127.0.0.1:5000/callback?code=abc123&state=x"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert SERVER.codes_seen == ["abc123"]
    assert "logged in to oauth as U1" in out
    assert main(["funds", "--broker", "oauth"]) == 2  # the session is stored: funds fails only as unsupported
    assert "UnsupportedOperationError" in capsys.readouterr().err


def test_login_paste_shows_the_login_url_and_reads_the_token_from_stdin(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("abc123\n"))
    code = main(["login", "oauth", "--paste"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert LOGIN_URL in err and SERVER.codes_seen == ["abc123"]
    assert "logged in to oauth as U1" in out


def test_login_paste_of_nothing_says_what_to_paste(capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    assert main(["login", "oauth", "--paste"]) == 2
    assert "paste the redirect URL" in capsys.readouterr().err


def test_login_paste_for_a_broker_without_a_browser_login_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["login", "paper", "--paste", "anything"]) == 2
    assert "nothing to paste" in capsys.readouterr().err


def test_login_refuses_a_config_file_that_selects_another_broker(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = tmp_path / "paper.toml"
    config.write_text('broker = "paper"\n[paper]\nseed = 7\n')
    assert main(["login", "oauth", "--config", str(config)]) == 2
    assert "selects broker = 'paper', not 'oauth'" in capsys.readouterr().err
