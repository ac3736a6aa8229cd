"""Stage 4, plan: which pages the guide has, where each one goes, and how pages link to each other.

This module is the one owner of output paths; templates ask it for links through `url()`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from functools import singledispatch
from itertools import chain, repeat
from operator import attrgetter, methodcaller
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Iterator, Mapping, Sequence

from jinja2.utils import htmlsafe_json_dumps
from slugify import slugify

from .body import plain_text
from .cache import Memo
from .fingerprint import Fingerprinter
from .links import link_targets, relative_url, rewrite
from .model import Exercise, Guide, GroupListing, MuscleGroup, Routine
from .problems import ContentError, Problem
from .schema import ExerciseMeta, GuideConfig, editor_schemas
from .search import DOCUMENTS_PER_SHARD, KeptWeights, Postings, SearchIndex, shard_script_json, term_script_json
from .sheet import custom_routine_entry, custom_routine_layout, plan_sheet


@dataclass(frozen=True)
class Page:
    """One page: its output path (POSIX, relative to the site), template and context."""

    path: str
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    absolute_links: bool = False  # for a page served at any address, such as 404.html


@dataclass(frozen=True)
class StaticFile:
    """A file copied as it is into the site."""

    path: str
    source: Path


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
# A bigger guide's home page links to the list of all exercises instead of showing every card: with 10,000
# exercises it was 3 MB, for a page that readers open first, often on a phone.
HOME_EXERCISES_MOST = 100
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


@path_of.register
def _(target: EquipmentPiece) -> str:
    return f"equipment/{target.slug}/index.html"


def equipment_piece(name: str) -> EquipmentPiece:
    """The page of the equipment an exercise names, for templates to link to: `url(equipment(name))`."""
    return EquipmentPiece(value_slug(name) or NO_EQUIPMENT, name)


def equipment_pieces(exercises: tuple[Exercise, ...], equipment_each: Sequence[tuple] | None = None
                     ) -> tuple[EquipmentPiece, ...]:
    """Each piece of equipment the exercises use, by name, after "No equipment"; each with its exercises in
    their order. Names that differ only in case or accents are one piece, named as the first in order.
    `equipment_each`: `equipment_of` each exercise, when the caller keeps them."""
    names: dict[str, set[str]] = {NO_EQUIPMENT: {"No equipment"}}
    using: dict[str, list[Exercise]] = {NO_EQUIPMENT: []}
    for exercise, equipment in zip(exercises, equipment_each or map(equipment_of, exercises)):
        for slug, item in equipment:
            names.setdefault(slug, set()).add(item)
        for slug in dict.fromkeys(slug for slug, _ in equipment) or (NO_EQUIPMENT,):
            using.setdefault(slug, []).append(exercise)
    pieces = [EquipmentPiece(slug, min(names[slug], key=lambda name: (name.casefold(), name)), tuple(found))
              for slug, found in using.items() if slug != NO_EQUIPMENT]
    return (EquipmentPiece(NO_EQUIPMENT, "No equipment", tuple(using[NO_EQUIPMENT])),
            *sorted(pieces, key=lambda piece: (piece.name.casefold(), piece.slug)))


def equipment_of(exercise: Exercise) -> tuple[tuple[str, str], ...]:
    """The pieces of equipment an exercise names, as (slug, name)."""
    return tuple((value_slug(item) or NO_EQUIPMENT, item) for item in exercise.equipment)


def pdf_path(routine: Routine, paper: str) -> str:
    """Where a routine's one-page PDF goes: routines/<slug>.pdf for A4, routines/<slug>-letter.pdf."""
    return f"routines/{routine.slug}{'' if paper == 'A4' else '-' + paper.lower()}.pdf"


PDF_PAPERS = ("A4", "Letter")


