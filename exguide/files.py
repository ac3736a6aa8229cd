"""Which content files the build may read: content is trusted to write a guide, not to read the machine."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Collection

from .problems import ContentError, Problem, display_path


def check_content_files(content_dir: Path, paths: Collection[str] | None = None) -> None:
    """A ContentError for each file under `content_dir` that the build must not read: a symbolic link that
    leads outside it (it would publish the machine's files), and anything that is neither a file nor a folder
    (reading a FIFO waits forever, a device never ends). `paths`: only those, when a watcher names them."""
    root = os.path.realpath(content_dir)
    problems = [problem for path in (_all_entries(content_dir) if paths is None else paths)
                if (problem := _unsafe(path, root, content_dir)) is not None]
    if problems:
        raise ContentError(problems)


def _all_entries(folder: Path | str) -> list[str]:
    """Every path below `folder`, not following links."""
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            found.append(entry.path)
            if entry.is_dir(follow_symlinks=False):
                found.extend(_all_entries(entry.path))
    return found


def _unsafe(path: str, root: str, content_dir: Path) -> Problem | None:
    try:
        mode = os.lstat(path).st_mode
    except OSError:  # gone meanwhile, or a path the watcher named that is not there
        return None
    if stat.S_ISLNK(mode):
        target = os.path.realpath(path)
        if target != root and not target.startswith(root + os.sep):
            return Problem(Path(path), 1, f"the symbolic link leads outside {display_path(content_dir)}/; copy "
                                          "the file into the content folder instead")
        mode = os.stat(path).st_mode if os.path.exists(path) else stat.S_IFREG
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return Problem(Path(path), 1, "this is not a file but a special one (a FIFO, a socket or a device), which "
                                  "the build does not read; remove it from the content folder")
