"""Render, for a build: each page keyed, and rendered only when its key is not the one the output folder's
file was made with; what changed is written to the staging folder (see staging.StagedOutput).

A big guide's pages are keyed and rendered in one process per core (see parallel.py), each with its own
template environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

import jinja2

from .blocks import FolderBlocks
from .fingerprint import digest_bytes
from .parallel import run_shared
from .paths import Page
from .problems import ContentError, Problem
from .render import PageKeys, make_environment, page_blocks, render_page_pieces, template_problem, work_pieces
from .store import OutputRecord
from .templates import TemplateDigests
from .staging import stage_file


@dataclass(frozen=True)
class FolderJob:
    """Pages to render into a staging folder (or, without one, only to find their problems), with what the
    output folder already holds. Each worker keys its own pages (see `PageKeys`), beside rendering them."""

    pages: tuple[Page, ...]
    kept: Mapping[str, OutputRecord]  # files of the output folder still as the last build wrote them
    template_dir: Path
    templates_digest: str  # of the whole templates folder, for the workers' template environments
    staging: Path | None
    blocks: Path | None = None  # where the pages' lists of fragments are kept between builds (see blocks.py)
    compiled_templates: Path | None = None  # where compiled templates are kept between builds


@dataclass
class FolderResult:
    records: dict[str, OutputRecord] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)  # staged, to be moved in
    rendered: list[str] = field(default_factory=list)
    problems: set[Problem] = field(default_factory=set)
    pages: int = 0  # looked at, rendered or not

    def merge(self, other: "FolderResult") -> None:
        self.pages += other.pages
        self.records.update(other.records)
        self.written += other.written
        self.rendered += other.rendered
        self.problems |= other.problems


_job: FolderJob | None = None  # the job of the current build, set before the workers fork


def render_into_folder(job: FolderJob, workers: int, progress: Callable[[int], None] = lambda done: None
                       ) -> FolderResult:
    """Render each page whose key changed, or whose file is gone, and stage the files whose bytes changed."""
    global _job
    _job = job
    result = FolderResult()
    try:
        for piece_result in run_shared(_render_pieces, work_pieces(job.pages, workers)[0], workers):
            result.merge(piece_result)
            progress(result.pages)
    finally:
        _job = None
        _keys[:] = None, None
    if result.problems:
        raise ContentError(result.problems)
    return result


def _render_pieces(indices: list[int]) -> FolderResult:
    job = _job
    environment = _worker_environment(job.template_dir, job.templates_digest, job.compiled_templates)
    keys = _job_keys(job, environment)
    result = FolderResult(pages=len(indices))
    for index in indices:
        page = job.pages[index]
        _render_into(result, job, environment, page, keys)
    return result


def _render_into(result: FolderResult, job: FolderJob, environment: jinja2.Environment, page: Page,
                 keys: PageKeys) -> None:
    """One page of `_render_pieces`: kept when its key is the kept file's, else rendered and staged."""
    key = keys.key(page) if job.staging is not None else ""
    kept = job.kept.get(page.path)
    if kept is not None and kept.key == key:
        result.records[page.path] = kept
        return
    store = FolderBlocks(job.blocks) if job.blocks is not None else None
    try:
        data = render_page_pieces(environment, page, page_blocks(store, page, keys.fingerprints, keys.templates))
    except jinja2.TemplateError as error:
        result.problems.add(template_problem(error, job.template_dir))
        return
    result.rendered.append(page.path)
    if job.staging is not None:
        result.records[page.path] = record_output(job.staging, page.path, data, key, kept, result.written,
                                                  fits=_fits(page))


def record_output(staging: Path, site_path: str, data: Sequence[bytes], key: str, kept: OutputRecord | None,
                  written: list[str], fits: bool = True) -> OutputRecord:
    """The record of one made file (its bytes in pieces), staged only when they differ from the kept file's."""
    digest = digest_bytes(*data)
    if kept is not None and kept.digest == digest:
        return OutputRecord(key, digest, kept.size, kept.mtime_ns, fits)
    written.append(site_path)
    size, mtime_ns = stage_file(staging, site_path, data)
    return OutputRecord(key, digest, size, mtime_ns, fits)


def _fits(page: Page) -> bool:
    sheet = page.inputs.get("sheet")  # a routine's page, made from its sheet
    return sheet.fits if sheet is not None else True


_environments: dict[tuple[Path, str], jinja2.Environment] = {}


def _worker_environment(template_dir: Path, digest: str, compiled: Path | None = None) -> jinja2.Environment:
    """One template environment per process and state of the templates. (A build that renders each page
    once keeps no fragments: no other page would use them.)"""
    if (template_dir, digest) not in _environments:
        _environments.clear()
        _environments[template_dir, digest] = make_environment(template_dir, compiled)
    return _environments[template_dir, digest]


_keys: list = [None, None]  # the job whose pages this process keys, and its PageKeys


def _job_keys(job: FolderJob, environment: jinja2.Environment) -> PageKeys:
    if _keys[0] is not job:
        _keys[:] = job, PageKeys(TemplateDigests(environment, job.template_dir))
    return _keys[1]
