"""Markdown bodies: HTML for pages, and the numbered steps that pages and print sheets show."""

from __future__ import annotations

import hashlib
import html
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from .cache import GenerationCache
from .markdown_speedup import EXTENSIONS, PLAIN_EXTENSIONS, quicken, uses_extra


@dataclass(frozen=True)
class RenderedBody:
    html: str
    steps: tuple[str, ...]


class _StepsTreeprocessor(Treeprocessor):
    """Marks the body's first top-level numbered list as the steps and keeps each step's HTML."""

    def run(self, root: etree.Element) -> None:
        self.steps: list[str] = []
        steps_list = next((child for child in root if child.tag == "ol"), None)
        if steps_list is None:
            return
        steps_list.set("class", "steps")
        for item in steps_list:
            self.steps.append(self.md.serializer(item))


class _StepsExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # After the inline patterns (priority 20) so that a step's emphasis and links are rendered.
        md.treeprocessors.register(_StepsTreeprocessor(md), "exguide-steps", 5)


class BodyRenderer:
    """Converts Markdown bodies; one instance serves a build, and the builds after it from its cache."""

    def __init__(self) -> None:
        self._full = _markdown(EXTENSIONS)
        self._plain = _markdown(PLAIN_EXTENSIONS)  # for the bodies that do not use "extra"
        self.cache: GenerationCache[RenderedBody] = GenerationCache()

    def render(self, text: str) -> RenderedBody:
        # Keyed by a digest of the text, so that the cache kept on disk between builds stays small.
        key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
        return self.cache.get(key, lambda: self._convert(text))

    def _convert(self, text: str) -> RenderedBody:
        converter = self._full if uses_extra(text) else self._plain
        converter.reset()
        found = converter.treeprocessors["exguide-steps"]
        found.steps = []  # convert() skips the tree processors for blank text
        html = converter.convert(text)
        steps = tuple(_finish(converter, step) for step in found.steps)
        return RenderedBody(html, steps)


def _markdown(extensions: list[str]) -> markdown.Markdown:
    converter = markdown.Markdown(extensions=[*extensions, _StepsExtension()], output_format="html")
    quicken(converter)
    return converter


def _finish(converter: markdown.Markdown, item_html: str) -> str:
    """A step's inner HTML, with the post-processing `convert` gives the whole body."""
    inner = re.sub(r"^<li>|</li>$", "", item_html.strip())
    for processor in converter.postprocessors:
        inner = processor.run(inner)
    return inner.strip()


def plain_text(fragment: str) -> str:
    """The text of an HTML fragment, such as a step, without its markup."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))
