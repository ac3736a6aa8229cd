"""Full-text search, in a real headless Chromium, from a copy of the site opened from disk."""

from __future__ import annotations

import sys
from array import array

from jinja2.utils import htmlsafe_json_dumps
from playwright.sync_api import expect

from conftest import PROJECT_DIR
from exguide.cli import main
from exguide.search import shard_script_json, terms_of


def _results(page) -> list[str]:
    return page.locator(".search-results h2").all_inner_texts()


def test_typing_finds_exercises_by_title_muscle_and_text(browser, bundled_site):
    page = browser.new_page()
    page.goto((bundled_site / "search/index.html").as_uri())
    search = page.get_by_label("Words to look for")
    search.fill("hamstrings")
    page.wait_for_function("document.querySelectorAll('.search-results li').length > 0")
    assert _results(page)[0] == "Wide-legged forward fold"
    search.fill("wall knee")  # every word must match; the ankle drill is about both, the lunge mentions them
    page.wait_for_function("document.querySelector('[data-search-status]').textContent.includes('wall knee')")
    assert _results(page) == ["Ankle mobilization", "Low lunge with reach"]
    search.fill("wall knee tailbone")
    page.wait_for_function("document.querySelector('[data-search-status]').textContent.includes('tailbone')")
    assert _results(page) == ["Low lunge with reach"]
    search.fill("gastroc")  # the last word may be the start of a word
    page.wait_for_function("document.querySelector('[data-search-status]').textContent.includes('gastroc')")
    assert _results(page) == ["Ankle mobilization"]
    assert page.url.endswith("search/index.html?q=gastroc")
    page.close()


def test_every_page_can_search_from_its_header(browser, bundled_site):
    page = browser.new_page()
    page.goto((bundled_site / "exercises/ankle-mobilization/index.html").as_uri())
    page.get_by_label("Search the exercises").fill("psoas lunge")
    page.get_by_label("Search the exercises").press("Enter")
    page.wait_for_function("document.querySelectorAll('.search-results li').length > 0")
    assert _results(page) == ["Low lunge with reach"]
    page.get_by_role("link", name="Low lunge with reach").click()
    expect(page.locator("h1")).to_have_text("Low lunge with reach")  # once the page the click opens is there
    page.close()


def test_the_index_stays_in_small_pieces_for_a_large_guide(tmp_path):
    sys.path.insert(0, str(PROJECT_DIR / "bench"))
    from generate import generate_guide
    content = generate_guide(tmp_path, 1000)
    assert main(["build", "--content", str(content), "--out", str(tmp_path / "site"), "--no-pdf"]) == 0
    shards = list((tmp_path / "site/assets/search").iterdir())
    assert len(shards) > 20
    assert max(shard.stat().st_size for shard in shards) < 300_000


def test_terms_are_the_words_of_two_letters_or_more_in_lower_case_without_accents():
    assert terms_of("Half-kneeling QUAD stretch: 2x 30s_hold, a ſet") == ["half", "kneeling", "quad", "stretch", "2x",
                                                                       "30s", "hold", "set"]
    assert terms_of("Étirement du PSOAS à genou, 30 s") == ["etirement", "du", "psoas", "genou", "30"]
    assert terms_of("Кварц σώμα") == ["кварц", "σωμα"]


def test_a_shard_is_the_json_of_its_postings():
    entries = {"knee": array("l", [0, 10, 3, 1, 12, 4]), "kn": array("l", [7, 6]), "σωμα": array("l", [2, 1]),
               "膝": array("l", [5, 3]), "ka": array("l")}
    expected = htmlsafe_json_dumps({term: [list(pair) for pair in zip(postings[::2], postings[1::2])]
                                    for term, postings in entries.items()}, sort_keys=True)
    assert shard_script_json(entries) == str(expected)


def test_terms_weighed_in_two_processes_are_those_of_one_and_interned():
    from exguide.assemble import load_guide
    from exguide.search import weighted_terms_each
    exercises = load_guide(PROJECT_DIR / "content").exercises * 1000  # enough for the worker to take some
    shared = weighted_terms_each(exercises, workers=2)
    assert shared == weighted_terms_each(exercises) and len(shared) == len(exercises)
    assert all(sys.intern(term) is term for weights in shared for term in weights[::2])


def test_a_retitle_that_moves_an_exercise_renumbers_no_other_document(run_build, tmp_path):
    """Documents are numbered by slug: 'Ankle circles' retitled 'Zebra circles' moves from first to last in
    the title order, and only the index's files that hold its own words and its document change."""
    from conftest import make_guide, read_tree

    content = make_guide(tmp_path)
    assert run_build("--no-pdf").exit_code == 0
    before = {path: data for path, data in read_tree(tmp_path / "site").items() if path.startswith("assets/search/")}
    exercise = content / "exercises/ankle-circles.md"
    exercise.write_text(exercise.read_text().replace("title: Ankle circles", "title: Zebra circles"))
    assert run_build("--no-pdf").exit_code == 0
    after = {path: data for path, data in read_tree(tmp_path / "site").items() if path.startswith("assets/search/")}
    changed = sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path))
    assert changed == ["assets/search/docs-0.js", "assets/search/terms-an.js", "assets/search/terms-ze.js"]
