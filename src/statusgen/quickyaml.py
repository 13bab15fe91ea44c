"""A fast reader for the plain block YAML that incident records are written in.

libyaml turns every scalar into an event, a node and a Python call; for the short,
regular frontmatter of an incident that costs about half a millisecond per file, which is
most of ``statusgen validate`` on a long history. :func:`quick_load` reads the common
subset line by line instead — block mappings and sequences, plain and one-line quoted
scalars, one-line flow lists of plain words, ``|`` literal blocks, comments — and gives
the same data libyaml would, or ``None`` the moment it meets anything else (a tag, an
anchor, a folded or multi-line scalar, an escape, a tab, a duplicate key, a syntax error),
so that the caller reads the file the thorough way. It never reports problems itself.

Scalars are typed exactly as PyYAML types them: the same implicit resolvers decide the
tag, the same constructors build the value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import yaml

__all__ = ["quick_load", "with_shared_zone"]

_TAG = "tag:yaml.org,2002:"
_STR = _TAG + "str"
_TIMESTAMP_TAG = _TAG + "timestamp"
_MAX_DEPTH = 32

# Characters that make a file "unusual": tabs, carriage returns and other line breaks YAML
# knows, the characters YAML refuses, a byte order mark in the middle.
_UNUSUAL = re.compile("[\t\r\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")
# A line: its indentation, a sequence dash, a `key:` (a simple word followed by a space or
# the end of the line), and the rest.
_LINE = re.compile(r"( *)(- +|-$)?(?:([A-Za-z_][A-Za-z0-9_\-]*):(?: +|$))?(.*)").match
_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:Z|[-+][0-9]{2}:[0-9]{2})$").match
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}$").match
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
# A plain scalar whose text is its value once its tag is known: nothing to cut or refuse.
_SIMPLE = re.compile(r"[^-?:,\[\]{}#&*!|>'\"%@` ](?:(?! #|: )[^\n])*(?<![: ])$").match
_FLOW_UNUSUAL = re.compile("[,\\[\\]{}#:'\"]")
# A plain scalar that cannot be mistaken for anything else: no indicator first, no ': '
# inside, no ':' last, no quote or flow bracket first.
_PLAIN_FIRST = frozenset("-?:,[]{}#&*!|>'\"%@`")

_resolver = yaml.resolver.Resolver()
_RESOLVED_FIRST = frozenset(key for key in _resolver.yaml_implicit_resolvers if key)
"""The first characters of every implicitly typed plain scalar (bool, int, float, null,
timestamp, merge, value): a plain scalar starting with any other is a string."""
_constructor = yaml.constructor.SafeConstructor()


class _Decline(Exception):
    """The text is outside the subset: let libyaml read it."""


def quick_load(
    text: str,
    tag_of: dict[str, str],
    constructors: dict[str, Callable[[Any, yaml.ScalarNode], Any]],
    line_of: dict[str, _Line] | None = None,
) -> Any:
    """The data of ``text``, or None when the text is outside the subset (or empty).

    ``tag_of`` caches the implicit tag of plain scalar texts; ``constructors`` builds every
    tag but ``str`` — a tag it lacks makes the text unusual. ``line_of`` (kept between calls
    with the same ``tag_of`` and ``constructors``) caches what each line says: most lines of a
    history recur (``status: resolved``, ``updates:``, ``message: |``).
    """
    if not text.endswith("\n") or (
        # plain ASCII, every character printable but \n (as seen faster than by the search)
        not (text.isascii() and text.replace("\n", "").isprintable()) and _UNUSUAL.search(text)
    ):
        return None
    lines = text.split("\n")
    lines.pop()
    try:
        return _read(lines, {} if line_of is None else line_of, tag_of, constructors)
    except _Decline:
        return None


_Line = tuple[int, int, str, int, Any]
"""What a line says, whatever surrounds it: its indentation, the width of its sequence dash
("- ", 0 for none), its key ("" for none), what follows (one of the kinds below) and the value."""
_SKIP, _EMPTY, _LITERAL, _VALUE, _LIST, _MAP = range(6)
"""Kinds of line: blank or comment; nothing after the key or dash (a nested block or null); a
``|`` block (the value is its header); an immutable value; a flow list (a tuple of its items);
a flow mapping (copied for each use)."""
_SKIP_LINE: _Line = (0, 0, "", _SKIP, None)
_MAX_LINES = 65536
_PLACES: dict[str, tuple[int, int, str]] = {}
"""The indentation, dash width and key of each ``key`` before a ``: `` and a time that was
read (``  - at``): a line holding a time is read from these and the time alone. (What a key
is depends on its text alone, whatever the caller's caches.)"""
_MAX_LINE_LENGTH = 200


def _line(line: str, tag_of: dict[str, str], constructors: dict[str, Callable[[Any, yaml.ScalarNode], Any]]) -> _Line:
    """What ``line`` says (:data:`_Line`); raises _Decline for a line outside the subset."""
    # (the pattern matches any line)
    spaces, dash, key, rest = _LINE(line).groups("")  # type: ignore[union-attr]
    if not dash and not key:
        if not rest or rest[0] == "#":
            return _SKIP_LINE
        raise _Decline  # a scalar on a line of its own: continued, or not a mapping
    if key and (tag_of.get(key) or _tag(key, tag_of)) != _STR:
        raise _Decline
    indent, width = len(spaces), len(dash)
    if not rest or rest[0] == "#":
        return indent, width, key, _EMPTY, None
    if rest[0] == "|":
        header = rest.rstrip(" ")
        if header != "|" and header != "|-":
            raise _Decline  # keep (`|+`), indentation digits, a comment: rare, and subtle
        return indent, width, key, _LITERAL, header
    if ((tag := tag_of.get(rest)) == _STR or rest[0] not in _RESOLVED_FIRST) and _SIMPLE(rest):
        return indent, width, key, _VALUE, rest  # a word seen before, or text no implicit type can start with
    if tag is None and _TIMESTAMP(rest):
        return indent, width, key, _VALUE, _timestamp(rest)  # the other most common value
    value = _scalar(rest, tag_of, constructors)
    if value.__class__ is list:
        return indent, width, key, _LIST, tuple(value)
    if value.__class__ is dict:
        return indent, width, key, _MAP, value
    return indent, width, key, _VALUE, value


def _read(  # noqa: C901 - one pass over the lines, every case in view
    lines: list[str],
    line_of: dict[str, _Line],
    tag_of: dict[str, str],
    constructors: dict[str, Callable[[Any, yaml.ScalarNode], Any]],
) -> Any:
    """Block structure by indentation, one line at a time, with a stack of open containers."""
    top: Any = None  # the innermost open mapping or sequence
    column = -1  # the column it is written at
    outer: list[tuple[Any, int]] = []  # the containers around it, outermost first, with theirs
    root: Any = None
    pending: tuple[Any, Any, int, bool] | None = None
    """A ``key:`` or ``-`` with nothing after it: where a nested block would go, the column of
    its owner, and whether a sequence at the owner's own column may be that block."""
    index, count = 0, len(lines)
    while index < count:
        line = lines[index]
        index += 1
        said: _Line | None = line_of.get(line)
        if said is None:
            # A time is seldom written twice, so its line is not kept; the part before it is.
            head, colon, rest = line.partition(": ")
            place = _PLACES.get(head) if colon else None
            if place is not None and _TIMESTAMP(rest):
                timed: _Line = (place[0], place[1], place[2], _VALUE, _timestamp(rest))
                said = timed
            else:
                said = _line(line, tag_of, constructors)
                if said[4].__class__ is not dt.datetime:
                    if len(line_of) < _MAX_LINES and len(line) <= _MAX_LINE_LENGTH:
                        line_of[line] = said
                elif colon and said[2] and len(_PLACES) < _MAX_LINES:
                    _PLACES[head] = said[:3]
        indent, dash, key, kind, value = said
        if kind == _SKIP:
            continue
        if pending is not None:
            owner, slot, owner_indent, same_column_list = pending
            pending = None
            if indent > owner_indent or (same_column_list and indent == owner_indent and dash):
                if len(outer) >= _MAX_DEPTH:
                    raise _Decline
                outer.append((top, column))
                top = owner[slot] = [] if dash else {}
                column = indent
        elif top is None:
            if root is not None:
                raise _Decline  # content after the root collection closed
            root = top = [] if dash else {}
            column = indent
        while column > indent:
            if not outer:
                raise _Decline
            top, column = outer.pop()
        if column != indent:
            raise _Decline
        if dash:
            if top.__class__ is not list:
                raise _Decline
            if not key:
                if kind == _EMPTY:
                    top.append(None)
                    pending = (top, len(top) - 1, indent, False)
                    continue
                if kind == _VALUE:
                    top.append(value)
                elif kind == _LITERAL:
                    text, index = _literal(lines, value, index, indent)
                    top.append(text)
                elif kind == _LIST:
                    top.append(list(value))
                else:
                    top.append(value.copy())
                continue
            # `- key: value`: a mapping written from the column of its first key
            if len(outer) >= _MAX_DEPTH:
                raise _Decline
            block: dict[str, Any] = {}
            top.append(block)
            outer.append((top, column))
            top = block
            indent = column = indent + dash
        elif top.__class__ is list:
            # a key after a sequence written at its mapping's own column ends that sequence
            if not outer:
                raise _Decline
            top, column = outer.pop()
            if column != indent:
                raise _Decline
        if top.__class__ is not dict or key in top:
            raise _Decline
        if kind == _VALUE:
            top[key] = value
        elif kind == _EMPTY:
            top[key] = None
            pending = (top, key, indent, True)
        elif kind == _LITERAL:
            top[key], index = _literal(lines, value, index, indent)
        elif kind == _LIST:
            top[key] = list(value)
        else:
            top[key] = value.copy()
    return root


def _literal(lines: list[str], header: str, index: int, indent: int) -> tuple[str, int]:
    """A ``|`` or ``|-`` block scalar whose content starts at line ``index``, inside a
    collection written at column ``indent``; the index of the line after it."""
    count = len(lines)
    if index < count:
        first = lines[index]
        margin = len(first) - len(first.lstrip(" "))
        if margin == len(first):
            raise _Decline  # leading empty lines: subtle too
    else:
        margin = 0
    if margin <= indent:
        return "", index
    prefix = " " * margin
    content: list[str] = []
    while index < count:
        line = lines[index]
        if line.startswith(prefix):
            part = line[margin:]
            if not part or (part[0] == " " and not part.strip(" ")):
                raise _Decline  # a line of spaces only
            content.append(part)
        elif not line:
            content.append("")
        elif not line.strip(" "):
            raise _Decline  # a line of spaces only
        else:
            break  # a less indented line with content ends the block
        index += 1
    while content and not content[-1]:
        content.pop()
    text = "\n".join(content)
    if content and header == "|":
        text += "\n"
    return text, index


def _scalar(text: str, tag_of: dict[str, str], constructors: dict[str, Callable[[Any, yaml.ScalarNode], Any]]) -> Any:
    """A one-line value: a plain or quoted scalar, or a flow list or mapping of plain words."""
    first = text[0]
    if first not in _PLAIN_FIRST:
        return _plain(text, tag_of, constructors, flow=False)
    if first == "'":
        end = _closing_single_quote(text)
        _only_comment(text[end + 1 :])
        return text[1:end].replace("''", "'")
    if first == '"':
        end = text.find('"', 1)
        if end < 0 or "\\" in text[:end]:
            raise _Decline
        _only_comment(text[end + 1 :])
        return text[1:end]
    if first == "[":
        end = text.find("]")
        if end < 0:
            raise _Decline
        _only_comment(text[end + 1 :])
        inner = text[1:end].strip(" ")
        if not inner:
            return []
        return [_plain(item.strip(" "), tag_of, constructors, flow=True) for item in inner.split(",")]
    if first == "{":
        end = text.find("}")
        if end < 0:
            raise _Decline
        _only_comment(text[end + 1 :])
        inner = text[1:end].strip(" ")
        mapping: dict[str, Any] = {}
        if inner:
            for item in inner.split(","):
                key, colon, value = item.strip(" ").partition(": ")
                if not colon or not _WORD.fullmatch(key) or key in mapping or _tag(key, tag_of) != _STR:
                    raise _Decline
                mapping[key] = _plain(value.strip(" "), tag_of, constructors, flow=True)
        return mapping
    raise _Decline


def _plain(
    text: str, tag_of: dict[str, str], constructors: dict[str, Callable[[Any, yaml.ScalarNode], Any]], *, flow: bool
) -> Any:
    comment = text.find(" #")
    if comment >= 0:
        if flow:
            raise _Decline
        text = text[:comment]
    text = text.rstrip(" ")
    if not text or text[0] in _PLAIN_FIRST or ": " in text or text[-1] == ":":
        raise _Decline
    if flow and _FLOW_UNUSUAL.search(text):
        raise _Decline
    tag = tag_of.get(text)
    if tag is None:
        if _TIMESTAMP(text) is not None:
            return _timestamp(text)
        tag = _tag(text, tag_of)
    if tag == _STR:
        return text
    if tag == _TIMESTAMP_TAG and _DATE(text) is not None:
        try:
            return dt.date.fromisoformat(text)  # what PyYAML builds of a date, without its regex
        except ValueError as error:
            raise _Decline from error
    construct = constructors.get(tag)
    if construct is None:
        raise _Decline
    try:
        return construct(_constructor, yaml.ScalarNode(tag, text))
    except Exception as error:  # noqa: BLE001 - a value that cannot be built: the slow path says why
        raise _Decline from error


def _timestamp(text: str) -> dt.datetime:
    """``YYYY-MM-DDTHH:MM:SS`` with ``Z`` or ``±HH:MM`` (checked by the caller), as PyYAML
    builds it and the loader keeps it: an aware datetime in a fixed-offset zone."""
    try:
        value = dt.datetime.fromisoformat(text)
        zone = value.tzinfo
        if zone is None:  # (the caller checked there is one)
            raise _Decline
        shared = _ZONES.get(zone)
        if shared is None:
            _ZONES[zone] = zone
            return value
        # the same wall time in the same offset: astimezone is a third of replace's cost
        return value if shared is zone else value.astimezone(shared)
    except (ValueError, OverflowError) as error:
        raise _Decline from error


_ZONES: dict[dt.tzinfo, dt.tzinfo] = {}


def with_shared_zone(value: dt.datetime) -> dt.datetime:
    """``value`` with the one shared zone object of its offset: a history has a handful of
    offsets and tens of thousands of times, and each zone object costs memory and a Python
    call to pickle (``datetime.timezone`` cannot cache its slot names)."""
    zone = value.tzinfo
    if zone is None:
        return value
    shared = _ZONES.get(zone)
    if shared is None:
        _ZONES[zone] = zone
        return value
    return value if shared is zone else value.replace(tzinfo=shared)


def _tag(text: str, tag_of: dict[str, str]) -> str:
    tag = tag_of.get(text)
    if tag is None:
        tag = _resolver.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
        if len(tag_of) < 65536:
            tag_of[text] = tag
    return tag


def _closing_single_quote(text: str) -> int:
    """Where the single-quoted scalar starting at ``text[0]`` ends (``''`` is a quote)."""
    position = 1
    while True:
        end = text.find("'", position)
        if end < 0:
            raise _Decline
        if text[end + 1 : end + 2] != "'":
            return end
        position = end + 2


def _only_comment(after: str) -> None:
    """What follows a closed scalar on its line must be nothing or a comment."""
    if after.strip(" ") and not (after[0] == " " and after.lstrip(" ")[0] == "#"):
        raise _Decline
