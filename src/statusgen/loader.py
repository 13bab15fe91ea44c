"""Files → plain data with the line and column of every key and value.

YAML is composed into nodes by PyYAML's safe machinery (libyaml when available) and turned
into plain Python data here, one node at a time, so that

- every key and value keeps its place (:class:`SourceMap`),
- duplicate keys are reported instead of silently overwritten,
- only plain data tags are accepted: nothing is ever constructed from a ``!!python/…`` tag,
- aliases are shared, never expanded, so an alias bomb costs nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .problems import Level, Problem

__all__ = [
    "Document",
    "SourceMap",
    "KeyPath",
    "load_markdown",
    "parse_markdown",
    "load_yaml_file",
    "read_text",
]

try:
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _Loader = yaml.SafeLoader

KeyPath = tuple[str | int, ...]
"""Where a value sits in a document: keys and list indexes from the root."""

Mark = tuple[int, int]

_TAG = "tag:yaml.org,2002:"
_PLAIN_SCALAR_TAGS = {_TAG + name for name in ("str", "int", "float", "bool", "null", "timestamp")}
_MAX_DEPTH = 64
_MAX_FILE_BYTES = 32 * 1024 * 1024

_constructor = yaml.constructor.SafeConstructor()


@dataclass
class SourceMap:
    """Line and column (1-based, in the file as written) of keys and values by path."""

    values: dict[KeyPath, Mark] = field(default_factory=dict)
    keys: dict[KeyPath, Mark] = field(default_factory=dict)

    def value(self, path: KeyPath) -> Mark:
        """Where the value at ``path`` starts, or the nearest enclosing value that exists."""
        while path not in self.values and path:
            path = path[:-1]
        return self.values.get(path, (1, 1))

    def key(self, path: KeyPath) -> Mark:
        """Where the key of ``path`` is written (falls back to the value)."""
        return self.keys.get(path) or self.value(path)


@dataclass(frozen=True)
class Document:
    """A parsed file: its data, where each part of it is, and the Markdown body if any."""

    path: str
    data: Any
    where: SourceMap
    body: str = ""
    body_line: int = 1
    """The 1-based line on which the body starts."""


def read_text(root: Path, relpath: str) -> tuple[str | None, list[Problem]]:
    """Read a UTF-8 text file (BOM and CRLF tolerated); a problem instead of an exception."""
    full = root / relpath
    try:
        if not full.resolve().is_relative_to(root.resolve()):
            return None, [_file_problem(relpath, "SG101", "is a link to a file outside the site; copy the file in")]
        if full.is_symlink() and not full.exists():
            return None, [_file_problem(relpath, "SG101", "is a link to nothing; point it at a file or remove it")]
        if not full.is_file():
            return None, [_file_problem(relpath, "SG101", "not a regular file; remove it or replace it with a file")]
        if full.stat().st_size > _MAX_FILE_BYTES:
            return None, [_file_problem(relpath, "SG101", f"larger than {_MAX_FILE_BYTES // 2**20} MiB; split it")]
        raw = full.read_bytes()
    except RuntimeError:  # Python 3.11's resolve() on a symlink loop
        return None, [_file_problem(relpath, "SG101", "is a link that loops back on itself; remove it")]
    except OSError as error:
        reason = error.strerror or type(error).__name__
        return None, [_file_problem(relpath, "SG101", f"cannot be read ({reason}); check its permissions")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        message = f"is not valid UTF-8 (byte 0x{raw[error.start]:02x}); save it as UTF-8"
        return None, [Problem(relpath, line, column, Level.ERROR, "SG101", message)]
    return text, []


def load_yaml_file(root: Path, relpath: str) -> tuple[Document | None, list[Problem]]:
    """Load a whole-file YAML document such as ``statusgen.yml``."""
    text, problems = read_text(root, relpath)
    if text is None:
        return None, problems
    return _parse(text, relpath, line_offset=0)


def load_markdown(root: Path, relpath: str) -> tuple[Document | None, list[Problem]]:
    """Load a Markdown file with YAML frontmatter between ``---`` lines."""
    text, problems = read_text(root, relpath)
    if text is None:
        return None, problems
    return parse_markdown(text, relpath)


def parse_markdown(text: str, relpath: str) -> tuple[Document | None, list[Problem]]:
    """Parse Markdown text with YAML frontmatter; ``relpath`` names it in problems."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return None, [
            _file_problem(
                relpath, "SG102", "no frontmatter: start the file with a '---' line, then the YAML fields, then '---'"
            )
        ]
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            closing = index
            break
    else:
        return None, [
            _file_problem(relpath, "SG102", "the frontmatter is never closed: add a '---' line after the YAML fields")
        ]
    document, problems = _parse("".join(lines[1:closing]), relpath, line_offset=1)
    if document is None:
        return None, problems
    body = "".join(lines[closing + 1 :])
    return Document(relpath, document.data, document.where, body, closing + 2), problems


def _file_problem(relpath: str, code: str, message: str) -> Problem:
    return Problem(relpath, 1, 1, Level.ERROR, code, message)


