"""Helpers shared by the tests: the fixture guide, a guide maker, and a build runner."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from exguide.cli import main

TESTS_DIR = Path(__file__).resolve().parent
FIXTURE_CONTENT = TESTS_DIR / "fixture" / "content"
PROJECT_DIR = TESTS_DIR.parent


@dataclass
class BuildRun:
    exit_code: int
    stdout: str
    stderr: str


def make_guide(root: Path, files: dict[str, str | bytes] | None = None, base: Path = FIXTURE_CONTENT) -> Path:
    """A copy of the fixture guide under `root/content`, with `files` written over it."""
    content = root / "content"
    shutil.copytree(base, content)
    for relative, text in (files or {}).items():
        target = content / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8")
    return content


def read_tree(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` by its relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def run_build(capsys, monkeypatch, tmp_path):
    """Run the command line in `tmp_path`, as an author would from the project folder."""
    monkeypatch.chdir(tmp_path)

    def run(*arguments: str) -> BuildRun:
        try:
            code = main(list(arguments))
        except SystemExit as exit_:  # argparse's own exits: --help and usage errors
            code = exit_.code
        captured = capsys.readouterr()
        return BuildRun(code, captured.out, captured.err)

    return run


@pytest.fixture
def fixture_site(tmp_path_factory) -> Path:
    """The fixture guide, built once per test that asks for it."""
    root = tmp_path_factory.mktemp("fixture-site")
    content = make_guide(root)
    code = main(["build", "--content", str(content), "--out", str(root / "site")])
    assert code == 0
    return root / "site"


@pytest.fixture(scope="session")
def bundled_site(tmp_path_factory) -> Path:
    """The guide shipped in content/, built once for the session."""
    out = tmp_path_factory.mktemp("bundled") / "site"
    assert main(["build", "--content", str(PROJECT_DIR / "content"), "--out", str(out)]) == 0
    return out


# Debian's Chromium, kept from reaching outside hosts, which this network refuses.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]


def skip_or_fail(message: str) -> None:
    """Skip a test whose tool is missing; in CI, fail: a skipped check there would check nothing."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium driven by Playwright, shared by the session's browser tests."""
    executable = shutil.which("chromium")
    if not executable:
        skip_or_fail("Chromium is not installed: run `apt-get install -y chromium` (Debian) to run browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
