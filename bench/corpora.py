"""The same synthetic guide as a Hugo, a Pelican and a MkDocs project, for timing those tools on it.

Each exercise becomes one page with its title, summary, muscles and Markdown body; the muscles become the
tool's taxonomy where it has one (Hugo's taxonomies, Pelican's tags), so that every tool also makes one
index page per muscle group, as our build does. Links between exercises become plain relative addresses.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

LINK = re.compile(r"\]\((exercise-\d+)\.md\)")


def exercises(content: Path):
    """(slug, front matter, body) of every exercise of one of our content folders."""
    for path in sorted((content / "exercises").rglob("*.md")):
        _, front, body = path.read_text().split("---\n", 2)
        yield path.stem, yaml.safe_load(front), LINK.sub(r"](../\1/)", body)


def hugo_project(content: Path, root: Path) -> Path:
    _fresh(root)
    (root / "hugo.toml").write_text(
        'baseURL = "/"\ntitle = "Bench"\ndisableKinds = ["rss", "sitemap", "robotsTXT", "404"]\n'
        'relativeURLs = true\n[taxonomies]\n  muscle = "muscles"\n')
    layouts = root / "layouts" / "_default"
    layouts.mkdir(parents=True)
    (layouts / "baseof.html").write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>'
        '<body><nav><a href="{{ "/" | relURL }}">Home</a></nav><main>{{ block "main" . }}{{ end }}</main>'
        '</body></html>\n')
    (layouts / "single.html").write_text(
        '{{ define "main" }}<h1>{{ .Title }}</h1><p>{{ .Summary }}</p><ul>{{ range .GetTerms "muscles" }}'
        '<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>{{ .Content }}{{ end }}\n')
    (layouts / "list.html").write_text(
        '{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">'
        '{{ .Title }}</a> {{ .Params.summary }}</li>{{ end }}</ul>{{ end }}\n')
    pages = root / "content" / "exercises"
    pages.mkdir(parents=True)
    for slug, front, body in exercises(content):
        meta = {"title": front["title"], "summary": front["summary"], "muscles": front["muscles"]}
        (pages / f"{slug}.md").write_text(f"---\n{yaml.safe_dump(meta)}---\n{body}")
    return root


def pelican_project(content: Path, root: Path) -> Path:
    _fresh(root)
    (root / "pelicanconf.py").write_text(
        'AUTHOR = "Bench"\nSITENAME = "Bench"\nPATH = "content"\nTIMEZONE = "UTC"\nDEFAULT_LANG = "en"\n'
        'FEED_ALL_ATOM = None\nCATEGORY_FEED_ATOM = None\nTRANSLATION_FEED_ATOM = None\n'
        'AUTHOR_FEED_ATOM = None\nAUTHOR_FEED_RSS = None\nDEFAULT_PAGINATION = False\n'
        'RELATIVE_URLS = True\nARTICLE_URL = "exercises/{slug}/"\nARTICLE_SAVE_AS = "exercises/{slug}/index.html"\n')
    pages = root / "content"
    pages.mkdir()
    for slug, front, body in exercises(content):
        (pages / f"{slug}.md").write_text(
            f"Title: {front['title']}\nSlug: {slug}\nDate: 2026-01-01\nCategory: exercises\n"
            f"Tags: {', '.join(front['muscles'])}\nSummary: {front['summary']}\n\n{body}")
    return root


def mkdocs_project(content: Path, root: Path) -> Path:
    _fresh(root)
    (root / "mkdocs.yml").write_text("site_name: Bench\nuse_directory_urls: true\n")
    pages = root / "docs" / "exercises"
    pages.mkdir(parents=True)
    (root / "docs" / "index.md").write_text("# Bench\n\nThe exercises.\n")
    for slug, front, body in exercises(content):
        muscles = ", ".join(front["muscles"])
        (pages / f"{slug}.md").write_text(
            f"---\ntitle: {front['title']}\n---\n# {front['title']}\n\n{front['summary']}\n\n"
            f"Muscles: {muscles}\n\n{body}")
    return root


def _fresh(root: Path) -> None:
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
