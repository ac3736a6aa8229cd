"""Does a change keep every page? Build the same guides with this tree and with another commit, and compare.

    python tools/compare_builds.py REV [--size 1000]

The guides: the bundled one and the tests' fixture (with PDFs; the fixture with a base_url), a generated one of --size exercises and the
free-exercise-db data set scaled to --size (without PDFs; the latter where shared/ has it). Each is built from
scratch by both versions of build.py with the same Python; the sites must be byte for byte the same, but for
the `.exguide` mark, which older versions did not write. Prints each guide's verdict and the first
differing files; exits 1 when any differ. A refactor (issue #21) must leave every byte as it was.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR / "bench"))

from generate import CORPORA, FREE_EXERCISE_DB  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", help="the commit to compare this tree with (a hash, a branch, HEAD~3...)")
    parser.add_argument("--size", type=int, default=1000, help="exercises in the generated guides (default 1000)")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="exguide-compare-") as folder:
        root = Path(folder)
        subprocess.run(["git", "-C", str(PROJECT_DIR), "worktree", "add", "--detach", str(root / "old"),
                        arguments.rev], check=True, capture_output=True)
        try:
            return max(_compare(root, name, content, pdfs) for name, content, pdfs in _guides(root, arguments.size))
        finally:
            subprocess.run(["git", "-C", str(PROJECT_DIR), "worktree", "remove", "--force", str(root / "old")],
                           check=True, capture_output=True)


def _guides(root: Path, size: int) -> list[tuple[str, Path, bool]]:
    """(name, content folder, whether to make PDFs) of each guide to compare."""
    guides = []
    for name, source in (("bundled", PROJECT_DIR / "content"), ("fixture", PROJECT_DIR / "tests/fixture/content")):
        guides.append((name, shutil.copytree(source, root / name / "content"), True))  # its cache goes there too
    with open(root / "fixture/content/guide.yaml", "a") as guide:  # for the sitemap, robots.txt and 404 page
        guide.write("base_url: https://example.org/guide/\n")
    for corpus in ("generated", "free-exercise-db"):
        if corpus == "generated" or FREE_EXERCISE_DB.is_file():
            guides.append((f"{corpus} {size}", CORPORA[corpus](root / corpus, size), False))
    return guides


def _compare(root: Path, name: str, content: Path, pdfs: bool) -> int:
    """Build `content` with both versions; 0 when the sites are the same, else 1 (and what differs)."""
    sites = {}
    for version, project in (("old", root / "old"), ("new", PROJECT_DIR)):
        out = root / "sites" / f"{name}-{version}"
        command = [sys.executable, str(project / "build.py"), "build", "--content", str(content), "--out", str(out),
                   "--no-cache", *([] if pdfs else ["--no-pdf"])]
        subprocess.run(command, check=True, capture_output=True, cwd=root)
        sites[version] = {path.relative_to(out).as_posix(): path.read_bytes() for path in sorted(out.rglob("*"))
                          if path.is_file() and path.name != ".exguide"}
    differing = sorted(path for path in sites["old"].keys() | sites["new"].keys()
                       if sites["old"].get(path) != sites["new"].get(path))
    print(f"{name}: {len(sites['new'])} files, " + (f"{len(differing)} differ: {', '.join(differing[:8])}"
                                                     if differing else "all the same"))
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
