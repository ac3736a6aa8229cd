"""Content problems: what is wrong, where, and how to fix it."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable


@dataclass(frozen=True, order=True)
class Problem:
    """One finding about the content, reported as `path:line: message`."""

    path: Path
    line: int
    message: str
    severity: str = "error"

    def format(self) -> str:
        prefix = "" if self.severity == "error" else f"{self.severity}: "
        return f"{display_path(self.path)}:{self.line}: {prefix}{self.message}"


class ContentError(Exception):
    """Raised by a stage when the content cannot be built; carries every problem found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(p.format() for p in self.problems))

    def __reduce__(self):  # from a worker process, with its problems rather than its message
        return ContentError, (self.problems,)


class PdfEngineMissing(RuntimeError):
    """WeasyPrint, or the Pango library it needs, cannot be loaded on this machine."""


def display_path(path: Path) -> str:
    """The path as the author knows it: relative to the working folder when inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if relative.startswith("..") else relative


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """The closest choice to a misspelt word, if one is close enough."""
    matches = difflib.get_close_matches(word, sorted(set(choices)), n=1, cutoff=0.6)
    return matches[0] if matches else None


def suggestion(word: str, choices: Iterable[str]) -> str:
    """`; did you mean 'x'?` or an empty string."""
    match = did_you_mean(word, choices)
    return f"; did you mean '{match}'?" if match else ""
