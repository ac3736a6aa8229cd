"""`check`: one folder per finding under tests/check/, laid over the fixture guide, with the exact
warnings in its expected.txt. UPDATE_GOLDEN=1 rewrites them."""

from __future__ import annotations

import os
import shutil

import pytest

from conftest import PROJECT_DIR, TESTS_DIR, make_guide
from test_invalid import _overlay

CASES = sorted(p for p in (TESTS_DIR / "check").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_check_reports_exactly(case, run_build, tmp_path):
    make_guide(tmp_path, {k: v for k, v in _overlay(case).items() if not k.endswith(".keep")})
    result = run_build("check")
    expected = case / "expected.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        expected.write_text(result.stderr, encoding="utf-8")
    assert result.stderr == expected.read_text(encoding="utf-8")
    assert result.exit_code == 0
    assert result.stdout.startswith("Checked content: no errors, ")
    assert not (tmp_path / "site").exists()  # check writes nothing


def test_strict_counts_warnings_as_errors(run_build, tmp_path):
    make_guide(tmp_path)
    result = run_build("check", "--strict")
    assert result.exit_code == 1
    assert result.stdout == "Checked content: no errors, 2 warnings; --strict counts them as errors.\n"


def test_check_reports_content_errors_like_the_build(run_build, tmp_path):
    content = make_guide(tmp_path)
    (content / "exercises/calf-raise.md").write_text("---\ntitle: Calf raise\n---\n1. Rise.\n")
    result = run_build("check")
    assert result.exit_code == 1
    assert result.stderr.endswith("Check failed with 2 errors.\n")
    assert "content/exercises/calf-raise.md:1: missing required field 'muscles'" in result.stderr


def test_check_renders_every_page_and_reports_template_mistakes(run_build, tmp_path):
    make_guide(tmp_path)
    templates = tmp_path / "templates"
    shutil.copytree(PROJECT_DIR / "templates", templates)
    page = templates / "group.html"
    page.write_text(page.read_text().replace("{{ group.name }}", "{{ group.nickname }}", 1))
    result = run_build("check", "--templates", "templates")
    assert result.exit_code == 1
    assert "templates/group.html:" in result.stderr and "has no attribute 'nickname'" in result.stderr
    assert not (tmp_path / "site").exists()
