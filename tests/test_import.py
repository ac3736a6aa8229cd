"""Importing the public-domain free-exercise-db data set (the shared copy beside the project, when present)."""

from __future__ import annotations

import json
import re

import pytest

from conftest import PROJECT_DIR
from exguide.assemble import load_catalogue
from slugify import slugify

DATA_SET = PROJECT_DIR.parent / "shared" / "corpora" / "free-exercise-db" / "exercises.json"
pytestmark = pytest.mark.skipif(not DATA_SET.is_file(), reason=f"the shared copy of the data set is not at {DATA_SET}")


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    from exguide.cli import main
    root = tmp_path_factory.mktemp("imported")
    content = root / "content"
    assert main(["import", "free-exercise-db", str(DATA_SET), "--into", str(content),
                 "--muscles", str(PROJECT_DIR / "content/muscles.yaml")]) == 0
    assert main(["build", "--content", str(content), "--out", str(root / "site"), "--no-pdf"]) == 0
    return content, root / "site"


def test_the_import_reports_what_it_could_not_use(run_build, tmp_path):
    result = run_build("import", "free-exercise-db", str(DATA_SET), "--into", "imported",
                       "--muscles", str(PROJECT_DIR / "content/muscles.yaml"))
    assert result.exit_code == 0
    assert result.stdout == "Imported 868 exercises into imported; 5 skipped.\n"
    assert result.stderr.count("no instructions") == 5 and "could not map" not in result.stderr
    assert not list((tmp_path / "imported").rglob("*.jpg"))  # it writes no images it does not have


def _listed(site, group: str, section: str) -> set[str]:
    path = site / f"muscles/{group}/index.html"
    page = path.read_text() if path.exists() else ""  # a group nothing works has no page
    if f'id="{section}"' not in page:
        return set()
    part = page.split(f'id="{section}"', 1)[1].split("</section>", 1)[0]
    return set(re.findall(r'href="\.\./\.\./exercises/([^/]+)/index\.html"', part))


def test_group_pages_list_exactly_the_exercises_the_data_set_gives(imported):
    content, site = imported
    catalogue = load_catalogue(content / "muscles.yaml")
    entries = [e for e in json.loads(DATA_SET.read_text()) if e["instructions"]]

    def groups(names):
        return {group.slug for name in names for group in catalogue.resolve(name).groups}

    checked = 0
    for group in catalogue.groups:
        primary = {slugify(e["id"]) for e in entries if group.slug in groups(e["primaryMuscles"])}
        secondary = {slugify(e["id"]) for e in entries
                     if group.slug in groups(e["secondaryMuscles"]) - groups(e["primaryMuscles"])}
        assert _listed(site, group.slug, "primary") == primary, group.slug
        assert _listed(site, group.slug, "secondary") == secondary, group.slug
        checked += bool(primary)
    assert checked >= 15
