"""Python-Markdown, faster: the same HTML in about a quarter of the time.

Checked against Python-Markdown CHECKED_WITH. Each speed-up is switched on only where the part of Python-Markdown
it stands in for is the one that was read (a digest of its class and patterns): another version keeps its own
parts, and converts as it always does, only slower. tests/test_units.py converts every sample body, the guides'
bodies and the shared data set's steps with and without each speed-up and asserts the same HTML.

What each one is worth, measured on bodies when it was added: the quick inline passes about 4x; converting
without "extra" what needs none of it a fifth less time; the quick block tests and HTML-block finder 16%.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as etree
from typing import Callable

import markdown
from markdown.blockprocessors import BlockProcessor
from markdown.preprocessors import HtmlBlockPreprocessor
from markdown.treeprocessors import InlineProcessor, Treeprocessor

CHECKED_WITH = "3.11"  # the Python-Markdown version whose parts were read
EXTENSIONS = ["extra", "sane_lists", "smarty"]  # no "toc": its heading ids would repeat in the booklet


def quicken(md: markdown.Markdown) -> list[str]:
    """Put the quick inline passes and block tests in `md`; the names of the parts replaced."""
    return [*quicken_inline_passes(md), *quicken_block_parsing(md)]


# The extensions of "extra" cost a body 5 to 10% of its time each even when they find nothing to do, and most
# bodies use none of them. Each needs one of these marks in the text to do anything: "*[" (abbreviations),
# "{" (attribute lists), a line whose first character after any quote, list and indent marks is ":"
# (definition lists), ``` or ~~~ (fenced code), "[^" (footnotes), "<" (Markdown in HTML) and "|" (tables).
# A body with none of them is converted without "extra", to the same HTML, in a fifth less time.
PLAIN_EXTENSIONS = [name for name in EXTENSIONS if name != "extra"]
_EXTRA_MARKS = ("*[", "{", "```", "~~~", "[^", "<", "|")
_DEFINITION = re.compile(r"^[ \t>*+\-\d.)]*:", re.MULTILINE)


def uses_extra(text: str) -> bool:
    """Whether the extensions of "extra" may change the HTML of `text` (Markdown ends a line at a lone carriage
    return too). Looked for as plain strings first: one regular expression for all took twice as long."""
    text = text.replace("\r", "\n")
    return any(mark in text for mark in _EXTRA_MARKS) or (":" in text and _DEFINITION.search(text) is not None)


# Python-Markdown's two inline passes (its own, and smarty's) try each of their patterns on each piece of
# text, one after the other: most of the time of a body is spent finding that plain prose matches none.
# Every pattern of a pass needs one of a few characters or sequences, listed here for the patterns as they
# were read (a digest of their classes and regular expressions): text without any of them leaves the pass
# as it came in, so it is let through at once. Another Markdown whose patterns differ keeps its own passes.
AUDITED_INLINE_PASSES = {
    # name: (its documented priority, the digests of its patterns with and without "extra", the characters
    # and the sequences that each of them needs to match: as one regular expression, an alternation, the
    # search took twice as long)
    "inline": (20, ("501e59be3f70c71d", "716a4dc45574afdd"), r"[`\\\[<&*_]", ("  \n",)),  # code, escapes,
    # links, images and footnotes, HTML, entities, emphasis; line breaks
    "smarty": (6, ("2391a48326554320",), r"""['"]""", ("...", "--")),  # quotes; ellipses, dashes
}


def patterns_digest(processor: InlineProcessor) -> str:
    """A digest of the patterns an inline pass tries, in the order it tries them."""
    patterns = processor.inlinePatterns
    text = "\n".join(f"{type(patterns[index]).__name__} {patterns[index].getCompiledRegExp().pattern}"
                      for index in range(len(patterns)))
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


class _SetAsidePlainText(Treeprocessor):
    """Runs just before an inline pass: takes out of the tree each text and tail in which none of the pass's
    patterns can match (the pass would give it back as it came), for `_PutBackPlainText` to put back."""

    def __init__(self, md: markdown.Markdown, characters: str, sequences: tuple[str, ...]) -> None:
        super().__init__(md)
        self._search = re.compile(characters).search
        self._sequences = sequences
        self.texts: list[tuple[etree.Element, str]] = []
        self.tails: list[tuple[etree.Element, str]] = []

    def run(self, root: etree.Element) -> None:
        self.texts, self.tails = [], []
        for element in root.iter():
            if self._plain(element.text):
                self.texts.append((element, element.text))
                element.text = None
            if self._plain(element.tail):
                self.tails.append((element, element.tail))
                element.tail = None

    def _plain(self, text: str | None) -> bool:
        return bool(text) and self._search(text) is None and not any(part in text for part in self._sequences)


