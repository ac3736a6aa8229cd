"""The model of a guide: plain, immutable objects that every later stage reads."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from functools import cached_property
from operator import attrgetter
from pathlib import Path

from .fingerprint import Fingerprinter
from .pictures import Drawing, Picture, SheetPicture, Thumbnail
from .video import Video
from .schema import Dose, GuideConfig, Image


@dataclass(frozen=True)
class MuscleGroup:
    slug: str
    name: str
    region: str
    muscles: tuple[str, ...]
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Target:
    """A muscle or a whole group, as an exercise names it, with the groups it belongs to."""

    name: str
    groups: tuple[MuscleGroup, ...]
    is_group: bool = False


def _hash_once(self) -> int:
    """The hash of a frozen object that page cache keys hash on every build, computed once."""
    cached = self.__dict__.get("_hash")
    if cached is None:
        cached = hash(tuple(getattr(self, f.name) for f in fields(self) if f.compare))
        object.__setattr__(self, "_hash", cached)
    return cached


def _state_without_hash(self) -> dict:
    """What pickle keeps of an object that hashes once: not its hash, which another process computes with
    another salt for its strings."""
    return {name: value for name, value in self.__dict__.items() if name != "_hash"}


@dataclass(frozen=True)
class Exercise:
    slug: str
    title: str
    summary: str
    primary: tuple[Target, ...]
    secondary: tuple[Target, ...]
    equipment: tuple[str, ...]
    category: str | None
    position: str | None
    level: str | None
    dose: Dose
    cautions: tuple[str, ...]
    images: tuple[Image, ...]
    tags: tuple[str, ...]
    body_html: str
    steps: tuple[str, ...]
    source: Path
    links: tuple[str, ...] = ()  # the content files its body links to (see links.link_targets)
    pictures: tuple[Picture, ...] = ()  # the raster pictures its images name, with their files
    drawings: tuple[Drawing, ...] = ()  # the SVG drawings its images name, with their sizes
    video: Video | None = None
    # A digest of all it is made from (its file's bytes and the muscles it names, see assemble.py): what it is
    # fingerprinted by, in the keys of its pages and of the blocks of the lists it is in.
    digest: bytes = field(default=b"", compare=False, repr=False)

    __hash__ = _hash_once  # kept by @dataclass, which writes no __hash__ over one the class defines
    __getstate__ = _state_without_hash

    @property
    def figures(self) -> tuple[tuple[Image, Picture | None], ...]:
        """Each of its images, with the picture's files (None for an SVG drawing, shown as it is)."""
        by_path = {picture.path: picture for picture in self.pictures}
        return tuple((image, by_path.get(image.src)) for image in self.images)

    def drawing(self, src: str) -> Drawing | None:
        """The drawing that an image names, with its size; None for a picture, or a drawing of no known size."""
        return next((drawing for drawing in self.drawings if drawing.path == src), None)

    @property
    def sheet_picture(self) -> SheetPicture | None:
        """The picture its line on a printed sheet shows: the one marked `print: true`, or the first."""
        figures = self.figures
        first = figures[0] if figures else (None, None)
        image, picture = next((figure for figure in figures if figure[0].print), first)
        if image is None:
            return None
        if picture is None:
            drawing = self.drawing(image.src)
            return SheetPicture(image.src, image.alt, *((drawing.width, drawing.height) if drawing else ()))
        return SheetPicture(picture.sheet_file.path, image.alt, picture.sheet_file.width, picture.sheet_file.height)

    @property
    def thumbnail(self) -> Thumbnail | None:
        """What its card shows: its first image (a picture, or a drawing of known size), else its body's first
        picture."""
        if self.images:
            image, picture = self.figures[0]
            shown = picture or self.drawing(image.src)
            return shown.thumbnail if shown else None
        return self.pictures[0].thumbnail if self.pictures else None

    def __post_init__(self) -> None:
        # `primary_groups`, and `secondary_groups`: the groups worked secondarily and not already as a primary
        # target. Set here, not as cached properties: an attribute set after the object is made turned its
        # __dict__ from one that shares its keys with the others into one of its own, 630 bytes more each.
        primary = _unique(group for target in self.primary for group in target.groups)
        object.__setattr__(self, "primary_groups", primary)
        secondary = _unique(group for target in self.secondary for group in target.groups)
        object.__setattr__(self, "secondary_groups", tuple(g for g in secondary if g not in primary))


