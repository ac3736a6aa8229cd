"""Sealed files: the cache's files, each followed by an HMAC of its bytes with a key of this user's.

Jinja's compiled templates are code, and the rest of the cache is loaded with pickle (whose loader in
store.py accepts only the guide's own types): a file that anyone but this user wrote (a cache in a shared
folder, one committed to the guide's repository) or that was damaged is never loaded, and the build starts
afresh.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable


def replace_file(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write the file at `path` whole through `write`, beside it first, so that a reader never finds half of
    it, and sealed: followed by an HMAC of its bytes with this user's key (see read_sealed)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "wb") as file:
        sealing = _Sealing(file)
        write(sealing)
        file.write(sealing.mac.digest())
    os.replace(temporary, path)


class _Sealing:
    """A file being written, and the HMAC of what was written to it."""

    def __init__(self, file: BinaryIO) -> None:
        self.file, self.mac = file, hmac.new(_user_key(), digestmod="blake2b")

    def write(self, data: bytes) -> int:
        self.mac.update(data)
        return self.file.write(data)


def read_sealed(path: Path) -> bytes | None:
    """The bytes of a file that replace_file wrote, if it did, with this user's key; else None."""
    file = open_sealed(path)
    if file is None:
        return None
    with file:
        return file.read(os.fstat(file.fileno()).st_size - _SEAL_SIZE)


def open_sealed(path: Path) -> BinaryIO | None:
    """The file at `path`, open at its start, if replace_file wrote it with this user's key; else None. Its
    seal is checked as the file is read through once, a piece at a time: read whole, the 30 MB of the kept
    exercises of 10,000 stood in memory beside what is loaded from them."""
    try:
        file = open(path, "rb")
    except OSError:
        return None
    left = os.fstat(file.fileno()).st_size - _SEAL_SIZE
    mac = hmac.new(_user_key(), digestmod="blake2b")
    while left > 0 and (piece := file.read(min(left, 1 << 20))):
        mac.update(piece)
        left -= len(piece)
    if left != 0 or not hmac.compare_digest(mac.digest(), file.read(_SEAL_SIZE)):
        file.close()
        return None
    file.seek(0)
    return file


_SEAL_SIZE = hashlib.blake2b().digest_size


@functools.lru_cache(maxsize=1)
def _user_key() -> bytes:
    """A secret of this user's, made once and kept in their cache folder (~/.cache/exguide/key); where none
    can be kept, one for this process alone (and then no cache outlives it)."""
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "exguide"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return _read_or_make_key(folder / "key")
    except OSError:
        return secrets.token_bytes(32)


def _read_or_make_key(path: Path) -> bytes:
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_bytes()
        if len(key) < 32 or path.stat().st_uid != os.getuid():
            raise OSError("not this user's key") from None
        return key
    with os.fdopen(descriptor, "wb") as file:
        file.write(secrets.token_bytes(32))
    return path.read_bytes()
