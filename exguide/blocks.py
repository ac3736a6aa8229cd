"""Lists of fragments kept on disk from one build to the next, found again by their content.

After one edit, the pages that list every exercise (the booklet, the exercise list, the home page) were most
of a rebuild's work: each was made again whole for one changed item. `serve` keeps their blocks in memory and
finds them again by the identity of their items (see `KeptBlocks` in render.py). A build by the command line
is a new process: it keeps them in the cache folder, and finds a block again by a digest of everything its
text comes from: its items' fingerprints, the list's template with all it uses, the list's own context, and
the page's path and site (which its links depend on).
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import Callable, Collection, Iterator, Sequence

from .fingerprint import DIGEST_SIZE, Fingerprinter, digest_bytes
from .seal import replace_file
from .store import read_pickled_dict
from .templates import TemplateDigests

BLOCK_CUT = 8  # on average, a block ends after one item in this many
LONGEST_BLOCK = 32


def stored_file(folder: Path, page_path: str) -> Path:
    """Where the blocks of the page at `page_path` are kept."""
    return folder / _stored_name(page_path)


def _stored_name(page_path: str) -> str:
    return f"{digest_bytes(page_path.encode())}.pickle"


def keep_only(folder: Path, page_paths: Collection[str]) -> None:
    """Forget the blocks of pages that are gone."""
    wanted = set(map(_stored_name, page_paths))
    for name in os.listdir(folder) if folder.is_dir() else ():
        if name not in wanted:
            (folder / name).unlink(missing_ok=True)


def ends_by_content(digests: Sequence[bytes]) -> Iterator[int]:
    """Where each block ends (exclusive): after an item whose fingerprint says so, or after LONGEST_BLOCK
    items. An item that comes, goes or changes changes the block it is in, and not the blocks after it."""
    since = 0
    for end, digest in enumerate(digests, 1):
        since += 1
        if digest[0] % BLOCK_CUT == 0 or since == LONGEST_BLOCK or end == len(digests):
            yield end
            since = 0


class StoredBlocks:
    """The blocks of one page's lists: those the last build left in `folder`, and those this rendering uses,
    which replace them once the page is made (`save`).

    `fingerprints` and `templates` are those that keyed the page: its items' fingerprints are known already."""

    def __init__(self, folder: Path, page_path: str, page_links: tuple, fingerprints: Fingerprinter,
                 templates: TemplateDigests) -> None:
        """`page_links`: what the page's links depend on besides its path (whether they are absolute, the site)."""
        self._file = stored_file(folder, page_path)
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
            digests = list(map(self._fingerprints.digest, items))
        except TypeError:  # an item it cannot fingerprint: the list is made every time
            return [render(items[start:start + LONGEST_BLOCK]) for start in range(0, len(items), LONGEST_BLOCK)]
        stored = self._read()
        encoded = []
        start = 0
        for end in ends_by_content(digests):
            key = hashlib.blake2b(prefix + b"".join(digests[start:end]), digest_size=DIGEST_SIZE).digest()
            block = stored.get(key) or self._used.get(key) or render(items[start:end])
            self._used[key] = block
            encoded.append(block)
            start = end
        return encoded

    def save(self) -> None:
        """Keep the blocks this rendering used, in place of the last build's, when they are others."""
        if self._stored is None or self._stored.keys() == self._used.keys():
            return
        self._file.parent.mkdir(parents=True, exist_ok=True)
        replace_file(self._file, lambda file: pickle.dump(self._used, file, protocol=pickle.HIGHEST_PROTOCOL))

    def _read(self) -> dict[bytes, bytes]:
        if self._stored is None:
            self._stored = read_pickled_dict(self._file)
        return self._stored
