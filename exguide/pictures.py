"""Pictures: each raster picture of the content in a few widths, as WebP (and AVIF, when the guide asks) and
in its own format, upright and without its metadata (a phone's photo carries the GPS position where it was
taken). Pillow does the work.

Read: `read_picture` looks at a file once and names the files the site will have of it (`Picture.files`).
Write: `PictureFiles.bytes_of` makes the bytes of one of those files, or finds them in the cache folder,
where they are kept by the digest of the picture's bytes and of how it is made into files.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Callable, Iterator, TypeVar, cast

import PIL
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from .problems import ContentError, Problem
from .seal import read_sealed, replace_file

if TYPE_CHECKING:
    from .paths import StaticFile

SUFFIXES = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}  # others are copied as they are
WIDTHS = (240, 480, 960, 1440)  # a card's thumbnail, a phone, a phone at twice the density, a wide screen
SHEET_WIDTH = 480  # a printed sheet's picture, about 26 mm wide: some 470 dots an inch, no more
QUALITY = 80
# What the files of a picture are made by: a new Pillow or new settings make them again.
RECIPE = hashlib.blake2b(f"{PIL.__version__} {WIDTHS} {QUALITY} 1".encode(), digest_size=8).digest()


@dataclass(frozen=True)
class PictureFile:
    """One file of a picture in the site: the picture at one width, in one format."""

    path: str  # site path
    width: int
    height: int
    format: str  # Pillow's name: "AVIF", "WEBP", "JPEG", "PNG"


@dataclass(frozen=True)
class Picture:
    """A raster picture of the content, as a page shows it: upright, `width` by `height` pixels."""

    source: Path
    path: str  # its content path, like "images/knee.jpg": also the site path of its largest file in `format`
    digest: bytes  # of its bytes and the RECIPE: all its files are made from
    width: int
    height: int
    format: str
    avif: bool = False  # whether it is made as AVIF too (guide.yaml's `avif: true`)

    @property
    def formats(self) -> tuple[str, ...]:
        """The formats of its files, the smallest first: a browser takes the first it can show."""
        return tuple(dict.fromkeys(("AVIF",) * self.avif + ("WEBP", self.format)))

    @property
    def other_formats(self) -> tuple[str, ...]:
        """Those of `formats` that a `<picture>` offers in `<source>`s before its `<img>`."""
        return self.formats[:-1] if self.formats[-1] == self.format else self.formats

    @cached_property
    def files(self) -> tuple[PictureFile, ...]:
        """Every file of the picture, by format and width; never wider than the picture."""
        widths = sorted({min(width, self.width) for width in WIDTHS})
        return tuple(PictureFile(self._file_path(width, format), width, round(self.height * width / self.width),
                                 format) for format in self.formats for width in widths)

    def _file_path(self, width: int, format: str) -> str:
        if format == self.format and width == min(self.width, WIDTHS[-1]):
            return self.path  # where the Markdown body's links lead
        path = PurePosixPath(self.path)
        suffix = path.suffix if format == self.format else "." + format.lower()
        return str(path.with_name(f"{path.stem}-{width}{suffix}"))

    def file_at(self, path: str) -> PictureFile:
        return next(file for file in self.files if file.path == path)

    def srcset(self, format: str) -> tuple[PictureFile, ...]:
        return tuple(file for file in self.files if file.format == format)

    def file_up_to(self, width: int) -> PictureFile:
        """Its largest file in its own format no wider than `width` (the smallest width is at most WIDTHS[0])."""
        return [file for file in self.srcset(self.format) if file.width <= width][-1]

    @property
    def sheet_file(self) -> PictureFile:
        """The file a printed sheet shows, and its PDFs take in."""
        return self.file_up_to(SHEET_WIDTH)

    @property
    def largest(self) -> PictureFile:
        """The file an `<img>` names: the largest in the picture's own format."""
        return self.srcset(self.format)[-1]

    @property
    def thumbnail(self) -> Thumbnail:
        webp, own = self.srcset("WEBP")[0], self.srcset(self.format)[0]
        return Thumbnail(webp.path, own.path, webp.width, webp.height)


@dataclass(frozen=True)
class Thumbnail:
    """What a card shows of a picture: its smallest WebP file (none for a drawing), the file an `<img>` names,
    and their size."""

    webp: str | None
    src: str
    width: int
    height: int


