"""The cross-broker table a user reads in docs/errors.md is the table the conformance suite runs."""

from __future__ import annotations

from pathlib import Path

from tt_connect import errors
from tt_connect.testing.outcomes import OUTCOMES, render_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "errors.md"


def test_docs_errors_table_is_the_suites_outcomes() -> None:
    text = DOC.read_text(encoding="utf-8")
    table = text.split("<!-- outcomes:begin -->", 1)[1].split("<!-- outcomes:end -->", 1)[0].strip()
    assert table == render_table(), "regenerate the table: python -c 'from tt_connect.testing.outcomes import " \
                                    "render_table; print(render_table())'"


def test_every_error_class_is_in_the_documented_tree() -> None:
    tree = DOC.read_text(encoding="utf-8").split("```", 2)[1]
    missing = [name for name in errors.__all__ if name not in tree]
    assert not missing, f"docs/errors.md's tree lacks {missing}"


def test_every_outcome_names_an_error_of_the_tree() -> None:
    assert {o.error.__name__ for o in OUTCOMES} <= set(errors.__all__)
    assert len({o.key for o in OUTCOMES}) == len(OUTCOMES)
