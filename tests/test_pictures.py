"""Pictures: made into files of a few widths, upright and without metadata, shown with srcset; bad files are
content errors; a second build encodes nothing. The pictures are made here with Pillow."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from conftest import make_guide

FIXTURE_CALF = (Path(__file__).parent / "fixture/content/exercises/calf-raise.md").read_text()
GPS_TAG, ORIENTATION_TAG = 0x8825, 0x0112


def phone_photo(width: int = 2400, height: int = 1600, orientation: int = 6) -> bytes:
    """A JPEG as a phone takes it: stored on its side, with its orientation and GPS position in EXIF."""
    image = Image.new("RGB", (width, height), (200, 120, 60))
    image.paste((20, 40, 160), (0, 0, width // 4, height))  # a band on the left of the stored picture
    exif = Image.Exif()
    exif[ORIENTATION_TAG] = orientation
    exif[GPS_TAG] = {1: "N", 2: (52.0, 31.0, 12.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def transparent_png() -> bytes:
    image = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    image.paste((0, 128, 0, 255), (100, 50, 200, 150))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def with_images(images: str) -> str:
    return FIXTURE_CALF.replace("category: strength", "category: strength\nimages:\n" + images)


CALF_IMAGES = with_images(
    "  - src: images/calf.jpg\n    alt: On tiptoe\n    credit: Made for the tests\n    caption: The top position\n"
    "  - src: images/band.png\n    alt: A band\n    credit: Made for the tests\n"
    "  - src: images/figure.svg\n    alt: A drawing\n    credit: Made for the tests\n")
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'


def picture_guide(tmp_path: Path) -> Path:
    return make_guide(tmp_path, {"images/calf.jpg": phone_photo(), "images/band.png": transparent_png(),
                                 "images/figure.svg": SVG, "exercises/calf-raise.md": CALF_IMAGES})


def test_a_phone_photo_becomes_upright_files_of_four_widths_without_its_metadata(run_build, tmp_path):
    picture_guide(tmp_path)
    assert run_build().exit_code == 0
    site = tmp_path / "site/images"
    made = {path.name: Image.open(path) for path in site.iterdir() if path.name.startswith("calf")}
    assert {name: image.size for name, image in made.items()} == {
        "calf-240.webp": (240, 360), "calf-240.jpg": (240, 360), "calf-480.webp": (480, 720), "calf-960.webp": (960, 1440), "calf-1440.webp": (1440, 2160),
        "calf-480.jpg": (480, 720), "calf-960.jpg": (960, 1440), "calf.jpg": (1440, 2160)}  # turned upright
    for name, image in made.items():
        assert not image.getexif(), name  # no GPS position, no orientation left to apply
        assert not {"exif", "icc_profile", "xmp"} & set(image.info), name
        assert image.convert("RGB").getpixel((image.width // 2, image.height // 8))[2] > 120, name  # the band: on top
    png = Image.open(site / "band.png")
    assert png.size == (300, 200) and png.mode == "RGBA" and png.getpixel((0, 0))[3] == 0  # never made larger
    assert sorted(path.name for path in site.iterdir() if path.name.startswith("band")) == [
        "band-240.png", "band-240.webp", "band-300.webp", "band.png"]
    assert (site / "figure.svg").read_bytes() == SVG


def test_the_exercise_page_shows_each_picture_with_srcset_sizes_and_dimensions(run_build, tmp_path):
    picture_guide(tmp_path)
    assert run_build().exit_code == 0
    page = (tmp_path / "site/exercises/calf-raise/index.html").read_text()
    pictures = re.findall(r"<figure>.*?</figure>", page, re.S)
    assert len(pictures) == 3
    assert '<source type="image/webp" srcset="../../images/calf-240.webp 240w, ../../images/calf-480.webp 480w, ' \
           '../../images/calf-960.webp 960w, ../../images/calf-1440.webp 1440w" sizes="(min-width: 46rem) 22rem, ' \
           '100vw">' in pictures[0]
    assert '<img src="../../images/calf.jpg" srcset="../../images/calf-240.jpg 240w, ../../images/calf-480.jpg 480w, ' \
           '../../images/calf-960.jpg 960w, ../../images/calf.jpg 1440w" sizes="(min-width: 46rem) 22rem, 100vw" width="1440" height="2160" ' \
           'alt="On tiptoe" decoding="async">' in pictures[0]  # the first is not lazy: it is what the reader sees
    assert "The top position" in pictures[0] and "Made for the tests" in pictures[0]
    assert 'width="300" height="200" alt="A band" loading="lazy" decoding="async"' in pictures[1]
    assert '<img src="../../images/figure.svg" alt="A drawing" loading="lazy" decoding="async">' in pictures[2]


def test_cards_show_the_first_pictures_thumbnail(run_build, tmp_path):
    picture_guide(tmp_path)
    assert run_build().exit_code == 0
    thumbnail = ('<picture class="thumbnail"><source type="image/webp" srcset="{up}images/calf-240.webp"><img '
                 'src="{up}images/calf-240.jpg" width="240" height="360" alt="" loading="lazy" decoding="async">'
                 '</picture>')
    for page, up in [("exercises/index.html", "../"), ("muscles/calves/index.html", "../../"),
                     ("equipment/index.html", None)]:
        html = (tmp_path / "site" / page).read_text()
        assert (thumbnail.format(up=up) in html) == (up is not None), page


def test_a_second_build_encodes_nothing_and_a_changed_picture_is_made_again(run_build, tmp_path):
    content = picture_guide(tmp_path)
    assert run_build().exit_code == 0
    cache = tmp_path / ".site-cache/pictures"
    kept = {path.name: path.stat().st_mtime_ns for path in cache.iterdir()}
    assert len(kept) == 12  # the photo: 4 widths, 2 formats; the PNG: 2 widths, 2 formats
    (content / "exercises/calf-raise.md").write_text(CALF_IMAGES.replace("The top position", "The top"))
    assert run_build().exit_code == 0
    assert {path.name: path.stat().st_mtime_ns for path in cache.iterdir()} == kept
    (content / "images/calf.jpg").write_bytes(phone_photo(orientation=1))
    assert run_build().exit_code == 0
    assert Image.open(tmp_path / "site/images/calf.jpg").size == (1440, 960)
    # The exercise, kept by the last build, is made again with the new picture: its page and its card say so.
    assert 'width="1440" height="960" alt="On tiptoe"' in (tmp_path / "site/exercises/calf-raise/index.html").read_text()
    assert 'width="240" height="160" alt=""' in (tmp_path / "site/exercises/index.html").read_text()
    assert len(list(cache.iterdir())) == 12  # the old photo's files are gone from the cache
    site_files = {path.name: path.read_bytes() for path in (tmp_path / "site/images").iterdir()}
    for path in cache.iterdir():
        path.unlink()
    (content / "exercises/calf-raise.md").write_text(CALF_IMAGES)
    assert run_build().exit_code == 0
    # The site holds the files of unchanged pictures: none is read nor made again, but for the 480 px file that
    # the routine's PDFs, printed again for the edited exercise, take in.
    assert [path.name[-9:] for path in cache.iterdir()] == ["-480.jpeg"]
    assert {path.name: path.read_bytes() for path in (tmp_path / "site/images").iterdir()} == site_files


def test_a_file_that_is_no_picture_a_damaged_one_and_a_decompression_bomb_are_errors(run_build, tmp_path):
    bomb = io.BytesIO()
    Image.new("1", (12000, 12000)).save(bomb, "PNG")  # 144 megapixels: more than Pillow unpacks by default
    make_guide(tmp_path, {"images/fake.png": b"\x89PNG fake", "images/cut.jpg": phone_photo()[:3000],
                          "images/bomb.png": bomb.getvalue()})
    result = run_build()
    assert result.exit_code == 1
    assert "content/images/fake.png:1: not a JPEG, PNG or WebP picture; replace it with one, or remove it\n" \
        in result.stderr
    assert re.search(r"content/images/cut\.jpg:1: the picture is damaged \(.*\); replace it, or remove it\n",
                     result.stderr)
    assert re.search(r"content/images/bomb\.png:1: the picture is too big to unpack safely \(.*\); make it "
                     r"smaller\n", result.stderr)


def test_pages_with_pictures_are_valid_accessible_and_load_the_right_file(run_build, tmp_path, browser):
    from test_accessibility import axe_violations
    from test_html_valid import nu_errors
    picture_guide(tmp_path)
    assert run_build().exit_code == 0
    exercise = tmp_path / "site/exercises/calf-raise"
    assert nu_errors(exercise) == ""
    assert axe_violations(browser, (exercise / "index.html").as_uri(), "light") == []
    page = browser.new_page(viewport={"width": 400, "height": 800}, device_scale_factor=2)
    try:
        page.goto((exercise / "index.html").as_uri())
        page.wait_for_load_state("load")
        shown = page.eval_on_selector("figure img", "img => [img.currentSrc, img.complete && img.naturalWidth]")
    finally:
        page.close()
    # 400 px wide at twice the density: the 960 px WebP, loaded, and shown 400 CSS pixels wide
    assert shown[0].endswith("/images/calf-960.webp") and shown[1] == 400


@pytest.fixture(scope="module")
def pictured_limit_site(tmp_path_factory):
    """The routine at the print limit (8 exercises of 6 long steps), each exercise with a photo, upright or on
    its side, and a drawing marked for print on the first."""
    from limits import limit_files
    root = tmp_path_factory.mktemp("pictured-limit")
    files = limit_files()
    for number in range(1, 9):
        files[f"images/limit-{number}.jpg"] = phone_photo(900, 600, orientation=6 if number % 2 else 1)
        images = f"images:\n  - src: images/limit-{number}.jpg\n    alt: Exercise {number}\n    credit: Us\n"
        if number == 1:
            files["images/limit-1.svg"] = SVG
            images += "  - src: images/limit-1.svg\n    alt: A drawing\n    credit: Us\n    print: true\n"
        path = f"exercises/limit-{number}.md"
        files[path] = files[path].replace("cautions:", images + "cautions:", 1)
    content = make_guide(root, files)
    from exguide.cli import main
    assert main(["build", "--content", str(content), "--out", str(root / "site")]) == 0
    return root / "site"


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_the_routine_at_the_limit_prints_with_its_pictures_on_one_page(browser, pictured_limit_site, paper):
    page = browser.new_page()
    try:
        page.goto((pictured_limit_site / "routines/limit/index.html").as_uri())
        printed = PdfReader(io.BytesIO(page.pdf(format=paper)))
    finally:
        page.close()
    assert len(printed.pages) == 1
    assert len(printed.pages[0].images) == 7  # the seven photos; the first exercise's drawing is drawn, not an image
    html = (pictured_limit_site / "routines/limit/index.html").read_text()
    assert re.search(r'class="routine sheet fit-\d( run-in)? pictures-\d+"', html)
    assert html.count('class="item-picture"') == 8 and 'src="../../images/limit-1.svg"' in html
    assert 'src="../../images/limit-2-480.jpg" width="480" height="320" alt="Exercise 2"' in html  # print size


@pytest.mark.parametrize("name", ["limit.pdf", "limit-letter.pdf"])
def test_the_routines_pdfs_hold_its_pictures_at_print_resolution_on_one_page(pictured_limit_site, name):
    path = pictured_limit_site / "routines" / name
    pdf = PdfReader(path)
    assert len(pdf.pages) == 1
    images = pdf.pages[0].images
    assert len(images) == 7 and all(image.image.size[0] == 480 for image in images)  # not the 1440 px web file
    assert path.stat().st_size < 1_000_000


def test_check_warns_about_a_huge_picture_that_builds(run_build, tmp_path):
    import os
    noise = Image.frombytes("RGB", (3000, 2400), os.urandom(3000 * 2400 * 3))
    out = io.BytesIO()
    noise.save(out, "PNG", compress_level=0)  # 21.6 MB: noise does not compress
    make_guide(tmp_path, {"images/huge.png": out.getvalue()})
    result = run_build("check")
    assert "content/images/huge.png:1: warning: the picture is 22 MB; the site shows it at most 1440 pixels " \
           "wide, so a smaller file (a few MB at most) gives the same pages and faster builds\n" in result.stdout + result.stderr


def test_serve_serves_the_pages_before_a_new_photos_files_are_made_then_serves_those(tmp_path):
    """A save that adds a photo: the pages come at once (the reload is not held up by the encoding); the
    photo's files follow from a thread, with a second reload."""
    import threading
    from exguide.options import BuildOptions
    from exguide.pipeline import Builder
    from exguide.serve import Rebuilder, ServeState
    content = make_guide(tmp_path)
    state, logged = ServeState(), []
    rebuilder = Rebuilder(Builder(BuildOptions(content, tmp_path / "site", pdfs=False)), state, logged.append)
    rebuilder.rebuild(changes=())
    exercise = content / "exercises/calf-raise.md"
    (content / "images").mkdir(exist_ok=True)
    (content / "images/calf.jpg").write_bytes(phone_photo(1200, 800, orientation=1))
    exercise.write_text(with_images("  - src: images/calf.jpg\n    alt: On tiptoe\n    credit: Us\n"))
    reloads: list[list[str]] = []
    second = threading.Event()

    def ready(changed: list[str]) -> None:
        reloads.append(sorted(changed))
        second.set() if len(reloads) == 2 else None
    rebuilder.rebuild(changes=[str(exercise), str(content / "images/calf.jpg")], ready=ready)
    assert "exercises/calf-raise/index.html" in reloads[0]
    assert not any(path.startswith("images/") for path in reloads[0])  # served before the photo's files
    assert second.wait(timeout=60)
    assert [path for path in reloads[1] if path.startswith("images/")] == [
        "images/calf-1200.webp", "images/calf-240.jpg", "images/calf-240.webp", "images/calf-480.jpg",
        "images/calf-480.webp", "images/calf-960.jpg", "images/calf-960.webp", "images/calf.jpg"]
    assert state.files["images/calf-240.webp"][:4] == b"RIFF" and not state.problems  # served