def plan_site(guide: Guide, asset_dir: Path, pdfs: bool = False, memo: Memo | None = None, workers: int = 1,
              search_weights: KeptWeights | None = None, search_index: SearchIndex | None = None) -> SitePlan:
    """Every page and static file of the guide; two things meant for one path are an error.

    With a `memo` kept from the last build, a page whose inputs are the same objects as then is the same
    Page object again, so that later stages can tell it did not change by identity. The search index is
    made in `workers` processes, or taken from the `search_weights` another process left; a `search_index`
    given is the one brought up to date (see KeptExercises), else the memo keeps one.
    """
    memo = memo or Memo()
    _check_reserved(guide)
    static = _static_files(guide, asset_dir)
    links = memo.same("links", site_paths(guide, memo))
    site = guide.config
    listings = tuple(memo.same(("listing", listing.group.slug), listing) for listing in guide.listings)
    pages = (
        *_guide_pages(guide, links, listings, memo),
        *_search_index_pages(guide, memo, workers, search_weights, search_index),
        *_schema_pages(guide, memo),
        *_exercise_pages(guide, links, memo),
        *(memo.get((_group_page, site, listing), lambda: _group_page(site, listing))
          for listing in listings if listing.is_worked),
        *_equipment_pages(guide, memo),
        *(memo.get((routine_page, site, routine, places, pdfs), lambda: routine_page(site, routine, places.paths,
                                                                                   pdfs=pdfs))
          for routine, places in zip(guide.routines, _routine_links(guide.routines, links, memo))),
    )
    if site.base_url:
        addresses = memo.same(_published_site_pages, tuple(page.path for page in pages if page.path.endswith(".html")))
        pages += memo.get((_published_site_pages, site, addresses), lambda: _published_site_pages(site, addresses))
    pdf_files = tuple(pdf_path(r, paper) for r in guide.routines for paper in PDF_PAPERS) if pdfs else ()
    _check_unique([p.path for p in pages] + [s.path for s in static] + list(pdf_files), guide.content_dir)
    return SitePlan(pages, static, links, pdf_files)


def _static_files(guide: Guide, asset_dir: Path) -> tuple[StaticFile, ...]:
    """The templates' assets and the content's pictures, copied as they are."""
    return (
        *(StaticFile("assets/" + p.relative_to(asset_dir).as_posix(), p) for p in _files(asset_dir)),
        *(StaticFile(p.relative_to(guide.content_dir).as_posix(), p) for p in guide.static_files),
    )


def _guide_pages(guide: Guide, links: Mapping[str, str], listings: tuple[GroupListing, ...], memo: Memo
                 ) -> tuple[Page, ...]:
    """The pages there is one of: home, the muscles' and exercises' indexes, search, the booklet and the
    build-your-own routine with its data."""
    site = guide.config
    return (
        memo.get((HOME, guide, links), lambda: Page(HOME, "home.html", frozen_context(
            site=site, guide=guide, introduction_html=rewrite(
                guide.introduction_html, (guide.content_dir / "guide.yaml").as_posix(), HOME, links),
            home_exercises=guide.exercises if len(guide.exercises) <= HOME_EXERCISES_MOST else None))),
        memo.get((MUSCLES_INDEX, site, *listings), lambda: Page(MUSCLES_INDEX, "muscles.html", frozen_context(
            site=site, regions=guide.regions,
            map_links=tuple((listing.group.slug, listing.group) for listing in guide.listings if listing.is_worked)))),
        memo.get((EXERCISE_INDEX, site, guide.exercises, *listings), lambda: _exercise_index(guide, memo)),
        memo.get((SEARCH, site), lambda: Page(SEARCH, "search.html", frozen_context(
            site=site, documents_per_shard=DOCUMENTS_PER_SHARD))),
        memo.get((BOOKLET, guide, links), lambda: _booklet(guide, links, memo)),
        memo.get((CUSTOM_ROUTINE, site), lambda: Page(CUSTOM_ROUTINE, "custom.html", frozen_context(site=site))),
        memo.get((CUSTOM_ROUTINE_DATA, guide.exercises), lambda: _custom_routine_data(guide, memo)),
    )


