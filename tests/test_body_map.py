"""The body map: a region for every muscle group, highlights, links, and grey when printed."""

from __future__ import annotations

import re

import yaml
from playwright.sync_api import expect

from conftest import PROJECT_DIR


def test_every_group_has_a_region_and_every_region_a_group(bundled_site):
    groups = {g["slug"] for g in yaml.safe_load((PROJECT_DIR / "content/muscles.yaml").read_text())["groups"]}
    regions = set(re.findall(r'data-group="([^"]+)"', (bundled_site / "muscles/index.html").read_text()))
    assert regions == groups


def test_an_exercise_shows_its_main_and_secondary_groups(browser, bundled_site):
    page = browser.new_page()
    page.goto((bundled_site / "exercises/low-lunge-with-reach/index.html").as_uri())
    states = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('.region')]
        .filter(r => r.classList.length > 1).map(r => [r.dataset.group, r.classList[1]]))""")
    assert states == {"hip-flexors": "primary", "quadriceps": "primary", "core": "secondary", "lats": "secondary"}
    assert page.get_by_role("img", name="Body map of the muscles this exercise works").is_visible()
    assert "Main target: Hip flexors, Quadriceps. Also worked: Core, Lats." in page.locator(".body-map figcaption").inner_text()
    page.emulate_media(media="print")
    fill = page.evaluate("() => getComputedStyle(document.querySelector('.region.primary > *')).fill")
    page.close()
    assert fill == "rgb(85, 85, 85)"  # grey on paper


def test_the_muscles_index_map_leads_to_each_group(browser, bundled_site):
    page = browser.new_page()
    page.goto((bundled_site / "muscles/index.html").as_uri())
    calves = page.get_by_role("link", name="Calves").first
    calves.locator("ellipse").first.click()  # on a calf, as a person would, not between the legs
    expect(page.locator("h1")).to_have_text("Calves")  # once the page the click opens is there
    assert page.locator('.region.primary[data-group="calves"]').count() == 1
    page.close()
