"""tt-connect driver for Acme Securities, an imaginary REST broker (the example third parties copy)."""

from tt_connect_acme.plugin import AcmeDriver

__all__ = ["AcmeDriver"]