def _search_index_pages(guide: Guide, memo: Memo, workers: int, kept: KeptWeights | None = None,
                        index: SearchIndex | None = None) -> list[Page]:
    """assets/search/terms-<shard>.js and docs-<n>.js: the search index, a small script a file.

    Documents are numbered in the order of the exercises' slugs, which a retitle does not change: numbered in
    the title order, a retitled exercise that moved renumbered every one between its two places, and the
    whole index was made again (0.5 s of serve's 0.6 s rebuild on the free-exercise-db guide of 10,000).
    Each shard's page is found again in the memo while its entries are equal, so that an edit re-renders
    only the shards it touches."""
    if index is None:
        index = memo.get((SearchIndex,), SearchIndex)  # kept from build to build while the memo is
    in_slug_order = memo.get((_search_index_pages, guide.exercises),
                             lambda: tuple(sorted(guide.exercises, key=attrgetter("slug"))))
    index.update(in_slug_order, _exercise_links(guide, SEARCH, memo), workers, kept)
    return [
        *(memo.get((SearchIndex, "terms", shard, entries), lambda: _terms_page(shard, entries, memo))
          for shard, entries in index.terms.items()),
        *(memo.get((SearchIndex, "docs", number, entries), lambda: Page(
            f"assets/search/docs-{number}.js", "search-shard.js",
            frozen_context(kind="docs", shard=str(number), data=script_json(entries))))
          for number, entries in index.documents.items()),
    ]


def _terms_page(shard: str, entries: dict[str, Postings], memo: Memo) -> Page:
    """A shard of the index's terms, keyed by its postings: the text of them all, half a million at 10,000
    exercises, was made in every build only to find the one or two shards an edit changed. The text of each
    term is kept while its postings are the same object (in serve, where a big shard's took 10 ms a save)."""
    def each_term(terms: list[str], postings: list[Postings]) -> tuple[str, ...]:
        return memo.each((_terms_page, shard), term_script_json, (terms, postings))

    return Page(f"assets/search/terms-{shard}.js", "search-shard.js", LazyContext(
        lambda: frozen_context(kind="terms", shard=shard, data=shard_script_json(entries, each_term)),
        lambda: ("terms", shard, entries)))


def _exercise_links(guide: Guide, from_path: str, memo: Memo) -> dict[str, str]:
    """Each exercise's address relative to the page at `from_path`, by slug, for data that scripts read."""
    links = memo.each((_exercise_links, from_path), lambda e: (e.slug, relative_url(from_path, path_of(e))),
                      (guide.exercises,))
    return memo.same((_exercise_links, from_path), dict(links))


@dataclass(frozen=True)
class Filter:
    """One of the exercise list's filters: the facet it reads and the choices it offers."""

    name: str
    label: str
    choices: tuple[tuple[str, str], ...]  # (value, label)


@functools.lru_cache(maxsize=4096)
def value_slug(text: str) -> str:
    """A filter value's slug: the same few equipment names and positions come back thousands of times."""
    return slugify(text)


def exercise_facets(exercise: Exercise) -> tuple[tuple[str, str], ...]:
    """The values an exercise offers each filter, space-separated where it has several."""
    groups = (*exercise.primary_groups, *exercise.secondary_groups)
    return (
        ("muscle", " ".join(group.slug for group in groups)),
        ("equipment", " ".join(value_slug(item) for item in exercise.equipment) or NO_EQUIPMENT),
        ("level", exercise.level or ""),
        ("category", exercise.category or ""),
        ("position", value_slug(exercise.position or "")),
    )


def exercise_filters(guide: Guide) -> tuple[Filter, ...]:
    exercises = guide.exercises  # ten thousand, after every edit: hence map, which runs at the speed of C
    items = set(chain.from_iterable(map(attrgetter("equipment"), exercises)))
    equipment = sorted(((value_slug(item), item) for item in items), key=lambda choice: choice[1].casefold())
    positions = sorted((value_slug(p), p) for p in set(map(attrgetter("position"), exercises)) if p)
    used = {*map(attrgetter("level"), exercises), *map(attrgetter("category"), exercises)}
    return (
        Filter("muscle", "Muscle group", tuple((l.group.slug, l.group.name) for l in guide.listings if l.is_worked)),
        Filter("equipment", "Equipment", ((NO_EQUIPMENT, "No equipment"), *equipment)),
        Filter("level", "Level", tuple((v, v.capitalize()) for v in ExerciseMeta.LEVELS if v in used)),
        Filter("category", "Type", tuple((v, v.capitalize()) for v in ExerciseMeta.CATEGORIES if v in used)),
        Filter("position", "Position", tuple((value, label.capitalize()) for value, label in positions)),
    )


