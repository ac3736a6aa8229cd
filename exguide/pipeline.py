"""The build, stage after stage: content → Guide → plan → rendered files → site folder."""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Collection, Mapping

from .assemble import load_guide
from .carryover import Carryover
from .blocks import FolderBlocks
from .body import BodyRenderer
from .cache import Memo
from .files import check_content_files
from .fingerprint import digest_bytes
from .model import Guide
from .options import DEFAULT_TEMPLATES, BuildOptions, BuildResult
from .parallel import worker_count
from .pdf import RoutinePrinter, print_routines_apart
from .pictures import PictureFiles
from .paths import PDF_PAPERS, ROUTINE_TEMPLATE, Page, SitePlan, pdf_path
from .plan import plan_site, sheet_warnings
from .problems import ContentError, Problem
from .read_ahead import read_in_workers
from .search import KeptWeights, SearchIndex
from .render import PageKeys, SiteRenderer, make_environment
from .render_folder import FolderJob, FolderResult, record_output, render_into_folder
from .sources import SourceReader
from .templates import TemplateDigests
from .store import PICTURES, BuildStore, InputFiles, Manifest, OutputRecord, folder_digest
from .staging import StagedOutput
from .write import FileData

__all__ = ["DEFAULT_TEMPLATES", "BuildOptions", "Builder", "BuildResult", "RenderedSite", "build"]

Progress = Callable[[str, int, int], None]  # (what is being done, how many done, out of how many)


@dataclass(frozen=True)
class _Kept:
    """What a build takes from the last one, and gives the next one after bringing it up to date."""
    listed: InputFiles | None  # a first build's inputs, listed before it reads them
    carryover: Carryover
    search_weights: KeptWeights
    search_index: SearchIndex


@dataclass(frozen=True)
class RenderedSite:
    guide: Guide
    links: Mapping[str, str]  # each content file's path → its place in the site
    files: dict[str, FileData]  # the pages with long lists as their Pieces
    pages: int
    warnings: tuple[Problem, ...]
    pdf_paths: tuple[str, ...] = ()  # where the routines' PDFs go, made or not


