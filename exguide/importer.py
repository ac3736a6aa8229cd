"""`import free-exercise-db FILE.json --into DIR`: the public-domain free-exercise-db data set in our format.

Its muscle names are mapped onto the guide's muscle groups through the same catalogue the build uses
(aliases such as 'abdominals' or 'middle back'), so the imported guide builds as it is. Images are not
written: the data set names them but does not hold them. What cannot be mapped is reported.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from slugify import slugify

from .assemble import load_catalogue
from .muscles import MuscleCatalogue

CATEGORIES = {"strength": "strength", "stretching": "stretch", "cardio": "cardio", "plyometrics": "strength",
              "powerlifting": "strength", "olympic weightlifting": "strength", "strongman": "strength"}
LEVELS = {"beginner": "beginner", "intermediate": "intermediate", "expert": "advanced"}
NO_EQUIPMENT = {None, "body only"}


@dataclass
class ImportReport:
    written: int = 0
    skipped: list[str] = field(default_factory=list)  # "name: why"
    unmapped: Counter = field(default_factory=Counter)  # "what 'value'" → how many exercises

    def lines(self) -> list[str]:
        found = [f"  skipped {reason}" for reason in self.skipped]
        found += [f"  could not map {what} ({count} exercises)" for what, count in sorted(self.unmapped.items())]
        return found


def import_free_exercise_db(source: Path, into: Path, muscles: Path) -> ImportReport:
    """Write one Markdown file per exercise under `into`/exercises, with guide.yaml and muscles.yaml."""
    entries = json.loads(source.read_text(encoding="utf-8"))
    into.mkdir(parents=True, exist_ok=True)
    if not (into / "muscles.yaml").exists():
        shutil.copy(muscles, into / "muscles.yaml")
    if not (into / "guide.yaml").exists():
        (into / "guide.yaml").write_text(
            "title: Exercise library\nlanguage: en\ncredits:\n"
            "  - Exercises imported from free-exercise-db, released into the public domain (Unlicense).\n")
    catalogue = load_catalogue(into / "muscles.yaml")
    report, taken = ImportReport(), set()
    (into / "exercises").mkdir(exist_ok=True)
    for entry in sorted(entries, key=lambda e: e["id"]):
        text = exercise_file(entry, catalogue, report)
        if text is None:
            continue
        slug = _unique(slugify(entry["id"]) or "exercise", taken)
        (into / "exercises" / f"{slug}.md").write_text(text, encoding="utf-8")
        report.written += 1
    return report


def _unique(slug: str, taken: set[str]) -> str:
    candidate, number = slug, 2
    while candidate in taken:
        candidate, number = f"{slug}-{number}", number + 1
    taken.add(candidate)
    return candidate


def exercise_file(entry: dict, catalogue: MuscleCatalogue, report: ImportReport) -> str | None:
    """The exercise's Markdown file, or None when it cannot be one (no steps, no known muscle)."""
    name = entry["name"]
    problem = next((f"{name}: '{key}' is not a list of text" for key in _TEXT_LISTS if not _texts(entry.get(key))),
                   None)
    if problem:
        report.skipped.append(problem)
        return None
    steps = [step.strip() for step in entry.get("instructions") or [] if step.strip()]
    primary = _muscles(entry.get("primaryMuscles") or [], catalogue, report)
    if not steps or not primary:
        report.skipped.append(f"{name}: {'no instructions' if not steps else 'no muscle the guide knows'}")
        return None
    category = CATEGORIES.get(entry.get("category"))
    if entry.get("category") and category is None:
        report.unmapped[f"category '{entry['category']}'"] += 1
    equipment = [] if entry.get("equipment") in NO_EQUIPMENT else [entry["equipment"]]
    meta = {
        "title": name,
        "summary": _summary(entry, primary, equipment),
        "muscles": primary,
        "secondary": [m for m in _muscles(entry.get("secondaryMuscles") or [], catalogue, report) if m not in primary],
        "equipment": equipment,
        **({"category": category} if category else {}),
        **({"level": LEVELS[entry["level"]]} if entry.get("level") in LEVELS else {}),
        "tags": [tag for tag in (entry.get("force"), entry.get("mechanic")) if tag],
    }
    front_matter = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
    body = "\n".join(f"{number}. {_plain_markdown(step)}" for number, step in enumerate(steps, 1))
    return f"---\n{front_matter}---\n## Steps\n\n{body}\n"


_TEXT_LISTS = ("instructions", "primaryMuscles", "secondaryMuscles")


def _texts(value: object) -> bool:
    """Whether `value` is a list of text, or nothing (null), as the data set's lists are."""
    return value is None or isinstance(value, list) and all(isinstance(item, str) for item in value)


def _muscles(names: list[str], catalogue: MuscleCatalogue, report: ImportReport) -> list[str]:
    known = []
    for name in names:
        if catalogue.resolve(name) is None:
            report.unmapped[f"muscle '{name}'"] += 1
        elif name not in known:
            known.append(name)
    return known


def _summary(entry: dict, muscles: list[str], equipment: list[str]) -> str:
    kind = (entry.get("category") or "exercise").capitalize()
    tool = f", with {equipment[0] if equipment[0] != 'other' else 'equipment'}" if equipment else ", with no equipment"
    return f"{kind} exercise for the {' and '.join(muscles)}{tool}."


def _plain_markdown(text: str) -> str:
    """Instruction text kept as written: characters Markdown would read as markup are escaped."""
    return "".join("\\" + ch if ch in "\\`*_[]<>#" else ch for ch in " ".join(text.split()))
