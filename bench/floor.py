"""The floor of our own stack: a plain, single-process Python-Markdown + Jinja2 loop over the same guide.

    python bench/floor.py CONTENT_DIR OUT_DIR

One page per exercise and one per muscle, with the Markdown extensions our build uses, and nothing else:
no validation, no cache, no search index, no body map. What our build does beyond this is what it costs.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import frontmatter
import jinja2
import markdown

PAGE = jinja2.Template(
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{ title }}</title></head><body>"
    "<h1>{{ title }}</h1><p>{{ summary }}</p><ul>{% for m in muscles %}<li><a href=\"../../muscles/{{ m }}/\">"
    "{{ m }}</a></li>{% endfor %}</ul>{{ body }}</body></html>\n", autoescape=True)
LIST = jinja2.Template(
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{ name }}</title></head><body>"
    "<h1>{{ name }}</h1><ul>{% for slug, title in pages %}<li><a href=\"../../exercises/{{ slug }}/\">"
    "{{ title }}</a></li>{% endfor %}</ul></body></html>\n", autoescape=True)


def main(content: Path, out: Path) -> None:
    converter = markdown.Markdown(extensions=["extra", "sane_lists", "smarty"])
    by_muscle: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for path in sorted((content / "exercises").rglob("*.md")):
        post = frontmatter.load(path)
        converter.reset()
        body = jinja2.utils.markupsafe.Markup(converter.convert(post.content))
        _write(out / "exercises" / path.stem / "index.html",
               PAGE.render(title=post["title"], summary=post["summary"], muscles=post["muscles"], body=body))
        for muscle in post["muscles"]:
            by_muscle[muscle].append((path.stem, post["title"]))
    for muscle, pages in sorted(by_muscle.items()):
        _write(out / "muscles" / muscle / "index.html", LIST.render(name=muscle, pages=pages))


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