@dataclass(frozen=True)
class RoutineItem:
    exercise: Exercise
    dose: Dose


@dataclass(frozen=True)
class Routine:
    slug: str
    title: str
    summary: str
    frequency: str
    introduction_html: str
    items: tuple[RoutineItem, ...]
    source: Path
    digest: bytes = field(default=b"", compare=False, repr=False)  # of all it is made from, as an Exercise's

    __hash__ = _hash_once
    __getstate__ = _state_without_hash


@dataclass(frozen=True)
class GroupListing:
    """The exercises that work one muscle group: primary targets first."""

    group: MuscleGroup
    primary: tuple[Exercise, ...]
    secondary: tuple[Exercise, ...]

    __hash__ = _hash_once
    __getstate__ = _state_without_hash

    @cached_property
    def digest(self) -> bytes:
        """All the listing is made from: its group, and its exercises."""
        return digest_of(Fingerprinter().digest(self.group), self.primary, self.secondary)

    @property
    def is_worked(self) -> bool:
        return bool(self.primary or self.secondary)


@dataclass(frozen=True)
class Guide:
    config: GuideConfig
    introduction_html: str
    groups: tuple[MuscleGroup, ...]
    exercises: tuple[Exercise, ...]
    routines: tuple[Routine, ...]
    listings: tuple[GroupListing, ...]  # every group, in muscles.yaml order, with the exercises that work it
    static_files: tuple[Path, ...] = ()  # the files of images/ that are copied as they are
    pictures: tuple[Picture, ...] = ()  # those made into files of several widths
    content_dir: Path = Path("content")
    muscle_names: tuple[str, ...] = ()  # every name an exercise may use for a muscle or group

    @cached_property
    def digest(self) -> bytes:
        """All the guide is made from: its settings, groups and pictures, its exercises and routines (the
        listings are made of the groups and the exercises)."""
        settings = (self.config, self.introduction_html, self.groups, self.static_files, self.content_dir,
                    self.muscle_names, self.pictures)
        return digest_of(Fingerprinter().digest(settings), self.exercises, self.routines)

    @cached_property
    def regions(self) -> tuple[tuple[str, tuple[GroupListing, ...]], ...]:
        """The group listings by body region, regions in order of first appearance."""
        names = _unique(listing.group.region for listing in self.listings)
        return tuple((name, tuple(l for l in self.listings if l.group.region == name)) for name in names)

    @cached_property
    def routines_by_exercise(self) -> dict[str, tuple[Routine, ...]]:
        """The routines each exercise is in, by its slug; an exercise in none is not there."""
        index: dict[str, list[Routine]] = {}
        for routine in self.routines:
            for slug in dict.fromkeys(item.exercise.slug for item in routine.items):
                index.setdefault(slug, []).append(routine)
        return {slug: tuple(routines) for slug, routines in index.items()}


def digest_of(head: bytes, *lists: tuple) -> bytes:
    """The digest of `head` and of each list's items (exercises, routines) by the digests they carry; b""
    when an item carries none (one a test made), for it to be fingerprinted by its fields instead."""
    digests = [tuple(map(attrgetter("digest"), items)) for items in lists]
    if not all(map(all, digests)):
        return b""
    made_from = head + b"".join(b"%d:%b" % (len(listed), b"".join(listed)) for listed in digests)
    return hashlib.blake2b(made_from, digest_size=16).digest()


def group_listings(groups: tuple[MuscleGroup, ...], exercises: tuple[Exercise, ...]) -> tuple[GroupListing, ...]:
    """Every group, in order, with the exercises that work it, in the order of `exercises`."""
    primary: dict[str, list[Exercise]] = {group.slug: [] for group in groups}
    secondary: dict[str, list[Exercise]] = {group.slug: [] for group in groups}
    for exercise in exercises:  # one pass, however many groups
        for group in exercise.primary_groups:
            primary[group.slug].append(exercise)
        for group in exercise.secondary_groups:
            secondary[group.slug].append(exercise)
    return tuple(GroupListing(group, tuple(primary[group.slug]), tuple(secondary[group.slug])) for group in groups)


def _unique(items) -> tuple:
    return tuple(dict.fromkeys(items))
