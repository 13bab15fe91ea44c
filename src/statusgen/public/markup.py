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

__all__ = ["markdown_to_html", "markdown_to_text"]

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


def markdown_to_html(text: str) -> str:
    """Rendered and sanitized HTML; safe to place in a page, a feed or JSON."""
    converter = _converter()
    converter.reset()
    rendered = converter.convert(text)
    return nh3.clean(rendered, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes=_SCHEMES, link_rel="noopener nofollow")


def markdown_to_text(text: str) -> str:
    """Plain text (no markup at all), e.g. for calendars, badges and chat messages."""
    return html.unescape(_TAG.sub("", markdown_to_html(text))).strip()
