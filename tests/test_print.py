"""Printing routines from a real headless Chromium: one page on A4 and on Letter, and what the sheet holds."""

from __future__ import annotations

import io
import re
import unicodedata

import pytest
from pypdf import PdfReader

from conftest import make_guide
from limits import limit_files

PAPERS = ("A4", "Letter")
PAPER_POINTS = {"A4": (595.92, 842.88), "Letter": (612, 792)}


def print_pages(browser, page_file, paper: str) -> list[str]:
    """The text of each printed page, as the browser's print to PDF lays it out."""
    page = browser.new_page()
    try:
        page.goto(page_file.as_uri())
        pdf = PdfReader(io.BytesIO(page.pdf(format=paper)))
    finally:
        page.close()
    width, height = (float(v) for v in pdf.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == tuple(round(v) for v in PAPER_POINTS[paper])
    return [_plain(p.extract_text()) for p in pdf.pages]


def _plain(text: str) -> str:
    """PDF text as a reader would quote it: ligatures split (ﬁ → fi), lines joined."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


@pytest.fixture(scope="module")
def limit_site(tmp_path_factory):
    """The fixture guide plus a routine at the print limit and one past it."""
    root = tmp_path_factory.mktemp("print-limit")
    files = limit_files(count=12)
    past_limit = "".join(f"  - limit-{n}\n" for n in range(9, 13))
    files["routines/too-long.md"] = files["routines/limit.md"].replace("title: The longest",
                                                                       "title: Too long, the longest")
    files["routines/limit.md"] = files["routines/limit.md"].replace(past_limit, "")
    content = make_guide(root, files)
    from exguide.cli import main
    import contextlib
    errors = io.StringIO()
    with contextlib.redirect_stderr(errors):
        assert main(["build", "--content", str(content), "--out", str(root / "site")]) == 0
    return root / "site", errors.getvalue()


@pytest.mark.parametrize("paper", PAPERS)
def test_the_bundled_routine_prints_on_one_page(browser, bundled_site, paper):
    pages = print_pages(browser, bundled_site / "routines/runners-knee/index.html", paper)
    assert len(pages) == 1


@pytest.mark.parametrize("paper", PAPERS)
def test_a_routine_at_the_limit_prints_on_one_page(browser, limit_site, paper):
    site, warnings = limit_site
    pages = print_pages(browser, site / "routines/limit/index.html", paper)
    assert len(pages) == 1
    assert "limit.md" not in warnings  # it fits, so the build does not warn about it


def test_the_sheet_holds_what_a_patient_needs(browser, limit_site):
    site, _ = limit_site
    text = print_pages(browser, site / "routines/limit/index.html", "A4")[0]
    for words in ("The longest routine that still fits on one page", "Test guide <Legs> & more", "How often: daily",
                  "Name:", "Start date:", "Tick a box each day for a week",
                  "3 sets of 12 reps with a 5 s hold, each side",
                  "Caution: Stop at once", "https://guides.example.org/legs/routines/limit/", "Written for the tests."):
        assert words in text, words
    for number in range(1, 9):
        assert f"{number}. Half-kneeling hip flexor mobilization with a reach, no. {number}" in text
    assert "Skip to content" not in text and "Muscles" not in text  # no site navigation on paper


def test_nothing_on_the_sheet_is_smaller_than_8_points(browser, limit_site):
    site, _ = limit_site
    page = browser.new_page()
    page.goto((site / "routines/limit/index.html").as_uri())
    page.emulate_media(media="print")
    smallest_px = page.evaluate("""() => Math.min(...[...document.querySelectorAll('.sheet *')]
        .filter(e => e.offsetParent !== null && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
        .map(e => parseFloat(getComputedStyle(e).fontSize)))""")
    page.close()
    assert smallest_px * 72 / 96 >= 7.99


def test_a_routine_past_the_limit_warns_and_breaks_only_between_exercises(browser, limit_site):
    site, warnings = limit_site
    assert re.search(r"too-long\.md:1: warning: the routine does not fit on one printed page", warnings)
    assert len(PdfReader(site / "routines/too-long.pdf").pages) == 2
    pages = print_pages(browser, site / "routines/too-long/index.html", "Letter")
    assert len(pages) == 2
    for number in range(1, 13):  # each exercise's title and its caution on the same page
        holders = [i for i, text in enumerate(pages) if f"reach, no. {number}" in text]
        assert len(holders) == 1, number
        assert f"(no. {number})" in pages[holders[0]]


@pytest.mark.parametrize("path", ["index.html", "exercises/ankle-mobilization/index.html", "muscles/index.html"])
def test_other_pages_print_without_navigation(browser, bundled_site, path):
    text = " ".join(print_pages(browser, bundled_site / path, "A4"))
    assert "Skip to content" not in text
    assert "Routines Exercises Muscles" not in text


def test_the_booklet_prints_cover_contents_and_each_section_on_its_own_page(browser, bundled_site):
    pages = print_pages(browser, bundled_site / "print/index.html", "A4")
    assert pages[0].startswith("Runner's knee Five mobilizations")
    assert pages[1].startswith("Contents")
    titles = ["Runner's knee mobility", "90/90 sit with reach", "Ankle mobilization", "Half-kneeling quad mobilization",
              "Low lunge with reach", "Wide-legged forward fold"]
    # Each section starts a page, in order; a long exercise with its pictures may run onto a second one.
    starts = [next(i for i, text in enumerate(pages) if text.startswith(title)) for title in titles]
    assert starts[0] == 2 and starts == sorted(starts)
    assert all(later - earlier in (1, 2) for earlier, later in zip(starts, starts[1:])) and len(pages) - starts[-1] <= 2
