"""Stage 4, plan: which pages the guide has, where each one goes, and how pages link to each other.

Paths are paths.py's; what the lists show of each exercise is lists.py's.
"""

from __future__ import annotations

from itertools import chain, repeat
from operator import attrgetter
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Mapping

from .body import plain_text
from .cache import Memo
from .links import link_targets, relative_url, rewrite
from .lists import BookletSection, CustomRoutineEntry, ExerciseRow, LinkPlaces, equipment_of, equipment_pieces, \
    exercise_filters
from .media import with_pictures
from .model import Exercise, Guide, GroupListing, Routine
from .paths import BOOKLET, CUSTOM_ROUTINE, CUSTOM_ROUTINE_DATA, EQUIPMENT_INDEX, EXERCISE_INDEX, HOME, \
    MUSCLES_INDEX, PDF_PAPERS, ROUTINE_TEMPLATE, SEARCH, EquipmentPiece, Page, SitePlan, StaticFile, \
    frozen_context, path_of, pdf_path, public_url, script_json
from .problems import ContentError, Problem
from .schema import GuideConfig, editor_schemas
from .search import DOCUMENTS_PER_SHARD, KeptWeights, SearchIndex, TermShard, shard_script_json
from .sheet import custom_routine_layout, plan_sheet


# A bigger guide's home page links to the list of all exercises instead of showing every card: with 10,000
# exercises it was 3 MB, for a page that readers open first, often on a phone.
HOME_EXERCISES_MOST = 100


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
    """The templates' assets and the content's other files, copied as they are, and each picture's files."""
    return (
        *(StaticFile("assets/" + p.relative_to(asset_dir).as_posix(), p) for p in _files(asset_dir)),
        *(StaticFile(p.relative_to(guide.content_dir).as_posix(), p) for p in guide.static_files),
        *(StaticFile(file.path, picture.source, picture) for picture in guide.pictures for file in picture.files),
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
    index = index if index is not None else SearchIndex()
    in_slug_order = memo.get((_search_index_pages, guide.exercises),
                             lambda: tuple(sorted(guide.exercises, key=attrgetter("slug"))))
    index.update(in_slug_order, _exercise_links(guide, SEARCH, memo), workers, kept)
    return [
        *(memo.get((SearchIndex, "terms", shard, entries), lambda: Page(
            f"assets/search/terms-{shard}.js", "search-shard.js",
            frozen_context(shard=shard, entries=TermShard(entries, index.term_digests[shard])), _terms_context))
          for shard, entries in index.terms.items()),
        *(memo.get((SearchIndex, "docs", number, data), lambda: Page(
            f"assets/search/docs-{number}.js", "search-shard.js", frozen_context(kind="docs", shard=str(number),
                                                                                 data=data)))
          for number, data in index.documents.items()),
    ]


def _terms_context(shard: str, entries: TermShard) -> Mapping[str, Any]:
    """A shard of the index's terms, made into text only when its postings changed: the text of them all,
    half a million at 10,000 exercises, was made in every build only to find the one or two shards an edit
    changed."""
    return frozen_context(kind="terms", shard=shard, data=shard_script_json(entries.terms))


def _exercise_links(guide: Guide, from_path: str, memo: Memo) -> dict[str, str]:
    """Each exercise's address relative to the page at `from_path`, by slug, for data that scripts read."""
    links = memo.each((_exercise_links, from_path), lambda e: (e.slug, relative_url(from_path, path_of(e))),
                      (guide.exercises,))
    return memo.same((_exercise_links, from_path), dict(links))


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
        **{p.source.as_posix(): p.path for p in guide.pictures},  # a picture's largest file in its own format
    }


