"""Stable fingerprints: the same content gives the same digest in every process.

Python's own hash() is salted per process, so it cannot key a cache that outlives the build. A fingerprint
walks a value (a page's template context) down to its strings and numbers; a value of a type it does not
know is an error rather than a guess, so that a cache keyed by fingerprints never serves stale output.
"""

from __future__ import annotations

import dataclasses
import hashlib
from array import array
from collections.abc import Mapping
from enum import Enum
from pathlib import PurePath
from typing import Any

from pydantic import BaseModel

DIGEST_SIZE = 16


def digest_bytes(*pieces: bytes) -> str:
    """The digest of the pieces' bytes, one after the other."""
    digest = hashlib.blake2b(digest_size=DIGEST_SIZE)
    for piece in pieces:
        digest.update(piece)
    return digest.hexdigest()


class Fingerprinter:
    """Fingerprints values, each model object once: one instance serves one build, whose objects do not change.

    The guide's objects are frozen, and appear in many pages' contexts (an exercise in its page, its groups'
    pages and the lists); remembering their digests makes fingerprinting every page cost about one walk of
    the guide.
    """

    def __init__(self) -> None:
        self._objects: dict[int, tuple[object, bytes]] = {}  # id → (the object, kept alive; its digest)

    def seed(self, value: Any, digest: bytes) -> None:
        """Take `digest` as the model object `value`'s: one that an earlier build, in another process, computed
        for an object of the very same content (see assemble.KeptExercises)."""
        self._objects[id(value)] = (value, digest)

    def fingerprint(self, *values: Any) -> str:
        digest = hashlib.blake2b(digest_size=DIGEST_SIZE)
        for value in values:
            self._feed(digest, value)
        return digest.hexdigest()

    def digest(self, value: Any) -> bytes:
        """The fingerprint of one value, as bytes; a model object's is the one it remembers."""
        if hasattr(type(value), "__dataclass_fields__") or isinstance(value, BaseModel):
            return self._object_digest(value)
        digest = hashlib.blake2b(digest_size=DIGEST_SIZE)
        self._feed(digest, value)
        return digest.digest()

    def _feed(self, digest: "hashlib._Hash", value: Any) -> None:
        # The commonest types first, by exact type: a build feeds about a hundred values a page.
        kind = type(value)
        if kind is str or isinstance(value, str):  # Markup too: its type name keeps it apart from the same text
            data = value.encode("utf-8", "surrogatepass")
            digest.update(f"{kind.__name__}:{len(data)}:".encode() + data)
        elif value is None or kind in (bool, int, float):
            digest.update(f"{kind.__name__}:{value!r};".encode())
        elif kind is tuple or kind is list or isinstance(value, (tuple, list)):
            digest.update(f"{kind.__name__}:{len(value)}(".encode())
            for item in value:
                self._feed(digest, item)
            digest.update(b")")
        elif hasattr(kind, "__dataclass_fields__") or isinstance(value, BaseModel):
            digest.update(b"object:" + self._object_digest(value))
        elif isinstance(value, Mapping):
            digest.update(f"map:{len(value)}{{".encode())
            for key in sorted(value, key=repr):
                self._feed(digest, key)
                self._feed(digest, value[key])
            digest.update(b"}")
        elif kind is array:  # a search index's postings: their machine bytes, as this machine reads them
            data = value.tobytes()
            digest.update(f"array:{value.typecode}{value.itemsize}:{len(data)}:".encode() + data)
        elif isinstance(value, (PurePath, Enum)):
            self._feed(digest, f"{kind.__qualname__}:{value}")
        else:
            raise TypeError(f"cannot fingerprint a {kind.__qualname__}; teach Fingerprinter its content")

    def _object_digest(self, value: Any) -> bytes:
        known = self._objects.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        digest = hashlib.blake2b(f"{type(value).__module__}.{type(value).__qualname__}".encode(),
                                 digest_size=DIGEST_SIZE)
        if isinstance(value, BaseModel):
            digest.update(value.model_dump_json().encode())
        else:
            for field in dataclasses.fields(value):
                self._feed(digest, field.name)
                self._feed(digest, getattr(value, field.name))
        result = digest.digest()
        self._objects[id(value)] = (value, result)
        return result


def fingerprint(*values: Any) -> str:
    """The digest of `values`, the same in every process for the same content."""
    return Fingerprinter().fingerprint(*values)