@dataclass(frozen=True, eq=False)
class ExerciseRow:
    """An exercise in the exercise list, which its card shows with the values its filters read. Those are made
    from the exercise as the card renders, so that a row's fingerprint is its exercise's alone: walking the
    facets of 10,000 rows to key the list and find its kept blocks fed 360,000 values after one edit."""

    exercise: Exercise

    @functools.cached_property
    def digest(self) -> bytes:
        """What the row is made from: its exercise (see blocks.py)."""
        return self.exercise.digest

    @property
    def facets(self) -> tuple[tuple[str, str], ...]:
        return exercise_facets(self.exercise)

    def __iter__(self) -> Iterator[Any]:
        """The row as the card's (exercise, facets)."""
        return iter((self.exercise, self.facets))


def _exercise_index(guide: Guide, memo: Memo) -> Page:
    rows = memo.each(ExerciseRow, ExerciseRow, (guide.exercises,))
    return Page(EXERCISE_INDEX, "exercises.html",
                frozen_context(site=guide.config, rows=rows, filters=exercise_filters(guide)))


def _published_site_pages(site: GuideConfig, html_paths: tuple[str, ...]) -> tuple[Page, ...]:
    """What a site published at base_url also needs: a sitemap, robots.txt and a page for missing ones."""
    return (
        Page("sitemap.xml", "sitemap.xml", frozen_context(addresses=tuple(public_url(site, p) for p in html_paths))),
        Page("robots.txt", "robots.txt", frozen_context(sitemap=public_url(site, "sitemap.xml"))),
        Page("404.html", "404.html", frozen_context(site=site), absolute_links=True),
    )


def script_json(data: object) -> str:
    """Data as JSON that is safe inside a script, and as a string, so that the page that carries it
    is cached like any other while the data does not change."""
    return str(htmlsafe_json_dumps(data, sort_keys=True))


def structured_data(exercise: Exercise, address: str | None) -> str:
    """schema.org HowTo data of an exercise, as JSON that is safe inside a <script> element."""
    data = {
        "@context": "https://schema.org", "@type": "HowTo", "name": exercise.title,
        "description": exercise.summary,
        "step": [{"@type": "HowToStep", "position": n, "text": plain_text(step)}
                 for n, step in enumerate(exercise.steps, 1)],
        **({"url": address} if address else {}),
        **({"tool": [{"@type": "HowToTool", "name": name} for name in exercise.equipment]}
           if exercise.equipment else {}),
    }
    return script_json(data)


def site_paths(guide: Guide, memo: Memo | None = None) -> dict[str, str]:
    """Where each content file lands in the site, by the file's path, for links between them."""
    memo = memo or Memo()
    return {
        **dict(memo.each(site_paths, lambda e: (e.source.as_posix(), path_of(e)), (guide.exercises,))),
        **{r.source.as_posix(): path_of(r) for r in guide.routines},
        **{p.as_posix(): p.relative_to(guide.content_dir).as_posix() for p in guide.static_files},
    }


@dataclass(frozen=True, eq=False)
class LinkPlaces:
    """Where content files are in the site, as some links lead to them: one object, whose fingerprint every
    section that shares it reuses (see Fingerprinter)."""

    paths: Mapping[str, str]

    @functools.cached_property
    def digest(self) -> bytes:
        return Fingerprinter().digest(self.paths)


@dataclass(frozen=True, eq=False)
class BookletSection:
    """An exercise in the booklet. Its body, with links that lead to the booklet's own sections, is made as
    the section renders: made ahead for every section, 10,000 bodies held 16 MB while the booklet rendered."""

    exercise: Exercise
    links: LinkPlaces  # where its body's links lead in the booklet (see _body_links)

    @functools.cached_property
    def digest(self) -> bytes:
        """What the section is made from (see blocks.py)."""
        return self.exercise.digest and self.exercise.digest + self.links.digest

    @property
    def body_html(self) -> str:
        return rewrite(self.exercise.body_html, self.exercise.source.as_posix(), BOOKLET, self.links.paths)


