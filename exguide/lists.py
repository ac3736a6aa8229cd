"""What the pages that list exercises show of each: filters, rows, booklet sections, equipment pieces.

Each item of a long list is an object that carries the digest of what it is made from (see blocks.py), and
makes its text as the list renders, not ahead.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter
from typing import Any, Iterator, Mapping, Sequence

from .fingerprint import Fingerprinter
from .links import relative_url, rewrite
from .media import with_pictures
from .model import Exercise, Guide
from .paths import BOOKLET, CUSTOM_ROUTINE, NO_EQUIPMENT, EquipmentPiece, equipment_slug, path_of, script_json, \
    value_slug
from .schema import ExerciseMeta
from .sheet import custom_routine_entry


@dataclass(frozen=True)
class Filter:
    """One of the exercise list's filters: the facet it reads and the choices it offers."""

    name: str
    label: str
    choices: tuple[tuple[str, str], ...]  # (value, label)


def exercise_facets(exercise: Exercise) -> tuple[tuple[str, str], ...]:
    """The values an exercise offers each filter, space-separated where it has several."""
    groups = (*exercise.primary_groups, *exercise.secondary_groups)
    return (
        ("muscle", " ".join(group.slug for group in groups)),
        ("equipment", " ".join(value_slug(item) for item in exercise.equipment) or NO_EQUIPMENT),
        ("level", exercise.level or ""),
        ("category", exercise.category or ""),
        ("position", value_slug(exercise.position or "")),
    )


def exercise_filters(guide: Guide) -> tuple[Filter, ...]:
    exercises = guide.exercises  # ten thousand, after every edit: hence map, which runs at the speed of C
    items = set(chain.from_iterable(map(attrgetter("equipment"), exercises)))
    equipment = sorted(((value_slug(item), item) for item in items), key=lambda choice: choice[1].casefold())
    positions = sorted((value_slug(p), p) for p in set(map(attrgetter("position"), exercises)) if p)
    used = {*map(attrgetter("level"), exercises), *map(attrgetter("category"), exercises)}
    return (
        Filter("muscle", "Muscle group", tuple((l.group.slug, l.group.name) for l in guide.listings if l.is_worked)),
        Filter("equipment", "Equipment", ((NO_EQUIPMENT, "No equipment"), *equipment)),
        Filter("level", "Level", tuple((v, v.capitalize()) for v in ExerciseMeta.LEVELS if v in used)),
        Filter("category", "Type", tuple((v, v.capitalize()) for v in ExerciseMeta.CATEGORIES if v in used)),
        Filter("position", "Position", tuple((value, label.capitalize()) for value, label in positions)),
    )


@dataclass(frozen=True, eq=False)
class ExerciseRow:
    """An exercise in the exercise list, which its card shows with the values its filters read. Those are made
    from the exercise as the card renders, so that a row's fingerprint is its exercise's alone: walking the
    facets of 10,000 rows to key the list and find its kept blocks fed 360,000 values after one edit."""

    exercise: Exercise

    @functools.cached_property
    def digest(self) -> bytes:
        """What the row is made from: its exercise (see blocks.py)."""
        return self.exercise.digest

    @property
    def facets(self) -> tuple[tuple[str, str], ...]:
        return exercise_facets(self.exercise)

    def __iter__(self) -> Iterator[Any]:
        """The row as the card's (exercise, facets)."""
        return iter((self.exercise, self.facets))


def equipment_pieces(exercises: tuple[Exercise, ...], equipment_each: Sequence[tuple] | None = None
                     ) -> tuple[EquipmentPiece, ...]:
    """Each piece of equipment the exercises use, by name, after "No equipment"; each with its exercises in
    their order. Names that differ only in case or accents are one piece, named as the first in order.
    `equipment_each`: `equipment_of` each exercise, when the caller keeps them."""
    names: dict[str, set[str]] = {NO_EQUIPMENT: {"No equipment"}}
    using: dict[str, list[Exercise]] = {NO_EQUIPMENT: []}
    for exercise, equipment in zip(exercises, equipment_each or map(equipment_of, exercises)):
        for slug, item in equipment:
            names.setdefault(slug, set()).add(item)
        for slug in dict.fromkeys(slug for slug, _ in equipment) or (NO_EQUIPMENT,):
            using.setdefault(slug, []).append(exercise)
    pieces = [EquipmentPiece(slug, min(names[slug], key=lambda name: (name.casefold(), name)), tuple(found))
              for slug, found in using.items() if slug != NO_EQUIPMENT]
    return (EquipmentPiece(NO_EQUIPMENT, "No equipment", tuple(using[NO_EQUIPMENT])),
            *sorted(pieces, key=lambda piece: (piece.name.casefold(), piece.slug)))


def equipment_of(exercise: Exercise) -> tuple[tuple[str, str], ...]:
    """The pieces of equipment an exercise names, as (slug, name)."""
    return tuple((equipment_slug(item), item) for item in exercise.equipment)


@dataclass(frozen=True, eq=False)
class LinkPlaces:
    """Where content files are in the site, as some links lead to them: one object, whose fingerprint every
    section that shares it reuses (see Fingerprinter)."""

    paths: Mapping[str, str]

    @functools.cached_property
    def digest(self) -> bytes:
        return Fingerprinter().digest(self.paths)


@dataclass(frozen=True, eq=False)
class BookletSection:
    """An exercise in the booklet. Its body, with links that lead to the booklet's own sections, is made as
    the section renders: made ahead for every section, 10,000 bodies held 16 MB while the booklet rendered."""

    exercise: Exercise
    links: LinkPlaces  # where its body's links lead in the booklet (see _body_links)

    @functools.cached_property
    def digest(self) -> bytes:
        """What the section is made from (see blocks.py)."""
        return self.exercise.digest and self.exercise.digest + self.links.digest

    @property
    def body_html(self) -> str:
        return with_pictures(rewrite(self.exercise.body_html, self.exercise.source.as_posix(), BOOKLET,
                                     self.links.paths), BOOKLET, self.exercise.pictures)


@dataclass(frozen=True, eq=False)
class CustomRoutineEntry:
    """An exercise in what the build-your-own routine page lays out sheets with. Its part of the script is
    made as the list renders, so that it is kept by blocks like any list's (see `fragments` in render.py): a
    build after one edit, in a new process, made all 10,000 again to change one."""

    exercise: Exercise

    @functools.cached_property
    def digest(self) -> bytes:
        """What the entry is made from: its exercise (see blocks.py)."""
        return self.exercise.digest

    @property
    def script(self) -> str:
        exercise = self.exercise
        link = relative_url(CUSTOM_ROUTINE, path_of(exercise))
        picture = exercise.sheet_picture
        picture_link = relative_url(CUSTOM_ROUTINE, picture.path) if picture else None
        return f"{script_json(exercise.slug)}: {script_json(custom_routine_entry(exercise, link, picture_link))}"
