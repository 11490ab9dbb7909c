"""The client's view of the broker's static-IP registration, the same on every broker that has one."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from tt_connect.driver_api import Operation
from tt_connect.errors import InputError
from tt_connect.models import StaticIp

if TYPE_CHECKING:
    from tt_connect.runtime import Runtime

__all__ = ["ComplianceTools"]


def _address(value: object, name: str) -> str:
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        raise InputError(f"{name} must be an IP address such as 203.0.113.7, got {value!r}") from None


class ComplianceTools:
    """Static-IP registration (mixed into the client)."""

    _rt: Runtime

    async def static_ip(self) -> StaticIp:
        """Return the static IPs the broker accepts this account's API orders from."""
        return await self._rt.send(Operation.STATIC_IP, self._rt.api.static_ip)

    async def set_static_ip(self, primary: str, secondary: str | None = None) -> StaticIp:
        """Register this account's static IP(s) with the broker (it may allow a change only once in a while).

        Returns what the broker holds afterwards, read back rather than taken from the write's
        reply: some brokers answer a write with a bare "success".
        """
        first = _address(primary, "primary")
        second = None if secondary is None else _address(secondary, "secondary")
        current = await self.static_ip()
        await self._rt.send_in_order(Operation.STATIC_IP,
                                     lambda ctx: self._rt.api.set_static_ip(ctx, current, first, second))
        return await self.static_ip()
