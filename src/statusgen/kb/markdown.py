"""Small pure helpers that write plain Markdown: escaping, links, tables, nesting.

Everything generated for the knowledge base goes through these, so pages only use what
Python-Markdown, pymdown-extensions and Material render (tables, admonitions, attribute
lists, grid cards) and read the same in MkDocs, ProperDocs and Zensical.
"""

from __future__ import annotations

import datetime as dt
import functools
import posixpath
import re
from collections.abc import Callable, Iterable, Sequence

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
    path = _relpath(target, posixpath.dirname(from_page) or ".") if target else ""
    return f"{path}#{anchor}" if anchor else path


def _relpath(target: str, start: str) -> str:
    # posixpath.relpath resolves both paths against the working directory on every call; the
    # folders of a site are few, so their relation is worked out once per pair of folders.
    if _plain_path(target) and (start == "." or _plain_path(start)) and not f"{start}/".startswith(f"{target}/"):
        folder, name = posixpath.split(target)
        way = _folder_relpath(folder or ".", start)
        return name if way == "." else f"{way}/{name}"
    return posixpath.relpath(target, start)


def _plain_path(path: str) -> bool:
    """Relative, without empty, '.' or '..' parts: what relpath needs no working directory for."""
    return not {"", ".", ".."} & set(path.split("/"))


@functools.lru_cache(maxsize=4096)
def _folder_relpath(folder: str, start: str) -> str:
    return posixpath.relpath(folder, start)


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
    lines, headings = _headings(markdown)
    if not headings:
        return markdown
    shift = top - min(len(match["hashes"]) for _, match in headings)
    for number, match in headings:
        level = min(6, len(match["hashes"]) + shift)
        lines[number] = match["pad"] + "#" * level + lines[number][len(match["pad"]) + len(match["hashes"]) :]
    return "\n".join(lines)


def drop_title(markdown: str) -> str:
    """The text without level-1 headings (a report's own title repeats the page's)."""
    lines, headings = _headings(markdown)
    for number, match in reversed(headings):
        if len(match["hashes"]) == 1:
            del lines[number]
    return "\n".join(lines)


# Lines that open or close fenced code, and headings; found in the whole text at once, since
# a document is mostly lines that are neither.
_BLOCK_START = re.compile(r"^(?P<pad> {0,3})(?:(?P<fence>`{3,}|~{3,})|(?P<hashes>#{1,6})(?:[ \t]|$))", re.MULTILINE)


def _headings(markdown: str) -> tuple[list[str], list[tuple[int, re.Match[str]]]]:
    """The lines of ``markdown`` (as ``str.splitlines``) and its headings outside fenced code,
    each with the number of its line."""
    lines = markdown.splitlines()
    text = "\n".join(lines)
    headings = []
    fence: str | None = None
    number, counted = 0, 0
    for match in _BLOCK_START.finditer(text):
        number += text.count("\n", counted, match.start())
        counted = match.start()
        if match["fence"] is not None:
            fence = _track_fence(lines[number], fence)
        elif fence is None:
            headings.append((number, match))
    return lines, headings


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


def frontmatter(title: str, tags: Sequence[str] = (), **extra: object) -> str:
    data: dict[str, object] = {"title": title}
    if tags:
        data["tags"] = list(tags)
    data.update(extra)
    text = _plain_yaml(data)
    if text is None:
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    return "---\n" + text + "---\n\n"


# What PyYAML writes unquoted on one line: no indicator first, no ':' or '#', no control, line
# break or byte-order mark, no space at either end (its Emitter.analyze_scalar, simplified to
# refuse more). Longer text could be folded at the dumper's width.
_PLAIN_SCALAR = re.compile(
    r"[A-Za-z0-9_(\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010fffe]"
    r"[^\x00-\x1f\x7f-\x9f:#\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff\U0010ffff]{0,800}"
)
_STR_TAG = "tag:yaml.org,2002:str"
_RESOLVE: Callable[[type[yaml.Node], str, tuple[bool, bool]], str] = yaml.resolver.Resolver().resolve


def _plain(value: object) -> bool:
    return (
        isinstance(value, str)
        and _PLAIN_SCALAR.fullmatch(value) is not None
        and not value.endswith(" ")
        and _RESOLVE(yaml.ScalarNode, value, (True, False)) == _STR_TAG
    )


def _plain_yaml(data: dict[str, object]) -> str | None:
    """``yaml.safe_dump(data)`` for a mapping of plain strings and non-empty lists of them,
    written directly (the dumper costs a millisecond a page); None for anything else."""
    lines = []
    for key, value in data.items():
        if not _plain(key):
            return None
        if isinstance(value, list) and value and all(_plain(item) for item in value):
            lines.append(f"{key}:\n" + "".join(f"- {item}\n" for item in value))
        elif _plain(value):
            lines.append(f"{key}: {value}\n")
        else:
            return None
    return "".join(lines)


def when(moment: dt.datetime, zone: dt.tzinfo) -> str:
    """``2026-11-20 14:55 CET``: every time shows its zone."""
    local = moment.astimezone(zone)
    if local.year < 1000:  # strftime does not pad the year to four digits; isoformat does
        return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"
    return f"{local.isoformat(' ', 'minutes')[:16]} {local.tzname()}"


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
