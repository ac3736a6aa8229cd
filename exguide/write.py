"""Stage 6, write: put the rendered site in place all at once, or not at all (see staging.py for how)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Collection, Sequence, Union

from .staging import StagedOutput, Swap, linked_copy
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


def write_site(files: dict[str, FileData], out_dir: Path, changed: Collection[str] | None = None,
               since: "Swap | None" = None, holding: Collection[str] = ()) -> "Swap | None":
    """Make `out_dir` hold exactly `files`, writing only those `changed` since it was written (all when None).
    Until the final swap (see StagedOutput), the old site stays untouched. `since` and `holding`: see
    StagedOutput. What the swap changed, for the next write."""
    output = StagedOutput(out_dir, replace_all=changed is None, since=since, holding=holding)
    try:
        for site_path in sorted(files if changed is None or output.replace_all else changed):
            if site_path in files:
                output.put(site_path, pieces_of(files[site_path]))
        return output.commit(set(files))
    except BaseException:
        output.discard()
        raise


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


def changed_files(files: dict[str, FileData], previous: dict[str, FileData] | None) -> list[str]:
    """The site paths whose bytes differ from `previous`, and those gone from it; all without a `previous`."""
    if previous is None:
        return sorted(files)
    return sorted(path for path, data in files.items() if previous.get(path) != data) + \
        sorted(set(previous).difference(files))


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
            self._swap = linked_copy(self.out_dir)
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
