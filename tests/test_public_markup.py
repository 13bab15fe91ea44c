"""The plain-prose fast path of ``markdown_to_html`` gives the Markdown parser's bytes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from statusgen.public import markup
from statusgen.public.api import _PlainText, markdown_to_plain

PIECES = [
    *"abcXYZé019 .,;:?()'\"-–’/@%$^{}\n",
    "\n\n",
    "  ",
    "\xa0",
    "\t",
    "2. ",
    "1) ",
    "http://example.com",
    "  \n",
    " \n",
    "#",
    "*",
    "_",
    "<b>",
    "&amp;",
    "&",
    "=",
    "+ ",
    "- ",
    "> ",
    "`",
    "|",
    "~~~",
    "\u2028",
    "\r\n",
]


def _parsed(text: str) -> str:
    converter = markup._converter()
    converter.reset()
    return markup.nh3.clean(
        converter.convert(text),
        tags=markup._TAGS,
        attributes=markup._ATTRIBUTES,
        url_schemes=markup._SCHEMES,
        link_rel="noopener nofollow",
    )


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_fast_path_equals_the_markdown_parser(text: str) -> None:
    assert markup.markdown_to_html(text) == _parsed(text)


@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_plain_text_fast_path_equals_parsing_the_html(text: str) -> None:
    parser = _PlainText()
    parser.feed(_parsed(text))
    parser.close()
    assert markdown_to_plain(text) == parser.text()


def test_ordinary_messages_take_the_fast_path() -> None:
    for text in (
        "We are investigating elevated error rates on the API.\n",
        "A fix is rolling out (eu-west, 14:30 UTC+01:00).\nWe’ll post again in 30 minutes.\n\nThanks.\n",
    ):
        assert markup.plain_paragraphs(text) is not None
        assert markup.markdown_to_html(text) == _parsed(text)
    for text in ("- a list", "**bold**", "    code", "1. first", "a  \nb", "x & y"):
        assert markup.plain_paragraphs(text) is None
