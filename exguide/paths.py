"""The site's paths and the types the plan is made of: each page's path, the one owner of output paths.

Templates link through `url()`, which asks `path_of` for the path of whatever they name: an exercise, a
muscle group, a routine, a piece of equipment, or one of the `pages` there is one of.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from functools import cached_property, singledispatch
from operator import attrgetter, methodcaller
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Mapping

from jinja2.utils import htmlsafe_json_dumps
from slugify import slugify

from .model import Exercise, MuscleGroup, Routine, digest_of
from .pictures import Picture
from .schema import GuideConfig


@dataclass(frozen=True)
class Page:
    """One page: its output path (POSIX, relative to the site), template, and what its context is made from.

    `inputs` are all the page is made from besides its template and the program: the page is keyed by their
    digests (see fingerprint.Fingerprinter.inputs_digest), and rendered again only when they change. Its
    context is `make(**inputs)`, made when the page renders, or the inputs themselves. `make` is a function
    of the module (no closure): it sees the inputs and nothing else, so nothing can be left out of the key.
    """

    path: str
    template: str
    inputs: Mapping[str, Any] = field(default_factory=dict)
    make: Callable[..., Mapping[str, Any]] | None = None
    absolute_links: bool = False  # for a page served at any address, such as 404.html

    @property
    def context(self) -> Mapping[str, Any]:
        """The template's context, made anew: a page made in a worker is not kept in the parent's memory."""
        return self.inputs if self.make is None else self.make(**self.inputs)


@dataclass(frozen=True)
class StaticFile:
    """A file of the site made from one file: copied as it is, or one of a picture's files."""

    path: str
    source: Path
    picture: Picture | None = None


@dataclass(frozen=True)
class SitePlan:
    pages: tuple[Page, ...]
    static_files: tuple[StaticFile, ...]
    links: Mapping[str, str] = field(default_factory=dict)  # content file's path → its place in the site
    pdf_paths: tuple[str, ...] = ()  # where the routines' PDFs go, when the build makes them

    @property
    def html_pages(self) -> int:
        return sum(map(methodcaller("endswith", ".html"), map(attrgetter("path"), self.pages)))


HOME = "index.html"
MUSCLES_INDEX = "muscles/index.html"
BOOKLET = "print/index.html"
CUSTOM_ROUTINE = "routines/custom/index.html"
CUSTOM_ROUTINE_DATA = "assets/exercises-data.js"
EXERCISE_INDEX = "exercises/index.html"
EQUIPMENT_INDEX = "equipment/index.html"
SEARCH = "search/index.html"
ROUTINE_TEMPLATE = "routine.html"  # the pages with a print sheet


@dataclass(frozen=True)
class SitePages:
    """The pages there is one of, by name, for templates to link to (`url(pages.muscles)`) without writing
    their paths, which this module owns."""

    home: str = HOME
    muscles: str = MUSCLES_INDEX
    exercises: str = EXERCISE_INDEX
    equipment: str = EQUIPMENT_INDEX
    search: str = SEARCH
    booklet: str = BOOKLET
    custom_routine: str = CUSTOM_ROUTINE


PAGES = SitePages()
NO_EQUIPMENT = "none"  # the equipment filter's value for exercises that need none


@singledispatch
def path_of(target: Any) -> str:
    """The output path of a page's subject, or of a site path given as a string."""
    if isinstance(target, str):
        return target
    raise TypeError(f"no page for {target!r}")


@path_of.register
def _(target: Exercise) -> str:
    return f"exercises/{target.slug}/index.html"


@path_of.register
def _(target: MuscleGroup) -> str:
    return f"muscles/{target.slug}/index.html"


@path_of.register
def _(target: Routine) -> str:
    return f"routines/{target.slug}/index.html"


@dataclass(frozen=True)
class EquipmentPiece:
    """A piece of equipment, as exercises name it (NO_EQUIPMENT: none at all), and the exercises that use it."""

    slug: str
    name: str
    exercises: tuple[Exercise, ...] = ()

    @cached_property
    def digest(self) -> bytes:
        """All the piece's page is made from: its slug, its name and its exercises."""
        return digest_of(json.dumps((self.slug, self.name)).encode(), self.exercises)


@path_of.register
def _(target: EquipmentPiece) -> str:
    return f"equipment/{target.slug}/index.html"


def equipment_piece(name: str) -> EquipmentPiece:
    """The page of the equipment an exercise names, for templates to link to: `url(equipment(name))`."""
    return EquipmentPiece(equipment_slug(name), name)


def equipment_slug(name: str) -> str:
    """The slug of a piece of equipment's page; a name without letters or digits (or "None") is no equipment."""
    return value_slug(name) or NO_EQUIPMENT


@functools.lru_cache(maxsize=4096)
def value_slug(text: str) -> str:
    """A filter value's slug: the same few equipment names and positions come back thousands of times."""
    return slugify(text)


def pdf_path(routine: Routine, paper: str) -> str:
    """Where a routine's one-page PDF goes: routines/<slug>.pdf for A4, routines/<slug>-letter.pdf."""
    return f"routines/{routine.slug}{'' if paper == 'A4' else '-' + paper.lower()}.pdf"


PDF_PAPERS = ("A4", "Letter")


def public_url(site: GuideConfig, site_path: str) -> str | None:
    """The page's web address when the guide says where it is published (directory URLs)."""
    if not site.base_url:
        return None
    return site.base_url.rstrip("/") + "/" + site_path.removesuffix("index.html")


def script_json(data: object) -> str:
    """Data as JSON that is safe inside a script, and as a string, so that the page that carries it
    is cached like any other while the data does not change."""
    return str(htmlsafe_json_dumps(data, sort_keys=True))


def frozen_context(**context: Any) -> Mapping[str, Any]:
    """A page's template context, read-only."""
    return MappingProxyType(context)
