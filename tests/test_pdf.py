"""The one-page PDFs of each routine, made with WeasyPrint from the routine page itself."""

from __future__ import annotations

import re
import zlib
from dataclasses import replace

import pytest
from pypdf import PdfReader

from conftest import make_guide, read_tree
from exguide.assemble import load_guide
from exguide.pdf import print_routines
from exguide.pictures import PictureFiles
from exguide.pipeline import DEFAULT_TEMPLATES
from exguide.plan import plan_site, routine_page
from limits import limit_files

SIZES = {"": (595, 842), "-letter": (612, 792)}  # A4 and US Letter, in points


@pytest.mark.parametrize("suffix", SIZES)
def test_each_routine_has_a_one_page_pdf_per_paper(bundled_site, suffix):
    pdf = PdfReader(bundled_site / f"routines/runners-knee{suffix}.pdf")
    assert len(pdf.pages) == 1
    assert tuple(round(float(v)) for v in pdf.pages[0].mediabox.upper_right) == SIZES[suffix]
    text = " ".join(pdf.pages[0].extract_text().split())
    assert "Runner's knee mobility" in text and "Wide-legged forward fold" in text


def test_the_routine_page_links_to_both_pdfs(bundled_site):
    page = (bundled_site / "routines/runners-knee/index.html").read_text()
    assert '<a href="../runners-knee.pdf">A4</a> or <a href="../runners-knee-letter.pdf">US Letter</a>' in page


def test_no_pdf_builds_neither_the_pdfs_nor_their_links(run_build, tmp_path):
    content = make_guide(tmp_path)
    assert run_build("--content", str(content), "--no-pdf").exit_code == 0
    assert not [path for path in read_tree(tmp_path / "site") if path.endswith(".pdf")]
    assert ".pdf" not in (tmp_path / "site/routines/leg-day/index.html").read_text()


def _link_targets(pdf_bytes: bytes) -> list[bytes]:
    streams = re.findall(rb"stream\n(.*?)\nendstream", pdf_bytes, re.S)
    found = []
    for stream in streams:
        try:
            found += re.findall(rb"/URI \(([^)]*)\)", zlib.decompress(stream))
        except zlib.error:
            pass
    return found


def test_pdf_links_lead_to_the_published_site_or_nowhere(run_build, tmp_path, bundled_site):
    assert _link_targets((bundled_site / "routines/runners-knee.pdf").read_bytes()) == []  # no base_url
    content = make_guide(tmp_path, limit_files())
    assert run_build("--content", str(content)).exit_code == 0
    targets = _link_targets((tmp_path / "site/routines/limit.pdf").read_bytes())
    assert targets[:2] == [b"https://guides.example.org/legs/exercises/limit-1/",
                           b"https://guides.example.org/legs/exercises/limit-2/"]


def test_a_sheet_that_does_not_fit_is_shrunk_step_by_step(tmp_path):
    content = make_guide(tmp_path, limit_files())
    guide = load_guide(content)
    plan = plan_site(guide, DEFAULT_TEMPLATES / "assets", pdfs=True)
    limit = next(r for r in guide.routines if r.slug == "limit")
    # Start the routine at the largest type, as if the estimate had been wrong.
    at_largest = routine_page(guide.config, limit, plan.links, 0, pdfs=True, estimate=False)
    pages = tuple(at_largest if p.path == "routines/limit/index.html" else p for p in plan.pages)
    plan = replace(plan, pages=pages)
    printed, fits = print_routines(plan, DEFAULT_TEMPLATES, PictureFiles(tmp_path / "pictures").bytes_of)
    level = int(re.search(r'class="routine sheet fit-(\d)', printed["routines/limit/index.html"].decode())[1])
    assert level > 0 and fits["routines/limit/index.html"]
    for name in ("routines/limit.pdf", "routines/limit-letter.pdf"):
        from io import BytesIO
        assert len(PdfReader(BytesIO(printed[name])).pages) == 1


