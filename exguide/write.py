"""Stage 6, write: put the rendered site in place all at once, or not at all."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path, PurePosixPath


class UnsafeOutputPath(ValueError):
    """A site path that would land outside the output folder."""


def write_site(files: dict[str, bytes], out_dir: Path) -> None:
    """Replace `out_dir` with exactly `files`. Until the final swap, the old site stays untouched."""
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; a published site must be readable
    try:
        for site_path in sorted(files):
            target = staging / _checked(site_path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(files[site_path])
        _swap(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _checked(site_path: str) -> PurePosixPath:
    path = PurePosixPath(site_path)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise UnsafeOutputPath(f"refusing to write outside the output folder: {site_path!r}")
    return path


def _swap(staging: Path, out_dir: Path) -> None:
    """Two renames: the old site moves aside, the new one takes its place, the old one goes."""
    if not out_dir.exists():
        staging.rename(out_dir)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
    retired.rmdir()
    out_dir.rename(retired)
    staging.rename(out_dir)
    shutil.rmtree(retired, ignore_errors=True)


def update_site(files: dict[str, bytes], out_dir: Path, previous: dict[str, bytes] | None) -> list[str]:
    """Bring `out_dir` from `previous` (what it holds) to `files`, writing only what changed.

    Each file is replaced atomically, so a server reading the folder never sees half a file. Without a
    `previous`, or without the folder, the whole site is written at once instead. Returns what changed.
    """
    if previous is None or not out_dir.is_dir():
        write_site(files, out_dir)
        return sorted(files)
    changed = sorted(path for path, data in files.items() if previous.get(path) != data)
    for site_path in changed:
        target = out_dir / _checked(site_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = target.with_name(f".{target.name}.new")
        staging.write_bytes(files[site_path])
        staging.replace(target)
    removed = sorted(set(previous) - set(files))
    for site_path in removed:
        (out_dir / _checked(site_path)).unlink(missing_ok=True)
        _remove_empty_parents(out_dir / site_path, out_dir)
    return changed + removed


def _remove_empty_parents(path: Path, root: Path) -> None:
    for parent in path.parents:
        if parent == root or not parent.is_relative_to(root) or any(parent.iterdir()):
            return
        parent.rmdir()
