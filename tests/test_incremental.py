"""Rebuilds that reuse an earlier build's work give exactly what a clean build gives."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import PROJECT_DIR, make_guide
from exguide.pipeline import Builder, BuildOptions


def options(root: Path, templates: Path) -> BuildOptions:
    return BuildOptions(root / "content", root / "site", templates, pdfs=False)


def test_edits_rebuild_to_the_same_bytes_as_a_clean_build(tmp_path):
    make_guide(tmp_path)
    templates = tmp_path / "templates"
    shutil.copytree(PROJECT_DIR / "templates", templates)
    builder = Builder(options(tmp_path, templates))
    builder.render()
    assert builder.render().files == Builder(options(tmp_path, templates)).render().files
    assert builder.pages.cache.misses == 0  # nothing changed, nothing rendered again

    edits = [
        (tmp_path / "content/exercises/calf-raise.md", "title: Calf raise", "title: Calf raise on a step"),
        (tmp_path / "content/muscles.yaml", "name: Calves", "name: Calf muscles"),
        (templates / "exercise.html", "<h1>{{ exercise.title }}</h1>", "<h1 class=\"title\">{{ exercise.title }}</h1>"),
    ]
    for path, old, new in edits:
        path.write_text(path.read_text().replace(old, new))
        incremental = builder.render().files
        assert incremental == Builder(options(tmp_path, templates)).render().files, path.name
    assert b"Calf muscles" in incremental["muscles/calves/index.html"]
    assert b'<h1 class="title">Calf raise on a step</h1>' in incremental["exercises/calf-raise/index.html"]


def test_one_edit_renders_only_the_pages_that_show_it(tmp_path, monkeypatch):
    from exguide import render
    content = make_guide(tmp_path)
    builder = Builder(options(tmp_path, PROJECT_DIR / "templates"))
    first = builder.render().files
    rendered: list[str] = []
    real_render_page = render.render_page
    monkeypatch.setattr(render, "render_page", lambda environment, page, *rest: (
        rendered.append(page.path), real_render_page(environment, page, *rest))[1])
    exercise = content / "exercises/ankle-circles.md"
    exercise.write_text(exercise.read_text().replace("title: Ankle circles", "title: Ankle rolls"))
    second = builder.render().files
    changed = sorted(path for path in second if second[path] != first.get(path))
    assert "exercises/ankle-circles/index.html" in changed
    assert "exercises/hip-flexor-lunge/index.html" not in changed  # not its neighbour, not in its groups
    assert "exercises/hip-flexor-lunge/index.html" not in rendered
    html_pages = [p for p in second if p.endswith(".html")]
    assert len([p for p in rendered if p.endswith(".html")]) < len(html_pages) / 2
    search_shards = [p for p in second if p.startswith("assets/search/")]
    assert len([p for p in rendered if p.startswith("assets/search/")]) < len(search_shards) / 2