def test_a_pdf_takes_in_no_file_from_outside_the_site_and_fetches_nothing(run_build, tmp_path):
    """An attachment of a machine's file, and a picture on a server, are refused with their path:line; the
    server is never asked."""
    import http.server
    import threading

    requests: list[str] = []

    class Counting(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_error(404)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        content = make_guide(tmp_path)
        picture = f"http://127.0.0.1:{server.server_port}/x.png"
        calf = (content / "exercises/calf-raise.md").read_text()
        (content / "exercises/calf-raise.md").write_text(calf + f'4. Look <img src="{picture}" alt="x">\n')
        lunge = (content / "exercises/hip-flexor-lunge.md").read_text()
        (content / "exercises/hip-flexor-lunge.md").write_text(
            lunge + '3. Read <a rel="attachment" href="file:///etc/passwd">the notes</a>.\n')
        result = run_build("--content", str(content))
    finally:
        server.shutdown()
        server.server_close()
    lines = result.stderr.splitlines()
    assert result.exit_code == 1
    assert lines[0].startswith(f"content/exercises/calf-raise.md:{len(calf.splitlines()) + 1}: the routine's "
                               f"PDF would take in '{picture}', which is not one of the guide's files")
    assert lines[1].startswith(f"content/exercises/hip-flexor-lunge.md:{len(lunge.splitlines()) + 1}: the "
                               "routine's PDF would take in 'file:///etc/passwd'")
    assert requests == []
    assert not (tmp_path / "site").exists()


def test_a_sheet_far_too_long_for_one_page_is_laid_out_twice_not_once_per_type_size(run_build, tmp_path,
                                                                                      monkeypatch):
    """150 credit lines make the sheet several pages long at any size: after the first layout, the printer
    goes straight to the smallest type instead of trying every size in between."""
    import weasyprint

    layouts: list[int] = []
    real_render = weasyprint.HTML.render

    def counted(self, *args, **kwargs):
        document = real_render(self, *args, **kwargs)
        layouts.append(len(document.pages))
        return document

    monkeypatch.setattr(weasyprint.HTML, "render", counted)
    content = make_guide(tmp_path)
    credits = "".join(f"  - Credit line {number}\n" for number in range(150))
    guide = (content / "guide.yaml").read_text()
    (content / "guide.yaml").write_text(guide.replace("credits:\n", "credits:\n" + credits))
    result = run_build("--content", str(content))
    assert result.exit_code == 0
    assert "does not fit on one printed page" in result.stderr
    assert len(layouts) == 4 and min(layouts) > 2  # two papers, at the first type size and at the last


def test_a_sheet_of_far_more_text_than_pages_can_hold_is_not_laid_out(run_build, tmp_path, monkeypatch):
    """4,000 credit lines at the foot of the sheet: WeasyPrint's layout of it grows with the square of its
    length (20,000 lines printed for more than ten minutes). The build gives up at once, says so in a PDF of
    one page, and warns."""
    import weasyprint

    layouts: list[int] = []
    real_render = weasyprint.HTML.render
    monkeypatch.setattr(weasyprint.HTML, "render",
                        lambda self, *args, **kwargs: layouts.append(1) or real_render(self, *args, **kwargs))
    content = make_guide(tmp_path)
    guide = (content / "guide.yaml").read_text()
    credits = "".join(f"  - Credit line number {number} of the guide\n" for number in range(4000))
    (content / "guide.yaml").write_text(guide.replace("credits:\n", "credits:\n" + credits))
    result = run_build("--content", str(content))
    assert result.exit_code == 0
    assert "does not fit on one printed page" in result.stderr
    assert len(layouts) == 2  # the two notes, one per paper; never the sheet itself
    pdf = PdfReader(tmp_path / "site/routines/leg-day.pdf")
    assert len(pdf.pages) == 1 and "far more text than one page can" in pdf.pages[0].extract_text()
