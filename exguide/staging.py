"""The staging folder beside the output folder, and the exchange that puts it in place in one step.

A build makes the next site in `.<out>.next` (hard links to the files that did not change, new files for
those that did), then exchanges the two folders: readers see the last site or the new one, never a mix.
"""

from __future__ import annotations

import glob
import os
import shutil
import stat
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Collection, Mapping, Sequence

from .store import OUTPUT_MARK, output_files, site_entries


class UnsafeOutputPath(ValueError):
    """A site path that would land outside the output folder."""


_MARK_TEXT = b"exguide made this folder, and replaces every file in it at each build.\n"


def mark_output(out_dir: Path) -> None:
    """Mark `out_dir` as exguide's output, so that later builds know they may replace it."""
    mark = out_dir / OUTPUT_MARK
    if not mark.is_file():
        mark.write_bytes(_MARK_TEXT)


def _checked(site_path: str) -> PurePosixPath:
    path = PurePosixPath(site_path)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise UnsafeOutputPath(f"refusing to write outside the output folder: {site_path!r}")
    return path


def _remove_empty_parents(path: Path, root: Path) -> None:
    for parent in path.parents:
        if parent == root or not parent.is_relative_to(root) or any(parent.iterdir()):
            return
        parent.rmdir()


class StagedOutput:
    """The next site, made beside the output folder and put in its place in one step.

    The staging folder, `.<out>.next`, is kept from build to build: after a swap it holds the last site, and
    the next build first makes it equal to the current one by hard links (only the files whose inode
    differs: those the last build wrote), then writes what changed (each file anew, never through a link),
    removes what the build no longer makes, and exchanges the two folders. A build killed at any moment
    leaves the output folder a whole site, the last one or the new one; the staging folder it leaves is
    made right by the next build. With `replace_all` (a first build, or one that cannot trust the folder),
    the staging folder starts empty, and the old site is removed after the swap.
    """

    def __init__(self, out_dir: Path, replace_all: bool, present: Mapping[str, tuple[int, int, int]] | None = None,
                 since: "Swap | None" = None, holding: Collection[str] = ()) -> None:
        """`present`: the output folder's files, as `output_files` found them, if the caller has walked it.
        `since`: what this process's last commit to the folder changed, when the folder holds the site paths
        `holding` as that commit left them."""
        self.out_dir = out_dir.resolve()
        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        self.replace_all = replace_all or not self.out_dir.is_dir()
        _remove_leftovers(self.out_dir)
        self.staging = self.out_dir.with_name(f".{self.out_dir.name}.next")
        if self.replace_all or not _own_folder(self.staging):
            _remove(self.staging)
            self.staging.mkdir(mode=0o755)
        self._written: set[str] = set()
        if self.replace_all:
            self._linked: Collection[str] = ()
        elif since is not None and since.holds(self.out_dir, self.staging):
            self._linked = holding
            _relink(self.staging, self.out_dir, since.changed)
        else:
            self._linked = present if present is not None else output_files(self.out_dir)
            _link_as(self.staging, self.out_dir, {path: found[2] for path, found in self._linked.items()})

    def put(self, site_path: str, data: Sequence[bytes]) -> tuple[int, int]:
        """Stage one file (its bytes in pieces); its size and modification time, which it keeps once moved in."""
        self._written.add(site_path)
        return stage_file(self.staging, site_path, data)

    def commit(self, made: set[str]) -> "Swap | None":
        """Put the staged site in place: the files `made` (those written staged, some by other processes; the
        others as they are in the output folder), and no other. What the swap changed, when all that was
        written was `put` (see Swap)."""
        gone = set(self._linked) - made
        for site_path in gone:
            (self.staging / site_path).unlink()
            _remove_empty_parents(self.staging / site_path, self.staging)
        mark_output(self.staging)
        exchange(self.staging, self.out_dir)
        if self.replace_all:  # the old site's files are not the new one's: no use to the next build
            _remove(self.staging)
            return None
        return Swap.of(self.out_dir, self.staging, frozenset(self._written | gone))

    def discard(self) -> None:
        """After a failed build, whose output folder is untouched: a staging folder that started empty goes; one
        that holds the last site stays for the next build, which makes it right."""
        if self.replace_all:
            _remove(self.staging)


@dataclass(frozen=True)
class Swap:
    """What one commit changed, for the next StagedOutput of the same folder in the same process: the inodes
    of the output and staging folders after the exchange, the time of the folder that holds them, and the
    site paths whose files differ between the two (those written, and those removed)."""

    out_inode: int
    staging_inode: int
    parent_mtime_ns: int
    changed: frozenset[str]

    @staticmethod
    def of(out_dir: Path, staging: Path, changed: frozenset[str]) -> "Swap":
        """The two folders as they stand now, and the site paths whose files differ between them."""
        return Swap(_inode(out_dir), _inode(staging), _inode(out_dir.parent, "st_mtime_ns"), changed)

    def holds(self, out_dir: Path, staging: Path) -> bool:
        """Whether the two folders are still as this commit left them: nobody exchanged or renamed them since."""
        return Swap.of(out_dir, staging, self.changed) == self


