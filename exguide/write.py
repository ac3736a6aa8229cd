"""Stage 6, write: put the rendered site in place all at once, or not at all."""

from __future__ import annotations

import glob
import os
import shutil
import stat
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Collection, Mapping, Sequence, Union

from .store import OUTPUT_MARK, output_files, site_entries


class Pieces:
    """A file's bytes in the pieces they were made in, not joined: the booklet of 10,000 exercises (26 MB) and
    the other pages with long lists, as `serve` keeps them. Joining them took 20-40 ms of each rebuild, most of
    it spent touching new memory, for pages that are written out piece by piece and seldom asked for. Equal
    to the bytes they make, and to other Pieces of those."""

    __slots__ = ("pieces", "size")
    __hash__ = None  # type: ignore[assignment]  # equal to bytes, which hash differently

    def __init__(self, pieces: Sequence[bytes]) -> None:
        self.pieces = tuple(pieces)
        self.size = sum(map(len, self.pieces))

    def __len__(self) -> int:
        return self.size

    def __bytes__(self) -> bytes:
        return b"".join(self.pieces)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Pieces):
            if self.size != other.size:
                return False
            if list(map(len, self.pieces)) == list(map(len, other.pieces)):  # compared piece by piece, most of
                return self.pieces == other.pieces  # them the same objects after an edit: none joined
            return bytes(self) == bytes(other)
        if isinstance(other, bytes):
            return self.size == len(other) and bytes(self) == other
        return NotImplemented

    def __contains__(self, part: bytes) -> bool:
        return part in bytes(self)

    def __repr__(self) -> str:
        return f"Pieces({len(self.pieces)} pieces, {self.size} bytes)"


FileData = Union[bytes, Pieces]  # what a file of the site holds


def pieces_of(data: FileData) -> Sequence[bytes]:
    return data.pieces if isinstance(data, Pieces) else (data,)


class UnsafeOutputPath(ValueError):
    """A site path that would land outside the output folder."""


def write_site(files: dict[str, FileData], out_dir: Path, changed: Collection[str] | None = None,
               since: "Swap | None" = None, holding: Collection[str] = ()) -> "Swap | None":
    """Make `out_dir` hold exactly `files`, writing only those `changed` since it was written (all when None).
    Until the final swap (see StagedOutput), the old site stays untouched. `since` and `holding`: see
    StagedOutput. What the swap changed, for the next write."""
    output = StagedOutput(out_dir, replace_all=changed is None, since=since, holding=holding)
    try:
        for site_path in sorted(files if changed is None or output.replace_all else changed):
            if site_path in files:
                output.put(site_path, files[site_path])
        return output.commit(set(files))
    except BaseException:
        output.discard()
        raise


_MARK_TEXT = b"exguide made this folder, and replaces every file in it at each build.\n"


def mark_output(out_dir: Path) -> None:
    """Mark `out_dir` as exguide's output, so that later builds know they may replace it."""
    mark = out_dir / OUTPUT_MARK
    if not mark.is_file():
        mark.write_bytes(_MARK_TEXT)


def foreign_output(out_dir: Path) -> str | None:
    """Why a build must not replace the folder `out_dir`, or None: it holds files that exguide did not make
    (it has no OUTPUT_MARK), which replacing it would destroy."""
    if not out_dir.is_dir() or (out_dir / OUTPUT_MARK).is_file():
        return None
    for parent, folders, names in os.walk(out_dir):
        folders.sort()
        if names:
            example = os.path.relpath(os.path.join(parent, sorted(names)[0]), out_dir)
            return (f"the output folder '{out_dir}' holds files that exguide did not make (such as '{example}'); "
                    "choose an empty or new folder, or add --force to replace it")
    return None


def _checked(site_path: str) -> PurePosixPath:
    path = PurePosixPath(site_path)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise UnsafeOutputPath(f"refusing to write outside the output folder: {site_path!r}")
    return path


def changed_files(files: dict[str, FileData], previous: dict[str, FileData] | None) -> list[str]:
    """The site paths whose bytes differ from `previous`, and those gone from it; all without a `previous`."""
    if previous is None:
        return sorted(files)
    return sorted(path for path, data in files.items() if previous.get(path) != data) + \
        sorted(set(previous).difference(files))