def _booklet(guide: Guide, links: Mapping[str, str], memo: Memo) -> Page:
    """The whole guide in one document; its bodies' links lead to the sections of the same page."""
    sections_by_source = memo.each("booklet links", lambda e: (e.source.as_posix(), f"{BOOKLET}#exercise-{e.slug}"),
                                   (guide.exercises,))
    booklet_links = memo.same("booklet links", MappingProxyType({**links, **dict(sections_by_source)}))
    return Page(BOOKLET, "print.html", LazyContext(lambda: frozen_context(
        site=guide.config, guide=guide, sections=memo.each(
            _booklet, BookletSection, (guide.exercises, _body_links(guide.exercises, booklet_links, memo, BOOKLET)))),
        made_from=lambda: (guide, booklet_links)))


def _exercise_pages(guide: Guide, links: Mapping[str, str], memo: Memo) -> tuple[Page, ...]:
    exercises, site = guide.exercises, guide.config
    previous, following = (None, *exercises[:-1]), (*exercises[1:], None)
    # Each exercise's routines, as the same tuple as last time while they are the same routines.
    using = {slug: memo.same(("routines using", slug), routines)
             for slug, routines in guide.routines_by_exercise.items()}
    routines = tuple(map(using.get, map(attrgetter("slug"), exercises), repeat(())))
    return memo.each(_exercise_pages, lambda *row: _exercise_page(site, *row),
                     (exercises, previous, following, routines, _body_links(exercises, links, memo, "pages")),
                     shared=(site,))


def _body_links(exercises: tuple[Exercise, ...], links: Mapping[str, str], memo: Memo, kind: str
                ) -> tuple[LinkPlaces, ...]:
    """For each exercise, `links` narrowed to what the links of its body look up (see `_narrowed`). An
    exercise's page and booklet section depend on the other files only through these, so a file added or
    removed leaves those of the exercises that do not link to it as they were: in `serve`, adding an exercise
    rendered 10,000 pages again. A build that is the only one makes every page once anyway, and takes `links`
    whole."""
    if not memo.keeps:
        return (LinkPlaces(links),) * len(exercises)
    targets = memo.each((_body_links, "targets"), lambda e: link_targets(e.body_html, e.source.as_posix()),
                        (exercises,))
    return _narrowed(targets, links, memo, kind)


def _routine_links(routines: tuple[Routine, ...], links: Mapping[str, str], memo: Memo) -> tuple[LinkPlaces, ...]:
    """For each routine, `links` narrowed to what its page looks up: its introduction's links and its steps'."""
    if not memo.keeps:
        return (LinkPlaces(links),) * len(routines)
    targets = memo.each((_routine_links, "targets"), lambda r: tuple(dict.fromkeys(chain(
        link_targets(r.introduction_html, r.source.as_posix()),
        *(link_targets(step, item.exercise.source.as_posix()) for item in r.items for step in item.exercise.steps)))),
        (routines,))
    return _narrowed(targets, links, memo, "routines")


def _narrowed(targets: tuple[tuple[str, ...], ...], links: Mapping[str, str], memo: Memo, kind: str
              ) -> tuple[LinkPlaces, ...]:
    """For each tuple of content paths, `links` narrowed to them: the very object of the last build (of this
    `kind`) while it is equal, so that what is made from it is found again by identity."""
    known: dict[tuple, LinkPlaces] = memo.last((_narrowed, kind), {})

    def narrowed(found: tuple[str, ...]) -> LinkPlaces:
        pairs = tuple((target, links[target]) for target in found if target in links)
        if pairs not in known:
            known[pairs] = LinkPlaces(MappingProxyType(dict(pairs)))
        return known[pairs]
    made = memo.each((_narrowed, kind), narrowed, (targets,), shared=(links,))
    if len(known) > 2 * len(made) + 64:  # forget the mappings nothing has any more
        in_use = set(map(id, made))
        known = {pairs: mapping for pairs, mapping in known.items() if id(mapping) in in_use}
    memo.same((_narrowed, kind), known)
    return made


def _exercise_page(site: GuideConfig, exercise: Exercise, previous: Exercise | None, following: Exercise | None,
                   routines: tuple[Routine, ...], links: LinkPlaces) -> Page:
    def context() -> Mapping[str, Any]:
        body = rewrite(exercise.body_html, exercise.source.as_posix(), path_of(exercise), links.paths)
        return frozen_context(
            site=site, exercise=exercise, body_html=body, routines=routines,
            structured_data=structured_data(exercise, public_url(site, path_of(exercise))),
            map_states=map_states(exercise), previous=previous, next=following,
        )

    def made_from() -> tuple:
        # The body's links, as the places of what they lead to, not all of `links`: an exercise added does not
        # make every page again. (A build that is the only one narrows nothing ahead, see _body_links.)
        places = tuple(map(links.paths.get, link_targets(exercise.body_html, exercise.source.as_posix())))
        return site, exercise, previous, following, routines, places
    return Page(path_of(exercise), "exercise.html", LazyContext(context, made_from))


