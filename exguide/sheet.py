"""The one-page print sheet of a routine: which type size fits, the tick-box log, the QR code.

Browsers cannot shrink type to fit a page, so the build estimates, from the text itself, the largest
type step at which the routine fits one sheet of both A4 and US Letter, and names it in the page.
Before the type shrinks, the exercises' pictures do, and then they go: each step of a sheet is a type
step and the width of its pictures. The estimate errs on the long side; the PDF stage checks it against
a real layout.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

import segno

from .body import plain_text
from .model import Exercise, Routine
from .paths import path_of
from .schema import Dose

# Type steps, largest first; the last keeps 8 pt (the legibility floor) and runs the steps together.
SIZES_PT = (10.0, 9.5, 9.0, 8.5, 8.0, 8.0)
LINE_HEIGHTS = (1.2, 1.2, 1.2, 1.2, 1.15, 1.15)  # as the stylesheet's .sheet.fit-N rules say
RUN_IN_LEVEL = len(SIZES_PT) - 1
PICTURE_MM = (26, 18, 12)  # the widths of the pictures beside the exercises: the last is kept as the type shrinks
PICTURE_GAP_MM = 2
TALLEST = 1.0  # a tall picture is shown no taller than wide (the stylesheet's max-height)
VIDEO_QR_MM = 16  # the QR code of an exercise's video, under its picture while the pictures are this wide or more

# The printable area common to A4 and US Letter with the stylesheet's 8 mm margins, in mm.
PAGE_WIDTH_MM = 194.0   # A4 is the narrower
PAGE_HEIGHT_MM = 263.4  # Letter is the shorter
COLUMN_GAP_MM = 6.0
PT_TO_MM = 0.3528
# Calibrated against Chromium's print layout with DejaVu Sans, a wide face: the estimate runs 3-12 % above
# the real height at every step for the bundled routine and the limit fixture of the tests, and further
# above it with the Arial-metric faces the print stylesheet asks for.
CHAR_WIDTH_EM = 0.5
BOLD_WIDTH = 1.1         # bold titles take a tenth more room
STEP_INDENT_MM = 5.0
HEADER_LINES = 3.5       # routine title (1.6 em), guide title and frequency, rule
LOG_ROW_MM = 4.4         # 8 pt text with padding and borders
FOOTER_MM = 12           # address and credit lines
QR_MM = 23


@dataclass(frozen=True)
class PrintSheet:
    level: int
    fits: bool
    log_caption: str
    log_columns: tuple[str, ...]
    address: str | None = None
    qr_svg: str | None = None
    picture_mm: int = 0  # the width of the pictures beside the exercises; 0: none
    video_qrs: tuple[str | None, ...] = ()  # each exercise's video's QR code, if it has one

    @property
    def run_in(self) -> bool:
        return self.level == RUN_IN_LEVEL

    @property
    def shows_video_qrs(self) -> bool:
        return self.picture_mm >= VIDEO_QR_MM


def sheet_steps(routine: Routine) -> tuple[tuple[int, int], ...]:
    """The (type step, picture width) a sheet tries, in order: the pictures shrink before the type does, and
    keep their smallest width as it shrinks; they go only when even the smallest type does not fit with them.
    A routine whose exercises have no picture (nor video, whose QR code goes under it) tries the type steps
    alone."""
    if not any(item.exercise.sheet_picture or item.exercise.video for item in routine.items):
        return TYPE_STEPS
    return PICTURE_STEPS


TYPE_STEPS = tuple((level, 0) for level in range(len(SIZES_PT)))
PICTURE_STEPS = ((0, PICTURE_MM[0]), (0, PICTURE_MM[1]), *((level, PICTURE_MM[-1]) for level in range(len(SIZES_PT))),
                 (RUN_IN_LEVEL, 0))


def plan_sheet(routine: Routine, page_url: str | None, start_step: int = 0, estimate: bool = True) -> PrintSheet:
    """The first step of `sheet_steps`, from `start_step` on, at which the routine fits on one page.

    With `estimate` off the sheet is set at `start_step`, for a caller that measures the fit itself.
    """
    steps = sheet_steps(routine)
    fitting = (steps[step] for step in range(min(start_step, len(steps) - 1), len(steps))
               if not estimate or estimated_height(routine, *steps[step], has_qr=page_url is not None) <= 1)
    found = next(fitting, None)
    level, picture_mm = found or steps[-1]
    return PrintSheet(
        level=level,
        fits=found is not None,
        picture_mm=picture_mm,
        log_caption=log_caption(routine.frequency),
        log_columns=log_columns(routine.frequency),
        address=page_url,
        qr_svg=_qr_svg(page_url) if page_url else None,
        video_qrs=_video_qrs(routine, page_url),
    )


def _video_qrs(routine: Routine, page_url: str | None) -> tuple[str | None, ...]:
    """The QR code of each exercise's video: a host's address, or a file's on the published site."""
    if not any(item.exercise.video for item in routine.items):
        return ()
    site_url = page_url.removesuffix(path_of(routine).removesuffix("index.html")) if page_url else None
    addresses = (_video_address(item.exercise, site_url) for item in routine.items)
    return tuple(_qr_svg(address) if address else None for address in addresses)


