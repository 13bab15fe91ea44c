"""The fast paths of ``markdown_to_html`` (plain prose, plain documents) give the Markdown parser's bytes."""

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


DOCUMENT_PIECES = [
    *"abZé09 .:'(-%#*|\n",
    "\n\n",
    "### ",
    "## ",
    "#### ",
    "**",
    "| ",
    " |",
    "|---|---|\n",
    "|---|\n",
    "|:--|--:|\n",
    "| a | b |\n",
    "| **x.** | y z |\n",
    "  ",
    "\xa0",
    "1. ",
    "- ",
    "=",
]


@settings(max_examples=2500, deadline=None)
@given(st.lists(st.sampled_from(DOCUMENT_PIECES), max_size=40).map("".join))
def test_document_fast_path_equals_the_markdown_parser(text: str) -> None:
    document = markup.plain_document(text)
    assert document is None or document == _parsed(text)


def test_postmortems_take_the_document_fast_path() -> None:
    text = (
        "### Summary\n\nOn 2025-09-25, the API was affected for 2 h.\nNo data was lost.\n\n### Timeline\n\n"
        "| time | event |\n|---|---|\n| 04:22 | **Impact begins.** |\n| 04:44 | Alert pages the on-call engineer. |\n"
        "\nWe also fixed the immediate trigger.\n"
    )
    assert markup.plain_document(text) is not None
    assert markup.markdown_to_html(text) == _parsed(text)
    unusual = ("## Level two", "### Title ###", "| a | b |\n|:-|-|\n| 1 | 2 |", "| a | b |\n|---|---|\n| 1 |", "a *b*")
    for text in unusual:
        assert markup.plain_document(text) is None
