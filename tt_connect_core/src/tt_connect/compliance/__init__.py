"""SEBI's retail algo rules, built in: the per-exchange order rate, algo IDs, the order journal."""

from tt_connect.compliance.journal import OrderJournal, journal_dir
from tt_connect.compliance.order_rate import OrderRateLimiter
from tt_connect.compliance.tools import ComplianceTools

__all__ = ["ComplianceTools", "OrderJournal", "OrderRateLimiter", "journal_dir"]