def _video_address(exercise: Exercise, site_url: str | None) -> str | None:
    """Where its video is: a host's address, or a file's on the published site (None when it is not)."""
    video = exercise.video
    if video is None:
        return None
    return video.address if video.host else (site_url + video.address if site_url else None)


def _has_video_qr(exercise: Exercise, published: bool) -> bool:
    """Whether the exercise's line has a QR code of its video: a file's needs the site's address."""
    return exercise.video is not None and (bool(exercise.video.host) or published)


# The PDF stage lays a sheet out from the first step whose estimate is at most this: the estimate errs on the
# long side (by 3 to 20 %, the most with the narrower Arial-metric faces), and the real layout decides.
HOPEFUL = 1.05


def first_step_to_lay_out(routine: Routine, has_qr: bool) -> int:
    """Where the PDF stage starts: the first of `sheet_steps` that may well fit (see HOPEFUL)."""
    steps = sheet_steps(routine)
    hopeful = (index for index, step in enumerate(steps) if estimated_height(routine, *step, has_qr=has_qr) <= HOPEFUL)
    return next(hopeful, len(steps) - 1)


def estimated_height(routine: Routine, level: int, picture_mm: int = 0, has_qr: bool = True) -> float:
    """The routine's printed height at `level` with pictures `picture_mm` wide, as a fraction of the usable
    page height."""
    items_mm = [item_height(item.exercise, item.dose, level, picture_mm, has_qr) for item in routine.items]
    return sheet_height(items_mm, level, has_qr)


def sheet_height(items_mm: list[float], level: int, has_qr: bool) -> float:
    """The sheet's height, as a fraction of the page, from the heights of its exercises at `level`."""
    blocks = [*items_mm, (len(items_mm) + 2) * LOG_ROW_MM + 3, FOOTER_MM + (QR_MM if has_qr else 0)]
    # Columns are balanced but a block is never split, so a column may run one block longer.
    columns_mm = max(max(blocks), sum(blocks) / 2 + max(blocks) / 2)
    return (header_height(level) + columns_mm) / PAGE_HEIGHT_MM


def header_height(level: int) -> float:
    return HEADER_LINES * SIZES_PT[level] * PT_TO_MM * LINE_HEIGHTS[level] + 3


COLUMN_MM = (PAGE_WIDTH_MM - COLUMN_GAP_MM) / 2


def item_heights(exercise: Exercise, dose: Dose) -> tuple[float, ...]:
    """The printed height in mm of one exercise of a sheet, at each type step, without its picture."""
    caution = "Caution: " + exercise.cautions[0] if exercise.cautions else ""
    return _text_heights(exercise.title, dose.describe(), exercise.steps, caution)


def item_height(exercise: Exercise, dose: Dose, level: int, picture_mm: int, published: bool = False) -> float:
    """The printed height in mm of one exercise of a sheet, with its picture `picture_mm` wide beside its text,
    and its video's QR code under the picture (see PrintSheet.shows_video_qrs). The lines beside them are
    shorter by their width: what they cannot hold takes more lines."""
    text_mm = item_heights(exercise, dose)[level]
    picture = exercise.sheet_picture if picture_mm else None
    qr_mm = VIDEO_QR_MM if picture_mm >= VIDEO_QR_MM and _has_video_qr(exercise, published) else 0
    if picture is None and not qr_mm:
        return text_mm
    beside_mm = (picture_mm * min(picture.height_by_width, TALLEST) if picture else 0) + qr_mm
    displaced_mm = min(beside_mm, text_mm) * (max(picture_mm if picture else 0, qr_mm) + PICTURE_GAP_MM) / COLUMN_MM
    return max(text_mm + displaced_mm, beside_mm + 2)


