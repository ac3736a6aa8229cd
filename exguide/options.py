"""What a build is asked to do, and what it did; light to import, so that the command line answers quickly."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .problems import Problem

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_TEMPLATES = PROJECT_DIR / "templates"


@dataclass(frozen=True)
class BuildOptions:
    content_dir: Path
    out_dir: Path
    template_dir: Path = DEFAULT_TEMPLATES
    include_drafts: bool = False
    pdfs: bool = True
    use_cache: bool = True  # False: ignore what earlier builds left, and render everything again
    workers: int | None = None  # processes that render; None: one per core, when the guide is big enough

    @property
    def cache_dir(self) -> Path:
        """The build's memory, beside the content folder, where its owner writes (an output folder may be in
        a /tmp that anyone writes), and never in the output folder, so that it is not published."""
        return self.content_dir.resolve().parent / f".{self.out_dir.resolve().name}-cache"


@dataclass(frozen=True)
class BuildResult:
    pages: int
    files: int
    seconds: float
    warnings: tuple[Problem, ...]
    rendered: tuple[str, ...] = ()  # the files made again: all on a first build, none when nothing changed
    written: tuple[str, ...] = ()  # the files whose bytes changed
