"""The conformance suite against the built-in paper driver and the template driver."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tt_connect.drivers import register_driver, unregister_driver
from tt_connect.testing import DriverConformance, FaultInjector, template_driver

pytestmark = pytest.mark.conformance


class _PaperFaults:
    """Paper has no network to break except its stream sockets."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def drop_next_order_response(self) -> None:
        pytest.skip("the paper transport is in-process: there is no response to drop")

    def expire_sessions(self) -> None:
        pytest.skip("the paper broker has no session")

    def kill_streams(self) -> None:
        self._client._transport.kill_sockets()


class TestPaperConformance(DriverConformance):
    broker = "paper"

    @pytest.fixture
    def client_options(self) -> dict[str, Any]:
        return {"instruments_db": ":memory:", "config": {"tick_interval": 0.02}}

    @pytest.fixture
    def faults(self, client: Any) -> FaultInjector:
        return _PaperFaults(client)


@pytest.fixture
def template_registered() -> Iterator[None]:
    register_driver("template", template_driver)
    yield
    unregister_driver("template")


@pytest.mark.usefixtures("template_registered")
class TestTemplateConformance(DriverConformance):
    broker = "template"