def test_a_picture_in_the_body_is_shown_from_its_files_on_the_page_and_in_the_booklet(run_build, tmp_path):
    make_guide(tmp_path, {"images/calf.jpg": phone_photo(1200, 800, orientation=1), "exercises/calf-raise.md":
                          FIXTURE_CALF.replace("\n1. ", "\n![On tiptoe](../images/calf.jpg)\n\n1. ", 1)})
    assert run_build().exit_code == 0
    page = (tmp_path / "site/exercises/calf-raise/index.html").read_text()
    assert '<picture><source type="image/webp" srcset="../../images/calf-240.webp 240w, ../../images/calf-480.webp ' \
           '480w, ../../images/calf-960.webp 960w, ../../images/calf-1200.webp 1200w" sizes="(min-width: 46rem) 44rem, ' \
           '100vw"><img alt="On tiptoe" src="../../images/calf.jpg" srcset="../../images/calf-240.jpg 240w, ' \
           '../../images/calf-480.jpg 480w, ../../images/calf-960.jpg 960w, ../../images/calf.jpg 1200w" sizes="' \
           '(min-width: 46rem) 44rem, 100vw" width="1200" height="800" loading="lazy" decoding="async"></picture>' in page
    booklet = (tmp_path / "site/print/index.html").read_text()
    assert '<img alt="On tiptoe" src="../images/calf.jpg" srcset="../images/calf-240.jpg 240w' in booklet
    assert 'alt="" loading="lazy"' in (tmp_path / "site/exercises/index.html").read_text()  # its card's thumbnail


