"""`new exercise "Title"` and `new routine "Title"`: a new content file that builds at once."""

from __future__ import annotations

import json
from pathlib import Path

import jinja2
import yaml
from slugify import slugify

from .problems import display_path


class NewFileError(Exception):
    """The file cannot be made; the message says why and what to do."""


def new_file(kind: str, title: str, content_dir: Path, template_dir: Path) -> Path:
    """Write content/<kind>s/<slug>.md from templates/new/<kind>.md; never over an existing file."""
    if not title.isprintable():  # the command line's bytes that are not UTF-8 come as lone surrogates
        raise NewFileError("the title holds characters that are not text (a control character, or bytes that "
                           "are not UTF-8); type it again")
    slug = slugify(title, max_length=SLUG_MOST, word_boundary=True)
    if not slug:
        raise NewFileError(f"the title '{title}' has no letters or digits to make a file name from")
    path = content_dir / f"{kind}s" / f"{slug}.md"
    if path.exists():
        raise NewFileError(f"{display_path(path)} already exists; choose another title or edit that file")
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(template_dir / "new"),
                                     undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    values = {"title": json.dumps(title, ensure_ascii=False),  # a YAML string whatever the title holds
              "muscle": _first_group(content_dir), "exercise": _first_exercise(content_dir)}
    data = environment.get_template(f"{kind}.md").render(values).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("xb") as file:  # "x": fails rather than overwrite a file made meanwhile
        file.write(data)
    return path


SLUG_MOST = 80  # characters of a file name made from a title: a long title still makes a name a system takes


def _first_group(content_dir: Path) -> str:
    """A muscle group the guide knows, so that the new exercise builds before it is edited."""
    try:
        groups = yaml.safe_load((content_dir / "muscles.yaml").read_text(encoding="utf-8"))["groups"]
        return str(groups[0]["slug"])
    except (OSError, yaml.YAMLError, KeyError, IndexError, TypeError):
        raise NewFileError("content/muscles.yaml is missing or broken; run `build.py check` first") from None


def _first_exercise(content_dir: Path) -> str:
    slugs = sorted(p.stem for p in (content_dir / "exercises").rglob("*.md"))
    if not slugs:
        raise NewFileError("a routine needs exercises; make one first with `build.py new exercise \"Title\"`")
    return slugs[0]
