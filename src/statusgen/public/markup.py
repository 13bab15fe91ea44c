"""Customer-facing Markdown → safe HTML and plain text.

Update messages are written by people under stress and published to the world: they are
rendered with Python-Markdown and then sanitized with nh3 (Ammonia), so raw HTML, scripts,
event handlers and ``javascript:`` links never survive, whatever the input.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import markdown
import nh3

__all__ = ["html_to_text", "markdown_to_html", "markdown_to_text", "plain_document", "plain_paragraphs"]

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h3", "h4", "h5", "h6", "hr", "i",
    "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
_SCHEMES = {"http", "https", "mailto"}
_TAG = re.compile(r"<[^>]*>")


@lru_cache(maxsize=1)
def _converter() -> markdown.Markdown:
    return markdown.Markdown(extensions=["sane_lists", "tables", "fenced_code"], output_format="html")


_MARKUP_CHARS = frozenset("\\`*_[]<>&|~\t\r")
_LIST_START = re.compile(r"\d+[.)]")
_DOCUMENT_MARKUP = _MARKUP_CHARS - {"*", "|"}
_PLAIN_TEXT = frozenset("#*|")
"""What plain text inside a heading or a table cell must not hold either."""
_HEADING = re.compile(r"(#{3,6}) (.+)")
_SEPARATOR = re.compile(r"\|(?:-+\|)+")


def plain_paragraphs(text: str) -> list[str] | None:
    """The paragraphs of ``text`` when it is plain prose that Markdown leaves as it is (the
    common case: no markup characters, no indentation, no line ending in spaces); else None.

    Those texts render to ``<p>…</p>`` per paragraph, which nh3 keeps unchanged: writing that
    directly is a hundred times faster than the Markdown parser and gives the same bytes
    (tests/test_public_markup.py compares both on random texts).
    """
    if not _MARKUP_CHARS.isdisjoint(text):
        return None
    paragraphs: list[str] = []
    for block in _blocks(text):
        if not all(_plain_line(line) for line in block):
            return None
        paragraphs.append("\n".join(block))
    return paragraphs


def plain_document(text: str) -> str | None:
    """The HTML of ``text`` when it is made only of plain paragraphs, headings of a level nh3
    keeps (``### …``) and simple tables (no alignment, cells of plain text or ``**plain**``),
    as a postmortem usually is; else None. The same bytes as the Markdown parser and nh3."""
    if not _DOCUMENT_MARKUP.isdisjoint(text):
        return None
    parts: list[str] = []
    for block in _blocks(text):
        first = block[0]
        if first[0] == "#":
            heading = _HEADING.fullmatch(first)
            if heading is None or len(block) > 1 or not _plain_text(heading[2]) or not _plain_line(heading[2]):
                return None
            level, title = len(heading[1]), heading[2]
            parts.append(f"<h{level}>{title}</h{level}>")
        elif first[0] == "|":
            table = _table(block)
            if table is None:
                return None
            parts.append(table)
        else:
            paragraph = "\n".join(block)
            if "*" in paragraph or "|" in paragraph or not all(_plain_line(line) for line in block):
                return None
            parts.append(f"<p>{paragraph}</p>")
    return "\n".join(parts)


def _blocks(text: str) -> list[list[str]]:
    """The lines of ``text`` in runs separated by empty lines."""
    blocks: list[list[str]] = []
    lines: list[str] = []
    for line in text.split("\n"):
        if line:
            lines.append(line)
        elif lines:
            blocks.append(lines)
            lines = []
    if lines:
        blocks.append(lines)
    return blocks


def _plain_line(line: str) -> bool:
    """A line Markdown takes as plain text inside a paragraph (no markup characters checked)."""
    first = line[0]
    return (
        (first.isalnum() or first in "\"'(")
        and line[-1] != " "
        and line.isprintable()
        and not (first.isdigit() and _LIST_START.match(line))
    )


def _plain_text(text: str) -> bool:
    """Text of a heading or a table cell (whose markup characters are already checked) with
    nothing Markdown would read in it."""
    return bool(text) and _PLAIN_TEXT.isdisjoint(text)


def _table(rows: list[str]) -> str | None:
    """A table of a header row, a ``|---|---|`` row and body rows, each ``| cell | cell |``."""
    if len(rows) < 3 or not all(row[-1] == "|" and row[0] == "|" for row in rows):
        return None
    columns = rows[0].count("|") - 1
    if columns < 2 or _SEPARATOR.fullmatch(rows[1]) is None or rows[1].count("|") - 1 != columns:
        return None
    html = ["<table>\n<thead>\n<tr>\n"]
    for index, row in enumerate(rows):
        if index == 1:
            html.append("</tr>\n</thead>\n<tbody>\n")
            continue
        cells = row[1:-1].split("|")
        if len(cells) != columns:
            return None
        if index > 1:
            html.append("<tr>\n")
        tag = "th" if index == 0 else "td"
        for cell in cells:
            cell = cell.strip(" ")
            strong = cell.startswith("**") and cell.endswith("**") and len(cell) > 4
            inner = cell[2:-2] if strong else cell
            if not _plain_text(inner) or inner.strip(" ") != inner or not inner.isprintable():
                return None
            html.append(f"<{tag}><strong>{inner}</strong></{tag}>\n" if strong else f"<{tag}>{inner}</{tag}>\n")
        if index > 1:
            html.append("</tr>\n")
    html.append("</tbody>\n</table>")
    return "".join(html)


def markdown_to_html(text: str) -> str:
    """Rendered and sanitized HTML; safe to place in a page, a feed or JSON."""
    plain = plain_document(text)
    if plain is not None:
        return plain
    converter = _converter()
    converter.reset()
    rendered = converter.convert(text)
    return nh3.clean(rendered, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes=_SCHEMES, link_rel="noopener nofollow")


def markdown_to_text(text: str) -> str:
    """Plain text (no markup at all), e.g. for calendars, badges and chat messages."""
    return html_to_text(markdown_to_html(text))


def html_to_text(rendered: str) -> str:
    """The plain text of what :func:`markdown_to_html` rendered."""
    return html.unescape(_TAG.sub("", rendered)).strip()
