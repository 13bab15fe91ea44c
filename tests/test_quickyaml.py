"""The quick reader gives libyaml's data, or steps aside: never other data, never data for
text libyaml refuses.

Compared against PyYAML's own loader building the same plain data (``loader._DataLoader``),
value by value with types and time-zone offsets, on the demo site, on generated documents of
the subset with awkward scalars, and on random edits of those documents.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from conftest import CONFIG_TEXT, INCIDENT_TEXT, MAINTENANCE_TEXT, POSTMORTEM_TEXT, UPCOMING_TEXT, text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statusgen import loader
from statusgen.quickyaml import quick_load

REPO = Path(__file__).resolve().parents[1]
PROPERTY = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def quick(source: str) -> Any:
    """The quick reader's data, sharing its caches of tags and lines with every earlier call,
    as the loader does (a cached line must read the same in any document), and without them."""
    data = quick_load(source, loader._PLAIN_TAG_OF, loader._SCALAR_CONSTRUCTORS, loader._LINE_OF)
    assert exact(data) == exact(quick_load(source, {}, loader._SCALAR_CONSTRUCTORS)), source
    return data


def exact(value: Any) -> Any:
    """``value`` with every type and time-zone offset spelled out, for strict comparison."""
    if isinstance(value, dict):
        return ("map", [(exact(key), exact(item)) for key, item in value.items()])
    if isinstance(value, list):
        return ("seq", [exact(item) for item in value])
    if isinstance(value, dt.datetime):
        return ("datetime", value.isoformat(), value.utcoffset())
    return (type(value).__name__, repr(value))


def assert_same_or_declined(source: str) -> bool:
    """Whether the quick reader took ``source``; when it did, libyaml agrees exactly."""
    data = quick(source)
    if data is None:
        return False
    expected = yaml.load(source, Loader=loader._DataLoader)  # noqa: S506 - plain data only
    assert exact(data) == exact(expected), source
    return True


def frontmatter(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("\n---\n", 1)[0].removeprefix("---\n") + "\n"


def test_every_demo_record_is_read_quickly_and_exactly() -> None:
    records = sorted((REPO / "incidents").glob("*/*/*.md"))
    assert len(records) > 15
    for path in records:
        assert assert_same_or_declined(frontmatter(path)), f"{path} left the quick reader"
    assert_same_or_declined((REPO / "statusgen.yml").read_text(encoding="utf-8"))


def test_the_test_fixtures_are_read_quickly_and_exactly() -> None:
    for source in (INCIDENT_TEXT, POSTMORTEM_TEXT, MAINTENANCE_TEXT, UPCOMING_TEXT):
        assert assert_same_or_declined(source.split("\n---\n", 1)[0].removeprefix("---\n") + "\n")
    assert assert_same_or_declined(CONFIG_TEXT)


def test_what_the_subset_leaves_out_goes_to_libyaml() -> None:
    unusual = [
        "a: &x 1\nb: *x\n",
        "a: !!python/object/apply:os.system ['true']\n",
        "a: >\n  folded\n",
        "a: |2\n   indented\n",
        'a: "escaped\\n"\n',
        "a: 'multi\n  line'\n",
        "a: plain\n  continued\n",
        "a: 1\na: 2\n",
        "a:\tb\n",
        "a: b\r\n",
        "yes: 1\n",
        "? a\n: b\n",
        "a: [b, [c]]\n",
        "a: {b: {c: d}}\n",
        "--- \na: b\n",
        "a: b\n...\n",
        "- - a\n",
        "a: b\n c: d\n",
        "a: <<\n",
        "a: 2026-13-45T00:00:00Z\n",
        "key: value: more\n",
        "a: b\n  - c\n",
        "a: |\n\n  late start\n",
    ]
    for source in unusual:
        assert quick(source) is None, source


def test_awkward_scalars_are_typed_as_pyyaml_types_them() -> None:
    source = text(
        """
        null_word: null
        tilde: ~
        yes_word: yes
        off_word: Off
        int: 42
        hex: 0x1F
        octal: 017
        sexagesimal: 1:20
        float: 3.5e3
        infinity: .inf
        date: 2026-11-29
        stamp: 2026-11-29T12:00:00Z
        offset: 2026-11-29T12:00:00-05:30
        spaced stamp: 2026-11-29 12:00:00
        url: https://example.com/a#b
        hash_inside: C# and F#
        comment: value # a comment
        quoted: 'it''s'
        double: "no escapes: here"
        list: [api, 1, yes, 2026-11-29]
        map: {api: operational, web: major_outage}
        empty_list: []
        empty_map: {}
        block: |
          line one

          line three
        stripped: |-
          kept
        nested:
          - at: 2026-11-29T12:00:00+02:00
            status: investigating
          -
          - plain item
        same_column:
        - a
        - b
        after: end
        """
    )
    assert assert_same_or_declined(source.replace("spaced stamp: 2026-11-29 12:00:00\n", ""))


_WORDS = st.sampled_from(
    [
        "api", "web", "a b", "null", "~", "yes", "No", "on", "true", "0", "-1", "+7", "0o17", "0x1f", "1_000",
        "1:30", "190:20:30", "3.14", ".5", "-.inf", ".NaN", "1e3", "2026-11-29", "2026-11-29T12:00:00Z",
        "2026-11-29T12:00:00+05:45", "2026-02-30T12:00:00Z", "2026-11-29t12:00:00z", "=", "<<", "a:b", "a :b",
        "x#y", "x #y", "C#", "é", "ünïcode text", "[x]", "{x}", "a, b", "@at", "`tick`", "%pct", "!bang",
        "&amp", "*star", "|", ">", "-", "- x", "? q", "'", '"', "''", "it's", "a  b", "trailing ", "",
    ]
)  # fmt: skip
_KEYS = st.sampled_from(["title", "at", "status", "x", "a_b", "a-b", "k2", "yes", "null", "1", "on", "key"])


def _scalar_text(word: str, style: str) -> str:
    if style == "single":
        return "'" + word.replace("'", "''") + "'"
    if style == "double":
        return '"' + word + '"'
    if style == "comment":
        return word + " # note"
    return word


@st.composite
def _document(draw: st.DrawFn, indent: int = 0, depth: int = 0) -> str:
    """A block mapping or sequence at ``indent`` in one of the styles YAML allows."""
    pad = " " * indent
    lines: list[str] = []
    as_list = draw(st.booleans())
    for _ in range(draw(st.integers(1, 4))):
        head = f"{pad}- " if as_list else f"{pad}{draw(_KEYS)}:"
        kind = draw(st.sampled_from(["scalar", "scalar", "block", "literal", "flow", "flowmap", "empty", "compact"]))
        if kind == "scalar":
            style = draw(st.sampled_from(["plain", "single", "double", "comment"]))
            lines.append(f"{head} {_scalar_text(draw(_WORDS), style)}")
        elif kind == "block" and depth < 3:
            step = draw(st.sampled_from([1, 2, 4]))
            lines.append(head.rstrip())
            if not as_list and draw(st.booleans()):
                lines.append(draw(_document(indent, depth + 1)).rstrip("\n"))  # a list at the key's column
            else:
                lines.append(draw(_document(indent + step, depth + 1)).rstrip("\n"))
        elif kind == "literal":
            chomp = draw(st.sampled_from(["|", "|-", "|+", "|2", ">"]))
            body = draw(st.lists(st.sampled_from(["text", "", "  more", "# not a comment", "a: b", "- c"]), max_size=4))
            lines.append(f"{head} {chomp}")
            lines.extend(f"{pad}  {line}" if line else "" for line in body)
        elif kind == "flow":
            items = draw(st.lists(_WORDS, max_size=3))
            lines.append(f"{head} [{', '.join(items)}]")
        elif kind == "flowmap":
            pairs = draw(st.lists(st.tuples(_KEYS, _WORDS), max_size=3))
            lines.append(f"{head} {{{', '.join(f'{key}: {value}' for key, value in pairs)}}}")
        elif kind == "compact" and as_list and depth < 3:
            inner = draw(_document(indent + 2, depth + 1)).rstrip("\n")
            lines.append(f"{pad}- {inner[indent + 2 :]}")
        else:
            lines.append(head.rstrip() + draw(st.sampled_from(["", "  # nothing"])))
        if draw(st.integers(0, 5)) == 0:
            lines.append(draw(st.sampled_from(["", "# a comment", "   # indented comment"])))
    return "\n".join(lines) + "\n"


@PROPERTY
@given(_document())
def test_generated_documents_read_as_libyaml_reads_them(source: str) -> None:
    assert_same_or_declined(source)


_EDITS = st.lists(
    st.tuples(st.integers(0, 10_000), st.integers(0, 2), st.sampled_from(list(" -:#\n|[]{}'\"a1>&*!?,\t~"))),
    min_size=1,
    max_size=4,
)


@PROPERTY
@given(_document(), _EDITS)
def test_edited_documents_are_never_misread(source: str, edits: list[tuple[int, int, str]]) -> None:
    for position, action, char in edits:
        position %= len(source) + 1
        if action == 0:
            source = source[:position] + char + source[position:]
        elif action == 1:
            source = source[:position] + source[position + 1 :]
        else:
            source = source[:position] + char + source[position + 1 :]
    if quick(source) is None:
        return
    try:
        yaml.load(source, Loader=loader._DataLoader)  # noqa: S506 - plain data only
    except yaml.YAMLError as error:
        raise AssertionError(f"the quick reader accepted what libyaml refuses ({error}):\n{source}") from error
    assert_same_or_declined(source)


def test_the_demo_corpus_parses_the_same_through_the_loader() -> None:
    for path in sorted((REPO / "incidents").glob("*/*/*.md")):
        source = path.read_text(encoding="utf-8")
        relpath = path.relative_to(REPO).as_posix()
        quick_document, problems = loader.parse_markdown(source, relpath)
        assert quick_document is not None and not problems
        head = source.split("\n---\n", 1)[0].removeprefix("---\n") + "\n"
        slow_document, _ = loader._parse_slowly(head, relpath, line_offset=1)
        assert slow_document is not None
        assert exact(quick_document.data) == exact(slow_document.data), relpath


class _NoShortcut:
    def search(self, *args: object) -> None:
        return None


@PROPERTY
@given(
    st.lists(st.sampled_from(["---", "...", "\n", "a: 1", "\r", "\x85", " ", "\t", "b", "|", "\u2028"]), max_size=14)
)
def test_frontmatter_found_by_the_shortcut_is_the_one_splitlines_finds(parts: list[str]) -> None:
    source = "---\n" + "".join(parts)

    def outcome() -> Any:
        document, problems = loader.parse_markdown(source, "a.md")
        found = None if document is None else (exact(document.data), document.body, document.body_line)
        return found, [(p.line, p.column, p.code, p.message) for p in problems]

    quick_outcome = outcome()
    saved = loader._CLOSING
    loader._CLOSING = _NoShortcut()  # type: ignore[assignment]
    try:
        assert quick_outcome == outcome()
    finally:
        loader._CLOSING = saved


def test_times_after_a_key_seen_before_are_read_as_libyaml_reads_them() -> None:
    """A line holding a time is read from the key's place remembered from an earlier line and
    the time alone: any other spacing, a comment or an impossible time still goes the long way."""
    for value in [
        "2026-11-29T12:00:00Z",
        "2026-11-29T12:00:00-05:30",
        " 2026-11-29T12:00:00Z",
        "2026-11-29T12:00:00Z # a comment",
        "2026-11-29T12:00:00Z  ",
        "2026-02-30T12:00:00Z",
        "2026-11-29T24:00:00Z",
        "2026-11-29T12:00:00+24:00",
        "2026-11-29T12:00:00.5Z",
        "'2026-11-29T12:00:00Z'",
    ]:
        for source in (f"at: {value}\n", f"list:\n  - at: {value}\n    status: resolved\n", f"x:\n  at: {value}\n"):
            assert_same_or_declined(source)
            assert_same_or_declined(source)  # the second time from the remembered place
