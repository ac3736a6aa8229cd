"""Memory of one build for the next: a build re-does only the work whose inputs changed."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import compress
from operator import is_not
from typing import Callable, Generic, Hashable, Iterable, Iterator, Sequence, TypeVar

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

    def remember(self, entries: dict[Hashable, Value], in_use: bool = False) -> None:
        """Values made elsewhere (an earlier process, a worker), used by this build if it asks for them; or,
        `in_use`, made for this build (by a worker), and so kept for the next one as if this build had asked."""
        (self._current if in_use else self._previous).update(entries)

    def take_made(self) -> dict[Hashable, Value]:
        """The values made since the last call: what a worker process sends back."""
        made, self._made = self._made, {}
        return made

    def in_use(self) -> dict[Hashable, Value]:
        """What this build has used so far."""
        return dict(self._current)


class Memo:
    """Results computed from objects, reused while a build passes the very same objects again.

    The stages of `serve`'s rebuilds return the same object for what did not change (the reader, for a file
    whose bytes are the same), so identity says "unchanged" for the price of an `is`. Each entry holds its
    inputs, so no other object can take their ids while it lives.

    Entries of `get` are kept, like GenerationCache's, only while builds use them. What `each` and `same`
    keep has a name and is replaced by the next call with that name, so it is kept until then: a call
    nested in a `get` that was found is not made at all, and must still be there when the outer one misses.
    """

    def __init__(self, keep: bool = True) -> None:
        """`keep`: whether what `get` and `each` made is kept for the next build; a build that is the only
        one keeps nothing (and makes again what it asks for twice), and the memory is the rest of the build's."""
        self._keep = keep
        self._current: dict[tuple[int, ...], tuple[tuple, object]] = {}
        self._previous: dict[tuple[int, ...], tuple[tuple, object]] = {}
        self._equal: dict[Hashable, object] = {}
        self._sequences: dict[Hashable, _Sequence] = {}

    @property
    def keeps(self) -> bool:
        """Whether this memo keeps what it made for a next build."""
        return self._keep

    def get(self, inputs: tuple, make: Callable[[], Value]) -> Value:
        """`make()`, or what it gave last time for the very same `inputs` (the same objects, in order).

        Begin `inputs` with the function that makes the value, so that two uses of one memo never meet."""
        if not self._keep:
            return make()
        key = tuple(map(id, inputs))  # while an entry holds its inputs, no other object can have their ids
        entry = self._current.get(key) or self._previous.get(key)
        value = entry[1] if entry is not None else make()
        self._current[key] = (inputs, value)
        return value  # type: ignore[return-value]

    def each(self, name: Hashable, make: Callable[..., Value], columns: tuple[Sequence, ...],
             shared: tuple = ()) -> tuple[Value, ...]:
        """`make(*row)` for each row of `columns` (sequences of equal length, read side by side), as a tuple.

        A row whose objects are the very ones at the same place in the last call by this `name` keeps its
        result; so does a row that only moved, when many did. Any `shared` input that is not the same object
        as last time makes every row again. This is `get` for a whole list, but it compares the lists at the
        speed of C: one edit in ten thousand rows costs one `make`, not ten thousand lookups."""
        columns = tuple(map(tuple, columns))
        count = len(columns[0]) if columns else 0
        last = self._sequences.get(name)
        if last is None or len(last.shared) != len(shared) or any(map(is_not, shared, last.shared)):
            results = tuple(make(*row) for row in zip(*columns))
        else:
            results = last.remade(make, columns, count)
        if self._keep:
            self._sequences[name] = _Sequence(shared, columns, results)
        return results

    def same(self, name: Hashable, value: Value) -> Value:
        """`value`, or the value kept under `name` when it is equal: equal results become the same object,
        so that what is made from them is found again by identity."""
        kept = self._equal.get(name)
        if kept is not None and type(kept) is type(value) and kept == value:
            value = kept  # type: ignore[assignment]
        self._equal[name] = value
        return value

    def last(self, name: Hashable, default: Value) -> Value:
        """What `same` kept under `name` last, to make the next value from."""
        return self._equal.get(name, default)  # type: ignore[return-value]

    def next_build(self, keep_all: bool = False) -> None:
        """Start a build; `keep_all` when the last one stopped part way (an error), which says nothing about
        what is stale."""
        if keep_all:
            self._previous, self._current = {**self._previous, **self._current}, {}
        else:
            self._previous, self._current = self._current, {}


@dataclass(frozen=True)
class _Sequence:
    """The last call of `Memo.each` by one name: its inputs, held so that their ids stay theirs, and results."""

    shared: tuple
    columns: tuple[tuple, ...]
    results: tuple

    MOVED_LOOKUP = 16  # with more stale rows than this, look for each among the rows that moved

    def remade(self, make: Callable, columns: tuple[tuple, ...], count: int) -> tuple:
        """The results for `columns`, reusing this call's where the rows are the same objects."""
        before = len(self.results)
        # Rows are compared place by place; when rows came or went, those after the first difference are
        # compared with the rows `shift` places away, so that one insertion does not make every later row new.
        head = 0 if count == before else min(self._same_head(columns), default=0)
        shift = count - before
        start = head + max(shift, 0)  # the first row after any that came
        stale = set(range(head, start))
        for now, then in zip(columns, self.columns):
            stale.update(compress(range(start, count), map(is_not, now[start:], then[start - shift:])))
        if not stale and not shift:
            return self.results
        results = [*self.results[:head], *[None] * max(shift, 0), *self.results[head + max(-shift, 0):]]
        if len(stale) > self.MOVED_LOOKUP:  # a row that moved left another at its old place, so look there
            gone = range(head, head + max(-shift, 0))
            moved = self._by_row([*gone, *(index - shift for index in stale if index >= start)])
        else:
            moved = {}
        for index in stale:
            row = tuple(column[index] for column in columns)
            kept = moved.get(tuple(map(id, row)), moved)
            results[index] = make(*row) if kept is moved else kept
        return tuple(results)

    def _same_head(self, columns: tuple[tuple, ...]) -> Iterator[int]:
        """For each column, how many of its first rows are the very objects of this call's."""
        for now, then in zip(columns, self.columns):
            shortest = min(len(now), len(then))
            yield next(compress(range(shortest), map(is_not, now, then)), shortest)

    def _by_row(self, indices: Iterable[int]) -> dict[tuple[int, ...], object]:
        return {tuple(id(column[index]) for column in self.columns): self.results[index] for index in indices}
