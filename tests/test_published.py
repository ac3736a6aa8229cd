"""A guide published at a base_url: sitemap, robots.txt, canonical links, Open Graph, a 404 page,
structured data, and no request to any other host."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser

import pytest

from conftest import FIXTURE_CONTENT, make_guide
from exguide.cli import main
from test_html_valid import nu_errors

BASE = "https://guides.example.org/legs/"


@pytest.fixture(scope="module")
def published_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("published")
    guide = (FIXTURE_CONTENT / "guide.yaml").read_text() + f"base_url: {BASE}\n"
    content = make_guide(root, {"guide.yaml": guide})
    assert main(["build", "--content", str(content), "--out", str(root / "site"), "--no-pdf"]) == 0
    return root / "site"


def test_the_sitemap_lists_every_page_by_its_address(published_site):
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    urls = [loc.text for loc in ElementTree.parse(published_site / "sitemap.xml").getroot().iter(namespace + "loc")]
    pages = sorted(p.relative_to(published_site).as_posix() for p in published_site.rglob("*.html"))
    assert sorted(urls) == sorted(BASE + page.removesuffix("index.html") for page in pages if page != "404.html")
    assert BASE + "exercises/calf-raise/" in urls


def test_robots_txt_points_to_the_sitemap(published_site):
    assert (published_site / "robots.txt").read_text() == f"User-agent: *\nAllow: /\n\nSitemap: {BASE}sitemap.xml\n"


def test_pages_name_their_canonical_address_and_open_graph_tags(published_site):
    page = (published_site / "exercises/calf-raise/index.html").read_text()
    assert f'<link rel="canonical" href="{BASE}exercises/calf-raise/">' in page
    assert f'<meta property="og:url" content="{BASE}exercises/calf-raise/">' in page
    assert '<meta property="og:title" content="Calf raise · Test guide &lt;Legs&gt; &amp; more">' in page


def test_the_404_page_links_by_absolute_address(published_site):
    page = (published_site / "404.html").read_text()
    assert f'<a href="{BASE}">The guide' in page
    assert f'<link rel="stylesheet" href="{BASE}assets/style.css">' in page


def test_without_base_url_there_is_no_sitemap_robots_or_404(fixture_site):
    for name in ("sitemap.xml", "robots.txt", "404.html"):
        assert not (fixture_site / name).exists()
    assert 'rel="canonical"' not in (fixture_site / "index.html").read_text()


def test_exercises_carry_their_steps_as_structured_data(published_site):
    page = (published_site / "exercises/calf-raise/index.html").read_text()
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page).group(1))
    assert data["@type"] == "HowTo" and data["name"] == "Calf raise"
    assert data["url"] == BASE + "exercises/calf-raise/"
    assert [step["text"] for step in data["step"]] == [
        "Stand on a step.", "Rise onto your toes (see ankle circles).", "Lower slowly."]


class _Requests(HTMLParser):
    """Addresses a browser fetches by itself while showing a page."""

    def __init__(self) -> None:
        super().__init__()
        self.addresses: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "audio", "video") and attributes.get("src"):
            self.addresses.append(attributes["src"])
        if tag == "link" and attributes.get("rel") not in ("canonical",) and attributes.get("href"):
            self.addresses.append(attributes["href"])


def test_no_page_makes_a_request_to_another_host(published_site):
    for page in published_site.rglob("*.html"):
        parser = _Requests()
        parser.feed(page.read_text())
        foreign = [a for a in parser.addresses if re.match(r"^(https?:)?//", a) and not a.startswith(BASE)]
        assert foreign == [], page
    css = (published_site / "assets/style.css").read_text()
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", css) and "@import" not in css


def test_the_published_site_is_valid_html(published_site):
    assert nu_errors(published_site) == ""