@functools.lru_cache(maxsize=65_536)  # a pure function of the text; serve asks again on every rebuild
def _text_heights(title: str, dose_words: str, steps_html: tuple[str, ...], caution: str) -> tuple[float, ...]:
    steps = [plain_text(step) for step in steps_html]
    return tuple(_item_height(title, dose_words, steps, caution, level) for level in range(len(SIZES_PT)))


def _item_height(title: str, dose_words: str, steps: list[str], caution: str, level: int) -> float:
    column_mm = COLUMN_MM
    size_mm = SIZES_PT[level] * PT_TO_MM
    line_mm = size_mm * LINE_HEIGHTS[level]
    characters_per_line = column_mm / (CHAR_WIDTH_EM * size_mm)
    step_characters = (column_mm - STEP_INDENT_MM) / (CHAR_WIDTH_EM * size_mm)
    if level == RUN_IN_LEVEL:  # title and dose run together, and so do the steps and the caution
        what = len(title) * BOLD_WIDTH + len(f" · {dose_words}")
        how = len(" ".join(f"{n}. {s}" for n, s in enumerate(steps, 1)) + " " + caution)
        return (_lines(what, characters_per_line) + _lines(how, characters_per_line)) * line_mm + 2.5
    title_lines = _lines(len(title) * BOLD_WIDTH * 1.1, characters_per_line) * 1.1
    dose_lines = _lines(len(dose_words), characters_per_line) if dose_words else 0
    step_lines = sum(_lines(len(step), step_characters) for step in steps)
    caution_lines = _lines(len(caution), characters_per_line) if caution else 0
    return (title_lines + dose_lines + step_lines + caution_lines) * line_mm + 3


def _lines(characters: float, characters_per_line: float) -> int:
    return max(1, math.ceil(characters / characters_per_line))


_WEEKLY = re.compile(r"\b(\d+|once|twice|three|four|five|six)\s*(?:times?|x|×)?\s*(?:a|per|/)\s*week", re.I)
_NUMBERS = {"once": 1, "twice": 2, "three": 3, "four": 4, "five": 5, "six": 6}


def sessions_a_week(frequency: str) -> int | None:
    """N for a routine done 'N times a week' (fewer than 7), else None."""
    weekly = _WEEKLY.search(frequency)
    sessions = weekly and (_NUMBERS.get(weekly.group(1).lower()) or int(weekly.group(1)))
    return sessions if sessions and 1 <= sessions < 7 else None


def log_columns(frequency: str) -> tuple[str, ...]:
    """One column per session for 'N times a week', else one per day for 7 days."""
    return tuple(str(n) for n in range(1, (sessions_a_week(frequency) or 7) + 1))


def log_caption(frequency: str) -> str:
    return "Tick a box each session this week" if sessions_a_week(frequency) else "Tick a box each day for a week"


def _qr_svg(url: str) -> str:
    """An inline SVG QR code of the page's address."""
    code = segno.make(url, error="m")
    return code.svg_inline(scale=2, border=0, svgclass="qr", lineclass=None, omitsize=True, title=f"QR code: {url}")


def custom_routine_layout() -> dict:
    """The sizes the build-your-own routine page lays out a sheet with, in mm, as plain data."""
    return {"page": PAGE_HEIGHT_MM, "header": [round(header_height(level), 2) for level in range(len(SIZES_PT))],
            "logRow": LOG_ROW_MM, "footer": FOOTER_MM, "qr": QR_MM, "pictureSteps": PICTURE_STEPS}


def custom_routine_entry(exercise: Exercise, link: str, picture_link: str | None = None) -> dict:
    """What that page needs of one exercise, its address and its picture's relative to the page included: its
    heights at each type step, and, with a picture, at each of PICTURE_STEPS."""
    entry = {
        "title": exercise.title,
        "url": link,
        "dose": exercise.dose.describe(),
        "steps": list(exercise.steps),
        "caution": exercise.cautions[0] if exercise.cautions else "",
        "heights": [round(h, 2) for h in item_heights(exercise, exercise.dose)],
    }
    picture = exercise.sheet_picture
    if picture is not None and picture_link is not None:
        entry["picture"] = [picture_link, picture.width, picture.height, picture.alt]
        entry["pictureHeights"] = [round(item_height(exercise, exercise.dose, *step), 2) for step in PICTURE_STEPS]
    return entry
