"""Tier 1b: every recorded reply, mutated deterministically, lets nothing but TTConnectError out.

A tier rather than a test module of the core's, so a third-party driver's conformance class gets it
too. Each static response case's body is mutated (keys dropped, nulls, wrong types, NaN and 1e999,
truncation, an HTML page, an empty body) and read through the executor's own ``read_reply``: the
result is a TTConnectError, or a model whose every number is finite. Pure parsing, no server, so
the tier costs well under a second a driver.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import msgspec

from tt_connect.driver_api import BrokerApi, DriverContext, ErrorMap, HttpResponse
from tt_connect.errors import TTConnectError
from tt_connect.testing.cases import ResponseCase, first_call
from tt_connect.transport.executor import SessionDead, read_reply

__all__ = ["FuzzTier", "mutations"]

_VALUES: tuple[bytes, ...] = (b"null", b'"NaN"', b"1e999", b"-1e999", b'"inf"', b'"None"', b"[]", b"{}", b"true",
                              b'"x"', b'""', b"-1")
_HTML = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node[:3]):
            yield from _paths(value, (*path, index))


def _replaced(node: Any, path: tuple[Any, ...], raw: msgspec.Raw | None) -> Any:
    """A copy of ``node`` with ``path`` set to ``raw`` (dropped when None)."""
    if not path:
        return raw
    head, rest = path[0], path[1:]
    copy: Any = dict(node) if isinstance(node, dict) else list(node)
    if not rest and raw is None:
        del copy[head]
    else:
        copy[head] = _replaced(node[head], rest, raw)
    return copy


def mutations(body: bytes, *, seed: int, per_body: int = 60) -> Iterator[tuple[str, bytes]]:
    """Yield ``(what, mutated body)``: whole-body damage, then seeded field mutations of a JSON body."""
    rng = random.Random(seed)
    yield "empty body", b""
    yield "html page", _HTML
    for cut in sorted({1, len(body) // 3, len(body) // 2, max(len(body) - 1, 1)}):
        yield f"truncated at {cut}", body[:cut]
    yield "random bytes", rng.randbytes(64)
    try:
        tree = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return
    paths = [p for p in _paths(tree) if p]
    for _ in range(min(per_body, 12 * len(paths))):
        path = rng.choice(paths)
        value = rng.choice((None, *_VALUES))
        mutated = _replaced(tree, path, None if value is None else msgspec.Raw(value))
        yield f"{'/'.join(map(str, path))} -> {value!r}", msgspec.json.encode(mutated)


def _finite(value: Any, where: str) -> None:
    """Assert every float in a parsed result is finite (the raw payload it keeps excepted)."""
    if isinstance(value, float):
        assert math.isfinite(value), f"{where} is {value}"
    elif isinstance(value, msgspec.Struct):
        for name in value.__struct_fields__:
            if name != "raw":
                _finite(getattr(value, name), f"{where}.{name}")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _finite(item, f"{where}[{key!r}]")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _finite(item, f"{where}[{index}]")


class FuzzTier:
    """Needs ``response_cases``, ``static_context`` and ``client_api`` (the static tier's fixtures)."""

    def test_mutated_replies_let_only_ttconnect_errors_out(
        self, response_cases: Sequence[ResponseCase], static_context: DriverContext | None, client_api: BrokerApi,
        client_error_map: ErrorMap,
    ) -> None:
        cases = [c for c in response_cases if c.error_code is None]
        if not cases:
            import pytest

            pytest.skip("driver declares no static response cases")
        assert static_context is not None, "response cases need a static_context fixture"
        for number, case in enumerate(cases):
            call = first_call(case.build(client_api, static_context))
            for what, body in mutations(case.body, seed=number):
                for status in (case.status, 502):
                    try:
                        result = read_reply(client_api.broker, client_api, client_error_map, call,
                                            HttpResponse(status=status, body=body))
                    except (TTConnectError, SessionDead):
                        continue
                    except Exception as exc:
                        raise AssertionError(f"{case.name} / {what} / HTTP {status}: "
                                             f"{type(exc).__name__} escaped: {exc}") from exc
                    _finite(result, f"{case.name} / {what}")
