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
from operator import attrgetter
from pathlib import PurePath
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticSerializationError, to_jsonable_python

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
    the guide. An object with a `digest` field (an Exercise) is fingerprinted by it, not by its fields.
    """

    def __init__(self) -> None:
        self._objects: dict[int, tuple[object, bytes]] = {}  # id → (the object, kept alive; its digest)

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

    def inputs_digest(self, inputs: Mapping[str, Any]) -> bytes:
        """The digest of a page's inputs, by name: each by the digest it carries (an exercise, a routine, the
        guide), else by its fingerprint. Planning ten thousand pages keys them all in the time of a walk of
        their names, not of their content."""
        parts = []
        for name, value in inputs.items():
            kind = type(value)
            own = value.digest if _carries_digest(kind) else None
            if not own and kind is tuple:  # a list of exercises, or of rows that carry theirs: at the speed of C
                own = b"()" if not value else _digests(value)
            if not own:
                own = b"none" if value is None else self.digest(value)
            parts.append(b"%b=%d:%b" % (name.encode(), len(own), own))
        return hashlib.blake2b(b"".join(parts), digest_size=DIGEST_SIZE).digest()

    def _feed(self, digest: "hashlib._Hash", value: Any) -> None:
        # By the kind of its type, found in one look: keying 10,000 pages feeds about 400,000 values.
        kind = type(value)
        how = _HOW.get(kind) or _learn(kind)
        if how is _TEXT:  # a Markup's type name keeps it apart from the same text
            data = value.encode("utf-8", "surrogatepass")
            digest.update(b"%s:%d:" % (kind.__name__.encode(), len(data)) + data)
        elif how is _SEQUENCE:
            digest.update(b"%s:%d(" % (kind.__name__.encode(), len(value)))
            feed = self._feed
            for item in value:
                feed(digest, item)
            digest.update(b")")
        elif how is _OBJECT:
            digest.update(b"object:" + self._object_digest(value))
        elif how is _PLAIN:
            digest.update(f"{kind.__name__}:{value!r};".encode())
        elif how is _MAPPING:
            digest.update(f"map:{len(value)}{{".encode())
            for key in sorted(value, key=repr):
                self._feed(digest, key)
                self._feed(digest, value[key])
            digest.update(b"}")
        elif how is _ARRAY:  # a search index's postings: their machine bytes, as this machine reads them
            data = value.tobytes()
            digest.update(f"array:{value.typecode}{value.itemsize}:{len(data)}:".encode() + data)
        elif how is _NAMED:
            self._feed(digest, f"{kind.__qualname__}:{value}")
        else:
            self._feed(digest, (kind.__qualname__, _as_json(value)))

    def _object_digest(self, value: Any) -> bytes:
        known = self._objects.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        kind = type(value)
        name, fields = _OBJECT_SHAPES.get(kind) or _learn_shape(kind)
        digest = hashlib.blake2b(name, digest_size=DIGEST_SIZE)
        own = getattr(value, "digest", b"") if fields is not None else b""
        if own:  # an object that carries the digest of all it is made from (an Exercise)
            digest.update(own)
        elif fields is None:
            digest.update(value.model_dump_json().encode())
        else:
            for field, fed_name in fields:
                digest.update(fed_name)
                self._feed(digest, getattr(value, field))
        result = digest.digest()
        self._objects[id(value)] = (value, result)
        return result


_CARRIES_DIGEST: dict[type, bool] = {}  # whether values of a type carry a `digest`


def _carries_digest(kind: type) -> bool:
    """Whether values of the type carry a `digest` (asked of the type: an attribute lookup that fails is slow)."""
    carries = _CARRIES_DIGEST.get(kind)
    if carries is None:
        carries = _CARRIES_DIGEST[kind] = hasattr(kind, "digest")
    return carries


def _digests(items: tuple) -> bytes | None:
    """The digests of items that all carry one, one after the other, in brackets; None when any does not."""
    if not all(map(_carries_digest, set(map(type, items)))):
        return None
    digests = tuple(map(attrgetter("digest"), items))
    return b"(%b)" % b"".join(digests) if all(digests) else None


# How `Fingerprinter._feed` feeds the values of each type; found again in one look, and told apart by identity.
_TEXT, _SEQUENCE, _OBJECT, _PLAIN = "text", "sequence", "object", "plain"
_MAPPING, _ARRAY, _NAMED = "mapping", "array", "named"  # `named`: by the type's name and the value's str()
_JSON = "json"  # by the type's name and the value as pydantic writes it in JSON
_HOW: dict[type, str] = {str: _TEXT, tuple: _SEQUENCE, list: _SEQUENCE, type(None): _PLAIN, bool: _PLAIN, int: _PLAIN,
                         float: _PLAIN, array: _ARRAY}


def _learn(kind: type) -> str:
    """How `Fingerprinter` feeds values of the type `kind`; an error for a type whose content it does not know."""
    if issubclass(kind, str):
        how = _TEXT
    elif issubclass(kind, (tuple, list)):
        how = _SEQUENCE
    elif hasattr(kind, "__dataclass_fields__") or issubclass(kind, BaseModel):
        how = _OBJECT
    elif issubclass(kind, Mapping):
        how = _MAPPING
    elif issubclass(kind, (PurePath, Enum)):
        how = _NAMED
    else:
        how = _JSON
    _HOW[kind] = how
    return how


def _as_json(value: Any) -> Any:
    """Any other value that a front-matter field may hold, as pydantic writes it in JSON (an HttpUrl, a date,
    a Decimal...); an error for a value whose content nothing can tell, rather than a guess."""
    try:
        return to_jsonable_python(value)
    except PydanticSerializationError:
        raise TypeError(f"cannot fingerprint a {type(value).__qualname__}; teach Fingerprinter its content") from None


# For each type of model object: its full name, and its fields, each with its name as `_feed` feeds it (None
# for a pydantic model, fed as its JSON). dataclasses.fields() was most of fingerprinting a small object.
_OBJECT_SHAPES: dict[type, tuple[bytes, tuple[tuple[str, bytes], ...] | None]] = {}


def _learn_shape(kind: type) -> tuple[bytes, tuple[tuple[str, bytes], ...] | None]:
    names = None if issubclass(kind, BaseModel) else [field.name for field in dataclasses.fields(kind)]
    fields = None if names is None else tuple((name, b"str:%d:" % len(name.encode()) + name.encode()) for name in names)
    shape = _OBJECT_SHAPES[kind] = f"{kind.__module__}.{kind.__qualname__}".encode(), fields
    return shape


def fingerprint(*values: Any) -> str:
    """The digest of `values`, the same in every process for the same content."""
    return Fingerprinter().fingerprint(*values)

