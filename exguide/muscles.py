"""The closed list of muscle groups, and the names authors may use for them."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .model import MuscleGroup, Target
from .problems import Problem, suggestion
from .schema import MusclesFile
from .sources import LineMap


@functools.lru_cache(maxsize=4096)  # ten thousand exercises name a few dozen muscles, each many times over
def normalize(name: str) -> str:
    """The form names are compared in: case, hyphens and spacing do not matter."""
    return re.sub(r"[\s_-]+", " ", name.strip().lower())


@dataclass(frozen=True)
class MuscleCatalogue:
    """Every name an exercise may use (group slugs and names, muscles, aliases) and what it means."""

    groups: tuple[MuscleGroup, ...]
    targets: dict[str, Target]

    @cached_property
    def names(self) -> tuple[str, ...]:
        """Every name an exercise may use, as the build compares them, and the group slugs."""
        return tuple(sorted({*self.targets, *(group.slug for group in self.groups)}))

    def resolve(self, name: str) -> Target | None:
        return self.targets.get(normalize(name))

    def problem_with(self, name: str) -> str | None:
        """Why an exercise cannot name `name`, or None when it can."""
        if self.resolve(name) is not None:
            return None
        return f"unknown muscle '{name}'{suggestion(normalize(name), self.targets)}"


def build_catalogue(muscles: MusclesFile, path: Path, lines: LineMap) -> tuple[MuscleCatalogue, list[Problem]]:
    """The catalogue, and the problems of names that mean two different things."""
    groups = tuple(
        MuscleGroup(g.slug, g.name, g.region, tuple(m.name for m in g.muscles), g.aliases)
        for g in muscles.groups
    )
    problems: list[Problem] = []
    targets: dict[str, Target] = {}
    claimed_at: dict[str, int] = {}

    def claim(name: str, target: Target, location: tuple) -> None:
        key, line = normalize(name), lines.line_of(location)
        existing = targets.get(key)
        if existing is None:
            targets[key], claimed_at[key] = target, line
        elif existing.name != target.name:
            first, second = sorted([(claimed_at[key], existing.name), (line, target.name)])
            problems.append(Problem(path, second[0], f"the name '{name}' means both '{first[1]}' "
                                    f"(line {first[0]}) and '{second[1]}'; keep it in one place"))

    for index, group in enumerate(groups):
        target = Target(group.name, (group,), is_group=True)
        claim(group.slug, target, ("groups", index, "slug"))
        claim(group.name, target, ("groups", index, "name"))
        for alias_index, alias in enumerate(group.aliases):
            claim(alias, target, ("groups", index, "aliases", alias_index))
    for name, muscle_groups, aliases, location in _muscles(muscles.groups, groups):
        target = Target(name, muscle_groups)
        for alias in (name, *aliases):
            claim(alias, target, location)
    return MuscleCatalogue(groups, targets), problems


def _muscles(entries, groups):
    """Each muscle once, with every group that lists it and all its aliases."""
    found: dict[str, tuple[str, list, list, tuple]] = {}
    for group_index, (entry, group) in enumerate(zip(entries, groups)):
        for muscle_index, muscle in enumerate(entry.muscles):
            key = normalize(muscle.name)
            location = ("groups", group_index, "muscles", muscle_index)
            name, owners, aliases, _ = found.setdefault(key, (muscle.name, [], [], location))
            owners.append(group)
            aliases.extend(a for a in muscle.aliases if a not in aliases)
    return [(name, tuple(owners), tuple(aliases), loc) for name, owners, aliases, loc in found.values()]
