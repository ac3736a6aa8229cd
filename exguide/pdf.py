"""Stage 5b, print: a one-page PDF per routine on A4 and on US Letter, from the routine page itself.

WeasyPrint lays out the same HTML and print stylesheet a browser prints. When a sheet comes out longer
than one page, the type is shrunk step by step down to the legibility floor, and the HTML page is
rendered again at the step the PDF needed, so that printing from the browser gives the same sheet.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
import tempfile
from dataclasses import replace
from html import escape
from pathlib import Path
from typing import Callable
from urllib.parse import urljoin, urlsplit
from urllib.request import url2pathname

from .body import plain_text
from .problems import ContentError, PdfEngineMissing, Problem
from .paths import ROUTINE_TEMPLATE, Page, SitePlan, StaticFile, frozen_context, pdf_path
from .render import make_environment, render_page
from .sheet import first_step_to_lay_out, sheet_steps

PAPERS = ("A4", "Letter")
FileBytes = Callable[[StaticFile], bytes]  # the bytes of a file of the site (see PictureFiles.bytes_of)
MOST_PAGES_TO_SHRINK = 2  # a sheet this long may still come to one page at a smaller type
logging.getLogger("weasyprint").setLevel(logging.ERROR)  # its font warnings are not the author's business


def _weasyprint():
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: Pango's shared library is missing
        raise PdfEngineMissing(
            f"the PDFs need WeasyPrint and Debian's Pango library ({error}); install Pango "
            "(apt-get install libpango-1.0-0 libpangoft2-1.0-0) or build with --no-pdf") from None
    return weasyprint


def print_routines(plan: SitePlan, template_dir: Path, file_bytes: FileBytes
                   ) -> tuple[dict[str, bytes], dict[str, bool]]:
    """The PDFs of every routine and the routine pages as printed; whether each page's sheet fits one page."""
    printed: dict[str, bytes] = {}
    fits: dict[str, bool] = {}
    with RoutinePrinter(plan, template_dir, file_bytes) as printer:
        for page in plan.pages:
            if page.template == ROUTINE_TEMPLATE:
                final, outputs = printer.print(page)
                printed.update(outputs)
                fits[page.path] = final.context["sheet"].fits
    return printed, fits


def print_routines_apart(plan: SitePlan, template_dir: Path, file_bytes: FileBytes
                         ) -> tuple[dict[str, bytes], dict[str, bool]]:
    """`print_routines` in a process forked for it, which ends with it: WeasyPrint's libraries keep about a
    quarter of a megabyte of each layout for good (60 layouts of one sheet in a bare loop: 63 -> 75 MB),
    which `serve`, printing at every pause in the editing, gathered without end."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return print_routines(plan, template_dir, file_bytes)
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_print_and_send, args=(plan, template_dir, file_bytes, sending),
                            name="exguide-print")
    child.start()
    sending.close()
    try:
        outcome, value = receiving.recv()
    except EOFError:
        raise RuntimeError("the process that printed the routines ended without an answer") from None
    finally:
        receiving.close()
        child.join()
    if outcome == "raised":
        raise value
    return value


def _print_and_send(plan: SitePlan, template_dir: Path, file_bytes: FileBytes, sending) -> None:
    """In the forked process: the printed routines, or the exception printing them raised, sent back."""
    try:
        sending.send(("printed", print_routines(plan, template_dir, file_bytes)))
    except (ContentError, PdfEngineMissing) as error:
        sending.send(("raised", error))
    except Exception as error:  # sent as text: another exception may not survive pickling
        sending.send(("raised", RuntimeError(f"{type(error).__name__}: {error}")))


class RoutinePrinter:
    """Lays routine pages out as PDFs, in a working folder that holds the site's stylesheets and images."""

    def __init__(self, plan: SitePlan, template_dir: Path, file_bytes: FileBytes) -> None:
        _weasyprint()
        self._environment = make_environment(template_dir)
        self._folder = tempfile.TemporaryDirectory(prefix="exguide-print-")
        self._workdir = Path(self._folder.name)
        self._fetcher = _site_files_fetcher(self._workdir)
        pictures = {item.exercise.sheet_picture.path for page in plan.pages if page.template == ROUTINE_TEMPLATE
                    for item in page.inputs["routine"].items if item.exercise.sheet_picture}
        for static in plan.static_files:
            if static.path.startswith("assets/") or static.path in pictures:
                _put(self._workdir / static.path, file_bytes(static))

    def __enter__(self) -> "RoutinePrinter":
        return self

    def __exit__(self, *exception: object) -> None:
        self._folder.cleanup()

    def print(self, page: Page) -> tuple[Page, dict[str, bytes]]:
        """The routine's PDFs and page, at the type step where its sheet fits; the page with that step."""
        printed = _print_routine(page, self._environment, self._workdir, self._fetcher)
        refused, self._fetcher.refused = self._fetcher.refused, []
        if refused:
            raise ContentError(_refusal(page.context["routine"], address) for address in dict.fromkeys(refused))
        return printed