@dataclass(frozen=True)
class SheetPicture:
    """The picture beside an exercise on a printed sheet: the site path of its file, and its shape."""

    path: str
    alt: str
    width: int | None = None  # None for an SVG drawing
    height: int | None = None

    @property
    def height_by_width(self) -> float:
        return self.height / self.width if self.width and self.height else 1.0


@dataclass(frozen=True)
class Drawing:
    """An SVG drawing of the content, copied as it is; its size, for the page to keep its place."""

    path: str  # its content path, like "images/knee.svg", which is also its site path
    width: int
    height: int

    @property
    def thumbnail(self) -> Thumbnail:
        return Thumbnail(None, self.path, self.width, self.height)


_SVG_SIZE = re.compile(rb'<svg\b[^>]*?\sviewBox="\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)[\s,]+([\d.]+)\s*"')


def read_drawing(path: str, data: bytes) -> Drawing | None:
    """The drawing's size, from its viewBox; None when it has none."""
    found = _SVG_SIZE.search(data[:4096])
    return Drawing(path, round(float(found[1])), round(float(found[2]))) if found else None


# The files of images/ and videos/, with the pictures and the drawings among them: what an exercise's media
# are made from.
MediaState = tuple[tuple[Path, ...], tuple[Picture, ...], tuple[Drawing, ...]]


class NotAPicture(ValueError):
    """The file cannot be read as a picture; the message says why and what to do."""


def read_picture(source: Path, path: str, data: bytes, avif: bool = False) -> Picture:
    """What a picture file is, or NotAPicture. It is decoded whole, to find a damaged file now rather than
    when its files are made (a JPEG at an eighth of its size: a 12-megapixel photo takes 4 ms)."""
    with _opened(data, small=True) as (image, size):
        width, height = size if image.getexif().get(_ORIENTATION, 1) < 5 else size[::-1]  # 5-8: a quarter turn
    digest = hashlib.blake2b(data, digest_size=16, key=RECIPE + b"avif" * avif).digest()
    return Picture(source, path, digest, width, height, SUFFIXES[source.suffix.lower()], avif)


_ORIENTATION = 0x0112  # the EXIF tag that says how a picture is stored turned or mirrored


