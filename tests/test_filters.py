"""The list of all exercises and its filters, in a real headless Chromium."""

from __future__ import annotations

from playwright.sync_api import expect


def _shown(page) -> list[str]:
    return page.locator(".exercise-list > li:not([hidden]) h2").all_inner_texts()


def test_filters_narrow_the_list_and_keep_the_choice_in_the_address(browser, bundled_site):
    page = browser.new_page()
    page.goto((bundled_site / "exercises/index.html").as_uri())
    assert len(_shown(page)) == 5
    page.get_by_label("Muscle group").select_option("hip-abductors")
    assert _shown(page) == ["90/90 sit with reach"]
    assert page.url.endswith("exercises/index.html?muscle=hip-abductors")
    page.get_by_label("Muscle group").select_option("")
    page.get_by_label("Equipment").select_option("none")
    assert _shown(page) == ["90/90 sit with reach", "Wide-legged forward fold"]
    assert page.locator("[data-count]").inner_text() == "2 exercises"
    page.get_by_label("Position").select_option("kneeling")
    assert _shown(page) == []
    assert page.get_by_text("No exercise matches these filters.").is_visible()
    page.close()


def test_a_shared_filtered_address_opens_filtered(browser, bundled_site):
    page = browser.new_page()
    page.goto((bundled_site / "exercises/index.html").as_uri() + "?muscle=hamstrings&equipment=none")
    assert _shown(page) == ["Wide-legged forward fold"]
    assert page.get_by_label("Muscle group").input_value() == "hamstrings"
    page.close()


def test_without_javascript_the_whole_list_and_the_group_links_work(browser, bundled_site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto((bundled_site / "exercises/index.html").as_uri())
    assert len(_shown(page)) == 5
    assert not page.locator("form.filters").is_visible()
    page.get_by_role("link", name="muscle group").click()
    expect(page.locator("h1")).to_have_text("Muscle groups")  # once the page the click opens is there
    context.close()
