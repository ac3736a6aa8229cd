"""The build, stage after stage: content → Guide → plan → rendered files → site folder."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from .assemble import load_guide
from .body import BodyRenderer
from .model import Guide
from .pdf import print_routines
from .plan import plan_site, sheet_warnings
from .problems import Problem
from .render import SiteRenderer
from .sources import SourceReader
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
    guide: Guide
    links: Mapping[str, str]  # each content file's path → its place in the site
    files: dict[str, bytes]
    pages: int
    warnings: tuple[Problem, ...]
    pdf_paths: tuple[str, ...] = ()  # where the routines' PDFs go, made or not


@dataclass(frozen=True)
class BuildResult:
    pages: int
    files: int
    seconds: float
    warnings: tuple[Problem, ...]


class Builder:
    """Builds the guide, and builds it again after edits re-doing only what they affect.

    The command line uses one for a single build; `serve` keeps one for as long as it runs.
    """

    def __init__(self, options: BuildOptions) -> None:
        self.options = options
        self.reader = SourceReader()
        self.bodies = BodyRenderer()
        self.pages = SiteRenderer(options.template_dir)

    def render(self, print_pdfs: bool | None = None) -> RenderedSite:
        """Every output file, without touching the output folder.

        With PDFs on, pages link to them; `print_pdfs=False` leaves making them to a later build.
        """
        options = self.options
        for cache in (self.reader.cache, self.bodies.cache):
            cache.next_build()
        guide = load_guide(options.content_dir, options.include_drafts, self.reader, self.bodies)
        plan = plan_site(guide, options.template_dir / "assets", pdfs=options.pdfs)
        files = self.pages.render(plan)
        if options.pdfs and (print_pdfs is None or print_pdfs):
            printed, plan = print_routines(plan, options.template_dir, files)
            files.update(printed)
        pages = sum(page.path.endswith(".html") for page in plan.pages)
        pdf_paths = tuple(path for page in plan.pages for _, path in page.context.get("pdf_links", ()))
        return RenderedSite(guide, plan.links, files, pages, sheet_warnings(plan.pages), pdf_paths)

    def build(self) -> BuildResult:
        """Build the site; on a ContentError nothing has been written."""
        started = time.perf_counter()
        site = self.render()
        write_site(site.files, self.options.out_dir)
        return BuildResult(site.pages, len(site.files), time.perf_counter() - started, site.warnings)


def build(options: BuildOptions) -> BuildResult:
    """Build the site once; on a ContentError nothing has been written."""
    return Builder(options).build()
