"""The built-in paper broker: a synthetic NSE market and account, and the engine emulators reuse."""

from __future__ import annotations

from tt_connect.paper.engine import PaperEngine, PaperRejection
from tt_connect.paper.universe import PAPER_SELECT, build_universe, universe_csv

__all__ = ["PAPER_SELECT", "PaperEngine", "PaperRejection", "build_universe", "universe_csv"]
