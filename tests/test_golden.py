"""One page of each kind compared byte for byte with tests/golden/. UPDATE_GOLDEN=1 rewrites them."""

from __future__ import annotations

import os

import pytest

from conftest import TESTS_DIR

GOLDEN = TESTS_DIR / "golden"
PAGES = [
    "index.html",
    "exercises/quad-stretch/index.html",
    "muscles/index.html",
    "muscles/hip-flexors/index.html",
    "equipment/index.html",
    "equipment/wall/index.html",
    "routines/leg-day/index.html",
    "print/index.html",
]


@pytest.mark.parametrize("page", PAGES)
def test_page_matches_its_golden_copy(fixture_site, page):
    built = (fixture_site / page).read_bytes()
    golden = GOLDEN / page
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(built)
    assert built == golden.read_bytes(), f"{page} differs from tests/golden/{page}"
