"""Read ahead: a big guide's Markdown files parsed and their bodies converted in worker processes, so that
`load_guide` finds the slow part of reading done."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from .body import BodyRenderer
from .parallel import run_shared
from .problems import ContentError
from .sources import SourceReader


_shared: tuple[SourceReader, BodyRenderer] | None = None  # set before the workers fork


def read_in_workers(content_dir: Path, reader: SourceReader, renderer: BodyRenderer, workers: int,
                    skip: Iterable[Path] = ()) -> None:
    """Parse the Markdown files (but those to `skip`) and convert their bodies in `workers` processes, filling
    both caches, so that `load_guide` finds the slow work done. Problems are left for `load_guide` to find
    and report."""
    global _shared
    reader.cache.take_made(), renderer.cache.take_made()  # what the workers inherit is not theirs to send back
    skip = set(skip)
    paths = [path for path in (*reader.files(content_dir / "exercises", ".md"),
                               *reader.files(content_dir / "routines", ".md")) if path not in skip]
    _shared = (reader, renderer)
    try:
        pieces = workers * 16  # enough for the parent and the workers to finish together
        for documents, bodies in run_shared(_read_piece, [paths[i::pieces] for i in range(pieces)], workers):
            reader.remember(documents)
            renderer.cache.remember(bodies, in_use=True)
    finally:
        _shared = None


def _read_piece(paths: list[Path]) -> tuple[dict, dict]:
    reader, renderer = _shared
    for path in paths:
        try:
            renderer.render(reader.markdown(path).body)
        except ContentError:
            continue
    return reader.cache.take_made(), renderer.cache.take_made()