def _nesting_mark(text: str) -> Any:
    """Where the YAML first nests deeper than allowed, or None.

    libyaml's composer recurses once per level and overflows the C stack on input nested a
    hundred thousand levels deep, so depth is measured first with the (iterative) event
    parser. Every level costs at least one of these characters, so most files skip the scan.
    """
    if sum(text.count(char) for char in "[{-:?") <= _MAX_DEPTH * 16:
        return None
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > _MAX_DEPTH:
                return event.start_mark
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


def _parse(text: str, relpath: str, *, line_offset: int) -> tuple[Document | None, list[Problem]]:
    try:
        if (mark := _nesting_mark(text)) is not None:
            line, column = mark.line + 1 + line_offset, mark.column + 1
            message = f"nested more than {_MAX_DEPTH} levels deep; flatten the data"
            return None, [Problem(relpath, line, column, Level.ERROR, "SG106", message)]
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1 + line_offset, mark.column + 1) if mark else (1 + line_offset, 1)
        if "nesting depth" in str(error.problem):  # libyaml ≥ 0.2.6 (PyYAML 6.0.4) has its own limit
            message = f"nested more than {_MAX_DEPTH} levels deep; flatten the data"
            return None, [Problem(relpath, line, column, Level.ERROR, "SG106", message)]
        reason = error.problem or str(error)
        if error.context:
            reason = f"{reason} ({error.context})"
        return None, [
            Problem(
                relpath, line, column, Level.ERROR, "SG103", f"invalid YAML: {reason}; fix the syntax at this place"
            )
        ]
    except yaml.YAMLError as error:
        return None, [Problem(relpath, 1 + line_offset, 1, Level.ERROR, "SG103", f"invalid YAML: {error}")]
    except RecursionError:
        return None, [Problem(relpath, 1 + line_offset, 1, Level.ERROR, "SG106", "YAML nested too deeply to read")]
    builder = _Builder(relpath, line_offset)
    if node is None:
        return Document(relpath, None, builder.where), []
    data = builder.build(node, (), 0)
    return Document(relpath, data, builder.where), builder.problems


class _Builder:
    """Turns composed YAML nodes into plain data, recording places and problems."""

    def __init__(self, relpath: str, line_offset: int) -> None:
        self.relpath = relpath
        self.line_offset = line_offset
        self.where = SourceMap()
        self.problems: list[Problem] = []
        self._built: dict[int, Any] = {}

    def _mark(self, node: yaml.Node) -> Mark:
        return node.start_mark.line + 1 + self.line_offset, node.start_mark.column + 1

    def _problem(self, node: yaml.Node, code: str, message: str) -> None:
        line, column = self._mark(node)
        self.problems.append(Problem(self.relpath, line, column, Level.ERROR, code, message))

    def build(self, node: yaml.Node, path: KeyPath, depth: int) -> Any:
        self.where.values[path] = self._mark(node)
        if id(node) in self._built:  # an alias: share what was built, never expand it
            return self._built[id(node)]
        if depth > _MAX_DEPTH:
            self._problem(node, "SG106", f"nested more than {_MAX_DEPTH} levels deep; flatten the data")
            return None
        if isinstance(node, yaml.ScalarNode):
            value = self._scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = self._sequence(node, path, depth)
        elif isinstance(node, yaml.MappingNode):
            value = self._mapping(node, path, depth)
        else:  # pragma: no cover - PyYAML has only these three
            value = None
        self._built[id(node)] = value
        return value

    def _check_tag(self, node: yaml.Node, allowed: set[str]) -> bool:
        if node.tag in allowed:
            return True
        tag = node.tag.replace(_TAG, "!!")
        self._problem(
            node, "SG106", f"the YAML tag '{tag}' is not allowed: statusgen reads plain data only; remove the tag"
        )
        return False

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        if not self._check_tag(node, _PLAIN_SCALAR_TAGS):
            return None
        try:
            value = _constructor.yaml_constructors[node.tag](_constructor, node)
        except (yaml.YAMLError, ValueError, OverflowError) as error:
            self._problem(node, "SG206", f"'{node.value}' cannot be read as {node.tag.removeprefix(_TAG)}: {error}")
            return node.value
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.astimezone(dt.timezone(value.utcoffset() or dt.timedelta()))
        return value

    def _sequence(self, node: yaml.SequenceNode, path: KeyPath, depth: int) -> list[Any]:
        if not self._check_tag(node, {_TAG + "seq"}):
            return []
        return [self.build(item, (*path, index), depth + 1) for index, item in enumerate(node.value)]

    def _mapping(self, node: yaml.MappingNode, path: KeyPath, depth: int) -> dict[Any, Any]:
        if not self._check_tag(node, {_TAG + "map"}):
            return {}
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                self._problem(key_node, "SG106", "merge keys ('<<') are not supported; write the fields out")
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem(key_node, "SG203", "a key must be plain text, not a list or mapping")
                continue
            key = self._scalar(key_node)
            if isinstance(key, dt.date | dt.datetime | float | bool) or key is None:
                key = key_node.value
            if not isinstance(key, Hashable):  # pragma: no cover - scalars are hashable
                continue
            key = str(key) if not isinstance(key, str) else key
            child = (*path, key)
            if key in mapping:
                first_line, _ = self.where.keys[child]
                self._problem(key_node, "SG105", f"duplicate key '{key}' (first on line {first_line}); keep one")
                continue
            self.where.keys[child] = self._mark(key_node)
            mapping[key] = self.build(value_node, child, depth + 1)
        return mapping