def _site_files_fetcher(workdir: Path):
    """A WeasyPrint URL fetcher that gives the layout the site's own files (those copied into `workdir`) and
    `data:` addresses, and nothing else: a routine's text may not attach the build machine's files to its
    PDF, nor make the build send requests. What it refuses, it keeps in `refused`."""
    from weasyprint.urls import URLFetcher

    root = os.path.realpath(workdir) + os.sep

    class SiteFilesFetcher(URLFetcher):
        def fetch(self, url: str, headers=None):
            address = urlsplit(url)
            if address.scheme == "data" or address.scheme == "file" and not address.netloc and \
                    os.path.realpath(url2pathname(address.path)).startswith(root):
                return super().fetch(url, headers)
            self.refused.append(url)
            raise ValueError(f"refused: {url}")

    fetcher = SiteFilesFetcher(allowed_protocols={"file", "data"})
    fetcher.refused = []
    return fetcher


def _refusal(routine, address: str) -> Problem:
    """The problem of a PDF that would take in `address`, at the first line of the routine's or its exercises'
    files that names it."""
    for source in (routine.source, *(item.exercise.source for item in routine.items)):
        lines = source.read_text(encoding="utf-8", errors="replace").splitlines()
        for number, line in enumerate(lines, 1):
            if address in line or address.removeprefix("file://") in line:
                return Problem(source, number, _REFUSED.format(address=address))
    return Problem(routine.source, 1, _REFUSED.format(address=address))


_REFUSED = ("the routine's PDF would take in '{address}', which is not one of the guide's files; a PDF shows only "
            "the guide's own pictures and links to other addresses (write a plain link, without rel=\"attachment\")")


def _print_routine(page: Page, environment, workdir: Path, fetcher) -> tuple[Page, dict[str, bytes]]:
    """Shrink the sheet (its pictures, then its type) until both papers give one page, or the floor is reached."""
    routine, sheet = page.context["routine"], page.context["sheet"]
    steps = sheet_steps(routine)
    step = min(steps.index((sheet.level, sheet.picture_mm)), first_step_to_lay_out(routine, sheet.address is not None))
    while True:
        level, picture_mm = steps[step]
        page = _with_sheet(page, level=level, picture_mm=picture_mm)
        html = bytes(render_page(environment, page)).decode("utf-8")
        if len(plain_text(html)) > MOST_SHEET_CHARACTERS:
            return _with_sheet(page, fits=False), {page.path: html.encode("utf-8"), **_too_long(routine, workdir)}
        printable = _public_links(html, page.context["sheet"].address).encode("utf-8")
        documents = {paper: _layout(workdir, page.path, printable, paper, fetcher) for paper in PAPERS}
        pages = max(len(document.pages) for document in documents.values())
        fits = pages == 1
        if fits or step == len(steps) - 1:
            break
        # The type shrinks by a fifth at most: a sheet of more than two pages never comes to one, and the last
        # step is laid out at once (a layout for each step took minutes for a long sheet).
        step = step + 1 if pages <= MOST_PAGES_TO_SHRINK else len(steps) - 1
    page = _with_sheet(page, fits=fits)
    outputs = {pdf_path(routine, paper): documents[paper].write_pdf() for paper in PAPERS}
    outputs[page.path] = html.encode("utf-8")
    return page, outputs


# A page's text beyond which its sheet is not laid out at all: about seven sheets' worth at the smallest type.
# WeasyPrint lays out a long sheet's columns and floats in a time that grows with the square of its length: a
# guide with 20,000 credit lines, at the foot of every sheet, printed for more than ten minutes.
MOST_SHEET_CHARACTERS = 100_000


def _too_long(routine, workdir: Path) -> dict[str, bytes]:
    """In place of a routine's PDFs, one that says the sheet is too long to print as one page."""
    weasyprint = _weasyprint()
    note = (f"<!DOCTYPE html><html lang=en><title>{escape(routine.title)}</title><h1>{escape(routine.title)}"
            "</h1><p>This routine's sheet holds far more text than one page can: print its page from the guide "
            "instead.</p></html>")
    return {pdf_path(routine, paper): weasyprint.HTML(string=note, base_url=str(workdir)).write_pdf(
        stylesheets=[weasyprint.CSS(string=f"@page {{ size: {paper}; }}")]) for paper in PAPERS}


def _with_sheet(page: Page, **changes) -> Page:
    """The page with its print sheet changed."""
    return replace(page, inputs=frozen_context(**{**page.inputs, "sheet": replace(page.inputs["sheet"], **changes)}))


def _public_links(html: str, page_url: str | None) -> str:
    """Links in a PDF lead to the published site, or nowhere; never to the files it was laid out from."""
    def public(match: re.Match) -> str:
        if page_url is None:
            return "<a>"
        return f'<a href="{urljoin(page_url, match.group(1)).removesuffix("index.html")}">'
    return re.sub(r'<a href="([^"#][^"]*)">', public, html)


def _layout(workdir: Path, path: str, html: bytes, paper: str, fetcher):
    source = workdir / path
    _put(source, html)
    weasyprint = _weasyprint()
    paper_size = weasyprint.CSS(string=f"@page {{ size: {paper}; }}")
    return weasyprint.HTML(filename=str(source), url_fetcher=fetcher).render(stylesheets=[paper_size])


def _put(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