@contextmanager
def _opened(data: bytes, small: bool = False) -> Iterator[tuple[Image.Image, tuple[int, int]]]:
    """The picture in `data` decoded (`small`: a JPEG at an eighth of its size), and its size as stored. A
    file that is none, is damaged or would unpack into more pixels than Pillow allows (a "decompression
    bomb") raises NotAPicture."""
    # WeasyPrint, once imported, lets Pillow load damaged files (ImageFile.LOAD_TRUNCATED_IMAGES): not here.
    truncated_allowed, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            size = image.size
            if small:
                image.draft("RGB", (size[0] // 8, size[1] // 8))
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise NotAPicture(f"the picture is too big to unpack safely ({error}); make it smaller") from None
    except UnidentifiedImageError:
        raise NotAPicture("not a JPEG, PNG or WebP picture; replace it with one, or remove it") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise NotAPicture(f"the picture is damaged ({error}); replace it, or remove it") from None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated_allowed
    with image:
        yield image, size


def make_file(data: bytes, file: PictureFile) -> bytes:
    """The bytes of one file of the picture in `data`: upright, resized, without metadata."""
    with _opened(data) as (image, _):
        picture = ImageOps.exif_transpose(image, in_place=False)
        if file.format == "JPEG" or picture.mode not in ("RGB", "RGBA", "L", "LA"):
            picture = picture.convert("RGB" if file.format == "JPEG" or "A" not in picture.getbands() else "RGBA")
        if picture.size != (file.width, file.height):
            picture = picture.resize((file.width, file.height), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        # No exif=, icc_profile= nor pnginfo=: nothing of the original's metadata is written.
        options = {"quality": QUALITY} if file.format in ("JPEG", "WEBP", "AVIF") else {"optimize": True}
        picture.save(out, file.format, **options)
        return out.getvalue()


class PictureFiles:
    """The bytes of pictures' files, kept in a cache folder (sealed, see seal.py) by the picture's digest
    and the file's width and format: a picture is encoded once, not at every build."""

    def __init__(self, folder: Path, use_cache: bool = True, in_memory: bool = False) -> None:
        self.folder = folder
        self.use_cache = use_cache
        self.in_memory = in_memory  # for `serve`: keep the files used by the last build, not read them again
        self._in_memory: dict[str, bytes] = {}
        self.used: set[str] = set()  # the names this build asked for
        self.pending: dict[str, tuple[Picture, PictureFile]] = {}  # asked for without waiting, not made yet
        self.failed: set[str] = set()  # pending once, and could not be made

    def bytes_of(self, static: StaticFile, wait: bool = True) -> bytes | None:
        """The bytes of a file of the site that is made from one file: a picture's, or a copy. Without
        `wait`, a picture's file that is not made yet is None, and pending for `make_pending`."""
        if static.picture is None:
            return static.source.read_bytes()
        return self.data(static.picture, static.picture.file_at(static.path), wait)

    def key_of(self, static: StaticFile) -> str | None:
        """For a picture's file, what it is made from, known without reading it (its name in the cache, which
        this build then keeps); None for a copied file, which is known by its bytes."""
        if static.picture is None:
            return None
        return self._used_name(static.picture, static.picture.file_at(static.path))

    def _used_name(self, picture: Picture, file: PictureFile) -> str:
        name = f"{picture.digest.hex()}-{file.width}.{file.format.lower()}"
        self.used.add(name)
        return name

    def data(self, picture: Picture, file: PictureFile, wait: bool = True) -> bytes | None:
        name = self._used_name(picture, file)
        if name in self._in_memory:
            return self._in_memory[name]
        kept = read_sealed(self.folder / name) if self.use_cache else None
        if kept is not None:
            return self._remember(name, kept)
        if not wait:
            if name not in self.failed:
                self.pending[name] = (picture, file)
            return None
        return self._make(name, picture, file)

    def make_pending(self) -> list[Problem]:
        """Make the files that were asked for without waiting (`serve` does it in a thread of its own); the
        problems of those that could not be made, which are not asked for again."""
        problems = []
        while self.pending:
            name, (picture, file) = self.pending.popitem()
            try:
                self._make(name, picture, file)
            except ContentError as error:
                self.failed.add(name)
                problems += error.problems
        return problems

    def _make(self, name: str, picture: Picture, file: PictureFile) -> bytes:
        try:  # the picture was read whole once, at an eighth of its size: rarely, it fails now
            data = make_file(picture.source.read_bytes(), file)
        except (OSError, NotAPicture) as error:
            raise ContentError([Problem(picture.source, 1, str(error))]) from None
        self.folder.mkdir(parents=True, exist_ok=True)
        replace_file(self.folder / name, lambda out: out.write(data))
        return self._remember(name, data)

    def _remember(self, name: str, data: bytes) -> bytes:
        if self.in_memory:
            self._in_memory[name] = data
        return data

    def next_build(self) -> None:
        """Start a build: keep in memory only what the last one used."""
        self._in_memory = {name: data for name, data in self._in_memory.items() if name in self.used}
        self.used = set()

    def keep_only_used(self) -> None:
        """Forget the files of pictures that this build did not ask for."""
        if self.folder.is_dir():
            for path in self.folder.iterdir():
                if path.name not in self.used:
                    path.unlink(missing_ok=True)


Read = TypeVar("Read")


class PictureReader:
    """Reads pictures and drawings, and reads one again only when its size or time changed (nothing else is
    kept)."""

    def __init__(self) -> None:
        self._known: dict[Path, tuple[tuple, object]] = {}  # by file: (its size, time and `avif`), what was read

    def drawing(self, source: Path, path: str) -> Drawing | None:
        return self._read(source, (), lambda data: read_drawing(path, data))

    def read(self, source: Path, path: str, avif: bool = False) -> Picture | NotAPicture:
        def picture(data: bytes) -> Picture | NotAPicture:
            try:
                return read_picture(source, path, data, avif)
            except NotAPicture as error:
                return error
        return self._read(source, (avif,), picture)

    def _read(self, source: Path, options: tuple, make: Callable[[bytes], Read]) -> Read:
        stat = source.stat()
        seen = (stat.st_size, stat.st_mtime_ns, *options)
        known = self._known.get(source)
        if known is None or known[0] != seen:
            known = self._known[source] = seen, make(source.read_bytes())
        return cast(Read, known[1])
