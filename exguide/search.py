"""The full-text search index: written by the build as small scripts, so that it loads from disk too.

Terms are sharded by their first two letters and documents by the 500, so a query loads only the few
files its words need, however large the guide.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict

from .body import plain_text
from .model import Exercise

DOCUMENTS_PER_SHARD = 500
WEIGHTS = {"title": 10, "muscle": 6, "summary": 3, "body": 1}
_WORD = re.compile(r"[^\W_]+")


def terms_of(text: str) -> list[str]:
    """Lower-case words without accents, as the browser's side of the search splits a query."""
    folded = text.casefold()
    if not folded.isascii():  # most text is: it has no accents to take off
        folded = "".join(ch for ch in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(ch))
    return [word for word in _WORD.findall(folded) if len(word) > 1]


@functools.lru_cache(maxsize=65_536)
def shard_of(term: str) -> str:
    """The shard a term lives in: its first two letters, kept to plain characters for file names."""
    return "".join(ch if ch.isascii() and ch.isalnum() else "_" for ch in term[:2])


@functools.lru_cache(maxsize=65_536)  # a pure function of the exercise; serve asks again on every rebuild
def _weighted_terms(exercise: Exercise) -> tuple[tuple[str, int], ...]:
    muscles = " ".join(name for target in (*exercise.primary, *exercise.secondary)
                       for name in (target.name, *(g.name for g in target.groups)))
    fields = {"title": exercise.title, "muscle": muscles, "summary": exercise.summary,
              "body": plain_text(exercise.body_html)}
    weights: dict[str, int] = defaultdict(int)
    for field, text in fields.items():
        for term in terms_of(text):
            weights[term] += WEIGHTS[field]
    return tuple(sorted(weights.items()))


def search_index(exercises: tuple[Exercise, ...], links: dict[str, str]) -> tuple[dict, dict]:
    """(term shards, document shards): {shard: {term: [[document, weight], …]}} and {n: [document, …]}.

    `links` maps each exercise's slug to its address relative to the search page.
    """
    terms: dict[str, dict[str, list[list[int]]]] = defaultdict(lambda: defaultdict(list))
    documents: dict[int, list[dict]] = defaultdict(list)
    for number, exercise in enumerate(exercises):
        for term, weight in _weighted_terms(exercise):
            terms[shard_of(term)][term].append([number, weight])
        documents[number // DOCUMENTS_PER_SHARD].append(
            {"title": exercise.title, "url": links[exercise.slug], "summary": exercise.summary})
    return ({shard: dict(sorted(entries.items())) for shard, entries in sorted(terms.items())},
            dict(sorted(documents.items())))
