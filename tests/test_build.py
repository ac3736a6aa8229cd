"""The fixture guide, built end to end through the command line, and its pages checked."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from conftest import make_guide, read_tree


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.add(attributes["id"])
        for name in ("href", "src"):
            if attributes.get(name):
                self.links.append(attributes[name])


def parse_links(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def page_text(site: Path, path: str) -> str:
    return (site / path).read_text(encoding="utf-8")


def test_the_fixture_builds_every_page(fixture_site):
    files = sorted(read_tree(fixture_site))
    search_index = [f for f in files if f.startswith("assets/search/")]
    assert "assets/search/docs-0.js" in search_index and "assets/search/terms-ca.js" in search_index  # "calf"
    assert all(re.fullmatch(r"assets/search/(docs-\d+|terms-\w\w)\.js", f) for f in search_index)
    assert [f for f in files if not f.startswith("assets/search/")] == [
        ".exguide",  # the mark that lets the next build replace the folder
        "assets/exercises-data.js",
        "assets/favicon.svg",
        "assets/filters.js",
        "assets/routine.js",
        "assets/search.js",
        "assets/style.css",
        "assets/video.js",
        "equipment/index.html",
        "equipment/none/index.html",
        "equipment/wall/index.html",
        "exercises/ankle-circles/index.html",
        "exercises/calf-raise/index.html",
        "exercises/hip-flexor-lunge/index.html",
        "exercises/index.html",
        "exercises/quad-stretch/index.html",
        "index.html",
        "muscles/calves/index.html",
        "muscles/hamstrings/index.html",
        "muscles/hip-flexors/index.html",
        "muscles/index.html",
        "muscles/quadriceps/index.html",
        "print/index.html",
        "routines/custom/index.html",
        "routines/leg-day-letter.pdf",
        "routines/leg-day.pdf",
        "routines/leg-day/index.html",
        "schema/exercise.json",
        "schema/guide.json",
        "schema/muscles.json",
        "schema/routine.json",
        "search/index.html",
    ]


def test_every_link_is_relative_and_resolves(fixture_site):
    for page in fixture_site.rglob("*.html"):
        parsed = parse_links(page)
        assert len(parsed.links) > 5, page
        for link in parsed.links:
            parts = urlsplit(link)
            assert not parts.scheme and not parts.netloc and not link.startswith("/"), (page, link)
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            assert target.is_file(), f"{page.relative_to(fixture_site)} links to missing {link}"
            assert fixture_site.resolve() in target.parents or target == fixture_site.resolve()
            if parts.fragment:
                assert parts.fragment in parse_links(target).ids, (page, link)


def _titles_in(html: str, section_id: str) -> list[str]:
    section = html.split(f'id="{section_id}"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<h3><a href="[^"]+">([^<]+)</a></h3>', section)


def test_group_pages_list_primary_targets_first_then_secondary(fixture_site):
    hip_flexors = page_text(fixture_site, "muscles/hip-flexors/index.html")
    assert _titles_in(hip_flexors, "primary") == ["Hip flexor lunge"]
    assert _titles_in(hip_flexors, "secondary") == ["Quad stretch &lt;standing&gt; &amp; &#34;easy&#34;"]
    quadriceps = page_text(fixture_site, "muscles/quadriceps/index.html")
    # rectus femoris belongs to both groups, so the lunge is a primary quadriceps exercise too
    assert _titles_in(quadriceps, "primary") == ["Hip flexor lunge",
                                                 "Quad stretch &lt;standing&gt; &amp; &#34;easy&#34;"]
    assert 'id="secondary"' not in quadriceps
    calves = page_text(fixture_site, "muscles/calves/index.html")
    assert _titles_in(calves, "primary") == ["Ankle circles", "Calf raise"]
    hamstrings = page_text(fixture_site, "muscles/hamstrings/index.html")
    assert 'id="primary"' not in hamstrings  # its only primary exercise is a draft
    assert _titles_in(hamstrings, "secondary") == ["Calf raise"]


def test_groups_no_exercise_works_are_marked_and_get_no_page(fixture_site):
    index = page_text(fixture_site, "muscles/index.html")
    assert re.search(r'<li class="unworked">\s*<span class="name">Neck</span>\s*'
                     r'<span class="count">no exercises yet</span>', index)
    assert not (fixture_site / "muscles/neck").exists()


def test_front_matter_text_is_escaped(fixture_site):
    page = page_text(fixture_site, "exercises/quad-stretch/index.html")
    assert "<h1>Quad stretch &lt;standing&gt; &amp; &#34;easy&#34;</h1>" in page
    assert "Pulls the heel to the seat &lt;b&gt;gently&lt;/b&gt;." in page
    assert "<li>Hold a wall for &lt;balance&gt;.</li>" in page
    assert "<title>Test guide &lt;Legs&gt; &amp; more</title>" in page_text(fixture_site, "index.html")
    assert "<balance>" not in page and "<standing>" not in page


def test_exercise_page_shows_its_facts_and_links(fixture_site):
    page = page_text(fixture_site, "exercises/quad-stretch/index.html")
    assert '<html lang="en-GB" ' in page
    assert "<dt>Dose</dt><dd>2 × 30 s hold, each side</dd>" in page
    assert '<a href="../../muscles/quadriceps/index.html">Quadriceps</a>' in page
    assert 'iliopsoas <span class="groups">(<a href="../../muscles/hip-flexors/index.html">Hip flexors</a>)' in page
    assert '<dt>Equipment</dt><dd><a href="../../equipment/wall/index.html">wall</a></dd>' in page
    assert '<ol class="steps">' in page
    assert '<a href="../../routines/leg-day/index.html">Leg day</a>' in page
    assert '<a rel="prev" href="../hip-flexor-lunge/index.html">' in page
    assert "rel=\"next\"" not in page  # the last exercise by title


def test_links_between_content_files_lead_to_their_pages(fixture_site):
    exercise = page_text(fixture_site, "exercises/quad-stretch/index.html")
    assert 'Pair it with <a href="../hip-flexor-lunge/index.html#main">the lunge</a>.' in exercise
    routine = page_text(fixture_site, "routines/leg-day/index.html")
    assert '(see <a href="../../exercises/ankle-circles/index.html">ankle circles</a>)' in routine
    booklet = page_text(fixture_site, "print/index.html")
    assert 'Pair it with <a href="#exercise-hip-flexor-lunge">the lunge</a>.' in booklet


def test_routine_page_shows_effective_doses_and_steps_in_order(fixture_site):
    page = page_text(fixture_site, "routines/leg-day/index.html")
    titles = re.findall(r'<h2><a href="[^"]+">([^<]+)</a></h2>', page)
    assert titles == ["Calf raise", "Quad stretch &lt;standing&gt; &amp; &#34;easy&#34;", "Hip flexor lunge"]
    doses = re.findall(r'<p class="dose">([^<]+)</p>', page)
    assert doses == ["3 sets of 12 reps, rest 45 s between sets", "2 × 45 s hold, each side",
                     "8 reps with a 5 s hold, each side"]
    assert "<li>Hold your <em>ankle</em> behind you.</li>" in page
    assert "3 times a week" in page
    assert '<p class="caution"><strong>Caution:</strong> Hold a wall for &lt;balance&gt;.</p>' in page


def test_home_lists_routines_groups_and_exercises(fixture_site):
    page = page_text(fixture_site, "index.html")
    assert "<p>This guide has <em>four</em> exercises and one routine.</p>" in page
    assert '<a href="routines/leg-day/index.html">Leg day</a>' in page
    assert '<a href="muscles/calves/index.html">Calves</a>' in page
    assert _titles_in(page, "exercises") == [
        "Ankle circles", "Calf raise", "Hip flexor lunge", "Quad stretch &lt;standing&gt; &amp; &#34;easy&#34;"]


def test_a_home_page_links_to_the_list_of_exercises_instead_of_listing_more_than_a_hundred(run_build, tmp_path):
    content = make_guide(tmp_path)
    calf_raise = (content / "exercises/calf-raise.md").read_text()
    for number in range(97):  # with the fixture's four, 101 published exercises
        text = calf_raise.replace("title: Calf raise", f"title: R{number}")
        (content / f"exercises/raise-{number}.md").write_text(text)
    assert run_build("build", "--content", str(content), "--no-pdf").exit_code == 0
    page = page_text(tmp_path / "site", "index.html")
    assert _titles_in(page, "exercises") == []
    assert '<p><a href="exercises/index.html">All 101 exercises</a>, to browse by muscle' in page
    assert page_text(tmp_path / "site", "exercises/index.html").count('<li class="card"') == 101
    (content / "exercises/raise-0.md").unlink()  # 100: each one on the home page again
    assert run_build("build", "--content", str(content), "--no-pdf").exit_code == 0
    assert len(_titles_in(page_text(tmp_path / "site", "index.html"), "exercises")) == 100


def test_drafts_are_built_only_when_asked(run_build, tmp_path):
    content = make_guide(tmp_path)
    assert run_build("--content", str(content), "--out", "without").exit_code == 0
    assert not (tmp_path / "without/exercises/hamstring-draft").exists()
    assert run_build("build", "--content", str(content), "--out", "with", "--drafts").exit_code == 0
    assert (tmp_path / "with/exercises/hamstring-draft/index.html").is_file()


def test_two_builds_are_byte_identical(run_build, tmp_path):
    content = make_guide(tmp_path)
    assert run_build("--content", str(content), "--out", "first").exit_code == 0
    assert run_build("--content", str(content), "--out", "second").exit_code == 0
    assert read_tree(tmp_path / "first") == read_tree(tmp_path / "second")


def test_a_rebuild_replaces_the_site_and_removes_stale_files(run_build, tmp_path):
    content = make_guide(tmp_path)
    assert run_build("--content", str(content)).exit_code == 0
    (tmp_path / "site/stale.html").write_text("old")
    (content / "exercises/ankle-circles.md").unlink()
    assert run_build("--content", str(content)).exit_code == 0
    assert not (tmp_path / "site/stale.html").exists()
    assert not (tmp_path / "site/exercises/ankle-circles").exists()
    # Beside the site: the cache, and the staging folder, which holds the last site for the next build
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".site")) == [".site-cache", ".site.next"]


def test_a_failed_build_leaves_the_last_good_site_untouched(run_build, tmp_path):
    content = make_guide(tmp_path)
    assert run_build("--content", str(content)).exit_code == 0
    before = read_tree(tmp_path / "site")
    (content / "exercises/calf-raise.md").write_text("---\ntitle: [broken\n---\n1. x\n")
    result = run_build("--content", str(content))
    assert result.exit_code == 1
    assert read_tree(tmp_path / "site") == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site")] == [".site-cache"]


def test_the_summary_names_pages_time_and_where_to_open(run_build, tmp_path):
    content = make_guide(tmp_path)
    result = run_build("--content", str(content), "--out", "out")
    assert re.fullmatch(r"Built 18 pages \(\d+ files\) in \d+\.\d\d s; open out/index\.html\n", result.stdout)
    assert result.stderr == ""


def test_drawings_are_checked_and_copied(run_build, tmp_path):
    drawing = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'
    content = make_guide(tmp_path, {
        "images/calf.svg": drawing,
        "exercises/calf-raise.md": (FIXTURE_CALF.replace(
            "category: strength", "category: strength\nimages:\n  - src: images/calf.svg\n"
                                  "    alt: A person on tiptoe\n    credit: Drawn for the tests")),
    })
    assert run_build("--content", str(content)).exit_code == 0
    assert (tmp_path / "site/images/calf.svg").read_bytes() == drawing
    page = (tmp_path / "site/exercises/calf-raise/index.html").read_text()
    assert '<img src="../../images/calf.svg" alt="A person on tiptoe" decoding="async">' in page


FIXTURE_CALF = (Path(__file__).parent / "fixture/content/exercises/calf-raise.md").read_text()
