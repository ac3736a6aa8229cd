"""The README's example files are real: each one validates, and the examples build."""

from __future__ import annotations

import io
import re

from PIL import Image

from conftest import PROJECT_DIR, make_guide

README = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")


def _example(heading: str) -> str:
    """The first code block after a `### heading` of the README."""
    section = README.split(f"### `{heading}`", 1)[1]
    return re.search(r"```\w*\n(.*?)```", section, re.S).group(1)


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def test_the_readme_examples_build_inside_the_bundled_guide(run_build, tmp_path):
    content = make_guide(tmp_path, {
        "guide.yaml": _example("content/guide.yaml"),
        "exercises/ankle-mobilization.md": _example("content/exercises/<slug>.md"),
        "routines/runners-knee.md": _example("content/routines/<slug>.md"),
        "images/ankle.jpg": _photo(),
        "videos/ankle.mp4": b"\x00\x00\x00\x18ftypmp42",
    }, base=PROJECT_DIR / "content")
    result = run_build("--content", str(content))
    assert result.exit_code == 0, result.stderr
    page = (tmp_path / "site/routines/runners-knee/index.html").read_text()
    # the example's override replaces the hold and keeps the exercise's sets, reps and sides
    assert '<p class="dose">2 sets of 6 reps with a 45 s hold, each side</p>' in page


def test_the_readme_muscles_example_builds(run_build, tmp_path):
    content = make_guide(tmp_path, {"muscles.yaml": _example("content/muscles.yaml")})
    for path in (content / "exercises").rglob("*.md"):
        if any(word in path.name for word in ("calf", "ankle", "hamstring")):
            path.unlink()  # the example lists only hip flexors and quadriceps
    (content / "routines/leg-day.md").write_text(
        "---\ntitle: Hips\nsummary: One.\nfrequency: daily\nexercises: [hip-flexor-lunge]\n---\n")
    result = run_build("--content", str(content))
    assert result.exit_code == 0, result.stderr


def test_the_readme_error_example_is_what_the_build_prints(run_build, tmp_path):
    content = make_guide(tmp_path, base=PROJECT_DIR / "content")
    lunge = content / "exercises/low-lunge-with-reach.md"
    lunge.rename(content / "exercises/low-lunge.md")
    text = (content / "exercises/low-lunge.md").read_text()
    text = text.replace("muscles: [iliopsoas, rectus femoris]", "muscles: [illiopsoas, rectus femoris]")
    text = text.replace("summary:", "sumary:")
    (content / "exercises/low-lunge.md").write_text(text)
    routine = content / "routines/runners-knee.md"
    routine.write_text(routine.read_text().replace("  - low-lunge-with-reach\n", "  - low-lunge\n")
                       .replace("  - ankle-mobilization", "  - ankle-mob"))
    expected = re.search(r"```\n(content/exercises/low-lunge.md:.*?)```", README, re.S).group(1)
    assert run_build("--content", str(content)).stderr == expected
