"""Every built page passes the W3C Nu HTML Checker (npm's vnu-jar, run with Java)."""

from __future__ import annotations

import shutil
import subprocess

from conftest import PROJECT_DIR, skip_or_fail

VNU_JAR = PROJECT_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def _require_checker() -> None:
    missing = [what for what, ok in (("java", shutil.which("java")), ("vnu.jar", VNU_JAR.is_file())) if not ok]
    if missing:
        message = (f"the Nu HTML Checker needs {' and '.join(missing)}: install Java "
                   "(apt-get install default-jre-headless) and run `npm ci` in the project folder")
        skip_or_fail(message)


def nu_errors(site) -> str:
    _require_checker()
    result = subprocess.run(["java", "-jar", str(VNU_JAR), "--errors-only", "--skip-non-html", "--format", "gnu",
                             str(site)], capture_output=True, text=True, timeout=300)
    return result.stderr + result.stdout


def test_the_fixture_site_is_valid_html(fixture_site):
    assert list(fixture_site.rglob("*.html"))
    assert nu_errors(fixture_site) == ""


def test_the_bundled_guide_is_valid_html(bundled_site):
    assert nu_errors(bundled_site) == ""


def test_the_checker_reports_invalid_html(tmp_path):
    """Proves the check above can fail."""
    (tmp_path / "bad.html").write_text("<!DOCTYPE html><html lang=en><title>x</title><p><div></span>")
    assert "error" in nu_errors(tmp_path)
