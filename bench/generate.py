"""Synthetic guides for benchmarks: N exercises in our content format, the same for the same seed.

    python bench/generate.py 1000 /tmp/guide-1000     # writes /tmp/guide-1000/content
"""

from __future__ import annotations

import random
import shutil
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
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
    for number in range(routines if routines is not None else max(1, count // 50)):
        chosen = rng.sample(range(count), min(count, rng.randint(3, 6)))
        entries = "\n".join(f"  - exercise-{n:05d}" for n in chosen)
        (content / "routines" / f"routine-{number:04d}.md").write_text(
            f"---\ntitle: Routine {number:04d}\nsummary: {sentence(rng, 10)}\nfrequency: 3 times a week\n"
            f"exercises:\n{entries}\n---\n{sentence(rng, 20)}\n")
    return content


if __name__ == "__main__":
    print(generate_guide(Path(sys.argv[2]), int(sys.argv[1])))
