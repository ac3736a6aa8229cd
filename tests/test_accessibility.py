"""axe-core, in a real headless Chromium, on one page of each kind, in light and in dark mode."""

from __future__ import annotations

import pytest

from conftest import PROJECT_DIR, skip_or_fail

AXE = PROJECT_DIR / "node_modules" / "axe-core" / "axe.min.js"
PAGES = [
    "index.html",
    "exercises/index.html",
    "exercises/ankle-mobilization/index.html",
    "muscles/index.html",
    "muscles/calves/index.html",
    "routines/runners-knee/index.html",
    "routines/custom/index.html?e=ankle-mobilization,wide-legged-forward-fold",
    "print/index.html",
    "search/index.html?q=knee",
]


def axe_violations(browser, address: str, scheme: str) -> list[str]:
    if not AXE.is_file():
        skip_or_fail("axe-core is missing: run `npm ci` in the project folder")
    page = browser.new_page(color_scheme=scheme)
    try:
        page.goto(address)
        page.add_script_tag(path=str(AXE))
        results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    finally:
        page.close()
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['target']})"
            for v in results["violations"]]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", PAGES)
def test_no_accessibility_violations(browser, bundled_site, path, scheme):
    page, _, query = path.partition("?")
    address = (bundled_site / page).as_uri() + (f"?{query}" if query else "")
    assert axe_violations(browser, address, scheme) == []


def test_axe_finds_violations_where_there_are_some(browser, tmp_path):
    """Proves the check above can fail."""
    (tmp_path / "bad.html").write_text('<!DOCTYPE html><html><title>x</title><img src="a.png"><a href="#"></a>')
    assert axe_violations(browser, (tmp_path / "bad.html").as_uri(), "light")
