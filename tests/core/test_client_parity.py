"""The blocking client must expose exactly the async client's API."""

from __future__ import annotations

import inspect

from tt_connect import AsyncTTConnect, TTConnect


def public(cls: type) -> dict[str, object]:
    return {name: getattr(cls, name) for name in dir(cls) if not name.startswith("_")}


def parameters(obj: object) -> list[tuple[str, object, object]]:
    target = obj.fget if isinstance(obj, property) else obj  # type: ignore[union-attr]
    sig = inspect.signature(inspect.unwrap(target))  # type: ignore[arg-type]
    return [(p.name, p.kind, p.default) for p in sig.parameters.values() if p.name != "self"]


def test_both_clients_expose_the_same_public_methods() -> None:
    assert set(public(AsyncTTConnect)) == set(public(TTConnect))


def test_every_method_takes_the_same_parameters() -> None:
    sync = public(TTConnect)
    for name, method in public(AsyncTTConnect).items():
        if name in ("subscribe", "from_config"):
            continue
        assert parameters(method) == parameters(sync[name]), name


def test_sync_subscribe_adds_only_the_block_switch() -> None:
    async_params = parameters(AsyncTTConnect.subscribe)
    sync_params = parameters(TTConnect.subscribe)
    assert [p[0] for p in sync_params] == [p[0] for p in async_params] + ["block"]
    assert inspect.signature(TTConnect.subscribe).parameters["block"].default is True


def test_the_sync_wrappers_are_not_coroutines_and_the_async_ones_are() -> None:
    for name in ("profile", "place_order", "quote", "orders"):
        assert inspect.iscoroutinefunction(getattr(AsyncTTConnect, name))
        assert not inspect.iscoroutinefunction(getattr(TTConnect, name))
