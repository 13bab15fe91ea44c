"""The knowledge base's Markdown helpers give the bytes of the slow, obvious way of writing them."""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zoneinfo

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from statusgen.kb.markdown import drop_title, frontmatter, nest_headings, relative, when

# --- frontmatter: written directly for plain strings, as PyYAML's dumper writes them ---------------

_PIECES = [*"aZ09 _-:#'\"!&*|>%@`,?[]{}()~.\t\n\r\\é—", "yes", "null", "0x1", "1e3", ".inf", "\ufeff", "\u2028", "\x85"]
_TEXT = st.lists(st.one_of(st.sampled_from(_PIECES), st.characters()), max_size=12).map("".join)


@settings(max_examples=1000, deadline=None)
@given(title=st.one_of(_TEXT, st.sampled_from(["Yes", "NULL", "2026-01-01", "1_000", "~", "- x", "a: b", "x "])))
def test_frontmatter_is_what_yaml_writes(title: str) -> None:
    tags = [title, "sev-1", f"{title}x"]
    for chosen in ([], tags):
        data: dict[str, object] = {"title": title, **({"tags": chosen} if chosen else {})}
        expected = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
        assert frontmatter(title, chosen) == "---\n" + expected + "---\n\n"


def test_frontmatter_of_a_long_title_is_what_yaml_writes() -> None:
    title = " ".join(["word"] * 400)
    expected = yaml.safe_dump({"title": title}, allow_unicode=True, sort_keys=False, width=1000)
    assert frontmatter(title) == "---\n" + expected + "---\n\n"


# --- headings: found in the whole text at once, as a line-by-line reading finds them -------------

_HEADING = re.compile(r"^( {0,3})(#{1,6})([ \t]|$)")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def _fence_after(line: str, fence: str | None) -> str | None:
    match = _FENCE.match(line)
    if not match:
        return fence
    marker = match.group(1)
    if fence is None:
        return marker
    if marker[0] == fence[0] and len(marker) >= len(fence) and not line.strip()[len(marker) :].strip():
        return None
    return fence


def _headings_by_line(markdown: str) -> list[tuple[int, re.Match[str]]]:
    found = []
    fence: str | None = None
    for number, line in enumerate(markdown.splitlines()):
        before, fence = fence, _fence_after(line, fence)
        if before is None and fence is None and (match := _HEADING.match(line)):
            found.append((number, match))
    return found


def _nest_by_line(markdown: str, top: int) -> str:
    headings = _headings_by_line(markdown)
    if not headings:
        return markdown
    lines = markdown.splitlines()
    shift = top - min(len(match.group(2)) for _, match in headings)
    for number, match in headings:
        level = min(6, len(match.group(2)) + shift)
        lines[number] = match.group(1) + "#" * level + lines[number][match.end(2) :]
    return "\n".join(lines)


def _drop_title_by_line(markdown: str) -> str:
    dropped = {number for number, match in _headings_by_line(markdown) if len(match.group(2)) == 1}
    return "\n".join(line for number, line in enumerate(markdown.splitlines()) if number not in dropped)


_LINES = st.sampled_from(
    ["# T", "## A", "### B", "####### x", "#x", "   # p", "    # code", "##\t", "#", "text", "a # b", "", " "]
    + ["```", "````", "~~~", "~~~~ ", "``` py", "```x```", "``", "\t"]
)
_BREAKS = st.sampled_from(["\n", "\n\n", "\r\n", "\r", "\x0c", "\u2028", "\x85", ""])
_DOCUMENTS = st.lists(st.tuples(_LINES, _BREAKS), max_size=30).map(lambda parts: "".join(a + b for a, b in parts))


@settings(max_examples=1000, deadline=None)
@given(_DOCUMENTS, st.integers(1, 6))
def test_headings_are_found_as_a_line_by_line_reading_finds_them(markdown: str, top: int) -> None:
    assert nest_headings(markdown, top) == _nest_by_line(markdown, top)
    assert drop_title(markdown) == _drop_title_by_line(markdown)


# --- links and times ----------------------------------------------------------------------------

_PARTS = st.sampled_from(["incidents", "2026", "a", "b", "x.md", "index.md", "..", "."])


@settings(max_examples=1000, deadline=None)
@given(st.lists(_PARTS, min_size=1, max_size=4), st.lists(_PARTS, min_size=1, max_size=4), st.booleans())
def test_relative_is_posix_relpath(source: list[str], target: list[str], folder: bool) -> None:
    from_page, to_page = "/".join(source), "/".join(target) + ("/" if folder else "")
    expected = posixpath.relpath(to_page, posixpath.dirname(from_page) or ".")
    assert relative(from_page, to_page) == expected
    assert relative(from_page, to_page + "#here") == expected + "#here"


@given(st.datetimes(timezones=st.just(dt.UTC), min_value=dt.datetime(2, 1, 1)))
def test_when_is_strftime(moment: dt.datetime) -> None:
    zone = zoneinfo.ZoneInfo("Europe/Berlin")
    local = moment.astimezone(zone)
    assert when(moment, zone) == f"{local:%Y-%m-%d %H:%M} {local.tzname()}"