def update_site(files: dict[str, FileData], out_dir: Path, previous: dict[str, FileData] | None,
                changed: list[str] | None = None) -> list[str]:
    """Bring `out_dir` from `previous` (what it holds) to `files` (see SiteWriter.update); what changed."""
    return SiteWriter(out_dir).update(files, previous, changed)


class SiteWriter:
    """Writes one site into its output folder again and again: `serve`'s rebuilds. Each write goes through the
    staging folder and the exchange (see StagedOutput). While nobody else has exchanged the two folders since
    this writer's last write, it makes the staging folder right by linking only the files that write changed:
    walking both folders took 0.3 s at 10,000 exercises, and held up serving the page that was reloading."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self._swap: Swap | None = None

    def update(self, files: dict[str, FileData], previous: dict[str, FileData] | None,
               changed: list[str] | None = None) -> list[str]:
        """Bring the folder from `previous` (what this writer put there last) to `files`, writing only what
        changed (`changed`, when the caller knows it already); what changed.

        Without a `previous`, what the folder holds is compared with `files`: a site built before (by `build`,
        or by the last `serve`) is mostly the same, and reading it is several times faster than writing it all.
        """
        since, self._swap = self._swap, None  # a write that fails part way leaves the staging folder unknown
        if not self.out_dir.is_dir():
            write_site(files, self.out_dir)
            # The staging folder is made to hold the site by links now, at the start: linking 10,000 files at the
            # first edit held the next save's rebuild up for 2 s.
            self._swap = _linked_copy(self.out_dir.resolve())
            return sorted(files)
        if previous is None:
            changed, since = _differing_from_folder(files, self.out_dir), None
        elif changed is None:
            changed = changed_files(files, previous)
        if changed:  # (a rebuild that changed nothing leaves both folders as they are)
            self._swap = write_site(files, self.out_dir, changed, since=since, holding=previous or ())
        else:
            self._swap = since
        return changed


def _differing_from_folder(files: dict[str, FileData], out_dir: Path) -> list[str]:
    """The site paths whose bytes differ from the file in `out_dir`, and the folder's files not in `files`."""
    on_disk = output_files(out_dir)
    return sorted(path for path, data in files.items()
                  if path not in on_disk or on_disk[path][0] != len(data) or _bytes_of(out_dir / path) != data) + \
        sorted(set(on_disk).difference(files))


def _bytes_of(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


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

    def put(self, site_path: str, data: FileData) -> tuple[int, int]:
        """Stage one file; its size and modification time, which it keeps once moved in."""
        self._written.add(site_path)
        return stage_file(self.staging, site_path, pieces_of(data))

    def commit(self, made: set[str]) -> "Swap | None":
        """Put the staged site in place: the files `made` (those written staged, some by other processes; the
        others as they are in the output folder), and no other. What the swap changed, when all that was
        written was `put` (see Swap)."""
        gone = set(self._linked) - made
        for site_path in gone:
            (self.staging / site_path).unlink()
            _remove_empty_parents(self.staging / site_path, self.staging)
        mark_output(self.staging)
        staging_inode, out_inode = _inode(self.staging), _inode(self.out_dir)
        exchange(self.staging, self.out_dir)
        if self.replace_all:  # the old site's files are not the new one's: no use to the next build
            _remove(self.staging)
            return None
        return Swap(staging_inode, out_inode, _inode(self.out_dir.parent, "st_mtime_ns"),
                    frozenset(self._written | gone))

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

    def holds(self, out_dir: Path, staging: Path) -> bool:
        """Whether the two folders are still as this commit left them: nobody exchanged or renamed them since."""
        return (_inode(out_dir), _inode(staging), _inode(out_dir.parent, "st_mtime_ns")) == \
            (self.out_inode, self.staging_inode, self.parent_mtime_ns)


def _inode(path: Path, field: str = "st_ino") -> int:
    try:
        return getattr(path.lstat(), field)
    except OSError:
        return -1


def _linked_copy(out_dir: Path) -> Swap:
    """Make the staging folder of `out_dir` hold its files by hard links; the Swap that says so."""
    staging = out_dir.with_name(f".{out_dir.name}.next")
    if not _own_folder(staging):
        _remove(staging)
        staging.mkdir(mode=0o755)
    _link_as(staging, out_dir, {path: found[2] for path, found in output_files(out_dir).items()})
    mark_output(staging)
    return Swap(_inode(out_dir), _inode(staging), _inode(out_dir.parent, "st_mtime_ns"), frozenset())


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

