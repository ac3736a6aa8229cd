"""Build your own routine, in a real headless Chromium: pick exercises, reorder, share, print on one page."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from conftest import make_guide
from limits import limit_files


@pytest.fixture
def page(browser):
    context = browser.new_context()  # a fresh local storage for each test
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == []


def _titles(page) -> list[str]:
    return page.locator(".routine-item h2").all_inner_texts()


def _printed_pages(page, paper: str) -> int:
    return len(PdfReader(io.BytesIO(page.pdf(format=paper))).pages)


def test_exercises_added_on_their_pages_make_a_one_page_routine(page, bundled_site):
    for slug in ("ankle-mobilization", "wide-legged-forward-fold"):
        page.goto((bundled_site / f"exercises/{slug}/index.html").as_uri())
        page.get_by_role("button", name="Add to my routine").click()
        assert page.get_by_role("button", name="Remove from my routine").get_attribute("aria-pressed") == "true"
    page.get_by_role("link", name="My routine (2)").click()
    # expect() waits for the page the click opens: the click returns once its loading has started
    expect(page.locator(".routine-item h2")).to_have_text(["Ankle mobilization", "Wide-legged forward fold"])
    assert page.url.endswith("/routines/custom/index.html?e=ankle-mobilization,wide-legged-forward-fold")
    assert page.locator("[data-link]").input_value() == page.url
    for paper in ("A4", "Letter"):
        assert _printed_pages(page, paper) == 1


def test_the_reader_can_reorder_and_remove_and_the_address_follows(page, bundled_site):
    custom = (bundled_site / "routines/custom/index.html").as_uri()
    page.goto(custom + "?e=ankle-mobilization,low-lunge-with-reach,90-90-sit-with-reach")
    page.get_by_role("button", name="Move down: Ankle mobilization").click()
    assert _titles(page) == ["Low lunge with reach", "Ankle mobilization", "90/90 sit with reach"]
    page.get_by_role("button", name="Remove: Low lunge with reach").click()
    assert _titles(page) == ["Ankle mobilization", "90/90 sit with reach"]
    assert page.url.endswith("?e=ankle-mobilization,90-90-sit-with-reach")
    page.goto((bundled_site / "exercises/ankle-mobilization/index.html").as_uri())
    assert page.get_by_role("link", name="My routine (2)").is_visible()  # remembered in local storage


def test_a_shared_link_opens_the_same_routine_and_skips_unknown_exercises(page, bundled_site):
    custom = (bundled_site / "routines/custom/index.html").as_uri()
    page.goto(custom + "?e=wide-legged-forward-fold,no-such-exercise,ankle-mobilization")
    assert _titles(page) == ["Wide-legged forward fold", "Ankle mobilization"]
    assert page.locator(".sheet-log tbody th").all_inner_texts() == [
        "1. Wide-legged forward fold", "2. Ankle mobilization"]


def test_a_custom_routine_at_the_limit_prints_on_one_page(page, tmp_path):
    from exguide.cli import main
    content = make_guide(tmp_path, limit_files())
    assert main(["build", "--content", str(content), "--out", str(tmp_path / "site"), "--no-pdf"]) == 0
    slugs = ",".join(f"limit-{n}" for n in range(1, 9))
    page.goto((tmp_path / "site/routines/custom/index.html").as_uri() + "?e=" + slugs)
    assert len(_titles(page)) == 8
    for paper in ("A4", "Letter"):
        assert _printed_pages(page, paper) == 1


def test_without_javascript_the_control_is_absent_and_nothing_breaks(browser, bundled_site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto((bundled_site / "exercises/ankle-mobilization/index.html").as_uri())
    assert page.get_by_role("button").count() == 0
    assert page.locator("h1").inner_text() == "Ankle mobilization"
    page.goto((bundled_site / "routines/custom/index.html").as_uri())
    assert "needs JavaScript" in page.locator("main").inner_text()
    assert not page.locator("[data-custom-tools]").is_visible()
    context.close()


def test_a_custom_routine_shows_each_exercises_picture_and_still_prints_on_one_page(page, bundled_site):
    custom = (bundled_site / "routines/custom/index.html").as_uri()
    page.goto(custom + "?e=ankle-mobilization,wide-legged-forward-fold,low-lunge-with-reach")
    assert page.locator("[data-custom-sheet]").get_attribute("class") == "routine sheet fit-0 pictures-26"
    pictures = page.locator(".routine-item img.item-picture")
    assert pictures.count() == 3
    assert pictures.first.get_attribute("src") == "../../images/ankle-mobilization-start.svg"
    assert pictures.first.get_attribute("width") == "240" and pictures.first.get_attribute("alt")
    page.wait_for_function("[...document.querySelectorAll('.item-picture')].every(img => img.complete && img.naturalWidth)")
    for paper in ("A4", "Letter"):
        assert _printed_pages(page, paper) == 1
