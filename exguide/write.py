"""Stage 6, write: put the rendered site in place all at once, or not at all."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path, PurePosixPath
from typing import Collection, Sequence, Union

from .store import OUTPUT_MARK, output_files


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


def write_site(files: dict[str, FileData], out_dir: Path) -> None:
    """Replace `out_dir` with exactly `files`. Until the final swap, the old site stays untouched."""
    output = StagedOutput(out_dir, replace_all=True)
    try:
        for site_path in sorted(files):
            output.put(site_path, files[site_path])
        output.commit(sorted(files), set(files))
    finally:
        output.discard()


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


def changed_files(files: dict[str, FileData], previous: dict[str, FileData] | None) -> list[str]:
    """The site paths whose bytes differ from `previous`, and those gone from it; all without a `previous`."""
    if previous is None:
        return sorted(files)
    return sorted(path for path, data in files.items() if previous.get(path) != data) + \
        sorted(set(previous).difference(files))


def update_site(files: dict[str, FileData], out_dir: Path, previous: dict[str, FileData] | None,
                changed: list[str] | None = None) -> list[str]:
    """Bring `out_dir` from `previous` (what it holds) to `files`, writing only what changed (`changed`, when
    the caller knows it already).

    Each file is replaced atomically, so a server reading the folder never sees half a file. Without the
    folder, the whole site is written at once instead. Without a `previous`, what the folder holds is
    compared with `files`: a site built before (by `build`, or by the last `serve`) is mostly the same, and
    reading it is several times faster than writing it all again. Returns what changed.
    """
    if not out_dir.is_dir():
        write_site(files, out_dir)
        return sorted(files)
    mark_output(out_dir)
    if previous is None:
        previous, changed = {}, _differing_from_folder(files, out_dir)
    changed = changed_files(files, previous) if changed is None else changed
    let_go: list[int] = []
    try:
        for site_path in changed:
            target = out_dir / _checked(site_path)
            if site_path not in files:
                target.unlink(missing_ok=True)
                _remove_empty_parents(target, out_dir)
                continue
            staging = target.with_name(f".{target.name}.new")
            _write_file(os.fspath(staging), pieces_of(files[site_path]))
            if len(previous.get(site_path, b"")) >= LET_GO_BYTES:
                let_go.extend(_opened(target))
            staging.replace(target)
    finally:
        # The replaced files' pages are freed when the last of them closes, on a thread of its own: freeing the
        # 26 MB booklet of 10,000 exercises took 10 ms of the rebuild, in the rename that replaced it.
        if let_go:
            threading.Thread(target=lambda: list(map(os.close, let_go)), name="exguide-let-go", daemon=True).start()
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


LET_GO_BYTES = 1 << 20  # an old file this large is held open as it is replaced, and closed on another thread


def _opened(path: Path) -> list[int]:
    try:
        return [os.open(path, os.O_RDONLY)]
    except OSError:  # not there (someone removed it): nothing to free
        return []


def _remove_empty_parents(path: Path, root: Path) -> None:
    for parent in path.parents:
        if parent == root or not parent.is_relative_to(root) or any(parent.iterdir()):
            return
        parent.rmdir()


class StagedOutput:
    """Files made by a build, written beside the output folder and moved into it only when the build succeeds.

    With `replace_all`, the staged folder becomes the whole output folder in one swap (a first build, or one
    after the folder's state was lost); otherwise each staged file replaces its old self atomically and the
    files the build no longer makes are removed.
    """

    def __init__(self, out_dir: Path, replace_all: bool) -> None:
        self.out_dir = out_dir.resolve()
        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        self.replace_all = replace_all or not self.out_dir.is_dir()
        self.staging = Path(tempfile.mkdtemp(prefix=f".{self.out_dir.name}.new-", dir=self.out_dir.parent))
        self.staging.chmod(0o755)  # mkdtemp makes it private; a published site must be readable

    def put(self, site_path: str, data: FileData) -> tuple[int, int]:
        """Stage one file; its size and modification time, which it keeps once moved in."""
        return stage_file(self.staging, site_path, pieces_of(data))

    def commit(self, staged: list[str], made: set[str], present: Collection[str] | None = None) -> None:
        """Move `staged` files (some staged by other processes) into place, and remove every file of the
        output folder that is not among those `made`, as a whole-folder swap would. `present`: the folder's
        files, when the caller has looked already (walking 10,000 folders again took 0.15 s)."""
        if self.replace_all:
            mark_output(self.staging)
            _swap(self.staging, self.out_dir)
            return
        mark_output(self.out_dir)  # a folder that --force gave the build
        for site_path in sorted(staged):
            target = self.out_dir / site_path
            target.parent.mkdir(parents=True, exist_ok=True)
            (self.staging / site_path).replace(target)
        for site_path in sorted(set(output_files(self.out_dir) if present is None else present) - made):
            (self.out_dir / site_path).unlink(missing_ok=True)
            _remove_empty_parents(self.out_dir / site_path, self.out_dir)

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


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
    try:
        for piece in data:
            view = memoryview(piece)
            while view:  # a write may take less than it is given
                view = view[os.write(descriptor, view):]
        return os.fstat(descriptor)
    finally:
        os.close(descriptor)