def routine_page(site: GuideConfig, routine: Routine, links: Mapping[str, str], start_level: int = 0,
                 pdfs: bool = False, estimate: bool = True) -> Page:
    """A routine's page, with the type step at which its print sheet fits one page (see sheet.py)."""
    path = path_of(routine)
    sheet = plan_sheet(routine, public_url(site, path), start_level, estimate)
    pdf_links = tuple((paper, pdf_path(routine, paper)) for paper in PDF_PAPERS) if pdfs else ()
    steps = tuple(tuple(rewrite(step, item.exercise.source.as_posix(), path, links) for step in item.exercise.steps)
                  for item in routine.items)
    introduction = rewrite(routine.introduction_html, routine.source.as_posix(), path, links)
    return Page(path, ROUTINE_TEMPLATE, frozen_context(site=site, routine=routine, sheet=sheet, pdf_links=pdf_links,
                                                       steps=steps, introduction_html=introduction))


def public_url(site: GuideConfig, site_path: str) -> str | None:
    """The page's web address when the guide says where it is published (directory URLs)."""
    if not site.base_url:
        return None
    return site.base_url.rstrip("/") + "/" + site_path.removesuffix("index.html")


def sheet_warnings(pages: tuple[Page, ...], fits: Callable[[Page], bool] = lambda page: page.context["sheet"].fits
                   ) -> tuple[Problem, ...]:
    """A warning for each routine whose print sheet does not fit one page; by default as the plan estimated,
    or as `fits` says (what printing found)."""
    return tuple(_unfit_sheet_warning(page.context["routine"].source)
                 for page in pages if page.template == ROUTINE_TEMPLATE and not fits(page))


def _unfit_sheet_warning(routine_source: Path) -> Problem:
    return Problem(routine_source, 1, "the routine does not fit on one printed page even at the smallest legible "
                   "type; it will print on several pages, breaking between exercises", severity="warning")


@dataclass(frozen=True, eq=False)
class CustomRoutineEntry:
    """An exercise in what the build-your-own routine page lays out sheets with. Its part of the script is
    made as the list renders, so that it is kept by blocks like any list's (see `fragments` in render.py): a
    build after one edit, in a new process, made all 10,000 again to change one."""

    exercise: Exercise

    @functools.cached_property
    def digest(self) -> bytes:
        """What the entry is made from: its exercise (see blocks.py)."""
        return self.exercise.digest

    @property
    def script(self) -> str:
        exercise = self.exercise
        link = relative_url(CUSTOM_ROUTINE, path_of(exercise))
        return f"{script_json(exercise.slug)}: {script_json(custom_routine_entry(exercise, link))}"


def _custom_routine_data(guide: Guide, memo: Memo) -> Page:
    """exercises-data.js: each exercise's entry (see CustomRoutineEntry), by slug, and the sheet's sizes."""
    slugs = _slugs(guide, memo)

    def context() -> Mapping[str, Any]:
        entries = memo.each(CustomRoutineEntry, CustomRoutineEntry, (guide.exercises,))
        by_slug = memo.get((_custom_routine_data, slugs), lambda: sorted(range(len(slugs)), key=slugs.__getitem__))
        return frozen_context(entries=tuple(map(entries.__getitem__, by_slug)),
                              layout=script_json(custom_routine_layout()))
    return Page(CUSTOM_ROUTINE_DATA, "exercises-data.js", LazyContext(context, lambda: (guide.exercises,)))


def _slugs(guide: Guide, memo: Memo) -> tuple[str, ...]:
    """The exercises' slugs in their order, the same tuple as last time while they are equal (as after most edits)."""
    slugs = memo.get((_slugs, guide.exercises), lambda: tuple(map(attrgetter("slug"), guide.exercises)))
    return memo.same(_slugs, slugs)


