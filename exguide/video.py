"""An exercise's video: a file of the content, or an address on YouTube or Vimeo.

A page loads nothing from another host until the reader asks: it shows a link to the video, which a click
(with JavaScript) turns into the host's player, YouTube's without cookies and Vimeo's without tracking.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic_core import PydanticCustomError

FILE_TYPES = {".mp4": "video/mp4", ".webm": "video/webm"}
ACCEPTED = ("a file under content/videos/, like 'videos/ankle.mp4' (MP4 or WebM), a YouTube address, like "
            "'https://www.youtube.com/watch?v=…' or 'https://youtu.be/…', or a Vimeo one, like "
            "'https://vimeo.com/…'")

_YOUTUBE = re.compile(r"https://(?:(?:www\.|m\.)?youtube\.com/(?:watch\?(?:\S*&)?v=|shorts/|embed/)|youtu\.be/|"
                      r"www\.youtube-nocookie\.com/embed/)(?P<id>[A-Za-z0-9_-]{11})(?:[?&#]\S*)?")
_VIMEO = re.compile(r"https://(?:vimeo\.com/|player\.vimeo\.com/video/)(?P<id>\d+)(?:/(?P<hash>[0-9a-f]+))?"
                    r"(?:[?#]\S*)?")
_FILE = re.compile(r"videos/[^\s?#]+")


@dataclass(frozen=True)
class Video:
    """What a page shows of a video; `poster`: the site path of the picture shown before it plays."""

    host: str  # "" for a file of the content, "YouTube" or "Vimeo"
    address: str  # the file's content path, or the video's page on its host (for the link and the QR code)
    player: str = ""  # the address of the host's player, loaded on a click only
    poster: str | None = None

    @property
    def type(self) -> str:
        return next(kind for suffix, kind in FILE_TYPES.items() if self.address.lower().endswith(suffix))


def check_video_source(value: Any) -> Any:
    """For validation: `value` if it is a video that a guide can show (or no text: others say what is wrong)."""
    if isinstance(value, str) and read_video(value) is None:
        raise PydanticCustomError("video", "video '{value}' is not one a guide can show; write " + ACCEPTED,
                                  {"value": value})
    return value


def source_only(value: Any) -> Any:
    """Lets a video be written as its address alone instead of a mapping."""
    return value if isinstance(value, dict) else {"src": value}


def read_video(src: str) -> Video | None:
    """The video that `src` names, or None when it is none that a guide can show (see ACCEPTED)."""
    if found := _YOUTUBE.fullmatch(src):
        return Video("YouTube", f"https://www.youtube.com/watch?v={found['id']}",
                     f"https://www.youtube-nocookie.com/embed/{found['id']}?autoplay=1")
    if found := _VIMEO.fullmatch(src):
        unlisted = f"&h={found['hash']}" if found["hash"] else ""
        return Video("Vimeo", f"https://vimeo.com/{found['id']}" + (f"/{found['hash']}" if unlisted else ""),
                     f"https://player.vimeo.com/video/{found['id']}?dnt=1&autoplay=1{unlisted}")
    if _FILE.fullmatch(src) and ".." not in src.split("/") and src[src.rfind("."):].lower() in FILE_TYPES:
        return Video("", src)
    return None
