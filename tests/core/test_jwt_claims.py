"""jwt_claims: the drivers' one reader of a token's (unverified) claims."""

from __future__ import annotations

import base64

import msgspec
import pytest
from tt_connect.driver_api import jwt_claims


def _jwt(claims: object) -> str:
    body = base64.urlsafe_b64encode(msgspec.json.encode(claims)).decode().rstrip("=")
    return f"e30.{body}.sig"


def test_the_claims_of_a_jwt_are_read_without_padding() -> None:
    assert jwt_claims(_jwt({"exp": 1736137800, "hsm_key": "k"})) == {"exp": 1736137800, "hsm_key": "k"}


@pytest.mark.parametrize("token", ["", "opaque-token", "a.b", "a.!!!.c", "a.bm90IGpzb24.c", _jwt([1, 2])])
def test_a_token_that_is_not_a_jwt_of_an_object_has_no_claims(token: str) -> None:
    assert jwt_claims(token) == {}
