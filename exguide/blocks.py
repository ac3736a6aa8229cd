"""Lists of fragments kept from one build to the next, found again by their content.

After one edit, the pages that list every exercise (the booklet, the exercise list, the home page) were most
of a rebuild's work: each was made again whole for one changed item. So a list is cut into blocks, and a
block is found again by a digest of everything its text comes from: its items' digests, the list's template
with all it uses, the list's own context, and the page's path and site (which its links depend on). Where
a block ends depends on its items' digests, not their places: an item that comes, goes or changes changes
the block it is in, not those after it. `serve` keeps the blocks in memory (`MemoryBlocks`); a build by the
command line, a new process, keeps them in the cache folder (`FolderBlocks`).
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from itertools import compress, repeat
from operator import add, attrgetter, itemgetter
from typing import Callable, Collection, Mapping, Sequence

from .fingerprint import Fingerprinter, digest_bytes
from .seal import replace_file
from .store import read_pickled_dict

BLOCK_CUT = 8  # on average, a block ends after one item in this many
LONGEST_BLOCK = 32


Blocks = dict[bytes, bytes]  # a page's blocks, by their keys


class FolderBlocks:
    """Each page's blocks in a sealed file of its own in `folder`, for a build in another process."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def load(self, page_path: str) -> Blocks:
        return read_pickled_dict(self.folder / _stored_name(page_path))

    def save(self, page_path: str, blocks: Blocks) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        replace_file(self.folder / _stored_name(page_path),
                     lambda file: pickle.dump(blocks, file, protocol=pickle.HIGHEST_PROTOCOL))

    def keep_only(self, page_paths: Collection[str]) -> None:
        """Forget the blocks of pages that are gone."""
        wanted = set(map(_stored_name, page_paths))
        for name in os.listdir(self.folder) if self.folder.is_dir() else ():
            if name not in wanted:
                (self.folder / name).unlink(missing_ok=True)


def _stored_name(page_path: str) -> str:
    return f"{digest_bytes(page_path.encode())}.pickle"


class MemoryBlocks:
    """Each page's blocks, kept in memory by `serve` from one rebuild to the next."""

    def __init__(self) -> None:
        self._pages: dict[str, Blocks] = {}

    def load(self, page_path: str) -> Blocks:
        return self._pages.get(page_path, {})

    def save(self, page_path: str, blocks: Blocks) -> None:
        self._pages[page_path] = blocks

    def keeps(self, page_path: str) -> bool:
        """Whether the page at `page_path` kept blocks the last time it rendered."""
        return page_path in self._pages

    def keep_only(self, page_paths: Collection[str]) -> None:
        for gone in set(self._pages).difference(page_paths):
            del self._pages[gone]


# A block ends after an item whose digest starts with a byte under 256 / BLOCK_CUT: one item in BLOCK_CUT.
_ENDS_BLOCK = bytes(int(byte < 256 // BLOCK_CUT) for byte in range(256))


def ends_by_content(digests: Sequence[bytes]) -> list[int]:
    """Where each block ends (exclusive): after an item whose digest says so, or after LONGEST_BLOCK items.
    An item that comes, goes or changes changes the block it is in, and not the blocks after it. (With map
    and translate, at the speed of C: serve cuts lists of ten thousand after every edit.)"""
    count = len(digests)
    flags = bytes(map(itemgetter(0), digests)).translate(_ENDS_BLOCK)
    cuts = list(map(add, compress(range(count), flags), repeat(1)))
    if count and (not cuts or cuts[-1] != count):
        cuts.append(count)
    ends: list[int] = []
    start = 0
    for cut in cuts:
        ends.extend(range(start + LONGEST_BLOCK, cut, LONGEST_BLOCK))  # a run too long is cut every LONGEST_BLOCK
        ends.append(cut)
        start = cut
    return ends


def unkept_blocks(items: tuple, render: Callable[[tuple], bytes]) -> list[bytes]:
    """The blocks of `items`, each rendered, for a list that nothing keeps (or that cannot be fingerprinted)."""
    return [render(items[start:start + LONGEST_BLOCK]) for start in range(0, len(items), LONGEST_BLOCK)]


class StoredBlocks:
    """The blocks of one page's lists: those the last rendering left in the `store`, and those this rendering
    uses, which replace them once the page is made (`save`)."""

    def __init__(self, store: FolderBlocks | MemoryBlocks, page_path: str, page_links: tuple,
                 fingerprints: Fingerprinter, templates: Mapping[str, str]) -> None:
        """`page_links`: what the page's links depend on besides its path (whether they are absolute, the site);
        `templates`: each template's digest with all it uses."""
        self._store, self._path = store, page_path
        self._page = (page_path, *page_links)
        self._fingerprints = fingerprints
        self._templates = templates
        self._stored: dict[bytes, bytes] | None = None  # read when a list first asks
        self._used: dict[bytes, bytes] = {}

    def blocks(self, template_name: str, list_key: tuple, items: tuple, render: Callable[[tuple], bytes]
               ) -> list[bytes]:
        """Each block of `items`, each rendered by `render` unless the last build kept it."""
        try:
            prefix = self._fingerprints.digest((self._templates[template_name], self._page, list_key))
            digests = self._item_digests(items)
        except TypeError:  # an item it cannot fingerprint: the list is made every time
            return unkept_blocks(items, render)
        stored = self._read()
        encoded = []
        start = 0
        for end in ends_by_content(digests):
            key = prefix + b"".join(digests[start:end])  # the digests themselves: no hash to compute
            block = stored.get(key) or self._used.get(key) or render(items[start:end])
            self._used[key] = block
            encoded.append(block)
            start = end
        return encoded

    def _item_digests(self, items: tuple) -> list[bytes]:
        """Each item's digest: the one it carries (an exercise, or what wraps one), else its fingerprint."""
        try:
            digests = list(map(attrgetter("digest"), items))
        except AttributeError:
            digests = [b""] * len(items)
        return digests if all(digests) else [digest or self._fingerprints.digest(item)
                                             for digest, item in zip(digests, items)]

    def save(self) -> None:
        """Keep the blocks this rendering used, in place of the last rendering's, when they are others."""
        if self._stored is not None and self._stored.keys() != self._used.keys():
            self._store.save(self._path, self._used)

    def _read(self) -> Blocks:
        if self._stored is None:
            self._stored = self._store.load(self._path)
        return self._stored
