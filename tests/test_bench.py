"""The benchmark's inputs: the synthetic guide builds, and the other tools get the same exercises."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import PROJECT_DIR

sys.path.insert(0, str(PROJECT_DIR / "bench"))
import corpora  # noqa: E402
from generate import generate_guide  # noqa: E402


def test_the_synthetic_guide_builds_and_every_tool_gets_each_exercise(tmp_path, run_build):
    content = generate_guide(tmp_path, 30)
    assert run_build("--content", str(content), "--no-pdf").exit_code == 0
    assert len(list((tmp_path / "site/exercises").glob("exercise-*/index.html"))) == 30
    hugo = corpora.hugo_project(content, tmp_path / "hugo")
    pelican = corpora.pelican_project(content, tmp_path / "pelican")
    mkdocs = corpora.mkdocs_project(content, tmp_path / "mkdocs")
    for pages in (hugo / "content/exercises", pelican / "content", mkdocs / "docs/exercises"):
        assert len(list(pages.glob("exercise-*.md"))) == 30
    assert "](exercise-" not in (hugo / "content/exercises/exercise-00000.md").read_text()  # links rewritten


def test_the_floor_loop_writes_a_page_per_exercise_and_muscle(tmp_path):
    content = generate_guide(tmp_path, 30)
    subprocess.run([sys.executable, str(PROJECT_DIR / "bench/floor.py"), str(content), str(tmp_path / "floor")],
                   check=True)
    assert len(list((tmp_path / "floor/exercises").glob("*/index.html"))) == 30
    assert list((tmp_path / "floor/muscles").glob("*/index.html"))


def test_each_timed_build_starts_from_an_empty_folder_with_the_last_runs_files_moved_aside(tmp_path, monkeypatch):
    import run
    monkeypatch.setattr(run, "SETTLE_SECONDS", 0)
    site = tmp_path / "site"
    (site / "exercises").mkdir(parents=True)
    (site / "exercises/index.html").write_text("last run")
    run.emptied(site, tmp_path / "never-made")
    aside = [path for path in tmp_path.iterdir() if path.name.startswith(".aside-site-")]
    assert not site.exists() and len(aside) == 1 and (aside[0] / "exercises/index.html").read_text() == "last run"


def test_the_import_floor_is_timed_as_a_new_process_that_imports_the_build():
    import run
    imports = run.time_imports(runs=2, timeout=60)
    assert len(imports.seconds) == 2 and all(0 < seconds < 60 for seconds in imports.seconds), imports.note
    assert run._verdict("new process: Python, imports", 10_000, imports, 12.0) == imports.note


def test_the_free_exercise_db_corpus_scales_the_real_data_set_with_varied_titles_muscles_and_headings(
        tmp_path, run_build):
    from conftest import skip_or_fail
    from generate import FREE_EXERCISE_DB, generate_from_free_exercise_db

    if not FREE_EXERCISE_DB.is_file():
        skip_or_fail(f"the shared data set is not at {FREE_EXERCISE_DB}")
    content = generate_from_free_exercise_db(tmp_path, 2000)
    texts = [path.read_text() for path in sorted((content / "exercises").glob("exercise-*.md"))]
    assert len(texts) == 2000
    titles = [text.split("\ntitle: ", 1)[1].split("\n", 1)[0] for text in texts]
    assert len(set(titles)) == 2000  # the repeats are told apart
    assert any("## Why" in text for text in texts) and any("### Tips" in text for text in texts)
    assert run_build("--content", str(content), "--no-pdf").exit_code == 0


def test_compare_builds_finds_every_guide_the_same_as_the_commit_it_was_made_from():
    """tools/compare_builds.py, which a refactor's byte-for-byte comparison uses, against HEAD: the same
    bytes, unless this tree has changes not committed yet (then it is not asked)."""
    changed = subprocess.run(["git", "-C", str(PROJECT_DIR), "status", "--porcelain", "--", "exguide", "templates"],
                             capture_output=True, text=True, check=True).stdout
    if changed:
        pytest.skip("exguide/ or templates/ has uncommitted changes: HEAD would differ")
    result = subprocess.run([sys.executable, str(PROJECT_DIR / "tools/compare_builds.py"), "HEAD", "--size", "20"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("all the same") >= 3
