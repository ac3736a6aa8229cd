"""The build, stage after stage: content → Guide → plan → rendered files → site folder."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from .assemble import load_guide
from .pdf import print_routines
from .plan import plan_site, sheet_warnings
from .problems import Problem
from .render import render_site
from .write import write_site

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_TEMPLATES = PROJECT_DIR / "templates"


@dataclass(frozen=True)
class BuildOptions:
    content_dir: Path
    out_dir: Path
    template_dir: Path = DEFAULT_TEMPLATES
    include_drafts: bool = False
    pdfs: bool = True


@dataclass(frozen=True)
class RenderedSite:
    files: dict[str, bytes]
    pages: int
    warnings: tuple[Problem, ...]


@dataclass(frozen=True)
class BuildResult:
    pages: int
    files: int
    seconds: float
    warnings: tuple[Problem, ...]


def render_guide(options: BuildOptions) -> RenderedSite:
    """Every output file, without touching the output folder."""
    guide = load_guide(options.content_dir, options.include_drafts)
    plan = plan_site(guide, options.template_dir / "assets", pdfs=options.pdfs)
    files = render_site(plan, options.template_dir)
    if options.pdfs:
        printed, plan = print_routines(plan, options.template_dir, files)
        files.update(printed)
    pages = sum(page.path.endswith(".html") for page in plan.pages)
    return RenderedSite(files, pages, sheet_warnings(plan.pages))


def build(options: BuildOptions) -> BuildResult:
    """Build the site; on a ContentError nothing has been written."""
    started = time.perf_counter()
    site = render_guide(options)
    write_site(site.files, options.out_dir)
    return BuildResult(site.pages, len(site.files), time.perf_counter() - started, site.warnings)
