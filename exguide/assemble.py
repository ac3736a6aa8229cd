"""Stage 3, assemble: read every content file, apply the cross-file rules, return one Guide.

Every problem in every file is collected before the build gives up, so the author sees them all.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import os
from dataclasses import dataclass, field
from itertools import compress, count, repeat
from operator import attrgetter, is_, is_not, itemgetter, not_
from pathlib import Path
from typing import Callable, Mapping, Sequence, TypeVar

from slugify import slugify

from .body import BodyRenderer
from .fingerprint import Fingerprinter
from .links import link_targets
from .cache import Memo
from .carryover import Carryover
from .model import Exercise, GroupListing, Guide, MuscleGroup, Routine, RoutineItem, Target, digest_of, \
    group_listings
from .muscles import MuscleCatalogue, build_catalogue
from .media import exercise_video, media_problems, read_drawings, read_pictures, shown_drawings, shown_pictures
from .pictures import SUFFIXES as PICTURE_SUFFIXES, Drawing, MediaState, Picture
from .problems import ContentError, Problem, suggestion
from .schema import SLUG_PATTERN, ExerciseMeta, GuideConfig, MusclesFile, RoutineMeta, validate
from .sources import SourceDocument, SourceReader

T = TypeVar("T")


@dataclass
class _Collector:
    """Runs checks and keeps every problem they report."""

    problems: list[Problem] = field(default_factory=list)

    def attempt(self, check: Callable[[], T]) -> T | None:
        try:
            return check()
        except ContentError as error:
            self.problems.extend(error.problems)
            return None

    def add(self, path: Path, line: int, message: str) -> None:
        self.problems.append(Problem(path, line, message))

    def valid(self, outcomes: Sequence[T | ContentError]) -> list[T]:
        """The outcomes that are not errors; the errors' problems are kept."""
        failed = list(map(isinstance, outcomes, repeat(ContentError)))  # map: ten thousand, after every edit
        for error in compress(outcomes, failed):
            self.problems.extend(error.problems)
        return list(compress(outcomes, map(not_, failed)))


def load_guide(content_dir: Path, include_drafts: bool = False, reader: SourceReader | None = None,
               renderer: BodyRenderer | None = None, memo: Memo | None = None,
               carryover: Carryover | None = None) -> Guide:
    """The whole guide in `content_dir`, or a ContentError with every problem found.

    A `reader`, a `renderer` and a `memo` kept from an earlier build spare the work on files that did not
    change; with the memo, what did not change comes back as the very same objects. A `carryover` brings the
    exercises an earlier build, in another process, left, and takes this build's (see KeptExercises).
    """
    reader, renderer, memo = reader or SourceReader(), renderer or BodyRenderer(), memo or Memo()
    found = _Collector()
    config, catalogue = _settings(content_dir, reader, memo, found)
    exercise_files = reader.files(content_dir / "exercises", ".md")
    media_state = _media_state(content_dir, reader, memo, found, config is not None and config.avif)
    carryover = carryover if not include_drafts else None
    taken = carryover.taken(catalogue, media_state, exercise_files) if carryover and catalogue is not None else {}
    catalogue = carryover.last.catalogue if taken else catalogue  # equal; the exercises taken share its groups
    exercise_docs = _load_markdown(reader, memo, tuple(path for path in exercise_files if path not in taken)
                                   if taken else exercise_files, ExerciseMeta, found, {"muscles": catalogue})
    if not exercise_docs and not taken and not found.problems:
        found.add(content_dir / "exercises", 1, "no exercises found; add one Markdown file per exercise here")
    slugs = _slug_index(exercise_files, exercise_docs, include_drafts, memo)
    routine_docs = _load_markdown(reader, memo, reader.files(content_dir / "routines", ".md"), RoutineMeta, found,
                                  {"exercises": slugs})
    exercises = _build_exercises(exercise_docs, catalogue, renderer, memo, media_state, found, slugs.drafts) \
        if catalogue else {}
    exercises.update((exercise.slug, exercise) for exercise in taken.values())
    routines = _build_routines(routine_docs, exercises, renderer, memo, found, include_drafts)
    if found.problems or config is None or catalogue is None:
        raise ContentError(found.problems)
    order = _in_order(exercises, memo)
    if carryover is not None:
        carryover.leave(catalogue, content_dir / "muscles.yaml", media_state, order, reader.digests())
    return memo.same("guide", Guide(
        config=config, introduction_html=renderer.render(config.introduction or "").html, groups=catalogue.groups,
        exercises=order,
        routines=memo.same("routines", tuple(sorted(routines, key=lambda r: (r.title.casefold(), r.slug)))),
        listings=_listings(catalogue.groups, order, memo), content_dir=content_dir, muscle_names=catalogue.names,
        static_files=tuple(path for path in media_state[0] if path.suffix.lower() not in PICTURE_SUFFIXES),
        pictures=media_state[1]))


