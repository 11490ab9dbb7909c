"""A stand-in for an installed package's entry point, for tests that patch ``importlib.metadata.entry_points``."""

from __future__ import annotations


class FakeEntryPoint:
    """What ``entry_points(group=...)`` yields: a name, and ``load()`` giving the object it names."""

    def __init__(self, name: str, target: object) -> None:
        self.name = name
        self._target = target

    def load(self) -> object:
        return self._target
