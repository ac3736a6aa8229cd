"""The full-text search index: written by the build as small scripts, so that it loads from disk too.

Terms are sharded by their first two letters and documents by the 500, so a query loads only the few
files its words need, however large the guide.
"""

from __future__ import annotations

import functools
import hashlib
import json
import pickle
from array import array
import re
import sys
import unicodedata
from dataclasses import dataclass
from collections import Counter, defaultdict
from itertools import chain, compress
from operator import is_not
from typing import Iterator, Mapping, Sequence

from .body import plain_text
from .model import Exercise
from .parallel import in_worker, run_shared
from .links import relative_url
from .paths import SEARCH, script_json

DOCUMENTS_PER_SHARD = 500
WEIGHTS = {"title": 10, "muscle": 6, "summary": 3}  # for each time a word is there; in the body, 1
_WORD = re.compile(r"[^\W_]{2,}")  # words of two letters or more
_ASCII_WORD = re.compile(r"[a-z0-9]{2,}")  # the same in lower-case ASCII text, found in two thirds of the time


def terms_of(text: str) -> list[str]:
    """Lower-case words without accents, as the browser's side of the search splits a query."""
    folded = text.casefold()
    if folded.isascii():  # most text is: it has no accents to take off
        return _ASCII_WORD.findall(folded)
    folded = "".join(ch for ch in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(ch))
    return _WORD.findall(folded)


@functools.lru_cache(maxsize=65_536)
def shard_of(term: str) -> str:
    """The shard a term lives in: its first two letters, kept to plain characters for file names."""
    return "".join(ch if ch.isascii() and ch.isalnum() else "_" for ch in term[:2])


# An exercise's terms and their weights, in term order, flat: term, weight, term, weight… Kept for every
# exercise (for serve's rebuilds), a tuple of pairs with a string of its own for each term took 60 MB at
# 10,000 exercises; the terms are interned, so each word is one string in the whole index.
Weights = tuple[str | int, ...]


def weighted_terms(exercise: Exercise) -> Weights:
    weights = Counter(terms_of(plain_text(exercise.body_html)))  # counted in C: the body is most of the words
    for field, text in (("title", exercise.title), ("muscle", _muscle_names(exercise)), ("summary", exercise.summary)):
        for term in terms_of(text):
            weights[term] += WEIGHTS[field]
    terms = sorted(weights)
    return tuple(chain.from_iterable(zip(map(sys.intern, terms), map(weights.__getitem__, terms))))


def _muscle_names(exercise: Exercise) -> str:
    return " ".join(name for target in (*exercise.primary, *exercise.secondary)
                    for name in (target.name, *(g.name for g in target.groups)))


def terms_key(exercise: Exercise) -> bytes:
    """What finds an exercise's weights again in another process (see KeptWeights): the digest of all it is made
    from, or, for one made without it, a digest of all that `weighted_terms` reads of it."""
    if exercise.digest:
        return exercise.digest
    digest = hashlib.blake2b(digest_size=16)
    for text in (exercise.title, _muscle_names(exercise), exercise.summary, exercise.body_html):
        data = text.encode("utf-8", "surrogatepass")
        digest.update(b"%d:" % len(data) + data)
    return digest.digest()


class KeptWeights:
    """Exercises' weights that a build in another process left, by `terms_key`, and those this build weighs or
    takes, for the next (`pickled`). After one edit of 10,000 exercises, weighing them all again took 0.45 s;
    kept, they take 15 ms to read."""

    def __init__(self, stored: Mapping[bytes, Weights] | None = None) -> None:
        self.stored = stored or {}
        self.pickled = b""

    def weights_each(self, exercises: Sequence[Exercise], workers: int) -> list[Weights]:
        if self.stored:  # look each one up; weigh those not found
            keys = list(map(terms_key, exercises))
            found = list(map(self.stored.get, keys))
            missing = iter(_weighed([e for e, weights in zip(exercises, found) if weights is None], workers))
            weights = [kept if kept is not None else next(missing)[1] for kept in found]
        else:  # a first build: weigh each, and take its key on the way
            keys, weights = map(list, zip(*_weighed(exercises, workers, keyed=True))) if exercises else ([], [])
        # Kept as bytes: the tuples themselves, held until the build ends, would be 16 MB at 10,000 exercises.
        self.pickled = pickle.dumps(dict(zip(keys, weights)), protocol=pickle.HIGHEST_PROTOCOL)
        self.stored = {}  # taken: the index has them now, for as long as it needs them
        return weights


def weighted_terms_each(exercises: Sequence[Exercise], workers: int = 1) -> list[Weights]:
    """`weighted_terms` of each exercise, in `workers` processes."""
    return [weights for _, weights in _weighed(exercises, workers)]


