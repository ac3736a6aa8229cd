"""Stage 1, read and parse: files become source documents that remember their line numbers."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Collection

import yaml
from frontmatter.default_handlers import YAMLHandler

from .cache import GenerationCache
from .pictures import PictureReader
from .problems import ContentError, Problem

_FRONT_MATTER = YAMLHandler()
# libyaml's loader, when PyYAML was built with it, parses several times faster and keeps the same marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LineMap:
    """Where each key and list item of a YAML document stands in its file.

    The map is made when a line is first asked for, by composing the YAML text again: only a mistake asks,
    and made for every file it took 2.5 kB each, 26 MB of a 10,000-exercise build's memory."""

    def __init__(self, first_line: int, text: str = "") -> None:
        self.first_line = first_line
        self._text = text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LineMap) and (self.first_line, self._text) == (other.first_line, other._text)

    @cached_property
    def lines(self) -> dict[tuple, int]:
        lines: dict[tuple, int] = {}
        loader = _LOADER(self._text)
        try:
            node = loader.get_single_node()  # the text was parsed without an error once already
        finally:
            loader.dispose()
        if node is not None:
            _map_lines(node, (), lines, self.first_line)
        return lines

    def line_of(self, location: tuple) -> int:
        """The line of the deepest known part of `location` (a key path)."""
        for depth in range(len(location), 0, -1):
            if location[:depth] in self.lines:
                return self.lines[location[:depth]]
        return self.first_line


@dataclass(frozen=True)
class SourceDocument:
    """A parsed file: its YAML data, its Markdown body, and where each part came from."""

    path: Path
    data: Any
    lines: LineMap
    body: str = ""
    body_line: int = 1
    digest: bytes = b""  # of the file's bytes: what everything made from the document is keyed by


class SourceReader:
    """Reads content files, and parses again only the files whose bytes changed since the last build.

    While a watcher reports every change (`serve`), it does not even read the files that were not reported,
    nor list the folders again until a file appears or goes.
    """

    def __init__(self) -> None:
        self.cache: GenerationCache[SourceDocument | ContentError] = GenerationCache()
        self.pictures = PictureReader()
        self._by_path: dict[Path, SourceDocument | ContentError] = {}  # while changes are reported
        self._listings: dict[tuple[Path, str], tuple[Path, ...]] = {}
        self._listed: dict[str, Path] = {}  # each listed file by its real absolute path
        self._roots: tuple[str, ...] = ()  # the real paths of the folders listed, each with a final slash
        self._read_all: dict[int, _ReadListing] = {}  # what `markdown_all` read from each listing, by its id

    def changed(self, paths: Collection[str] | None) -> None:
        """Start a build. `paths` are what a watcher saw change since the last build (absolute), or None
        when nobody watched: then every file is listed and read again."""
        if paths is None:
            self._by_path.clear()
            self._forget_listings()
            return
        relist = unplaced = False
        for path in paths:
            real = os.path.realpath(path)
            listed = self._listed.get(path) or self._listed.get(real)
            if listed is not None:
                self._by_path.pop(listed, None)
                for read in self._read_all.values():
                    read.stale.add(listed)
                relist = relist or not os.path.isfile(path)
            else:  # a file or a folder appeared, or something not in the folders read (an editor's swap file)
                relist = True
                unplaced = unplaced or not real.startswith(self._roots)
        if unplaced:  # a path we cannot place, such as one through a link: read everything again
            self._by_path.clear()
            self._read_all.clear()
        if relist:
            self._forget_listings()

    def _forget_listings(self) -> None:
        self._listings.clear()
        self._read_all.clear()
        self._listed = {path: listed for path, listed in self._listed.items() if listed.suffix == ".yaml"}

    def files(self, folder: Path, suffix: str = "") -> tuple[Path, ...]:
        """The files under `folder` whose names end with `suffix`, in path order."""
        key = (folder, suffix)
        if key not in self._listings:
            root = os.path.realpath(folder)
            self._roots = tuple({*self._roots, root + os.sep})
            found: list[tuple[str, Path]] = []
            for parent, directories, names in os.walk(folder):
                directories.sort()
                relative = os.path.relpath(parent, folder)
                for name in names:
                    if name.endswith(suffix):
                        inside = name if relative == "." else f"{relative}/{name}"
                        path = folder / inside
                        found.append((inside, path))
                        self._listed[os.path.join(root, inside)] = path
            found.sort(key=lambda item: item[0].split("/"))  # as paths sort: folder by folder
            self._listings[key] = tuple(path for _, path in found)
        return self._listings[key]

    def markdown(self, path: Path) -> SourceDocument:
        outcome = self._outcome(path, parse_markdown_text)
        if isinstance(outcome, ContentError):
            raise ContentError(outcome.problems)
        return outcome

    def markdown_all(self, paths: tuple[Path, ...]) -> tuple[SourceDocument | ContentError, ...]:
        """The document of each file of a listing from `files`, or the error reading it gave.

        While a watcher reports the changes, only the files it named are looked at again, not the listing."""
        read = self._read_all.get(id(paths))
        if read is None or read.paths is not paths:
            read = self._read_all[id(paths)] = _ReadListing(
                paths, tuple(self._outcome(path, parse_markdown_text) for path in paths))
        elif read.stale:
            outcomes = list(read.outcomes)
            for path in read.stale:
                if path in read.places:
                    outcomes[read.places[path]] = self._outcome(path, parse_markdown_text)
            read.outcomes, read.stale = tuple(outcomes), set()
        return read.outcomes

    def yaml(self, path: Path) -> SourceDocument:
        """A YAML file, such as guide.yaml, which the watcher's reports then name too."""
        real = os.path.realpath(path)
        if real not in self._listed:
            self._listed[real] = path
            self._roots = tuple({*self._roots, os.path.dirname(real) + os.sep})
        outcome = self._outcome(path, parse_yaml_text)
        if isinstance(outcome, ContentError):
            raise ContentError(outcome.problems)
        return outcome

    def digests(self) -> dict[Path, bytes]:
        """The digest of each file this build read (or took from a worker), by its path."""
        return {path: digest for path, _, digest in self.cache.in_use()}

    def remember(self, made: dict) -> None:
        """What another reader read and parsed (its `cache.take_made()`), as if this one had: a worker's
        files are not read again here for their digests (5,000 of 10,000 files after `read_in_workers`).
        They are this build's, and the next build's too while they do not change: a build that reads every
        file again (`serve`'s first quiet moment) must find the very same documents, or every exercise made
        from them would be new, and the edit after it would render their pages again."""
        self.cache.remember(made, in_use=True)
        for (path, _, _), outcome in made.items():
            self._by_path.setdefault(path, outcome)

    def _outcome(self, path: Path, parse: Callable[[str, Path], SourceDocument]) -> SourceDocument | ContentError:
        outcome = self._by_path.get(path)
        if outcome is None:
            try:
                raw = _read_bytes(path)
            except ContentError as error:
                return error
            key = (path, parse, hashlib.blake2b(raw, digest_size=16).digest())
            outcome = self.cache.get(key, lambda: _attempt(lambda: replace(parse(decode(raw, path), path),
                                                                           digest=key[2])))
            self._by_path[path] = outcome
        return outcome