def _media_state(content_dir: Path, reader: SourceReader, memo: Memo, found: _Collector, avif: bool
                 ) -> MediaState:
    """The files of images/ and videos/, and the pictures among them: the same object while they are."""
    media = reader.files(content_dir / "images") + reader.files(content_dir / "videos")
    return memo.same("media", (media, read_pictures(reader.pictures, media, content_dir, found.problems, avif),
                               read_drawings(reader.pictures, media, content_dir)))


def _settings(content_dir: Path, reader: SourceReader, memo: Memo, found: _Collector
              ) -> tuple[GuideConfig | None, MuscleCatalogue | None]:
    """guide.yaml and muscles.yaml, checked; None for one that has problems (which `found` collects)."""
    config = found.attempt(lambda: _kept(memo, (GuideConfig, _read_required(reader, content_dir / "guide.yaml")),
                                         lambda document: validate(document, GuideConfig)))
    catalogue = found.attempt(lambda: _kept(
        memo, (build_catalogue, _read_required(reader, content_dir / "muscles.yaml")), _build_catalogue))
    return config, catalogue


def _slug_index(exercise_files: tuple[Path, ...], exercise_docs: list[tuple], include_drafts: bool, memo: Memo
                ) -> "_SlugIndex":
    """The exercises' slugs, and those of the drafts this build leaves out, for the routines to check against."""
    return memo.same("slugs", _SlugIndex(
        known=memo.get((_SlugIndex, exercise_files), lambda: frozenset(p.stem for p in exercise_files)),
        drafts=frozenset() if include_drafts else frozenset(compress(
            map(itemgetter(0), exercise_docs), memo.each("drafts", lambda entry: entry[2].draft, (exercise_docs,))))))


def _in_order(exercises: dict[str, Exercise], memo: Memo) -> tuple[Exercise, ...]:
    """The exercises by title, then slug. While the slugs stay the same, the last order with the edited
    exercises put in their places, which spares sorting ten thousand after each edit."""
    last: tuple[Exercise, ...] = memo.last(_in_order, ())
    order = list(map(exercises.get, map(attrgetter("slug"), last)))
    moving = [place for place in compress(range(len(order)), map(is_not, order, last))
              if order[place] is None or _order_key(order[place]) != _order_key(last[place])]
    # (`all`, not `None in order`, which would call each Exercise's __eq__ against None.)
    if len(last) != len(exercises) or not all(order) or len(moving) > 64:  # came, went, or many retitled
        return memo.same(_in_order, tuple(sorted(exercises.values(), key=_order_key)))
    moved = [order[place] for place in moving]
    for place in reversed(moving):
        del order[place]
    for exercise in moved:  # the rest is still in order
        bisect.insort(order, exercise, key=_order_key)
    return memo.same(_in_order, tuple(order))


def _listings(groups: tuple[MuscleGroup, ...], order: tuple[Exercise, ...], memo: Memo) -> tuple[GroupListing, ...]:
    """`group_listings`. While the order is the last one with a few exercises edited in place, and their
    groups are the same, the last listings with those exercises replaced: ten thousand exercises are not
    gone through again after each edit."""
    last_groups, last_order, last = memo.last(_listings, ((), (), ()))
    changed = list(compress(range(len(order)), map(is_not, order, last_order)))
    if groups is not last_groups or len(order) != len(last_order) or len(changed) > 64 or any(
            order[place].primary_groups != last_order[place].primary_groups
            or order[place].secondary_groups != last_order[place].secondary_groups for place in changed):
        listings = group_listings(groups, order)
    else:
        listings = tuple(_replaced(listing, last_order, order, changed) for listing in last)
    return memo.same(_listings, (groups, order, listings))[2]


def _replaced(listing: GroupListing, last_order: tuple[Exercise, ...], order: tuple[Exercise, ...],
              changed: list[int]) -> GroupListing:
    """`listing`, with each exercise at a `changed` place of `last_order` replaced by the one of `order`."""
    primary, secondary = listing.primary, listing.secondary
    for place in changed:
        before, after = last_order[place], order[place]
        if listing.group in before.primary_groups:
            primary = _swapped(primary, before, after)
        elif listing.group in before.secondary_groups:
            secondary = _swapped(secondary, before, after)
    if primary is listing.primary and secondary is listing.secondary:
        return listing
    return GroupListing(listing.group, primary, secondary)


def _swapped(exercises: tuple[Exercise, ...], before: Exercise, after: Exercise) -> tuple[Exercise, ...]:
    place = next(compress(count(), map(is_, exercises, repeat(before))))  # by identity, not __eq__
    return (*exercises[:place], after, *exercises[place + 1:])