def _inode(path: Path, field: str = "st_ino") -> int:
    try:
        return getattr(path.lstat(), field)
    except OSError:
        return -1


def linked_copy(out_dir: Path) -> Swap:
    """Make the staging folder of `out_dir` hold its files by hard links, as a build's StagedOutput starts; the
    Swap that says so, with nothing changed between the two."""
    output = StagedOutput(out_dir, replace_all=False)
    mark_output(output.staging)
    return Swap.of(output.out_dir, output.staging, frozenset())


def _relink(staging: Path, out_dir: Path, site_paths: Collection[str]) -> None:
    """Make each of `site_paths` in `staging` a hard link to the file in `out_dir`, or nothing where it has none."""
    for site_path in site_paths:
        target = staging / site_path
        target.unlink(missing_ok=True)
        if (out_dir / site_path).is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(out_dir / site_path, target)
        elif target.parent.is_dir():
            _remove_empty_parents(target, staging)


def _own_folder(path: Path) -> bool:
    """Whether `path` is a folder of this user's, not a link: the staging folder may sit in a shared /tmp."""
    try:
        status = path.lstat()
    except OSError:
        return False
    return stat.S_ISDIR(status.st_mode) and status.st_uid == os.getuid()


def _link_as(staging: Path, out_dir: Path, inodes: Mapping[str, int]) -> None:
    """Make `staging` hold the files of `out_dir` (by site path, with their `inodes`), each a hard link to the
    same file, and nothing else but the OUTPUT_MARK."""
    wanted = dict(inodes)
    for site_path, inode in _inodes(staging).items():
        if wanted.get(site_path) == inode:
            del wanted[site_path]
        elif site_path != OUTPUT_MARK:
            (staging / site_path).unlink()
            _remove_empty_parents(staging / site_path, staging)
    for site_path in wanted:
        target = staging / site_path
        try:
            os.link(out_dir / site_path, target)
        except FileNotFoundError:  # its folder is not made yet
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(out_dir / site_path, target)


def _inodes(folder: Path) -> dict[str, int]:
    """Every file under `folder` by its site path, with its inode."""
    return {site_path: entry.inode() for site_path, entry in site_entries(folder)}


def exchange(new: Path, current: Path) -> None:
    """Put the folder `new` where `current` is, and `current` where `new` was, in one step where the system
    can (Linux's renameat2 with RENAME_EXCHANGE): readers see the old site or the new one, never none."""
    if not current.exists():
        new.rename(current)
        return
    if _renameat2 is not None and _renameat2(_AT_FDCWD, os.fsencode(new), _AT_FDCWD, os.fsencode(current),
                                             _RENAME_EXCHANGE) == 0:
        return
    aside = current.with_name(f".{current.name}.old-{os.getpid()}")  # elsewhere: two renames
    current.rename(aside)
    new.rename(current)
    aside.rename(new)


def _libc_renameat2():
    try:
        import ctypes

        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # not Linux, or a C library without it
        return None
    function.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    return function


_AT_FDCWD, _RENAME_EXCHANGE = -100, 2
_renameat2 = _libc_renameat2() if sys.platform.startswith("linux") else None


def _remove_leftovers(out_dir: Path) -> None:
    """Staging folders that earlier versions, or a build stopped between two renames, left beside the site."""
    for leftover in out_dir.parent.glob(f".{glob.escape(out_dir.name)}.*-*"):
        if leftover.name.rsplit("-", 1)[0] in (f".{out_dir.name}.new", f".{out_dir.name}.old"):
            _remove(leftover)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


# A new file each time, never an old one opened again: in the staging folder, an old file is a hard link to the
# published site's, which writing through it would change.
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def stage_file(staging: Path, site_path: str, data: Sequence[bytes]) -> tuple[int, int]:
    """Write one file (its bytes in pieces) under `staging`; its size and modification time in nanoseconds."""
    written = _write_file(os.path.join(staging, _checked(site_path)), data)
    return written.st_size, written.st_mtime_ns


def _write_file(path: str, data: Sequence[bytes]) -> os.stat_result:
    """Write a file from its bytes in pieces, making its folder if need be; what it is once written.

    With the operating system's own calls: a cold build writes every file of the site, and pathlib's folder
    making, a buffered file (which asks whether the file is a terminal) and a stat() by path took 15-20 us
    more a file, next to the 120-140 us that making the file takes the system here."""
    try:
        descriptor = os.open(path, _NEW_FILE, 0o666)
    except FileNotFoundError:  # its folder is not made yet
        os.makedirs(os.path.dirname(path), exist_ok=True)
        descriptor = os.open(path, _NEW_FILE, 0o666)
    except FileExistsError:
        os.unlink(path)
        descriptor = os.open(path, _NEW_FILE, 0o666)
    try:
        for piece in data:
            view = memoryview(piece)
            while view:  # a write may take less than it is given
                view = view[os.write(descriptor, view):]
        return os.fstat(descriptor)
    finally:
        os.close(descriptor)
