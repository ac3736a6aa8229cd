"""The build's memory on disk: what the last build made and from what, so that the next one redoes only that.

It lives in `BuildOptions.cache_dir`, beside the content folder. Everything in it is keyed by digests of
content (the content files, the templates, the options, the program's own source): an input counts as
unchanged only when its bytes are. Modification times serve one purpose: noticing that a file in the output
folder is no longer the one the build wrote (someone edited or deleted it), so that it is made again.

This module imports nothing heavy: the command line asks it whether anything changed before loading the rest.
"""

from __future__ import annotations

import copyreg
import hashlib
import json
import os
import pickle
import shutil
import sys
import time
from collections import ChainMap
from dataclasses import dataclass, field, fields
from pathlib import Path, PosixPath, PurePosixPath, PureWindowsPath, WindowsPath
from typing import Any, BinaryIO, Callable, Iterator, Mapping

from .options import BuildOptions, BuildResult
from .problems import Problem
from .seal import open_sealed, read_sealed, replace_file

FORMAT = 1  # raise when the files below change shape
MANIFEST = "manifest.json"
BODIES = "bodies.pickle"
EXERCISES = "exercises.pickle"
SEARCH_WEIGHTS = "search-weights.pickle"
BLOCKS = "blocks"  # a folder: the pages' lists of fragments (see blocks.py)
COMPILED_TEMPLATES = "templates"  # a folder: Jinja's compiled templates, each checked against its source
PICTURES = "pictures"  # a folder: the files made of pictures, by the digest of each picture (see pictures.py)
_UNREAD = object()


