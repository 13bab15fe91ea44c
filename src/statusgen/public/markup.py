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

__all__ = ["markdown_to_html", "markdown_to_text", "plain_paragraphs"]

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
    lines: list[str] = []
    for line in text.split("\n"):
        if not line:
            if lines:
                paragraphs.append("\n".join(lines))
                lines = []
            continue
        first = line[0]
        if (
            not (first.isalnum() or first in "\"'(")
            or line[-1] == " "
            or not line.isprintable()
            or (first.isdigit() and _LIST_START.match(line))
        ):
            return None
        lines.append(line)
    if lines:
        paragraphs.append("\n".join(lines))
    return paragraphs


def markdown_to_html(text: str) -> str:
    """Rendered and sanitized HTML; safe to place in a page, a feed or JSON."""
    paragraphs = plain_paragraphs(text)
    if paragraphs is not None:
        return "\n".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    converter = _converter()
    converter.reset()
    rendered = converter.convert(text)
    return nh3.clean(rendered, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes=_SCHEMES, link_rel="noopener nofollow")


def markdown_to_text(text: str) -> str:
    """Plain text (no markup at all), e.g. for calendars, badges and chat messages."""
    return html.unescape(_TAG.sub("", markdown_to_html(text))).strip()
