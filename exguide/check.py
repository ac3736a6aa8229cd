"""`check`: everything the build checks, plus warnings about content that builds but reads badly."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import replace
from pathlib import Path

from .links import broken
from .model import Guide
from .pipeline import Builder, BuildOptions, Progress
from .plan import sheet_warnings
from .problems import Problem

MAX_STEPS = 6  # what a one-page routine sheet holds per exercise (see sheet.py)

# The scripts each language is written in, by its primary language subtag.
LANGUAGE_SCRIPTS = {
    **dict.fromkeys("en fr de es it pt nl sv da no nb nn fi pl cs sk sl hr ro hu tr id ms vi ca eu ga cy"
                    .split(), {"LATIN"}),
    **dict.fromkeys("ru uk be bg sr mk kk".split(), {"CYRILLIC"}),
    "el": {"GREEK"}, "he": {"HEBREW"}, "ar": {"ARABIC"}, "fa": {"ARABIC"}, "hi": {"DEVANAGARI"},
    "th": {"THAI"}, "zh": {"CJK"}, "ja": {"CJK", "HIRAGANA", "KATAKANA"}, "ko": {"HANGUL", "CJK"},
}
SCRIPT_NAMES = {"CJK": "Chinese (Han)", "LATIN": "Latin", "CYRILLIC": "Cyrillic", "GREEK": "Greek",
                "HEBREW": "Hebrew", "ARABIC": "Arabic", "DEVANAGARI": "Devanagari", "THAI": "Thai",
                "HIRAGANA": "Japanese (Hiragana)", "KATAKANA": "Japanese (Katakana)", "HANGUL": "Korean (Hangul)"}


def check_guide(options: BuildOptions, progress: Progress = lambda what, done, total: None) -> list[Problem]:
    """The warnings about the guide; a ContentError when it does not build at all."""
    guide, plan = Builder(replace(options, pdfs=False), progress, rebuilds=False).check()
    return sorted([*sheet_warnings(plan.pages), *_broken_links(guide, plan.links), *_foreign_paragraphs(guide),
                   *_unused_exercises(guide), *_unworked_groups(guide), *_near_duplicate_titles(guide),
                   *_long_steps(guide), *_huge_pictures(guide)])


def _warning(path: Path, line: int, message: str) -> Problem:
    return Problem(path, line, message, severity="warning")


def _line_of(path: Path, needle: str, default: int = 1) -> int:
    """The line of the first occurrence of `needle` in the file."""
    text = path.read_text(encoding="utf-8-sig")
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else default


def _broken_links(guide: Guide, links) -> list[Problem]:
    bodies = [(e.source, e.body_html) for e in guide.exercises] + \
             [(r.source, r.introduction_html) for r in guide.routines] + \
             [(guide.content_dir / "guide.yaml", guide.introduction_html)]
    return [
        _warning(source, _line_of(source, f"({address}"), f"the link '{address}' leads to no file of the guide; "
                 "write it relative to this file, like 'ankle-mobilization.md' or '../images/knee.jpg'")
        for source, html in bodies for address in broken(html, source.as_posix(), links)
    ]


def _foreign_paragraphs(guide: Guide) -> list[Problem]:
    """Paragraphs in another script than the guide's language: a slip of machine translation, say."""
    expected = LANGUAGE_SCRIPTS.get(guide.config.language.split("-")[0])
    if not expected:
        return []
    sources = [e.source for e in guide.exercises] + [r.source for r in guide.routines]
    return [
        _warning(source, number, f"this line is written in {SCRIPT_NAMES.get(script, script.title())} script, "
                 f"not in the {' or '.join(sorted(SCRIPT_NAMES.get(s, s) for s in expected))} script of the "
                 f"guide's language '{guide.config.language}'; translate it or remove it")
        for source in sources
        for number, line in enumerate(source.read_text(encoding="utf-8-sig").splitlines(), 1)
        if (script := _foreign_script(line, expected))
    ]


def _foreign_script(text: str, expected: set[str]) -> str | None:
    """The main script of the text's letters, when a third of them or more are not in `expected`."""
    if text.isascii() and "LATIN" in expected:  # most lines: their letters are all Latin, found at C speed
        return None
    scripts = Counter(unicodedata.name(ch, "?").split(" ")[0] for ch in text if ch.isalpha())
    foreign = {script: count for script, count in scripts.items() if script not in expected}
    letters = sum(scripts.values())
    if letters >= 5 and sum(foreign.values()) * 3 >= letters:
        return max(sorted(foreign), key=foreign.get)
    return None


HUGE_PICTURE = 20_000_000  # bytes: a picture this big slows every build that reads it, and adds nothing on screen


def _huge_pictures(guide: Guide) -> list[Problem]:
    return [_warning(picture.source, 1, f"the picture is {picture.source.stat().st_size / 1e6:.0f} MB; the site shows "
                                        f"it at most {picture.largest.width} pixels wide, so a smaller file (a few "
                                        "MB at most) gives the same pages and faster builds")
            for picture in guide.pictures if picture.source.stat().st_size > HUGE_PICTURE]


def _unused_exercises(guide: Guide) -> list[Problem]:
    used = {item.exercise.slug for routine in guide.routines for item in routine.items}
    return [_warning(e.source, 1, "no routine uses this exercise") for e in guide.exercises if e.slug not in used]


def _unworked_groups(guide: Guide) -> list[Problem]:
    muscles = guide.content_dir / "muscles.yaml"
    return [_warning(muscles, _line_of(muscles, f"slug: {listing.group.slug}"),
                     f"no exercise works the muscle group '{listing.group.slug}'")
            for listing in guide.listings if not listing.is_worked]


def _title_key(title: str) -> str:
    """Titles that differ only in case, punctuation, plurals or word order share a key."""
    words = re.findall(r"[a-z0-9]+", title.casefold())
    return " ".join(sorted(w[:-1] if w.endswith("s") and len(w) > 3 else w for w in words))


def _near_duplicate_titles(guide: Guide) -> list[Problem]:
    first: dict[str, object] = {}
    problems = []
    for exercise in sorted(guide.exercises, key=lambda e: e.source):
        original = first.setdefault(_title_key(exercise.title), exercise)
        if original is not exercise:
            problems.append(_warning(exercise.source, _line_of(exercise.source, "title:"),
                                     f"the title '{exercise.title}' is nearly the same as '{original.title}' "
                                     f"({original.source}); give them distinct titles or merge them"))
    return problems


def _long_steps(guide: Guide) -> list[Problem]:
    return [_warning(e.source, _line_of(e.source, f"\n{MAX_STEPS + 1}.") + 1,
                     f"{len(e.steps)} steps: a one-page routine sheet fits exercises of up to {MAX_STEPS} steps; "
                     "shorten the list or split the exercise")
            for e in guide.exercises if len(e.steps) > MAX_STEPS]
