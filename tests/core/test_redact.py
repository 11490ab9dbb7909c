from __future__ import annotations

from tt_connect.redact import REDACTED, is_secret_key, redact, redact_text, register_secret


def test_secret_keys_are_recognised_and_tokens_of_instruments_are_not() -> None:
    for key in ("access_token", "api_secret", "password", "totp_secret", "Authorization", "checksum", "pin"):
        assert is_secret_key(key), key
    for key in ("instrument_token", "exchange_token", "symbol", "price"):
        assert not is_secret_key(key), key


def test_redact_walks_nested_payloads() -> None:
    data = {"a": [{"password": "hunter2hunter2"}, {"ok": 1}], "Authorization": "token k:v"}
    out = redact(data)
    assert out == {"a": [{"password": REDACTED}, {"ok": 1}], "Authorization": REDACTED}


def test_registered_secret_values_vanish_from_free_text() -> None:
    register_secret("ZXCVBNMASDFGHJKL")
    assert "ZXCVBNMASDFGHJKL" not in redact_text("seed is ZXCVBNMASDFGHJKL, ok")
    assert redact({"note": "ZXCVBNMASDFGHJKL"}) == {"note": REDACTED}
