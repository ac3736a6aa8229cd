"""One folder per bad-input case under tests/invalid/: its files go over the fixture guide, and the
build must fail with exactly the messages in its expected.txt, write nothing, and exit 1.

Set UPDATE_GOLDEN=1 to rewrite the expected files after a deliberate change of wording.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROJECT_DIR, TESTS_DIR, make_guide

CASES = sorted(p for p in (TESTS_DIR / "invalid").iterdir() if p.is_dir())


def _overlay(case: Path) -> dict[str, bytes]:
    files = case / "content"
    return {p.relative_to(files).as_posix(): p.read_bytes() for p in files.rglob("*") if p.is_file()}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_reported_exactly(case, run_build, tmp_path):
    make_guide(tmp_path, _overlay(case))
    result = run_build("build")
    expected_file = case / "expected.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        expected_file.write_text(result.stderr, encoding="utf-8")
    assert result.stderr == expected_file.read_text(encoding="utf-8")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert not (tmp_path / "site").exists()


def test_errors_never_show_a_traceback(tmp_path):
    """The real command, in its own process, as an author runs it."""
    make_guide(tmp_path, _overlay(TESTS_DIR / "invalid" / "many-files-at-once"))
    result = subprocess.run([sys.executable, str(PROJECT_DIR / "build.py")], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("content/")
    assert result.stderr.endswith("Build failed with 3 errors; site/ was left as it was.\n")