def _schema_pages(guide: Guide, memo: Memo) -> list[Page]:
    """schema/<kind>.json: the JSON Schemas editors can check content files against."""
    slugs = _slugs(guide, memo)

    def pages() -> list[Page]:
        schemas = editor_schemas(list(guide.muscle_names), sorted(slugs))
        return [Page(f"schema/{kind}.json", "schema.json", frozen_context(schema=schema))
                for kind, schema in sorted(schemas.items())]
    return memo.get((_schema_pages, guide.muscle_names, slugs), pages)


def _equipment_pages(guide: Guide, memo: Memo) -> tuple[Page, ...]:
    """equipment/index.html, every piece of equipment with its count, and a page for each that lists its
    exercises. Each piece is the same object as last time while it is equal, and so is its page."""
    equipment_each = memo.each(_equipment_pages, equipment_of, (guide.exercises,))
    pieces = tuple(memo.same(("equipment", piece.slug), piece)
                   for piece in equipment_pieces(guide.exercises, equipment_each))
    site = guide.config
    # The index shows names and counts only: an edit that changes neither leaves it as it was.
    counts = memo.same(EQUIPMENT_INDEX, tuple((EquipmentPiece(piece.slug, piece.name), len(piece.exercises))
                                              for piece in pieces if piece.exercises))
    return (
        memo.get((EQUIPMENT_INDEX, site, counts), lambda: Page(EQUIPMENT_INDEX, "equipment.html", frozen_context(
            site=site, counts=counts))),
        *(memo.get((_equipment_pages, site, piece), lambda: Page(path_of(piece), "equipment-piece.html",
                                                                  frozen_context(site=site, piece=piece)))
          for piece in pieces if piece.exercises),
    )


def _group_page(site: GuideConfig, listing: GroupListing) -> Page:
    return Page(path_of(listing.group), "group.html", frozen_context(
        site=site, listing=listing, map_states=((listing.group.slug, "primary"),)))


def map_states(exercise: Exercise) -> tuple[tuple[str, str], ...]:
    """How the body map shows each group the exercise works."""
    return (*((g.slug, "primary") for g in exercise.primary_groups),
            *((g.slug, "secondary") for g in exercise.secondary_groups))


def frozen_context(**context: Any) -> Mapping[str, Any]:
    """A page's template context, read-only."""
    return MappingProxyType(context)


class LazyContext(Mapping[str, Any]):
    """A page's context, made the first time it is read. A big guide's pages are keyed and rendered in worker
    processes (see render.py), so the context of each exercise page, and of the pages made from every
    exercise, is made there: by one core of several, and not kept in the parent, whose memory every worker
    shares.

    `made_from` gives what `make` makes the context from, all of it: the page is keyed by that instead (see
    render.PageKeys), which is cheaper to fingerprint than what is made from it, and a page whose key did
    not change never has its context made. (`make` is code, which the program's version stands for.)
    """

    def __init__(self, make: Callable[[], Mapping[str, Any]], made_from: Callable[[], tuple]) -> None:
        self._make = make
        self.made_from = made_from
        self._context: Mapping[str, Any] | None = None

    def _made(self) -> Mapping[str, Any]:
        if self._context is None:
            self._context = self._make()
        return self._context

    def release(self) -> None:
        """Drop the context made, to be made again if it is read again: a worker that has written the page."""
        self._context = None

    def __getitem__(self, key: str) -> Any:
        return self._made()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._made())

    def __len__(self) -> int:
        return len(self._made())


def _check_reserved(guide: Guide) -> None:
    """Routine slugs the site uses for pages of its own."""
    taken = [r for r in guide.routines if path_of(r) == CUSTOM_ROUTINE]
    if taken:
        raise ContentError([Problem(r.source, 1, f"the routine name '{r.slug}' is kept for the build-your-own "
                                                 "routine page; rename the file") for r in taken])


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


def _check_unique(paths: list[str], content_dir: Path) -> None:
    seen: set[str] = set()
    clashes = sorted({p for p in paths if p in seen or seen.add(p)})
    if clashes:
        raise ContentError([Problem(content_dir, 1, f"two files would be written to site path '{p}'; "
                                                    "rename one of them") for p in clashes])