def program_digest() -> str:
    """A digest of this program's source, of the Python running it and of the installed libraries: a new
    version of any of them (a new Markdown may write other HTML) invalidates the cache."""
    digest = hashlib.blake2b(f"{FORMAT} {sys.version}".encode(), digest_size=16)
    # Each import folder once, by its real path: `python -m` (a profiler, say) puts the working folder on the
    # path a second time, as "", and the project's own exguide.egg-info in it made every cache stale.
    for folder in dict.fromkeys(os.path.realpath(folder or os.curdir) for folder in sys.path):
        digest.update(" ".join(_installed(folder)).encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _installed(folder: str) -> list[str]:
    """The installed distributions in one import folder, as name-version: reading their metadata is slower."""
    try:
        return sorted(name for name in os.listdir(folder or ".") if name.endswith((".dist-info", ".egg-info")))
    except OSError:
        return []


def inputs_digest(options: BuildOptions) -> str:
    """A digest of everything a build reads: every file of the content and templates folders, and the options."""
    return InputFiles(options).digest()


class InputFiles:
    """The build's input files as it starts, each with its digest: every file of the content and templates
    folders, and the options.

    With `reader_reads`, the digests of the content's Markdown and YAML files are left for later: the reader
    reads them anyway, and a first build takes their digests from it (`digest(read)`) instead of reading ten
    thousand files twice (0.2 s). A file is listed as the build starts, so one added meanwhile is not in the
    digest and the next build makes it; and a file's digest is that of the bytes the build used."""

    READ_BY_THE_READER = (".md", ".yaml")

    def __init__(self, options: BuildOptions, reader_reads: bool = False) -> None:
        self._options = repr((str(options.content_dir.resolve()), str(options.template_dir.resolve()),
                              options.include_drafts, options.pdfs)).encode()
        self._folders = [_listed(options.content_dir, self.READ_BY_THE_READER if reader_reads else ()),
                         _listed(options.template_dir)]

    def content_digests(self) -> dict[str, bytes]:
        """The digest of each content file this listing read, by its path as text (`os.fspath` of the path the
        reader lists): 10,000 Paths made only to be looked up took 0.05 s."""
        return {path: found for _, path, found in self._folders[0] if found is not None}

    def digest(self, read: Mapping[Path, bytes] | None = None) -> str:
        """The digest; `read`: the digests of the files the reader read (see SourceReader.digests)."""
        digest = hashlib.blake2b(self._options, digest_size=16)
        for listed in self._folders:
            digest.update(_listing_digest(listed, read or {}).encode())
        return digest.hexdigest()


def folder_digest(folder: Path) -> str:
    """A digest of every file's name and bytes under `folder`."""
    return _listing_digest(_listed(folder), {})


def _listed(folder: Path, later: tuple[str, ...] = ()) -> list[tuple[str, str, bytes | None]]:
    """Each file under `folder`: its path inside it, its path, and its digest (None for names ending `later`)."""
    return [(inside, path, None if later and inside.endswith(later) else _digest(path))
            for inside, path in _files(folder)]


def _listing_digest(listed: list[tuple[str, str, bytes | None]], read: Mapping[Path, bytes]) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for inside, path, found in listed:
        digest.update(inside.encode() + b"\0")
        digest.update(found or read.get(Path(path)) or _digest(path))
    return digest.hexdigest()


def _digest(path: str) -> bytes:
    """A file's digest, as SourceReader takes it; for a file that cannot be read, which the build reports,
    that of the reason."""
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as error:
        data = f"\0cannot be read: {error.strerror}".encode()
    return hashlib.blake2b(data, digest_size=16).digest()


def _files(folder: Path) -> list[tuple[str, str]]:
    """Each file under `folder`, in path order: its path inside it (with slashes) and its path. (Strings, not
    Paths: a no-change build lists ten thousand files, and making as many Paths took a third of its time.)"""
    found = []
    root = os.fspath(folder)
    for parent, directories, names in os.walk(root):
        directories.sort()
        inside = os.path.relpath(parent, root).replace(os.sep, "/")
        prefix = "" if inside == "." else inside + "/"
        found.extend((prefix + name, os.path.join(parent, name)) for name in sorted(names))
    return found


OUTPUT_MARK = ".exguide"  # the file that marks a folder as exguide's output, which a build may replace


def output_files(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Every file under `folder` by its site path, with its size, modification time in nanoseconds and inode;
    but the OUTPUT_MARK, which is no page of the site."""
    found: dict[str, tuple[int, int, int]] = {}
    for site_path, entry in site_entries(folder):
        if site_path != OUTPUT_MARK:
            status = entry.stat(follow_symlinks=False)
            found[site_path] = (status.st_size, status.st_mtime_ns, status.st_ino)
    return found


def site_entries(folder: Path) -> Iterator[tuple[str, os.DirEntry]]:
    """Every file under `folder` (links are not followed), by its site path, with its directory entry."""
    waiting: list[tuple[str | Path, str]] = [(folder, "")]
    while waiting:
        current, prefix = waiting.pop()
        with os.scandir(current) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    waiting.append((entry.path, f"{prefix}{entry.name}/"))
                else:
                    yield prefix + entry.name, entry


@dataclass(frozen=True)
class OutputRecord:
    """One file of the output folder: what it was made from, its bytes' digest, and how it stood when written."""

    key: str
    digest: str
    size: int
    mtime_ns: int
    fits: bool = True  # for a routine page: whether its sheet fits one printed page

    def as_list(self) -> list:
        """The fields in order, as the manifest keeps them (dataclasses.asdict, which copies each value deeply,
        was half of saving ten thousand)."""
        return [getattr(self, name) for name in _RECORD_FIELDS]


_RECORD_FIELDS = tuple(f.name for f in fields(OutputRecord))


@dataclass
class Manifest:
    inputs: str
    outputs: dict[str, OutputRecord]
    pages: int = 0
    warnings: list[tuple[str, int, str]] = field(default_factory=list)  # (path, line, message)


class BuildStore:
    """Reads and writes the cache folder. A missing, unreadable or foreign cache is an empty one."""

    def __init__(self, options: BuildOptions) -> None:
        self.options = options
        self.folder = options.cache_dir
        self.out_dir = options.out_dir
        self.program = program_digest()
        self._inputs: str | None = None
        self._input_files: InputFiles | None = None
        self._manifest: Manifest | None | object = _UNREAD
        self._found: dict[str, tuple[int, int, int]] | None = None
        self._folders_checked: set[str] = set()

    def inputs(self) -> str:
        """The digest of the build's inputs as they are now (read once)."""
        if self._inputs is None:
            self._inputs = self.input_files().digest()
        return self._inputs

    def input_files(self) -> InputFiles:
        """The build's input files as they are now, with their digests (read once)."""
        if self._input_files is None:
            self._input_files = InputFiles(self.options)
        return self._input_files

    def manifest(self) -> Manifest | None:
        """What the last build left, if this program made it and the output folder still exists (read once)."""
        if self._manifest is _UNREAD:
            self._manifest = self._read_manifest()
        return self._manifest

    def _read_manifest(self) -> Manifest | None:
        try:
            data = json.loads(read_sealed(self.folder / MANIFEST) or b"null")
            if data["program"] != self.program or data["out"] != str(self.out_dir.resolve()) or \
                    not self.out_dir.is_dir():
                return None
            outputs = {path: OutputRecord(*record) for path, record in data["outputs"].items()}
            return Manifest(data["inputs"], outputs, data["pages"], [tuple(w) for w in data["warnings"]])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):  # none, or not of the shape it was saved in
            return None

    def survey(self) -> None:
        """List and digest the input files while another process walks the output folder, when a last build
        left a big one to compare them with: each took 0.2 s at 10,000 exercises, one after the other."""
        manifest = self.manifest()
        if manifest is None or self._input_files is not None or self._found is not None:
            return
        from .parallel import run_shared, worker_count  # not for a small guide: multiprocessing takes 25 ms to load

        surveyed = dict(run_shared(self._surveyed, ("inputs", "outputs"),
                                   min(2, worker_count(self.options.workers, len(manifest.outputs)))))
        self._input_files, self._found = surveyed["inputs"], surveyed["outputs"]

    def _surveyed(self, what: str) -> tuple[str, InputFiles | dict[str, tuple[int, int, int]]]:
        return what, self.input_files() if what == "inputs" else self.found_outputs()

    def found_outputs(self) -> dict[str, tuple[int, int, int]]:
        """The files of the output folder as the build found it (walked once)."""
        if self._found is None:
            self._found = output_files(self.out_dir) if self.out_dir.is_dir() else {}
        return self._found

    def kept_outputs(self) -> dict[str, OutputRecord]:
        """The last build's files that are still as it wrote them."""
        manifest, found = self.manifest(), self.found_outputs()
        return {path: record for path, record in (manifest.outputs.items() if manifest else ())
                if found.get(path, ())[:2] == (record.size, record.mtime_ns)}

    def up_to_date(self) -> bool:
        """Whether nothing the last build read has changed, and the output folder holds exactly what it wrote."""
        manifest = self.manifest()
        if manifest is None or manifest.inputs != self.inputs():
            return False
        return len(self.found_outputs()) == len(manifest.outputs) == len(self.kept_outputs())

    def unchanged_result(self, started: float) -> BuildResult:
        """The last build's result, for a build that found nothing to do."""
        manifest = self.manifest()
        warnings = tuple(Problem(Path(path), line, message, "warning") for path, line, message in manifest.warnings)
        return BuildResult(manifest.pages, len(manifest.outputs), time.perf_counter() - started, warnings)

    def save(self, manifest: Manifest, bodies: dict[str, Any] | None, search_weights: bytes = b"",
             exercises: object = None) -> None:
        """Keep this build's memory for the next one; each file is replaced whole. `bodies`: the Markdown
        bodies the build used, None to leave those of the last build; `search_weights`: the exercises' search
        weights, pickled (see search.KeptWeights); `exercises`: see carryover.KeptExercises."""
        self.folder.mkdir(parents=True, exist_ok=True)
        data = {"program": self.program, "out": str(self.out_dir.resolve()), "inputs": manifest.inputs,
                "pages": manifest.pages,
                "warnings": manifest.warnings,
                "outputs": {path: record.as_list() for path, record in sorted(manifest.outputs.items())}}
        if bodies is not None:
            self._replace(BODIES, lambda file: pickle.dump(bodies, file, protocol=pickle.HIGHEST_PROTOCOL))
        if search_weights:
            self._replace(SEARCH_WEIGHTS, lambda file: file.write(search_weights))
        if exercises is not None:
            self._replace(EXERCISES, lambda file: _PathsAsText(file, pickle.HIGHEST_PROTOCOL).dump(
                {EXERCISES: exercises}))
        self._replace(MANIFEST, lambda file: file.write(json.dumps(data, separators=(",", ":")).encode()))
        self._manifest = manifest

    def blocks_folder(self) -> Path:
        """Where the pages' lists of fragments are kept (see blocks.py)."""
        return self._memory_folder(BLOCKS)

    def compiled_templates_folder(self) -> Path:
        """Where Jinja keeps the templates it compiled: compiling them again took each process of a build
        0.1 s. Jinja checks each against its template's source; the folder goes with a new program (whose
        Jinja may compile otherwise)."""
        return self._memory_folder(COMPILED_TEMPLATES)

    def _memory_folder(self, name: str) -> Path:
        """A folder of the cache, emptied first when the last build's memory is not this program's, or is
        not to be used."""
        folder = self.folder / name
        if name not in self._folders_checked:
            self._folders_checked.add(name)
            if not self.options.use_cache or self.manifest() is None:
                shutil.rmtree(folder, ignore_errors=True)
        return folder

    def bodies(self) -> dict[str, Any]:
        """Markdown bodies converted by earlier builds, by the digest of their text."""
        return self._kept(BODIES)

    def exercises(self) -> Any:
        """The exercises the last build of this program kept (see carryover.KeptExercises), or None."""
        return self._kept(EXERCISES).get(EXERCISES)

    def search_weights(self) -> dict[bytes, Any]:
        """Exercises' search weights made by earlier builds, by a digest of what they are made from."""
        return self._kept(SEARCH_WEIGHTS)

    def _kept(self, name: str) -> dict:
        """A dictionary the last build of this program left in the file `name`; an empty one without it."""
        return read_pickled_dict(self.folder / name) if self.manifest() is not None else {}

    def _replace(self, name: str, write: Callable[[BinaryIO], object]) -> None:
        replace_file(self.folder / name, write)


class _PathsAsText(pickle.Pickler):
    """Pickles paths as their text: pickle's own way, their parts one by one, made them twice as slow to load
    again (50,000 of them in ten thousand exercises, 0.3 s)."""

    # Over copyreg's table, not instead of it: a pickler's own table hides that one from it.
    dispatch_table = ChainMap({kind: lambda path: (type(path), (str(path),))
                               for kind in (PosixPath, WindowsPath, PurePosixPath, PureWindowsPath)},
                              copyreg.dispatch_table)


def read_pickled_dict(path: Path) -> dict:
    """The dictionary pickled in the sealed file at `path`; an empty one when it is missing, unreadable, not
    sealed by this user's key, or other."""
    file = open_sealed(path)
    if file is None:
        return {}
    try:
        with file:
            loaded = _CacheUnpickler(file).load()  # which stops at the pickle's end, before the seal
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


class _CacheUnpickler(pickle.Unpickler):
    """Loads only the kinds of object the cache holds: the guide's own types and plain values. A pickle can
    name any function to call as it loads; one that names anything else is refused, so that even a cache
    file that passed its seal cannot run code (see seal.py)."""

    MODULES = {"exguide.model", "exguide.schema", "exguide.muscles", "exguide.search", "exguide.carryover",
               "exguide.body", "exguide.pictures", "exguide.video", "pathlib", "datetime", "decimal",
               "pydantic_core._pydantic_core"}
    NAMES = {("array", "array"), ("array", "_array_reconstructor"), ("copyreg", "_reconstructor"),
             ("builtins", "frozenset"), ("builtins", "set"), ("builtins", "object")}

    def find_class(self, module: str, name: str) -> Any:
        found = super().find_class(module, name) if module in self.MODULES or (module, name) in self.NAMES else None
        if found is None or not (isinstance(found, type) or (module, name) in self.NAMES):
            raise pickle.UnpicklingError(f"the cache may not hold {module}.{name}")
        return found
