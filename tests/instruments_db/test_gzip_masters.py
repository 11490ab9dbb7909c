"""A gzipped master is decompressed whole: in one buffer, and every member of a multi-member file."""

from __future__ import annotations

import gzip

import pytest
from tt_connect.driver_api import InstrumentFile
from tt_connect.errors import InstrumentError
from tt_connect.instruments_db.master import _decompressed

FILE = InstrumentFile(url="https://example.test/master.json.gz", format="json", compression="gzip")


def test_a_single_member_file_decompresses_to_its_content() -> None:
    content = b'[{"a": 1}]' * 5000
    assert _decompressed("acme", FILE, gzip.compress(content)) == content


def test_every_member_of_a_multi_member_file_is_kept() -> None:
    first, second = b"[" + b'{"a": 1},' * 100, b'{"a": 2}]'
    assert _decompressed("acme", FILE, gzip.compress(first) + gzip.compress(second)) == first + second


def test_a_file_that_is_not_gzip_is_an_instrument_error() -> None:
    with pytest.raises(InstrumentError, match="not valid gzip"):
        _decompressed("acme", FILE, b"<html>maintenance</html>" * 3)