class _PutBackPlainText(Treeprocessor):
    """Runs just after the inline pass: puts back the text that `_SetAsidePlainText` took out."""

    def __init__(self, md: markdown.Markdown, aside: _SetAsidePlainText) -> None:
        super().__init__(md)
        self._aside = aside

    def run(self, root: etree.Element) -> None:
        for element, text in self._aside.texts:
            element.text = text
        for element, tail in self._aside.tails:
            element.tail = tail
        self._aside.texts, self._aside.tails = [], []


def quicken_inline_passes(md: markdown.Markdown) -> list[str]:
    """Let each audited inline pass of `md` skip the text that it would give back as it came; the names of
    the passes quickened."""
    quickened = []
    for name, (priority, digests, characters, sequences) in AUDITED_INLINE_PASSES.items():
        processor = md.treeprocessors[name] if name in md.treeprocessors else None
        if type(processor) is InlineProcessor and patterns_digest(processor) in digests:
            aside = _SetAsidePlainText(md, characters, sequences)
            md.treeprocessors.register(aside, f"{name}-set-aside", priority + 0.1)
            md.treeprocessors.register(_PutBackPlainText(md, aside), f"{name}-put-back", priority - 0.1)
            quickened.append(name)
    return quickened


# Python-Markdown's block parser tries each block processor's test on each block, in order, until one takes
# it: a paragraph of prose is searched by the regular expressions of headings, rules, quotes and link
# references before it is found to be a paragraph. Each of these processors needs a mark, listed here for
# its patterns as they were read (a digest of its class and regular expressions): a block without the mark
# fails its test without the search. Another Markdown whose processors differ keeps its own tests.
AUDITED_BLOCK_TESTS = {
    # name: (the digest of its processor's patterns, what a block needs for the processor to take it)
    "hashheader": ("2e224eaef27b236d", r"#"),  # a heading's line starts with "#"
    "setextheader": ("ec0fda8436b17bbb", r"\A.*\n[=-]"),  # a second line of "=" or "-"
    "hr": ("f0cbf2f8c9090219", r"(?m)^ {0,3}[-_*]"),  # a line of "-", "_" or "*"
    "quote": ("20f53024feee5313", r">"),  # a quote's line starts with ">"
    "reference": ("296610a6fa80a7aa", r"\]:"),  # "[name]: address"
}


def block_digest(processor: BlockProcessor) -> str:
    """A digest of a block processor's class and of the regular expressions its test and run use."""
    patterns = [getattr(processor, name).pattern for name in ("RE", "SEARCH_RE")
                if isinstance(getattr(processor, name, None), re.Pattern)]
    return hashlib.blake2b(" ".join([type(processor).__name__, *patterns]).encode(), digest_size=8).hexdigest()


def _quick_test(test: Callable[[etree.Element, str], bool], needed: re.Pattern
                ) -> Callable[[etree.Element, str], bool]:
    def quick(parent: etree.Element, block: str) -> bool:
        return needed.search(block) is not None and test(parent, block)
    return quick


class _QuickHtmlBlocks(HtmlBlockPreprocessor):
    """Python-Markdown's finder of raw HTML blocks, which lets text without "<" or "&" through at once: for
    such text, its HTML parser gives back what it was given. (An "&" does change text: "&#169" comes back
    as "&#169;".)"""

    def run(self, lines: list[str]) -> list[str]:
        if not any("<" in line or "&" in line for line in lines):
            return lines
        return super().run(lines)


def quicken_block_parsing(md: markdown.Markdown) -> list[str]:
    """Let blocks that lack their marks skip the audited block tests of `md`, and text without HTML skip the
    search for HTML blocks; the names of those quickened."""
    quickened = []
    for name, (digest, needed) in AUDITED_BLOCK_TESTS.items():
        processor = md.parser.blockprocessors[name] if name in md.parser.blockprocessors else None
        if processor is not None and block_digest(processor) == digest:
            processor.test = _quick_test(processor.test, re.compile(needed))  # type: ignore[method-assign]
            quickened.append(name)
    if "html_block" in md.preprocessors and type(md.preprocessors["html_block"]) is HtmlBlockPreprocessor:
        md.preprocessors.register(_QuickHtmlBlocks(md), "html_block", 20)
        quickened.append("html_block")
    return quickened
