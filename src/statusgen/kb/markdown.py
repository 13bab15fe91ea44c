"""Small pure helpers that write plain Markdown: escaping, links, tables, nesting.

Everything generated for the knowledge base goes through these, so pages only use what
Python-Markdown, pymdown-extensions and Material render (tables, admonitions, attribute
lists, grid cards) and read the same in MkDocs, ProperDocs and Zensical.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections.abc import Iterable, Sequence

import yaml

from ..validate.policy import human_duration

__all__ = [
    "escape",
    "cell",
    "duration",
    "frontmatter",
    "drop_title",
    "indent",
    "insert_before_sections",
    "link",
    "nest_headings",
    "page_title",
    "relative",
    "slug",
    "table",
    "when",
]

_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")
_HEADING = re.compile(r"^( {0,3})(#{1,6})([ \t]|$)")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def escape(text: str) -> str:
    """Text shown as is in inline Markdown (titles, names), on one line."""
    return _INLINE_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def cell(markdown: str) -> str:
    """Inline Markdown made safe for one table cell."""
    return " ".join(markdown.split()).replace("|", "\\|")


def relative(from_page: str, to_page: str) -> str:
    """The link from one docs page to another (both POSIX paths relative to the docs root)."""
    target, _, anchor = to_page.partition("#")
    path = posixpath.relpath(target, posixpath.dirname(from_page) or ".") if target else ""
    return f"{path}#{anchor}" if anchor else path


def link(text: str, from_page: str, to_page: str) -> str:
    return f"[{escape(text)}]({relative(from_page, to_page)})"


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A Markdown table; cells are inline Markdown (already escaped)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def indent(markdown: str, spaces: int = 4) -> str:
    pad = " " * spaces
    return "\n".join(pad + line if line.strip() else "" for line in markdown.splitlines())


def nest_headings(markdown: str, top: int) -> str:
    """Shift the headings of an embedded document so its highest level becomes ``top``
    (deeper ones follow, capped at 6); fenced code is left alone."""
    lines = markdown.splitlines()
    levels = []
    fence: str | None = None
    for line in lines:
        fence = _track_fence(line, fence)
        if fence is None and (match := _HEADING.match(line)):
            levels.append(len(match.group(2)))
    if not levels:
        return markdown
    shift = top - min(levels)
    out = []
    fence = None
    for line in lines:
        before: str | None = fence
        fence = _track_fence(line, fence)
        if before is None and fence is None and (match := _HEADING.match(line)):
            level = min(6, len(match.group(2)) + shift)
            line = match.group(1) + "#" * level + line[match.end(2) :]
        out.append(line)
    return "\n".join(out)


def _track_fence(line: str, fence: str | None) -> str | None:
    match = _FENCE.match(line)
    if not match:
        return fence
    marker = match.group(1)
    if fence is None:
        return marker
    if marker[0] == fence[0] and len(marker) >= len(fence) and not line.strip()[len(marker) :].strip():
        return None
    return fence


def drop_title(markdown: str) -> str:
    """The text without level-1 headings (a report's own title repeats the page's)."""
    out = []
    fence: str | None = None
    for line in markdown.splitlines():
        before = fence
        fence = _track_fence(line, fence)
        if before is None and fence is None and (match := _HEADING.match(line)) and len(match.group(2)) == 1:
            continue
        out.append(line)
    return "\n".join(out)


def frontmatter(title: str, tags: Sequence[str] = (), **extra: object) -> str:
    data: dict[str, object] = {"title": title}
    if tags:
        data["tags"] = list(tags)
    data.update(extra)
    return "---\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000) + "---\n\n"


def when(moment: dt.datetime, zone: dt.tzinfo) -> str:
    """``2026-11-20 14:55 CET``: every time shows its zone."""
    local = moment.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def duration(span: dt.timedelta | None) -> str:
    return "—" if span is None else human_duration(span)


def slug(text: str) -> str:
    """An id-safe ASCII slug (``Jonas Weber`` → ``jonas-weber``); may be empty."""
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")


def insert_before_sections(markdown: str, insert: str) -> str:
    """``insert`` placed before the first level-2 heading (after the title and introduction),
    or at the end when there is none."""
    lines = markdown.splitlines(keepends=True)
    fence: str | None = None
    for index, line in enumerate(lines):
        before = fence
        fence = _track_fence(line.rstrip("\n"), fence)
        if before is None and fence is None and (match := _HEADING.match(line)) and len(match.group(2)) == 2:
            return "".join(lines[:index]) + insert + "".join(lines[index:])
    return markdown.rstrip("\n") + "\n\n" + insert


def page_title(markdown: str) -> str | None:
    """The text of the first level-1 heading outside fenced code, if any."""
    fence: str | None = None
    for line in markdown.splitlines():
        before = fence
        fence = _track_fence(line, fence)
        if before is None and fence is None and (match := _HEADING.match(line)) and len(match.group(2)) == 1:
            return line[match.end() :].strip().rstrip("#").strip() or None
    return None
