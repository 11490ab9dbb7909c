"""Where tt-connect's events go: the application's structlog, else the stdlib; never stdout unasked."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest
from structlog.testing import capture_logs
from tt_connect.logs import cli_logging, get_logger, reset_logging
from tt_connect.redact import register_secret

WARN = "from tt_connect.logs import get_logger; get_logger('tt_connect.stream').warning('stream_error', reason='x')"


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_a_warning_of_an_unconfigured_program_goes_to_stderr_and_never_to_stdout() -> None:
    done = run_python(WARN)
    assert done.returncode == 0
    assert done.stdout == ""
    assert "stream_error" in done.stderr


def test_a_null_handler_on_tt_connect_silences_it_as_the_stdlib_convention_says() -> None:
    done = run_python("import logging; logging.getLogger('tt_connect').addHandler(logging.NullHandler()); " + WARN)
    assert (done.stdout, done.stderr) == ("", "")


def test_the_application_logging_configuration_receives_the_event_with_its_fields() -> None:
    done = run_python("import logging, sys; logging.basicConfig(stream=sys.stdout, format='%(name)s|%(message)s'); "
                      + WARN)
    assert done.stdout.strip() == "tt_connect.stream|stream_error reason=x"


def test_an_application_that_configured_structlog_gets_the_event_in_its_pipeline() -> None:
    try:
        with capture_logs() as events:
            get_logger("tt_connect.stream").warning("stream_error", reason="x", access_token="s3cret-token")
    finally:
        reset_logging()  # capture_logs leaves structlog marked as configured
    assert events == [{"event": "stream_error", "reason": "x", "access_token": "***", "log_level": "warning"}]


@pytest.mark.parametrize("render", ["console", "json"])
def test_the_cli_handler_writes_redacted_events_to_stderr(capsys: pytest.CaptureFixture[str], render: str) -> None:
    reset_logging()
    register_secret("pin-4321-secret")
    with cli_logging(render):  # type: ignore[arg-type]
        get_logger("tt_connect.auth").warning("login_failed", detail="pin-4321-secret was refused")
        get_logger("tt_connect.auth").info("below the threshold")
    get_logger("tt_connect.auth").warning("after the block: not the cli handler's")
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert out == ""
    assert len(lines) == 1 and "pin-4321-secret" not in lines[0]
    if render == "json":
        event = json.loads(lines[0])
        assert (event["event"], event["level"], event["logger"]) == ("login_failed", "warning", "tt_connect.auth")
    assert logging.getLogger("tt_connect").handlers == []
