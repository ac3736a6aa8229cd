"""Videos: a file of the guide plays on the page; a YouTube or Vimeo video loads nothing from its host until
the reader clicks, and is a plain link without JavaScript."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import make_guide
from exguide.video import read_video
from test_pictures import phone_photo

FIXTURE_CALF = (Path(__file__).parent / "fixture/content/exercises/calf-raise.md").read_text()
TOE_WALK = FIXTURE_CALF.replace("title: Calf raise", "title: Toe walk")


def with_video(video: str, text: str = FIXTURE_CALF) -> str:
    return text.replace("category: strength", "category: strength\n" + video)


@pytest.mark.parametrize("src, address, player", [
    ("https://www.youtube.com/watch?v=aqz-KE-bpKQ&t=30s", "https://www.youtube.com/watch?v=aqz-KE-bpKQ",
     "https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ?autoplay=1"),
    ("https://youtu.be/aqz-KE-bpKQ", "https://www.youtube.com/watch?v=aqz-KE-bpKQ",
     "https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ?autoplay=1"),
    ("https://www.youtube.com/shorts/aqz-KE-bpKQ", "https://www.youtube.com/watch?v=aqz-KE-bpKQ",
     "https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ?autoplay=1"),
    ("https://vimeo.com/76979871", "https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871?dnt=1&autoplay=1"),
    ("https://vimeo.com/76979871/3c1a5b", "https://vimeo.com/76979871/3c1a5b",
     "https://player.vimeo.com/video/76979871?dnt=1&autoplay=1&h=3c1a5b"),
    ("videos/ankle.mp4", "videos/ankle.mp4", ""),
])
def test_video_addresses_are_read(src, address, player):
    video = read_video(src)
    assert (video.address, video.player) == (address, player)


@pytest.mark.parametrize("src", ["https://www.dailymotion.com/video/x7tgad0", "http://youtu.be/aqz-KE-bpKQ",
                                 "https://youtu.be/short", "videos/../../x.mp4", "videos/a.avi", "ankle.mp4"])
def test_other_addresses_are_refused(src):
    assert read_video(src) is None


def video_guide(tmp_path: Path) -> Path:
    return make_guide(tmp_path, {
        "images/calf.jpg": phone_photo(),
        "videos/calf-raise.mp4": b"\x00\x00\x00\x18ftypmp42 not a real film",
        "exercises/calf-raise.md": with_video(
            "images:\n  - src: images/calf.jpg\n    alt: On tiptoe\n    credit: Us\nvideo: videos/calf-raise.mp4"),
        "exercises/toe-walk.md": with_video("video: https://youtu.be/aqz-KE-bpKQ", TOE_WALK),
    })


def test_a_video_file_plays_on_the_page_with_the_first_picture_as_poster(run_build, tmp_path):
    video_guide(tmp_path)
    assert run_build().exit_code == 0
    assert (tmp_path / "site/videos/calf-raise.mp4").is_file()
    page = (tmp_path / "site/exercises/calf-raise/index.html").read_text()
    assert '<video controls preload="none" poster="../../images/calf-960.jpg">\n' \
           '    <source src="../../videos/calf-raise.mp4" type="video/mp4">' in page
    assert "video.js" not in page  # nothing to turn into a player


def test_an_online_video_fetches_nothing_from_its_host_until_clicked(run_build, tmp_path, browser):
    from test_accessibility import axe_violations
    from test_html_valid import nu_errors
    video_guide(tmp_path)
    assert run_build().exit_code == 0
    exercise = tmp_path / "site/exercises/toe-walk"
    html = (exercise / "index.html").read_text()
    assert '<a class="video-link" href="https://www.youtube.com/watch?v=aqz-KE-bpKQ" ' \
           'data-player="https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ?autoplay=1"' in html  # without JS
    assert nu_errors(exercise) == "" and nu_errors(tmp_path / "site/exercises/calf-raise") == ""
    assert axe_violations(browser, (exercise / "index.html").as_uri(), "light") == []
    page = browser.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    try:
        page.goto((exercise / "index.html").as_uri())
        page.wait_for_load_state("load")
        assert [url for url in requested if not url.startswith("file:")] == []
        page.click(".video-link")
        player = page.wait_for_selector("figure.video iframe")
        assert player.get_attribute("src") == "https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ?autoplay=1"
        page.wait_for_timeout(200)
    finally:
        page.close()
    assert any(url.startswith("https://www.youtube-nocookie.com/") for url in requested)  # now, and only now


def test_the_printed_sheet_carries_a_qr_code_of_each_video(run_build, tmp_path, browser):
    import io
    from pypdf import PdfReader
    routine = "---\ntitle: Calves\nsummary: Two.\nfrequency: daily\nexercises: [calf-raise, toe-walk]\n---\n"
    content = video_guide(tmp_path)
    (content / "routines/calves.md").write_text(routine)
    guide = content / "guide.yaml"
    guide.write_text(guide.read_text() + "base_url: https://guides.example.org/legs/\n")
    assert run_build().exit_code == 0
    html = (tmp_path / "site/routines/calves/index.html").read_text()
    codes = re.findall(r'<span class="item-qr print-only">.*?<title>QR code: (.*?)</title>', html)
    assert codes == ["https://guides.example.org/legs/videos/calf-raise.mp4",  # a file, at the published site
                     "https://www.youtube.com/watch?v=aqz-KE-bpKQ"]
    page = browser.new_page()
    try:
        page.goto((tmp_path / "site/routines/calves/index.html").as_uri())
        assert len(PdfReader(io.BytesIO(page.pdf(format="A4"))).pages) == 1
    finally:
        page.close()
