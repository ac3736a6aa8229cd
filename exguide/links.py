"""Links in Markdown bodies, written as authors and editors see them: relative to the Markdown file.

Content files are named by their paths as the build read them (`content/exercises/ankle.md`).

`[the lunge](low-lunge-with-reach.md)` in an exercise, or `![knee](../images/knee.jpg)`, lead to the
exercise's page and to the copied image; the plan rewrites them relative to each page that shows them.
"""

from __future__ import annotations

import posixpath
import re
from typing import Mapping
from urllib.parse import unquote, urlsplit

# Python-Markdown writes every link and image with its address in double quotes.
_ADDRESS = re.compile(r'(<(?:a|img)\b[^>]*?\s(?:href|src)=")([^"]*)(")')


def is_local(address: str) -> bool:
    """A link within the guide: no scheme or host, not an anchor of the same page, not site-absolute."""
    parts = urlsplit(address)
    return not (parts.scheme or parts.netloc or address.startswith(("#", "/")) or not parts.path)


def target_of(address: str, source: str) -> str:
    """The path of the file a local link in the file `source` leads to (both POSIX paths)."""
    folder = posixpath.dirname(source)
    return posixpath.normpath(posixpath.join(folder, unquote(urlsplit(address).path)))


def relative_url(from_path: str, to_path: str) -> str:
    """A link from one output file to another that works on any server sub-path and from disk.

    Both are normalised site paths, so this is posixpath.relpath without its look at the working folder,
    which made it the slowest part of rendering link-heavy pages.
    """
    folder, target = from_path.split("/")[:-1], to_path.split("/")
    common = 0
    while common < len(folder) and common < len(target) - 1 and folder[common] == target[common]:
        common += 1
    return "/".join([".."] * (len(folder) - common) + target[common:])


def rewrite(html: str, source: str, page_path: str, site_paths: Mapping[str, str]) -> str:
    """`html` with each local link that leads to a content file pointed at its place in the site."""
    def rewritten(match: re.Match) -> str:
        address = match.group(2)
        if not is_local(address):
            return match.group(0)
        target = site_paths.get(target_of(address, source))
        if target is None:
            return match.group(0)  # `check` reports it
        target_path, _, target_fragment = target.partition("#")  # a target may be a section of a page
        fragment = target_fragment or urlsplit(address).fragment
        link = "" if target_path == page_path else relative_url(page_path, target_path)
        return match.group(1) + link + (f"#{fragment}" if fragment else "") + match.group(3)
    return _ADDRESS.sub(rewritten, html)


def link_targets(html: str, source: str) -> tuple[str, ...]:
    """The content paths the local links and images of `html` lead to, each once: all `rewrite` looks up."""
    return tuple(dict.fromkeys(target_of(address, source) for address in (m.group(2) for m in _ADDRESS.finditer(html))
                               if is_local(address)))


def broken(html: str, source: str, site_paths: Mapping[str, str]) -> list[str]:
    """The local links and images of `html` that lead to no content file."""
    return [address for address in (m.group(2) for m in _ADDRESS.finditer(html))
            if is_local(address) and target_of(address, source) not in site_paths]