def _weighed(exercises: Sequence[Exercise], workers: int, keyed: bool = False) -> list[tuple[bytes, Weights]]:
    """(`terms_key` when `keyed`, `weighted_terms`) of each exercise, in `workers` processes: at 10,000
    exercises it took 0.8 s, most of the plan, which no other process shared. Terms that come back from
    another process are interned again here, like those made here."""
    def weighed(exercise: Exercise) -> tuple[bytes, Weights]:
        return terms_key(exercise) if keyed else b"", weighted_terms(exercise)

    if workers <= 1 or len(exercises) < 2:
        return list(map(weighed, exercises))
    size = -(-len(exercises) // (workers * 8))

    def piece(start: int) -> tuple[int, list[tuple[bytes, Weights]], bool]:
        return start, list(map(weighed, exercises[start:start + size])), in_worker()

    made = sorted(run_shared(piece, range(0, len(exercises), size), workers))
    return [(key, _interned(weights) if sent else weights)
            for _, piece_made, sent in made for key, weights in piece_made]


def _interned(weights: Weights) -> Weights:
    return tuple(sys.intern(item) if type(item) is str else item for item in weights)


def pairs(weights: Weights) -> Iterator[tuple[str, int]]:
    """(term, weight) for each term of `weights`."""
    return zip(weights[::2], weights[1::2])  # type: ignore[arg-type]


Postings = array  # document, weight, document, weight… in document order: a million of them at 10,000
# exercises, which as lists of [document, weight] took a hundred megabytes
# Document numbers and weights are far under 2**31: C ints hold them in half the memory of longs.
POSTING = "i" if array("i").itemsize >= 4 else "l"


def shard_script_json(entries: dict[str, Postings]) -> str:
    """A shard's terms and their postings as the browser reads them, {term: [[document, weight], …]}: the
    text `json.dumps` makes of that with sorted keys, written out directly: half a million postings at
    10,000 exercises, made into lists to be encoded, took most of a second. (Terms are letters and digits,
    so nothing in it needs escaping for a script.)"""
    terms = sorted(entries)
    return "{" + ", ".join(map(term_script_json, terms, map(entries.__getitem__, terms))) + "}"


@dataclass(frozen=True, eq=False)
class TermShard:
    """A shard of the index's terms with its digest, which the index keeps as it changes: a page input."""

    terms: dict[str, Postings]
    digest: bytes


def shard_digest(entries: dict[str, Postings]) -> bytes:
    """The digest of a shard's terms and postings (in this machine's byte order, as the cache is this machine's)."""
    digest = hashlib.blake2b(json.dumps(list(entries)).encode(), digest_size=16)
    for postings in entries.values():
        digest.update(postings)
    return digest.digest()


def term_script_json(term: str, postings: Postings) -> str:
    """One term of `shard_script_json`."""
    return f"{json.dumps(term)}: [{', '.join(map('[{}, {}]'.format, postings[::2], postings[1::2]))}]"


def _place(postings: Postings, document: int) -> int:
    """Where `document`'s pair is, or would go, counted in pairs."""
    low, high = 0, len(postings) // 2
    while low < high:
        middle = (low + high) // 2
        if postings[2 * middle] < document:
            low = middle + 1
        else:
            high = middle
    return low


class SearchIndex:
    """The index of the last build, brought up to date by the exercises that changed since.

    `serve` rebuilds after each save: one exercise edited changes a few terms' postings, so only those are
    redone, and every shard it does not touch stays the very same object (so its page is not made again).
    A change of the exercises' order, or of more than a few of them, indexes everything again.
    """

    MOST_CHANGES = 200

    def __init__(self) -> None:
        self.exercises: tuple[Exercise, ...] = ()
        self.weights: tuple[Weights | None, ...] = ()  # each exercise's terms, in the same order; None: not kept
        self.terms: dict[str, dict[str, Postings]] = {}  # shard → term → postings, both in sorted order
        self.term_digests: dict[str, bytes] = {}  # shard → shard_digest of its terms
        self.documents: dict[int, str] = {}  # each shard of documents as the script's data

    def __getstate__(self) -> dict:
        """The index as pickle keeps it, for a build in another process (see carryover.KeptExercises): without
        the weights, half a million small objects that took longer to load again than the rest, and of which
        a build that patches the index needs only the edited exercises', weighed again."""
        return {**self.__dict__, "weights": None}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.weights = (None,) * len(self.exercises)

    def update(self, exercises: tuple[Exercise, ...], links: dict[str, str], workers: int = 1,
               kept: KeptWeights | None = None) -> None:
        """Index `exercises`; the weights of those not indexed yet are made in `workers` processes, or taken
        from `kept`."""
        changed = list(compress(range(len(exercises)), map(is_not, self.exercises, exercises)))
        same_order = len(exercises) == len(self.exercises) and all(
            self.exercises[n].slug == exercises[n].slug for n in changed)
        if not same_order or len(changed) > self.MOST_CHANGES:
            known = {id(exercise): weights for exercise, weights in zip(self.exercises, self.weights)
                     if weights is not None}  # the ids are held by self.exercises
            unknown = [exercise for exercise in exercises if id(exercise) not in known]
            made = kept.weights_each(unknown, workers) if kept is not None else weighted_terms_each(unknown, workers)
            known.update(zip(map(id, unknown), made))
            weights = tuple(map(known.__getitem__, map(id, exercises)))
            self.terms, self.documents = search_index(exercises, links, weights)
            self.term_digests = {name: shard_digest(entries) for name, entries in self.terms.items()}
        elif changed:
            edited = list(self.weights)
            for number in changed:
                edited[number] = weighted_terms(exercises[number])
            weights = tuple(edited)
            self._patch(exercises, links, changed, weights)
        else:
            weights = self.weights
        self.exercises, self.weights = exercises, weights

    def _patch(self, exercises: tuple[Exercise, ...], links: dict[str, str], changed: list[int],
               weights: tuple[Weights, ...]) -> None:
        touched: dict[str, dict[str, Postings]] = {}  # copies of the shards this build changes

        def shard(term: str) -> dict[str, Postings]:
            name = shard_of(term)
            if name not in touched:
                touched[name] = dict(self.terms.get(name, {}))
            return touched[name]

        for number in changed:
            before = dict(pairs(self.weights[number] or weighted_terms(self.exercises[number])))
            after = dict(pairs(weights[number]))
            for term in before.keys() | after.keys():
                if before.get(term) != after.get(term):
                    postings = shard(term).get(term, array(POSTING))
                    place = 2 * _place(postings, number)
                    replaced = 2 if place < len(postings) and postings[place] == number else 0
                    added = array(POSTING, (number, after[term]) if term in after else ())
                    shard(term)[term] = postings[:place] + added + postings[place + replaced:]
        terms = dict(self.terms)
        for name, entries in touched.items():
            terms[name] = {term: postings for term, postings in sorted(entries.items()) if postings}
        self.terms = {name: terms[name] for name in sorted(terms) if terms[name]}
        self.term_digests = {name: shard_digest(self.terms[name]) if name in touched else self.term_digests[name]
                             for name in self.terms}
        documents = dict(self.documents)
        for number in {number // DOCUMENTS_PER_SHARD for number in changed}:
            documents[number] = _documents(exercises, links, number)
        self.documents = documents


def _documents(exercises: tuple[Exercise, ...], links: dict[str, str], shard: int) -> str:
    """A shard of documents as the script's data."""
    start = shard * DOCUMENTS_PER_SHARD
    return script_json([{"title": exercise.title, "url": links[exercise.slug], "summary": exercise.summary,
                         **_thumbnail(exercise)} for exercise in exercises[start:start + DOCUMENTS_PER_SHARD]])


def _thumbnail(exercise: Exercise) -> dict:
    """The thumbnail a search result shows, as its card does: [WebP or null, the `<img>`'s file, width, height]."""
    thumbnail = exercise.thumbnail
    if thumbnail is None:
        return {}
    webp = relative_url(SEARCH, thumbnail.webp) if thumbnail.webp else None
    return {"thumbnail": [webp, relative_url(SEARCH, thumbnail.src), thumbnail.width, thumbnail.height]}


def search_index(exercises: tuple[Exercise, ...], links: dict[str, str], weights: tuple[Weights, ...] | None = None
                 ) -> tuple[dict, dict]:
    """(term shards, document shards): {shard: {term: postings}} and {n: [document, …]}.

    `links` maps each exercise's slug to its address relative to the search page; `weights` are the
    exercises' `weighted_terms`, when they are known already.
    """
    postings: dict[str, Postings] = defaultdict(lambda: array(POSTING))
    for number, terms in enumerate(weights if weights is not None else map(weighted_terms, exercises)):
        for term, weight in pairs(terms):
            postings[term].extend((number, weight))
    terms: dict[str, dict[str, Postings]] = defaultdict(dict)
    for term in sorted(postings):
        terms[shard_of(term)][term] = postings[term]
    documents = {shard: _documents(exercises, links, shard)
                 for shard in range((len(exercises) + DOCUMENTS_PER_SHARD - 1) // DOCUMENTS_PER_SHARD)}
    return dict(sorted(terms.items())), documents
