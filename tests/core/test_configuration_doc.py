"""docs/configuration.md documents every client option and every driver setting, as the Structs define them."""

from __future__ import annotations

import msgspec
import pytest
from config_doc import DOC, attribute_docs, documented, render, rewrite, table, table_names
from tt_connect.config import ClientOptions


@pytest.mark.parametrize("name", table_names())
def test_the_doc_table_is_the_one_the_struct_generates(name: str) -> None:
    found = documented(DOC.read_text(encoding="utf-8"))
    assert name in found, f"docs/configuration.md has no table for {name}: run python tests/core/config_doc.py"
    assert found[name] == table(name), "the table drifted from its Struct: run python tests/core/config_doc.py"


def test_every_client_option_has_a_row() -> None:
    rows = table("client")
    assert [f for f in ClientOptions.__struct_fields__ if f"| `{f}` |" not in rows] == []


def test_an_undocumented_field_is_refused_by_the_generator() -> None:
    class Thin(msgspec.Struct, kw_only=True):
        """Settings.

        Attributes
        ----------
        api_key
            The key.
        """

        api_key: str
        api_url: str = "https://example.invalid"

    assert attribute_docs(Thin) == {"api_key": "The key."}
    with pytest.raises(AssertionError, match=r"Thin\.api_url has no description"):
        render(Thin)


def test_rewrite_fills_a_table_and_appends_a_missing_driver() -> None:
    text = "<!-- config-table: client -->\nold\n<!-- /config-table -->\n"
    done = rewrite(text, {"client": "new\n", "faraway": "rows\n"})
    assert documented(done) == {"client": "new\n", "faraway": "rows\n"}
