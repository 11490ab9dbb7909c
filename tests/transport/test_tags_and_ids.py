"""Order tags stay unique and in the broker's alphabet with the encodings cached; request ids are unique."""

from __future__ import annotations

import string

from tt_connect.transport import sender, tags
from tt_connect.transport.rate_limit import RateLimiter


def test_tags_placed_in_one_millisecond_differ_and_use_only_the_alphabet() -> None:
    alphabet = string.digits + string.ascii_lowercase
    made = [tags.make_order_tag(20, alphabet, "ttc") for _ in range(5000)]
    assert len(set(made)) == len(made)
    assert all(t.startswith("ttc") and len(t) == 19 and set(t[3:]) <= set(alphabet) for t in made)
    hexed = tags.make_order_tag(12, "0123456789abcdef")
    assert len(hexed) == 12 and set(hexed) <= set("0123456789abcdef")


def test_the_cached_millisecond_is_the_current_one(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    alphabet = string.digits
    now = [1_700_000_000.0]
    monkeypatch.setattr(tags.time, "time", lambda: now[0])
    first = tags.make_order_tag(16, alphabet)
    now[0] += 0.002
    second = tags.make_order_tag(16, alphabet)
    assert int(second[:8]) - int(first[:8]) == 2  # the time digits moved on by 2 ms


def test_request_ids_are_unique() -> None:
    ids = {sender._request_id() for _ in range(10000)}
    assert len(ids) == 10000 and all(len(i) == 12 for i in ids)


async def test_a_class_without_limits_enters_at_once() -> None:
    limiter = RateLimiter(None)
    async with limiter.slot("orders") as entered:
        assert entered is None
