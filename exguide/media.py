"""An exercise's pictures and video as its front matter names them: checked, and made into what pages show."""

from __future__ import annotations

import posixpath
import re
from html import escape
from pathlib import Path
from typing import Mapping
from urllib.parse import unquote

from PIL import features

from .links import is_local, relative_url
from .pictures import SUFFIXES, Drawing, NotAPicture, Picture, PictureReader
from .problems import Problem
from .schema import ExerciseMeta
from .sources import SourceDocument
from .video import Video, read_video

POSTER_WIDTH = 960  # the widest file of a picture that a video's poster takes


def read_pictures(reader: PictureReader, images: tuple[Path, ...], content_dir: Path, problems: list[Problem],
                  avif: bool = False) -> tuple[Picture, ...]:
    """The pictures among the files of images/ (JPEG, PNG and WebP), each read by Pillow (`avif`: to be made
    as AVIF too, which this Pillow must be able to write)."""
    if avif and not features.check("avif"):
        problems.append(Problem(content_dir / "guide.yaml", 1, "avif: this Pillow cannot write AVIF; upgrade it "
                                                               "(pip install --upgrade pillow) or remove 'avif: true'"))
        avif = False
    pictures = []
    for path in images:
        if path.suffix.lower() in SUFFIXES:
            picture = reader.read(path, path.relative_to(content_dir).as_posix(), avif)
            if isinstance(picture, NotAPicture):
                problems.append(Problem(path, 1, str(picture)))
            else:
                pictures.append(picture)
    return tuple(pictures)


def media_problems(meta: ExerciseMeta, document: SourceDocument) -> list[Problem]:
    """Images and a video file must be files of the content, in images/ and videos/."""
    named = [(("images", index, "src"), "image", image.src, "images", "images/ankle.jpg")
             for index, image in enumerate(meta.images)]
    if meta.video is not None:
        if meta.video.poster is not None:
            named.append((("video", "poster"), "poster", meta.video.poster, "images", "images/ankle.jpg"))
        if not meta.video.src.startswith("https://"):
            named.append((("video", "src"), "video", meta.video.src, "videos", "videos/ankle.mp4"))
    return [problem for location, what, path, folder, example in named
            if (problem := _file_problem(document, location, what, path, folder, example)) is not None]


def _file_problem(document: SourceDocument, location: tuple, what: str, path: str, folder: str, example: str
                  ) -> Problem | None:
    line = document.lines.line_of(location)
    parts = Path(path).parts
    if not parts or parts[0] != folder or ".." in parts or Path(path).is_absolute():
        return Problem(document.path, line, f"{what} '{path}' must be a path inside the content folder's "
                                            f"{folder}/, like '{example}'")
    if not (_content_root(document.path) / path).is_file():
        return Problem(document.path, line, f"{what} '{path}' does not exist")
    return None


def _content_root(path: Path) -> Path:
    """The content folder of a file under content/exercises/ or content/routines/."""
    for parent in path.parents:
        if parent.name in ("exercises", "routines"):
            return parent.parent
    return path.parent


def read_drawings(reader: PictureReader, images: tuple[Path, ...], content_dir: Path) -> tuple[Drawing, ...]:
    """The SVG drawings among the files of images/ whose size can be read."""
    read = (reader.drawing(path, path.relative_to(content_dir).as_posix())
            for path in images if path.suffix.lower() == ".svg")
    return tuple(drawing for drawing in read if drawing is not None)


def shown_drawings(meta: ExerciseMeta, drawings: Mapping[str, Drawing]) -> tuple[Drawing, ...]:
    return tuple(drawings[image.src] for image in meta.images if image.src in drawings)


def shown_pictures(meta: ExerciseMeta, document: SourceDocument, links: tuple[str, ...],
                   pictures: Mapping[str, Picture]) -> tuple[Picture, ...]:
    """The raster pictures the exercise shows (an SVG drawing is shown as it is): those its images name,
    then those its body links to (`links`: see links.link_targets)."""
    root = _content_root(document.path).as_posix() + "/"
    named = [image.src for image in meta.images] + [link.removeprefix(root) for link in links]
    return tuple(pictures[path] for path in dict.fromkeys(named) if path in pictures)


BODY_SIZES = "(min-width: 46rem) 44rem, 100vw"  # a picture in the text is as wide as the main column
_IMAGE = re.compile(r'<img alt="([^"]*)" src="([^"]*)"([^>]*)>')  # as Python-Markdown writes an image


def with_pictures(html: str, page_path: str, pictures: tuple[Picture, ...]) -> str:
    """`html`, whose links lead from `page_path` already (see links.rewrite), with each image of one of the
    `pictures` shown from its files, as the exercise's own pictures are: srcset, size, lazily."""
    if not pictures or "<img" not in html:
        return html
    by_path = {picture.path: picture for picture in pictures}
    folder = posixpath.dirname(page_path)

    def srcset(picture: Picture, format: str) -> str:
        files = picture.srcset(format)
        return escape(", ".join(f"{relative_url(page_path, file.path)} {file.width}w" for file in files))

    def shown(match: re.Match) -> str:
        address = match[2]
        target = posixpath.normpath(posixpath.join(folder, unquote(address)))
        picture = by_path.get(target) if is_local(address) else None
        if picture is None:
            return match[0]
        sources = "".join(f'<source type="image/{format.lower()}" srcset="{srcset(picture, format)}" '
                          f'sizes="{BODY_SIZES}">' for format in picture.other_formats)
        return (f'<picture>{sources}<img alt="{match[1]}" src="{address}" srcset="{srcset(picture, picture.format)}" '
                f'sizes="{BODY_SIZES}" width="{picture.largest.width}" height="{picture.largest.height}"{match[3]} '
                'loading="lazy" decoding="async"></picture>')
    return _IMAGE.sub(shown, html)


def exercise_video(meta: ExerciseMeta, pictures: Mapping[str, Picture]) -> Video | None:
    """The exercise's video, with the site path of its poster: the one named, or its first image."""
    if meta.video is None:
        return None
    video = read_video(meta.video.src)
    assert video is not None  # validation has checked it
    poster = meta.video.poster or (meta.images[0].src if meta.images else None)
    if poster in pictures:
        poster = pictures[poster].file_up_to(POSTER_WIDTH).path
    return Video(video.host, video.address, video.player, poster)
