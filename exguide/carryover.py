"""What a build in a new process takes from the last one: the exercises it made, for the files that did not
change, with the search index made of them (see KeptExercises)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from operator import attrgetter, is_, itemgetter
from pathlib import Path
from typing import Iterable, Mapping, NamedTuple

from .pictures import MediaState
from .model import Exercise
from .muscles import MuscleCatalogue
from .search import SearchIndex


class KeptExercise(NamedTuple):
    """One exercise of KeptExercises."""

    file_digest: bytes  # of the bytes of the file it was made from
    exercise: Exercise


@dataclass(frozen=True)
class KeptExercises:
    """The exercises of a build, for a next build in another process to take as they are.

    An exercise is made from its file's bytes, the muscle catalogue and the images that exist, with the
    pictures made of them (and by this program: the store keeps nothing from another version). One whose file
    has the same digest, under an equal catalogue and the same images, is the same exercise, and its file is
    not read, parsed, checked nor converted again: at 10,000 exercises, a third of the rebuild that follows an
    edit. Only a guide built without drafts keeps its exercises, so that each one kept is known
    to be published. Pickled together, they share the catalogue's groups and targets as they did."""

    catalogue: MuscleCatalogue
    muscles_digest: bytes | None  # of the bytes of the muscles.yaml the catalogue was made from
    images: MediaState
    exercises: dict[Path, KeptExercise]  # by file
    search_index: SearchIndex | None = None  # of these very exercises: a build that takes them patches it


@dataclass
class Carryover:
    """What a build takes from the last one and leaves to the next: the last build's exercises, the digest
    of each content file as this build found it, and, once `load_guide` is done, this build's exercises."""

    REREAD_AT_MOST = 64  # exercises made again, beside those taken, that do not make the kept ones written anew

    last: KeptExercises | None = None
    digests: Mapping[str, bytes] = field(default_factory=dict)  # by the file's path as text (os.fspath)
    taken_exercises: tuple[KeptExercise, ...] = ()  # what this build took
    _leaving: tuple | None = None  # what `leave` was given

    def unchanged(self, paths: Iterable[Path], muscles: Path | None = None) -> dict[Path, KeptExercise]:
        """The last build's exercise of each file at `paths` whose bytes are still the same; none when the
        `muscles` file (muscles.yaml), if given, is another: its exercises will be made again."""
        last = self.last
        if last is None or (muscles is not None and self.digests.get(os.fspath(muscles)) != last.muscles_digest):
            return {}
        exercises = last.exercises
        found = {}
        for path in paths:
            kept = exercises.get(path)
            if kept is not None and self.digests.get(os.fspath(path)) == kept.file_digest:
                found[path] = kept
        return found

    def taken(self, catalogue: MuscleCatalogue, images: MediaState, paths: tuple[Path, ...]
              ) -> dict[Path, Exercise]:
        """`unchanged`, when the catalogue and the images are the last build's too, and no two files share a
        slug (which the files read again report)."""
        last = self.last
        if last is None or last.catalogue != catalogue or last.images != images or \
                len(set(map(attrgetter("stem"), paths))) != len(paths):
            return {}
        found = self.unchanged(paths)
        self.taken_exercises = tuple(found.values())
        return {path: kept.exercise for path, kept in found.items()}

    def leave(self, catalogue: MuscleCatalogue, muscles: Path, images: MediaState, exercises: Iterable[Exercise],
              read: Mapping[Path, bytes]) -> None:
        """Keep this build's `exercises`, made with the `catalogue` of the file `muscles`; `read`: the digests of
        the files this build read."""
        def digest(path: Path) -> bytes | None:
            return read.get(path) or self.digests.get(os.fspath(path))
        self._leaving = catalogue, digest(muscles), images, [(digest(exercise.source), exercise)
                                                             for exercise in exercises]

    @property
    def search_index(self) -> SearchIndex | None:
        """The search index the last build left with its exercises."""
        return self.last.search_index if self.last is not None else None

    def kept(self, search_index: SearchIndex | None = None) -> KeptExercises | None:
        """What this build leaves to the next, with the `search_index` it made
        of them; None to leave what the last build kept (whose index is of its own exercises): when it made no
        exercise, or only a few besides those it took, the next build reads those few files again, for less
        than writing ten thousand exercises anew costs (0.4 s)."""
        if self._leaving is None:
            return None
        catalogue, muscles_digest, images, exercises = self._leaving
        if self.taken_exercises and len(exercises) - len(self.taken_exercises) <= self.REREAD_AT_MOST:
            return None
        made_of = search_index.exercises if search_index is not None else ()
        if len(made_of) != len(exercises) or not all(map(is_, made_of, map(itemgetter(1), exercises))):
            search_index = None  # not made of these very exercises
        return KeptExercises(catalogue, muscles_digest, images, {
            exercise.source: KeptExercise(digest, exercise) for digest, exercise in exercises},
            search_index)
