"""Problems found in a site's files, and the formats they are printed in.

Every check returns a list of :class:`Problem`; nothing is raised for bad content. The
command line collects them all, prints them once and decides the exit code.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Level", "Problem", "format_problems", "count_levels"]


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one place in one file."""

    path: str
    """POSIX path relative to the site root."""
    line: int
    """1-based line in the file as written."""
    column: int
    """1-based column."""
    level: Level
    code: str
    """Stable code from the README's table, e.g. ``SG204``."""
    message: str

    @classmethod
    def at(cls, path: str, mark: tuple[int, int], code: str, message: str, level: Level = Level.ERROR) -> Problem:
        """A problem at a (line, column) mark, as :class:`~statusgen.loader.SourceMap` gives them."""
        return cls(path, mark[0], mark[1], level, code, message)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.level} {self.code}: {self.message}"


def count_levels(problems: Iterable[Problem]) -> tuple[int, int]:
    """Return (errors, warnings)."""
    errors = warnings = 0
    for problem in problems:
        if problem.level is Level.ERROR:
            errors += 1
        else:
            warnings += 1
    return errors, warnings


def _github_escape(text: str, *, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def _github_line(problem: Problem) -> str:
    return (
        f"::{problem.level} file={_github_escape(problem.path, property_value=True)},"
        f"line={problem.line},col={problem.column},title={problem.code}"
        f"::{_github_escape(problem.message)}"
    )


def format_problems(problems: Sequence[Problem], output_format: str, *, files: int) -> str:
    """Render problems as ``text``, ``github`` annotations or ``json``."""
    if output_format == "json":
        errors, warnings = count_levels(problems)
        document = {
            "problems": [
                {
                    "path": p.path,
                    "line": p.line,
                    "column": p.column,
                    "level": str(p.level),
                    "code": p.code,
                    "message": p.message,
                }
                for p in problems
            ],
            "errors": errors,
            "warnings": warnings,
            "files": files,
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    render = _github_line if output_format == "github" else str
    return "".join(render(p) + "\n" for p in problems)