def test_search_results_show_the_thumbnail_as_cards_do(run_build, tmp_path, browser):
    picture_guide(tmp_path)
    assert run_build().exit_code == 0
    page = browser.new_page()
    try:
        page.goto((tmp_path / "site/search/index.html").as_uri() + "?q=calf")
        page.wait_for_function("document.querySelectorAll('.search-results li').length > 0")
        shown = page.eval_on_selector(".search-results li picture img", "img => [img.currentSrc, img.getAttribute('width'), img.alt]")
    finally:
        page.close()
    assert shown[0].endswith("/images/calf-240.webp") and shown[1:] == ["240", ""]


def test_avif_is_made_too_when_the_guide_asks(run_build, tmp_path, monkeypatch):
    content = picture_guide(tmp_path)
    guide = content / "guide.yaml"
    guide.write_text(guide.read_text() + "avif: true\n")
    assert run_build().exit_code == 0
    assert Image.open(tmp_path / "site/images/calf-480.avif").size == (480, 720)
    page = (tmp_path / "site/exercises/calf-raise/index.html").read_text()
    assert '<source type="image/avif" srcset="../../images/calf-240.avif 240w, ../../images/calf-480.avif 480w, ' \
           '../../images/calf-960.avif 960w, ../../images/calf-1440.avif 1440w"' in page
    assert page.index('type="image/avif"') < page.index('type="image/webp"')  # the browser takes the first it can
    from exguide import media
    monkeypatch.setattr(media.features, "check", lambda feature: False)
    result = run_build("--no-cache")  # as a Pillow without AVIF would
    assert result.exit_code == 1
    assert "content/guide.yaml:1: avif: this Pillow cannot write AVIF; upgrade it (pip install --upgrade pillow) " \
           "or remove 'avif: true'\n" in result.stderr


def test_a_drawing_is_shown_at_the_size_its_viewbox_says_and_follows_an_edit_in_serve(tmp_path):
    from exguide.options import BuildOptions
    from exguide.pipeline import Builder
    drawing = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}"><rect width="9" height="9"/></svg>'
    content = make_guide(tmp_path, {"images/figure.svg": drawing.format(w=240, h=196), "exercises/calf-raise.md":
                                    with_images("  - src: images/figure.svg\n    alt: A drawing\n    credit: Us\n")})
    builder = Builder(BuildOptions(content, tmp_path / "site", pdfs=False))
    files = builder.rebuild(changes=()).files
    page = files["exercises/calf-raise/index.html"]
    assert b'<img src="../../images/figure.svg" width="240" height="196" alt="A drawing" decoding="async">' in page
    assert b'<picture class="thumbnail"><img src="../images/figure.svg" width="240" height="196" alt="" ' \
           b'loading="lazy" decoding="async"></picture>' in bytes(files["exercises/index.html"])  # its card
    (content / "images/figure.svg").write_text(drawing.format(w=100, h=300))
    page = builder.rebuild(changes=[str(content / "images/figure.svg")]).files["exercises/calf-raise/index.html"]
    assert b'width="100" height="300" alt="A drawing"' in page