def _booklet(guide: Guide, links: Mapping[str, str], memo: Memo) -> Page:
    """The whole guide in one document; its bodies' links lead to the sections of the same page."""
    sections_by_source = memo.each("booklet links", lambda e: (e.source.as_posix(), f"{BOOKLET}#exercise-{e.slug}"),
                                   (guide.exercises,))
    booklet_links = memo.same("booklet links", MappingProxyType({**links, **dict(sections_by_source)}))
    return Page(BOOKLET, "print.html", frozen_context(site=guide.config, guide=guide, sections=memo.each(
        _booklet, BookletSection, (guide.exercises, _body_links(guide.exercises, booklet_links, memo, BOOKLET)))))


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
    # The body's links, as the places of what they lead to, not all of `links`: an exercise added does not
    # make every page again. (A build that is the only one narrows nothing ahead, see _body_links.)
    places = tuple((target, links.paths[target]) for target in exercise.links if target in links.paths)
    return Page(path_of(exercise), "exercise.html", frozen_context(
        site=site, exercise=exercise, previous=previous, following=following, routines=routines, links=places),
        _exercise_context)


def _exercise_context(site: GuideConfig, exercise: Exercise, previous: Exercise | None, following: Exercise | None,
                      routines: tuple[Routine, ...], links: tuple[tuple[str, str], ...]) -> Mapping[str, Any]:
    body = with_pictures(rewrite(exercise.body_html, exercise.source.as_posix(), path_of(exercise), dict(links)),
                         path_of(exercise), exercise.pictures)
    return frozen_context(
        site=site, exercise=exercise, body_html=body, routines=routines,
        structured_data=structured_data(exercise, public_url(site, path_of(exercise))),
        map_states=map_states(exercise), previous=previous, next=following,
    )


def routine_page(site: GuideConfig, routine: Routine, links: Mapping[str, str], start_step: int = 0,
                 pdfs: bool = False, estimate: bool = True) -> Page:
    """A routine's page, with the step (type and pictures) at which its print sheet fits one page (see sheet.py)."""
    path = path_of(routine)
    sheet = plan_sheet(routine, public_url(site, path), start_step, estimate)
    pdf_links = tuple((paper, pdf_path(routine, paper)) for paper in PDF_PAPERS) if pdfs else ()
    steps = tuple(tuple(rewrite(step, item.exercise.source.as_posix(), path, links) for step in item.exercise.steps)
                  for item in routine.items)
    introduction = rewrite(routine.introduction_html, routine.source.as_posix(), path, links)
    return Page(path, ROUTINE_TEMPLATE, frozen_context(site=site, routine=routine, sheet=sheet, pdf_links=pdf_links,
                                                       steps=steps, introduction_html=introduction))


def sheet_warnings(pages: tuple[Page, ...], fits: Callable[[Page], bool] = lambda page: page.context["sheet"].fits
                   ) -> tuple[Problem, ...]:
    """A warning for each routine whose print sheet does not fit one page; by default as the plan estimated,
    or as `fits` says (what printing found)."""
    return tuple(_unfit_sheet_warning(page.context["routine"].source)
                 for page in pages if page.template == ROUTINE_TEMPLATE and not fits(page))


def _unfit_sheet_warning(routine_source: Path) -> Problem:
    return Problem(routine_source, 1, "the routine does not fit on one printed page even at the smallest legible "
                   "type; it will print on several pages, breaking between exercises", severity="warning")


def _custom_routine_data(guide: Guide, memo: Memo) -> Page:
    """exercises-data.js: each exercise's entry (see CustomRoutineEntry), by slug, and the sheet's sizes."""
    slugs = _slugs(guide, memo)
    entries = memo.each(CustomRoutineEntry, CustomRoutineEntry, (guide.exercises,))
    by_slug = memo.get((_custom_routine_data, slugs), lambda: sorted(range(len(slugs)), key=slugs.__getitem__))
    return Page(CUSTOM_ROUTINE_DATA, "exercises-data.js", frozen_context(
        entries=tuple(map(entries.__getitem__, by_slug)), layout=script_json(custom_routine_layout())))


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
