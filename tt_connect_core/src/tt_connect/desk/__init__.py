"""What option and intraday traders reach for: sliced orders, baskets, target positions, bulk cancel and close."""

from tt_connect.desk.results import BasketLeg, BasketResult, BulkItem, BulkResult, SliceChild, SlicedOrder
from tt_connect.desk.tools import DeskTools

__all__ = ["BasketLeg", "BasketResult", "BulkItem", "BulkResult", "DeskTools", "SliceChild", "SlicedOrder"]
