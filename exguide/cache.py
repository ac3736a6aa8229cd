"""Memory of one build for the next: a build re-does only the work whose inputs changed."""

from __future__ import annotations

from typing import Callable, Generic, Hashable, TypeVar

Value = TypeVar("Value")


class GenerationCache(Generic[Value]):
    """A cache that keeps, after each build, only what that build used, so it never outgrows the guide."""

    def __init__(self) -> None:
        self._current: dict[Hashable, Value] = {}
        self._previous: dict[Hashable, Value] = {}
        self._made: dict[Hashable, Value] = {}
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, make: Callable[[], Value]) -> Value:
        """The value for `key`, made only when neither this build nor the last one made it."""
        if key in self._current:
            self.hits += 1
            return self._current[key]
        if key in self._previous:
            self.hits += 1
            value = self._previous.pop(key)
        else:
            self.misses += 1
            value = self._made[key] = make()
        self._current[key] = value
        return value

    def next_build(self) -> None:
        # A build that never asked this cache says nothing about what is stale (fragments are asked for only
        # when their page renders): keep everything for the next one.
        if self.hits or self.misses:
            self._previous, self._current = self._current, {}
        self.hits = self.misses = 0

    def remember(self, entries: dict[Hashable, Value]) -> None:
        """Values made elsewhere (an earlier process, a worker), used by this build if it asks for them."""
        self._previous.update(entries)

    def take_made(self) -> dict[Hashable, Value]:
        """The values made since the last call: what a worker process sends back."""
        made, self._made = self._made, {}
        return made

    def in_use(self) -> dict[Hashable, Value]:
        """What this build has used so far."""
        return dict(self._current)

    def clear(self) -> None:
        self._previous.clear()
        self._current.clear()
        self._made.clear()
