"""Pages at phone, tablet and desktop widths, light and dark: nothing wider than the screen.

Screenshots go to tests/_output/screens/ (not committed) for people to look at.
"""

from __future__ import annotations

import pytest

from conftest import TESTS_DIR
from test_accessibility import PAGES

SCREENS = TESTS_DIR / "_output" / "screens"


@pytest.mark.parametrize("width", [360, 768, 1280])
@pytest.mark.parametrize("path", PAGES)
def test_pages_fit_the_screen(browser, bundled_site, path, width):
    page_file, _, query = path.partition("?")
    for scheme in ("light", "dark"):
        page = browser.new_page(viewport={"width": width, "height": 800}, color_scheme=scheme)
        page.goto((bundled_site / page_file).as_uri() + (f"?{query}" if query else ""))
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        SCREENS.mkdir(parents=True, exist_ok=True)
        name = page_file.replace("/", "_").removesuffix(".html")
        page.screenshot(path=str(SCREENS / f"{name}-{width}-{scheme}.png"), full_page=True)
        page.close()
        assert overflow <= 0, f"{path} is {overflow} px wider than a {width} px screen in {scheme} mode"
