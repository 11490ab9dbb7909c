"""A GTT reply without its trigger_id is a typed error, never the string "None"."""

from __future__ import annotations

import pytest
from tt_connect.errors import BrokerUnavailableError
from tt_connect_zerodha.api import _trigger_id


@pytest.mark.parametrize("payload", [{}, {"trigger_id": None}, {"trigger_id": ""}])
def test_a_gtt_reply_without_trigger_id_is_broker_unavailable(payload: dict[str, object]) -> None:
    with pytest.raises(BrokerUnavailableError, match="trigger_id"):
        _trigger_id(payload)


def test_a_gtt_reply_with_trigger_id_is_its_text() -> None:
    assert _trigger_id({"trigger_id": 123}) == "123"