def _order_key(exercise: Exercise) -> tuple[str, str]:
    return exercise.title.casefold(), exercise.slug


def _kept(memo: Memo, inputs: tuple, make: Callable[..., T]) -> T:
    """`make(*inputs[1:])`, or its outcome for the same inputs last time, a ContentError included."""
    outcome = memo.get(inputs, lambda: _outcome(lambda: make(*inputs[1:])))
    if isinstance(outcome, ContentError):
        raise ContentError(outcome.problems)
    return outcome


def _outcome(make: Callable[[], T]) -> T | ContentError:
    try:
        return make()
    except ContentError as error:
        return error


@dataclass(frozen=True)
class _SlugIndex:
    """The slugs of every exercise file, valid or not, so routines report only real mistakes."""

    known: frozenset[str]
    drafts: frozenset[str]

    def problem_with(self, slug: str) -> str | None:
        """Why a routine cannot name `slug`, or None when it can."""
        if slug in self.drafts:
            return f"exercise '{slug}' is a draft; remove it from the routine or build with --drafts"
        if slug not in self.known:
            hint = suggestion(slug, self.known) or "; write the file name of an exercise, without .md"
            return f"unknown exercise '{slug}'{hint}"
        return None


def _read_required(reader: SourceReader, path: Path) -> SourceDocument:
    if not path.is_file():
        raise ContentError([Problem(path, 1, f"{path.name} is missing; create it (see the README for its fields)")])
    return reader.yaml(path)


def load_catalogue(path: Path) -> MuscleCatalogue:
    """The muscle catalogue of a muscles.yaml, or a ContentError."""
    return _build_catalogue(_read_required(SourceReader(), path))


def _build_catalogue(document: SourceDocument) -> MuscleCatalogue:
    catalogue, problems = build_catalogue(validate(document, MusclesFile), document.path, document.lines)
    if problems:
        raise ContentError(problems)
    return catalogue


def _load_markdown(reader: SourceReader, memo: Memo, paths: tuple[Path, ...], model: type[T], found: _Collector,
                   checkers: dict[str, object]) -> list[tuple[str, SourceDocument, T]]:
    """(slug, document, metadata) of each Markdown file, parsed and validated, in path order."""
    checkers = {kind: checker for kind, checker in checkers.items() if checker is not None}

    def check(document: SourceDocument | ContentError) -> tuple[str, SourceDocument, T] | ContentError:
        if isinstance(document, ContentError):
            return document
        def valid() -> tuple[str, SourceDocument, T]:
            meta = validate(document, model, checkers)
            return _slug_of(document), document, meta
        return _outcome(valid)

    # The checkers are kept objects (see Memo.same): while they are the same, so is each file's outcome.
    checked = memo.each((_load_markdown, model), check, (reader.markdown_all(paths),), shared=tuple(checkers.values()))
    return found.valid(checked)


def _slug_of(document: SourceDocument) -> str:
    """File names are the slugs in URLs, so they must be plain lower-case words and hyphens."""
    stem = document.path.stem
    if SLUG_PATTERN.match(stem):
        return stem
    better = slugify(stem) or "exercise-name"
    raise ContentError([Problem(document.path, 1, f"the file name '{stem}' cannot be used in a web address; "
                                                  f"rename the file to '{better}.md'")])


def _build_exercises(documents, catalogue: MuscleCatalogue, renderer: BodyRenderer, memo: Memo,
                     media: MediaState, found: _Collector, drafts: frozenset[str]) -> dict[str, Exercise]:
    unique = _unique_slugs(documents, "exercise", found)
    # An exercise with images or a video is made again when files come or go, or a picture changes: it may
    # show it.
    # (The columns are made with map, not loops: after an edit, this runs over ten thousand exercises.)
    has_media = memo.each((_build_exercises, "media"), lambda entry: bool(entry[2].images or entry[2].video),
                          (unique,))
    media_seen = tuple(map((None, media).__getitem__, has_media))
    last: dict[str, Exercise] = memo.last(_build_exercises, {})
    fingerprints = Fingerprinter()  # for the catalogue's targets, which many exercises share
    pictures = {picture.path: picture for picture in media[1]}
    drawings = {drawing.path: drawing for drawing in media[2]}

    def build(entry: tuple, _: object) -> Exercise | ContentError:
        made = _outcome(lambda: _build_exercise(*entry, catalogue, renderer, fingerprints, pictures, drawings))
        # Made again equal to the last build's (muscles.yaml was edited, not in a way that concerns it): that
        # very object, so that its pages are not rendered again. At 10,000 exercises, renaming one group
        # rendered every page.
        kept = last.get(entry[0])
        return kept if kept is not None and kept == made else made
    built = found.valid(memo.each(_build_exercises, build, (unique, media_seen), shared=(catalogue,)))
    exercises = dict(zip(map(attrgetter("slug"), built), built))
    memo.same(_build_exercises, exercises)
    for slug in drafts:
        exercises.pop(slug, None)
    return exercises