class Builder:
    """Builds the guide, and builds it again after edits re-doing only what they affect.

    The command line uses one for a single build (`rebuilds=False`: it keeps nothing for a next build, which
    leaves the memory to the rest of the build); `serve` keeps one for as long as it runs.
    """

    def __init__(self, options: BuildOptions, progress: Progress = lambda what, done, total: None,
                 rebuilds: bool = True) -> None:
        self.options = options
        self.progress = progress
        self.rebuilds = rebuilds
        self.reader = SourceReader()
        self.bodies = BodyRenderer()
        self.pages = SiteRenderer(options.template_dir, options.workers)
        self.picture_files = PictureFiles(options.cache_dir / PICTURES, options.use_cache, in_memory=rebuilds)
        self.memo = Memo(keep=rebuilds)
        self._finished = True  # whether the last plan got to its end
        self._all_checked = False  # whether every content file was found safe to read, so that changes suffice
        self._read_digests: dict[Path, bytes] = {}  # of the files the last plan read, once its reader is gone
        self._search_weights: KeptWeights | None = None  # for a build: those an earlier one left, and its own
        self._search_index = SearchIndex()  # brought up to date by each plan (a build takes the last build's)

    def _plan(self, workers: int = 1, every_file: bool = True, carryover: Carryover | None = None,
              unread: Collection[Path] = ()) -> tuple[Guide, SitePlan]:
        """The guide and its plan, once `self.reader` has been told what changed (`every_file`: to read
        every file again, which a build without a watcher does; `carryover`: see KeptExercises; `unread`:
        the files whose exercises it brings, which the workers need not read)."""
        options = self.options
        if every_file:  # a build that reads only the changed files must not drop what the others left
            for cache in (self.reader.cache, self.bodies.cache):
                cache.next_build()
        self.memo.next_build(keep_all=not self._finished)
        self._finished = False
        if workers > 1:
            read_in_workers(options.content_dir, self.reader, self.bodies, workers, unread)
        guide = load_guide(options.content_dir, options.include_drafts, self.reader, self.bodies, self.memo,
                           carryover)
        if not self.rebuilds:  # what was read and parsed is in the guide now: 35 MB at 10,000 exercises
            self._read_digests = self.reader.digests()  # all that `build` needs of it
            self.reader = SourceReader()
        plan = plan_site(guide, options.template_dir / "assets", pdfs=options.pdfs, memo=self.memo, workers=workers,
                         search_weights=self._search_weights, search_index=self._search_index)
        self._finished = True
        return guide, plan

    def warm_up(self) -> None:
        """Do ahead what a first build reads: take the Markdown bodies that earlier builds converted (kept
        beside the content folder), and read and convert the rest in worker processes when the guide is big.
        `serve` calls it before it starts any thread, since the workers are forked."""
        try:
            self._check_files(None)
        except ContentError:
            return  # the first build reports it
        if self.options.use_cache:
            self.bodies.cache.remember(BuildStore(self.options).bodies())
        workers = worker_count(self.options.workers, self._sources())
        if workers > 1:
            read_in_workers(self.options.content_dir, self.reader, self.bodies, workers)

    def _sources(self) -> int:
        """How many Markdown files the guide has."""
        content = self.options.content_dir
        return sum(len(self.reader.files(content / folder, ".md")) for folder in ("exercises", "routines"))

    def _unchanged(self, carryover: Carryover | None) -> dict:
        """The exercises that the `carryover` brings, by their file."""
        if carryover is None or self.options.include_drafts:
            return {}
        content = self.options.content_dir
        return carryover.unchanged(self.reader.files(content / "exercises", ".md"), content / "muscles.yaml")

    def rebuild(self, changes: Collection[str] | None = None, print_pdfs: bool | None = None,
                wait_for_pictures: bool = True) -> RenderedSite:
        """Every output file, in memory, without touching the output folder (for `serve`): read what
        changed, validate, assemble and plan, render the pages whose key changed, print the routines.

        `changes` are the files a watcher saw change since the last build, if one watches (None: look at
        every file). With PDFs on, pages link to them; `print_pdfs=False` leaves making them to a later build.
        Without `wait_for_pictures`, the files of new pictures are left out, pending (see PictureFiles).
        """
        if changes is not None:  # the templates are not the reader's: an edit of one must not read content again
            templates = os.path.realpath(self.options.template_dir) + os.sep
            changes = [path for path in changes if not os.path.realpath(path).startswith(templates)]
        self._check_files(changes)
        self.reader.changed(changes)
        guide, plan = self._plan(every_file=changes is None)
        files = self.pages.render(plan)
        self.picture_files.next_build()
        for static in plan.static_files:
            data = self.picture_files.bytes_of(static, wait_for_pictures)
            if data is not None:
                files[static.path] = data
        warnings = sheet_warnings(plan.pages)
        if self.options.pdfs and (print_pdfs is None or print_pdfs):
            printed, fits = print_routines_apart(plan, self.options.template_dir, self.picture_files.bytes_of)
            files.update(printed)
            warnings = sheet_warnings(plan.pages, fits=lambda page: fits[page.path])
        return RenderedSite(guide, plan.links, files, plan.html_pages, warnings, plan.pdf_paths)

    def _check_files(self, changes: Collection[str] | None) -> None:
        """Refuse to read content files that lead outside the content folder or are no files (see
        check_content_files): every file once, then those a watcher says changed."""
        self._all_checked = self._all_checked and changes is not None
        check_content_files(self.options.content_dir, changes if self._all_checked else None)
        self._all_checked = True

    def check(self) -> tuple[Guide, SitePlan]:
        """The guide and its plan, with every page rendered (in one process per core for a big guide) and
        thrown away: what a build would find wrong, without writing anything. PDFs are not printed."""
        guide, plan = self._plan_every_file()
        template_dir = self.options.template_dir
        self._render(FolderJob(plan.pages, {}, template_dir, folder_digest(template_dir), None))
        return guide, plan

    def _plan_every_file(self, carryover: Carryover | None = None, files_checked: bool = False
                         ) -> tuple[Guide, SitePlan]:
        """The guide and its plan, every file read again (but those whose exercises the `carryover` brings),
        in one process per core for a big guide; `files_checked`: the caller has just checked them all (see
        check_content_files)."""
        self.progress("Reading", 0, 0)
        if not files_checked:
            self._check_files(None)
        self.reader.changed(None)
        unread = self._unchanged(carryover)
        return self._plan(worker_count(self.options.workers, self._sources() - len(unread)), carryover=carryover,
                          unread=unread)

    def _render(self, job: FolderJob) -> FolderResult:
        """`render_into_folder` on as many cores as the job is worth, counting the pages as they are done."""
        self.progress("Rendering pages", 0, len(job.pages))
        return render_into_folder(job, worker_count(self.options.workers, len(job.pages)),
                                  lambda done: self.progress("Rendering pages", done, len(job.pages)))

    def build(self, store: BuildStore | None = None, files_checked: bool = False) -> BuildResult:
        """Bring the output folder up to date: take what the last build kept, read, validate, assemble and
        plan, render and write the files whose key changed (writing only changed bytes), keep what the next
        build needs. On a ContentError nothing has been written. `files_checked`: the caller has just checked
        every content file (the command line, before its survey digests them), which a walk of 10,000 files
        need not do again."""
        started = time.perf_counter()
        store = store or BuildStore(self.options)
        last = store.manifest() if self.options.use_cache else None
        if last is not None and store.up_to_date():
            return store.unchanged_result(started)
        kept = self._take_kept(store, first=last is None)
        try:
            _, plan = self._plan_every_file(kept.carryover, files_checked)
        finally:
            self._search_weights = None
        made = self._write(plan, store, fresh=last is None)
        return self._keep(store, plan, made, kept, started)

    def _take_kept(self, store: BuildStore, first: bool) -> _Kept:
        """What the last build kept for this one, if there was one: the converted bodies, the search terms'
        weights, the exercises of unchanged files and the search index."""
        # A first build lists its inputs now, and takes the content files' digests from the reader after.
        listed = InputFiles(self.options, reader_reads=True) if first else None
        if not first:
            self.bodies.cache.remember(store.bodies())
        self._search_weights = KeptWeights(None if first else store.search_weights())
        carryover = Carryover() if first else Carryover(store.exercises(), store.input_files().content_digests())
        self._search_index = carryover.search_index or SearchIndex()
        return _Kept(listed, carryover, self._search_weights, self._search_index)

    def _keep(self, store: BuildStore, plan: SitePlan, made: FolderResult, kept: _Kept, started: float
              ) -> BuildResult:
        """Save in the `store` what the next build needs; what this one did."""
        if kept.listed is not None:
            inputs = kept.listed.digest(self.reader.digests() if self.rebuilds else self._read_digests)
        else:
            inputs = store.inputs()
        FolderBlocks(store.blocks_folder()).keep_only([page.path for page in plan.pages])
        self.picture_files.keep_only_used()
        pages = plan.html_pages
        warnings = sheet_warnings(plan.pages, fits=lambda page: made.records[page.path].fits)
        store.save(Manifest(inputs, made.records, pages, [(str(w.path), w.line, w.message) for w in warnings]),
                   self._bodies_to_keep(kept.carryover), kept.search_weights.pickled,
                   kept.carryover.kept(kept.search_index))
        return BuildResult(pages, len(made.records), time.perf_counter() - started, warnings,
                           tuple(sorted(made.rendered)), tuple(sorted(made.written)))

    def _write(self, plan: SitePlan, store: BuildStore, fresh: bool) -> FolderResult:
        """Make the plan's files in the staging folder (all of them when `fresh`, else those whose key
        changed), and put the new site in place; what was made."""
        output = StagedOutput(self.options.out_dir, replace_all=fresh, present=None if fresh else store.found_outputs())
        try:
            made = self._make_files(plan, {} if fresh else store.kept_outputs(), output, store)
            output.commit(set(made.records))
        except BaseException:
            output.discard()
            raise
        return made

    def _bodies_to_keep(self, carryover: Carryover) -> dict | None:
        """The converted bodies to keep for the next build: those this one used; or, when it took exercises
        made by the last one (whose bodies it did not look at), None, to leave the last build's. Those stay
        as many as the guide's bodies, and hold the few edited since only until a build reads every file."""
        return None if carryover.taken_exercises else self.bodies.cache.in_use()

    def _make_files(self, plan: SitePlan, kept: Mapping[str, OutputRecord], output: StagedOutput, store: BuildStore
                    ) -> FolderResult:
        """Render the pages, copy the static files and print the routines that changed, into `output`; the
        pages' lists of fragments and the compiled templates are kept in the `store`'s folders."""
        template_dir = self.options.template_dir
        printed = [page for page in plan.pages if self._printed(page)]
        job = FolderJob(tuple(page for page in plan.pages if not self._printed(page)), kept, template_dir,
                        folder_digest(template_dir), output.staging, store.blocks_folder(),
                        store.compiled_templates_folder())
        made = self._render(job)
        self._copy_files(plan, kept, output, made)
        keys = PageKeys(TemplateDigests(make_environment(template_dir), template_dir))
        self._print(plan, [(page, keys.key(page)) for page in printed], kept, output, made)
        return made

    def _copy_files(self, plan: SitePlan, kept: Mapping[str, OutputRecord], output: StagedOutput,
                    made: FolderResult) -> None:
        """Copy the static files into `output`, and the pictures' files whose picture changed: an unchanged
        one is not even read (a guide's photos are hundreds of megabytes of files)."""
        for static in plan.static_files:
            key, last = self.picture_files.key_of(static), kept.get(static.path)
            if key is not None and last is not None and last.key == key:
                made.records[static.path] = last
                continue
            data = self.picture_files.bytes_of(static)
            record = made.records[static.path] = record_output(output.staging, static.path, (data,),
                                                               key or digest_bytes(data), last, made.written)
            if last is None or last.key != record.key:
                made.rendered.append(static.path)

    def _printed(self, page: Page) -> bool:
        """Routine pages come from the PDF printer when there are PDFs: their type step is the PDF's."""
        return self.options.pdfs and page.template == ROUTINE_TEMPLATE

    def _print(self, plan: SitePlan, pages: list[tuple[Page, str]], kept: Mapping[str, OutputRecord],
               output: StagedOutput, made: FolderResult) -> None:
        """Each routine's page and PDFs, printed again only when the page's key changed or a file is gone."""
        with contextlib.ExitStack() as cleanup:
            printer = None
            for done, (page, key) in enumerate(pages):
                paths = [page.path, *(pdf_path(page.context["routine"], paper) for paper in PDF_PAPERS)]
                if all(path in kept and kept[path].key == key for path in paths):
                    made.records.update((path, kept[path]) for path in paths)
                    continue
                self.progress("Printing routines", done, len(pages))
                printer = printer or cleanup.enter_context(RoutinePrinter(plan, self.options.template_dir,
                                                                                 self.picture_files.bytes_of))
                printed_page, files = printer.print(page)
                fits = printed_page.context["sheet"].fits
                for path in paths:
                    made.records[path] = record_output(output.staging, path, (files[path],), key, kept.get(path),
                                                       made.written, fits)
                made.rendered.extend(paths)


def build(options: BuildOptions) -> BuildResult:
    """Build the site once; on a ContentError nothing has been written."""
    return Builder(options, rebuilds=False).build()