@dataclass
class _ReadListing:
    """The outcome of reading each file of one listing, and the files reported changed since."""

    paths: tuple[Path, ...]
    outcomes: tuple[SourceDocument | ContentError, ...]
    stale: set[Path] = field(default_factory=set)

    @cached_property
    def places(self) -> dict[Path, int]:
        return {path: index for index, path in enumerate(self.paths)}


def _attempt(parse: Callable[[], SourceDocument]) -> SourceDocument | ContentError:
    try:
        return parse()
    except ContentError as error:
        return error  # kept, so that an unchanged broken file is reported again without parsing it


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise ContentError([Problem(path, 1, f"the file cannot be read: {error.strerror}")]) from None


def decode(raw: bytes, path: Path) -> str:
    """UTF-8 text, or a content error naming the line of the first byte that is not."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ContentError(
            [Problem(path, line, "the file is not UTF-8 text; save it with the UTF-8 encoding")]
        ) from None


def parse_yaml_text(text: str, path: Path) -> SourceDocument:
    """A whole-YAML file such as guide.yaml or muscles.yaml."""
    data, lines = parse_yaml(text, path, first_line=1)
    return SourceDocument(path, data, lines)


def parse_markdown_text(text: str, path: Path) -> SourceDocument:
    """A Markdown file with YAML front matter between two `---` lines."""
    opening = _FRONT_MATTER.FM_BOUNDARY.match(text)
    if not opening:
        raise ContentError([Problem(path, 1, "the file has no front matter; " + _FIELDS_HINT)])
    try:
        front_matter, body = _FRONT_MATTER.split(text)
    except ValueError:
        raise ContentError(
            [Problem(path, 1, "the front matter is not closed; add a line '---' after its last field")]
        ) from None
    first_line = text[: opening.end()].count("\n") + 1
    if not front_matter.strip():
        raise ContentError([Problem(path, 1, "the front matter is empty; " + _FIELDS_HINT)])
    data, lines = parse_yaml(front_matter, path, first_line)
    body_line = text[: len(text) - len(body.lstrip("\n"))].count("\n") + 1
    return SourceDocument(path, data, lines, body, body_line)


_FIELDS_HINT = "write its fields (such as 'title: ...') between two lines '---' at the top of the file"


def parse_yaml(text: str, path: Path, first_line: int) -> tuple[Any, LineMap]:
    """Load YAML text that starts at `first_line` of `path`, with a map of its lines."""
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        problems: list[Problem] = []
        if node is not None:
            _check_nodes(node, path, first_line)
            _find_repeated_keys(node, path, first_line, problems)  # before a << merge adds keys to its mapping
        if problems:
            raise ContentError(problems)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = first_line + (mark.line if mark else 0)
        raise ContentError([Problem(path, line, f"YAML syntax error: {_yaml_problem(error)}")]) from None
    except yaml.reader.ReaderError as error:  # a character YAML does not allow, such as a control character
        line = first_line + text[: error.position].count("\n")
        raise ContentError([Problem(path, line, f"the character U+{error.character:04X} is not allowed in YAML; "
                                                "remove it")]) from None
    except RecursionError:
        raise ContentError([Problem(path, first_line, "the YAML is nested too deeply; "
                                                      "write it with fewer levels")]) from None
    except ValueError as error:  # a date such as 2024-13-45
        raise ContentError([Problem(path, first_line, f"a value cannot be read ({error}); "
                                                      "put it in quotes if it is text")]) from None
    finally:
        loader.dispose()
    return data, LineMap(first_line, text)


_PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in
                        ("str", "int", "float", "bool", "null", "seq", "map", "timestamp", "merge"))
_INT = "tag:yaml.org,2002:int"
DIGITS_MOST = 100  # Python reads no integer of more than 4,300 digits, and a guide needs a few
NODES_MOST = 10_000  # values that aliases may repeat: a guide needs a few, if any


def _check_nodes(root: yaml.Node, path: Path, first_line: int) -> None:
    """Refuse what YAML allows but a guide never needs, and what would hang or crash the build: tags other than
    the plain ones (a `!!set` has no order), numbers too long to read, an alias inside itself, and aliases that
    repeat more than NODES_MOST values (a few nested ones make millions). A long file without aliases is fine."""
    visits, seen, inside = 0, set(), set()

    def visit(node: yaml.Node) -> None:
        nonlocal visits
        visits += 1
        seen.add(id(node))
        problem = _node_problem(node)
        if problem is None and id(node) in inside:
            problem = "an alias (*name) refers to the value it is inside of"
        if problem is None and visits - len(seen) > NODES_MOST:
            problem = f"the aliases (*name) repeat more than {NODES_MOST:,} values; write the values out instead"
        if problem is not None:
            raise ContentError([Problem(path, first_line + node.start_mark.line, problem)])
        inside.add(id(node))
        for child in [part for pair in node.value for part in pair] if isinstance(node, yaml.MappingNode) else \
                node.value if isinstance(node, yaml.SequenceNode) else ():
            visit(child)
        inside.discard(id(node))

    visit(root)


def _node_problem(node: yaml.Node) -> str | None:
    """What is wrong with one value whatever its place: its tag, or its length as a number."""
    if node.tag not in _PLAIN_TAGS:
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        return f"the YAML tag '{tag}' is not supported; write plain text, numbers, lists (- item) and keys (key: value)"
    if node.tag == _INT and len(node.value) > DIGITS_MOST:
        return f"a number of {len(node.value):,} digits; put it in quotes if it is text"
    return None


# Our own words for the common YAML mistakes, whichever of PyYAML's two parsers reports them.
_YAML_MISTAKES = (
    (("mapping values are not allowed",), "a value contains ': '; put text that contains ': ' in quotes"),
    (("tab character", "'\\t'"), "a tab character; indent with spaces, not tabs"),
    (("expected ',' or ']'",), "a list opened with '[' is not closed with ']'"),
    (("expected ',' or '}'",), "a group opened with '{' is not closed with '}'"),
    (("that cannot start any token",), "a value starts with a character YAML reserves; put the value in quotes"),
    (("unexpected end of stream",), "a quoted value is not closed; end it with the same quote mark"),
)


def _yaml_problem(error: yaml.MarkedYAMLError) -> str:
    problem = error.problem or error.context or "invalid YAML"
    return next((words for patterns, words in _YAML_MISTAKES if any(p in problem for p in patterns)), problem)


def _find_repeated_keys(node: yaml.Node, path: Path, first_line: int, problems: list[Problem]) -> None:
    """A key that appears twice in a mapping below `node` is a problem (YAML would keep the last silently)."""
    if isinstance(node, yaml.MappingNode):
        seen: set = set()
        for key_node, value_node in node.value:
            if key_node.tag not in _KEY_TAGS:
                problems.append(Problem(path, first_line + key_node.start_mark.line,
                                        f"the key '{_key_text(key_node)}' is not a word; write keys such as 'title:'"))
            elif key_node.value in seen:
                problems.append(Problem(path, first_line + key_node.start_mark.line,
                                        f"the key '{key_node.value}' appears twice; keep only one"))
            else:
                seen.add(key_node.value)
            _find_repeated_keys(value_node, path, first_line, problems)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _find_repeated_keys(item, path, first_line, problems)


_KEY_TAGS = frozenset(("tag:yaml.org,2002:str", "tag:yaml.org,2002:merge"))


def _key_text(node: yaml.Node) -> str:
    return node.value if isinstance(node, yaml.ScalarNode) else "[...]" if isinstance(node, yaml.SequenceNode) \
        else "{...}"


def _map_lines(node: yaml.Node, location: tuple, lines: dict, first_line: int) -> None:
    """Record the line of every key and item below `node`."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            lines[location + (key_node.value,)] = first_line + key_node.start_mark.line
            _map_lines(value_node, location + (key_node.value,), lines, first_line)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[location + (index,)] = first_line + item.start_mark.line
            _map_lines(item, location + (index,), lines, first_line)