def _unique_slugs(documents: list[tuple], kind: str, found: _Collector) -> list[tuple]:
    """The (slug, document, meta) entries; a second file with a slug already taken is an error."""
    slugs = list(map(itemgetter(0), documents))
    if len(set(slugs)) == len(slugs):
        return documents
    first: dict[str, Path] = {}
    unique = []
    for entry in documents:
        slug, document, _ = entry
        if slug in first:
            found.add(document.path, 1, f"duplicate {kind} slug '{slug}': {first[slug]} has the same file name; "
                                        "rename one of them")
            continue
        first[slug] = document.path
        unique.append(entry)  # the very tuple, which Memo.each knows by its identity
    return unique


def _build_exercise(slug: str, document: SourceDocument, meta: ExerciseMeta, catalogue: MuscleCatalogue,
                    renderer: BodyRenderer, fingerprints: Fingerprinter, pictures: Mapping[str, Picture],
                    drawings: Mapping[str, Drawing]) -> Exercise:
    found = _Collector()
    found.problems.extend(media_problems(meta, document))
    body = renderer.render(document.body)
    if not body.steps:
        found.add(document.path, document.body_line,
                  "the exercise has no steps; add a numbered list ('1. ...', one line a step) to the body")
    if found.problems:
        raise ContentError(found.problems)
    primary, secondary = _resolve_targets(meta.muscles, catalogue), _resolve_targets(meta.secondary, catalogue)
    links = link_targets(body.html, document.path.as_posix())
    shown, drawn = shown_pictures(meta, document, links, pictures), shown_drawings(meta, drawings)
    # All an exercise is made from: its file (its path, which gives its slug, and its bytes), the muscles it
    # names as muscles.yaml has them, and the pictures and drawings it shows.
    digest = hashlib.blake2b(b"%b\0%b%b%b%b" % (os.fsencode(document.path), document.digest,
                                                fingerprints.digest((primary, secondary)),
                                                b"".join(picture.digest for picture in shown),
                                                repr(drawn).encode()), digest_size=16).digest()
    return Exercise(
        slug=slug, title=meta.title, summary=meta.summary, primary=primary, secondary=secondary,
        equipment=_first_equal(meta.equipment), category=meta.category, position=meta.position, level=meta.level,
        dose=_first_equal(meta.dose), cautions=meta.cautions, images=meta.images, tags=_first_equal(meta.tags),
        body_html=body.html, steps=body.steps, source=document.path,
        links=links, pictures=shown, drawings=drawn,
        video=exercise_video(meta, pictures), digest=digest,
    )


@functools.lru_cache(maxsize=1024)
def _first_equal(value: T) -> T:
    """The first of the values equal to `value` that the build met: exercises share a few dozen doses and
    lists of equipment, which made one by one took 8 MB at 10,000 exercises."""
    return value


def _resolve_targets(names: tuple[str, ...], catalogue: MuscleCatalogue) -> tuple[Target, ...]:
    """The targets the names mean (validation has checked them all), each once."""
    return tuple(dict.fromkeys(catalogue.resolve(name) for name in names))


def _build_routines(documents, exercises: dict[str, Exercise], renderer: BodyRenderer, memo: Memo,
                    found: _Collector, include_drafts: bool) -> list[Routine]:
    routines: dict[str, Routine] = {}
    for slug, document, meta in _unique_slugs(documents, "routine", found):
        if any(entry.exercise not in exercises for entry in meta.exercises):
            continue  # validation has reported unknown names; the exercise's own errors say the rest
        chosen = tuple(exercises[entry.exercise] for entry in meta.exercises)
        if include_drafts or not meta.draft:
            routines[slug] = memo.get((Routine, document, meta, *chosen), lambda: Routine(
                slug, meta.title, meta.summary, meta.frequency, renderer.render(document.body).html,
                tuple(RoutineItem(exercise, exercise.dose.merged(entry.dose))
                      for exercise, entry in zip(chosen, meta.exercises)),
                document.path, _made_from(document, chosen)))
    return list(routines.values())


def _made_from(document: SourceDocument, exercises: tuple[Exercise, ...]) -> bytes:
    """The digest of a routine's file (its path and bytes) and of the exercises it lists."""
    return digest_of(b"%b\0%b" % (os.fsencode(document.path), document.digest), exercises)
