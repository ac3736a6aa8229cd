"""A routine at the print limit: 8 exercises of 6 long steps, long names, long cautions."""

from __future__ import annotations

from pathlib import Path

# 90 characters: a long instruction sentence, and the length the README promises fits.
STEP = "{n}. Keeping your back long and your {part} relaxed, move slowly into the stretch; breathe."
PARTS = ("shoulders", "jaw", "hands", "neck", "feet", "hips")


def limit_exercise(number: int, steps: int = 6) -> str:
    body = "\n".join(STEP.format(n=n, part=PARTS[n - 1]) for n in range(1, steps + 1))
    return (
        "---\n"
        f"title: Half-kneeling hip flexor mobilization with a reach, no. {number}\n"
        "summary: A long exercise for the print limit.\n"
        "muscles: [hip flexors]\n"
        "dose:\n  sets: 3\n  reps: 12\n  hold: 5\n  rest: 30\n  sides: each\n"
        f"cautions:\n  - Stop at once if you feel sharp pain, pins and needles or numbness (no. {number}).\n"
        "---\n"
        "Why it helps, in a few words.\n\n"
        f"{body}\n"
    )


def limit_routine(count: int = 8) -> str:
    entries = "\n".join(f"  - limit-{n}" for n in range(1, count + 1))
    return ("---\ntitle: The longest routine that still fits on one page\nsummary: At the limit.\n"
            f"frequency: daily\nexercises:\n{entries}\n---\nIntroduction.\n")


def limit_files(count: int = 8, steps: int = 6) -> dict[str, str]:
    """Files to lay over the fixture guide: the limit routine and its exercises, with a base_url."""
    files = {f"exercises/limit-{n}.md": limit_exercise(n, steps) for n in range(1, count + 1)}
    files["routines/limit.md"] = limit_routine(count)
    guide = (Path(__file__).parent / "fixture/content/guide.yaml").read_text()
    files["guide.yaml"] = guide + "base_url: https://guides.example.org/legs/\n"
    return files
