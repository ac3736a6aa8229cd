"""Guides for benchmarks: N exercises in our content format, the same for the same seed.

    python bench/generate.py 1000 /tmp/guide-1000                      # synthetic: writes /tmp/guide-1000/content
    python bench/generate.py 1000 /tmp/guide-1000 free-exercise-db     # the real data set, scaled up

A corpus made alongside the code hides its costs: the synthetic one has short, regular titles and one muscle
list; the free-exercise-db one (shared/corpora, never committed) has the data set's own titles, muscle names
and instructions, imported with `build.py import`, and is scaled up with varied titles, muscles and headings.
"""

from __future__ import annotations

import random
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
FREE_EXERCISE_DB = PROJECT_DIR.parent / "shared" / "corpora" / "free-exercise-db" / "exercises.json"
VARIANTS = ("slow", "paused", "single-side", "tempo", "banded", "elevated", "wide", "narrow", "supported", "half")
WORDS = ("knee hip ankle slow breathe hold stretch lengthen spine shoulder relax gently steady control "
         "balance reach press lift lower return repeat tension comfortable range motion muscle posture "
         "floor wall strap cushion weight side front back deep light easy firm").split()
MUSCLES = ("quadriceps hamstrings glutes hip-flexors hip-abductors adductors calves shins core lower-back "
           "chest shoulders upper-back lats biceps triceps forearms neck iliopsoas soleus gastrocnemius "
           "gluteus medius").split()
LEVELS = ("beginner", "intermediate", "advanced")
CATEGORIES = ("mobility", "stretch", "strength", "stability", "cardio")


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def exercise(rng: random.Random, number: int, count: int) -> str:
    muscles = rng.sample(MUSCLES[:18], rng.randint(1, 3))
    other = f"exercise-{rng.randrange(count):05d}.md"
    paragraphs = "\n\n".join(" ".join(sentence(rng, rng.randint(8, 14)) for _ in range(4)) for _ in range(3))
    steps = "\n".join(f"{n}. {sentence(rng, rng.randint(8, 14))}" for n in range(1, rng.randint(3, 6) + 1))
    bullets = "\n".join(f"- {sentence(rng, 6)}" for _ in range(3))
    return (
        f"---\ntitle: Exercise {number:05d} {rng.choice(WORDS)} {rng.choice(WORDS)}\n"
        f"summary: {sentence(rng, 12)}\nmuscles: [{', '.join(muscles)}]\n"
        f"equipment: [{rng.choice(WORDS)}]\ncategory: {rng.choice(CATEGORIES)}\nposition: standing\n"
        f"level: {rng.choice(LEVELS)}\ndose:\n  sets: {rng.randint(1, 4)}\n  reps: {rng.randint(5, 15)}\n"
        f"cautions:\n  - {sentence(rng, 10)}\n---\n"
        f"{paragraphs}\n\n## Steps\n\n{steps}\n\n## Tips\n\n{bullets}\n\n"
        f"See also [another exercise]({other}) and [a guide](https://example.org/guide).\n"
    )


def generate_guide(root: Path, count: int, seed: int = 1, routines: int | None = None) -> Path:
    """A guide of `count` exercises and about one routine per 50 under `root`/content."""
    rng = random.Random(seed)
    content = root / "content"
    if content.exists():
        shutil.rmtree(content)
    (content / "exercises").mkdir(parents=True)
    (content / "routines").mkdir()
    for name in ("guide.yaml", "muscles.yaml"):
        shutil.copy(PROJECT_DIR / "content" / name, content / name)
    for number in range(count):
        (content / "exercises" / f"exercise-{number:05d}.md").write_text(exercise(rng, number, count))
    if routines != 0:
        _routines(content, rng, count, routines)
    return content


def generate_from_free_exercise_db(root: Path, count: int, seed: int = 1, source: Path = FREE_EXERCISE_DB) -> Path:
    """A guide of `count` exercises under `root`/content made from the free-exercise-db data set: imported as an
    author would import it, then repeated with variants until there are `count` (file names as the synthetic
    guide's, exercise-00000.md..., so that the bench edits and fetches them alike)."""
    from exguide.importer import import_free_exercise_db

    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as folder:
        imported = Path(folder) / "content"
        import_free_exercise_db(source, imported, PROJECT_DIR / "content" / "muscles.yaml")
        bases = [path.read_text().split("---\n", 2)[1:] for path in sorted((imported / "exercises").glob("*.md"))]
    content = generate_guide(root, 0, seed, routines=0)
    for number in range(count):
        front, body = bases[number % len(bases)]
        meta = yaml.safe_load(front)
        _vary(meta, number // len(bases))
        body = _with_headings(body, meta, number // len(bases))
        text = "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000) + "---\n" + body
        (content / "exercises" / f"exercise-{number:05d}.md").write_text(text)
    _routines(content, rng, count)
    return content


def _vary(meta: dict, variant: int) -> None:
    """The `variant`th repeat of an exercise: another title, and on odd repeats its muscles swapped."""
    if not variant:
        return
    word = VARIANTS[variant % len(VARIANTS)]
    meta["title"] = f"{meta['title']} ({word}{'' if variant < len(VARIANTS) else f' {variant}'})"
    if variant % 2 and meta.get("secondary"):
        meta["muscles"], meta["secondary"] = meta["secondary"], meta["muscles"]


def _with_headings(body: str, meta: dict, variant: int) -> str:
    """The body, with a paragraph under a heading of its own before or after the steps on two repeats in three."""
    if variant % 3 == 1:
        return f"## Why\n\n{meta['summary']} Done {VARIANTS[variant % len(VARIANTS)]}.\n\n{body}"
    if variant % 3 == 2:
        return f"{body}\n### Tips\n\n- Keep the movement {VARIANTS[variant % len(VARIANTS)]} and steady.\n"
    return body


def _routines(content: Path, rng: random.Random, count: int, routines: int | None = None) -> None:
    """About one routine per 50 exercises, of three to six of them."""
    for number in range(routines if routines is not None else max(1, count // 50)):
        chosen = rng.sample(range(count), min(count, rng.randint(3, 6)))
        entries = "\n".join(f"  - exercise-{n:05d}" for n in chosen)
        (content / "routines" / f"routine-{number:04d}.md").write_text(
            f"---\ntitle: Routine {number:04d}\nsummary: {sentence(rng, 10)}\nfrequency: 3 times a week\n"
            f"exercises:\n{entries}\n---\n{sentence(rng, 20)}\n")


CORPORA = {"generated": generate_guide, "free-exercise-db": generate_from_free_exercise_db}


if __name__ == "__main__":
    print(CORPORA[sys.argv[3] if len(sys.argv) > 3 else "generated"](Path(sys.argv[2]), int(sys.argv[1])))
