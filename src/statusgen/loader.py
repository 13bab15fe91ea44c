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
import errno
import os
import re
import stat
import time
from collections.abc import Hashable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .problems import Level, Problem
from .quickyaml import quick_load, with_shared_zone

__all__ = [
    "Document",
    "SourceMap",
    "KeyPath",
    "load_markdown",
    "parse_markdown",
    "load_yaml_file",
    "parse_yaml",
    "read_text",
    "read_text_with_identity",
    "file_identity",
    "settled",
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
_CLOSING = re.compile(r"\n((?:---|\.\.\.)[^\S\n]*)(?:\n|\Z)")
"""The line that closes the frontmatter (what is left of it by ``rstrip()`` is --- or ...), as
group 1, after its line break (a literal first character the search skips to, where ``^``
in multi-line mode is tried at every character)."""
_ODD_BREAKS = re.compile("[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
"""Line breaks of ``str.splitlines()`` other than \\n."""
_ASCII_ODD_BREAKS = ("\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e")


def has_odd_breaks(text: str, end: int | None = None) -> bool:
    """Whether ``text`` (up to ``end``) has a line break of ``str.splitlines()`` other than \\n.

    (A plain-ASCII text — the usual one, which Python knows to be without scanning — is
    searched for each of its six odd breaks with ``str.find``, many times faster than the
    regular expression.)
    """
    if end is None:
        end = len(text)
    if text.isascii():
        return any(text.find(odd, 0, end) >= 0 for odd in _ASCII_ODD_BREAKS)
    return _ODD_BREAKS.search(text, 0, end) is not None


_MAX_FILE_BYTES = 32 * 1024 * 1024

_constructor = yaml.constructor.SafeConstructor()


class SourceMap:
    """Line and column (1-based, in the file as written) of keys and values by path.

    A map made by :meth:`lazy` keeps only the YAML text and composes it again the first time
    a place is asked for: most files have no problem, and so never pay for their marks.
    """

    __slots__ = ("_values", "_keys", "_source")

    def __init__(self, values: dict[KeyPath, Mark] | None = None, keys: dict[KeyPath, Mark] | None = None) -> None:
        self._values = values if values is not None else {}
        self._keys = keys if keys is not None else {}
        self._source: tuple[str, str, int] | None = None

    @classmethod
    def lazy(cls, text: str, relpath: str, line_offset: int) -> SourceMap:
        """The map of ``text`` (valid YAML, plain data), worked out when first needed."""
        where = cls()
        where._source = (text, relpath, line_offset)
        return where

    def _load(self) -> None:
        if self._source is not None:
            text, relpath, line_offset = self._source
            builder = _Builder(relpath, line_offset)
            builder.where = self
            self._source = None
            node = yaml.compose(text, Loader=_Loader)
            if node is not None:
                builder.build(node, (), 0)

    @property
    def values(self) -> dict[KeyPath, Mark]:
        self._load()
        return self._values

    @property
    def keys(self) -> dict[KeyPath, Mark]:
        self._load()
        return self._keys

    def value(self, path: KeyPath) -> Mark:
        """Where the value at ``path`` starts, or the nearest enclosing value that exists."""
        values = self.values
        while path not in values and path:
            path = path[:-1]
        return values.get(path, (1, 1))

    def key(self, path: KeyPath) -> Mark:
        """Where the key of ``path`` is written (falls back to the value)."""
        return self.keys.get(path) or self.value(path)

    def __getstate__(self) -> tuple[dict[KeyPath, Mark], dict[KeyPath, Mark], tuple[str, str, int] | None]:
        return self._values, self._keys, self._source

    def __setstate__(self, state: tuple[dict[KeyPath, Mark], dict[KeyPath, Mark], tuple[str, str, int] | None]) -> None:
        self._values, self._keys, self._source = state


@dataclass(frozen=True)
class Document:
    """A parsed file: its data, where each part of it is, and the Markdown body if any."""

    path: str
    data: Any
    where: SourceMap
    body: str = ""
    body_line: int = 1
    """The 1-based line on which the body starts."""


@lru_cache(maxsize=16)
def _resolved_root(root: Path) -> Path:
    return root.resolve()


def _inside(root: Path, relpath: str, plain_folders: set[str] | None) -> os.stat_result | None:
    """Whether ``root / relpath`` stays inside ``root`` once links are followed: the
    ``lstat`` of the file when no part of the path below the root is a link (the usual case,
    one ``lstat`` per part instead of resolving both paths from ``/``), else None when it
    leaves the root; raises OSError when a part is missing.

    ``plain_folders`` remembers the folders found to be no links, for a caller reading many
    files of the same folders.
    """
    current = os.fspath(root)
    info: os.stat_result | None = None
    parts = relpath.split("/")
    last = len(parts) - 1
    for index, part in enumerate(parts):
        if part in ("", ".", ".."):
            break
        current = f"{current}/{part}"
        if index < last and plain_folders is not None and current in plain_folders:
            continue
        info = os.lstat(current)
        if stat.S_ISLNK(info.st_mode):
            break
        if index < last and plain_folders is not None:
            plain_folders.add(current)
    else:
        if info is not None:
            return info
    if (root / relpath).resolve().is_relative_to(_resolved_root(root)):
        return os.stat(root / relpath)
    return None


SETTLED_NS = 2_000_000_000
"""How old a change must be for a long-lived process to trust that nothing changed since as
long as a file's or folder's times are the same: file systems stamp times from a coarse clock,
so a second change within the same tick would leave them equal (git's "racily clean")."""


def settled(changed_ns: int) -> bool:
    """Whether a last change at ``changed_ns`` (a modification or change time) is older than
    :data:`SETTLED_NS`."""
    return time.time_ns() - changed_ns > SETTLED_NS


def file_identity(root: Path, relpath: str, plain_folders: set[str] | None = None) -> tuple[int, ...] | None:
    """Device, inode, size, modification and change times of a regular file inside the site
    (what changes whenever its bytes do), or None for anything :func:`read_text` would refuse
    or could not read."""
    try:
        info = _inside(root, relpath, plain_folders)
    except (OSError, RuntimeError):
        return None
    if info is None or not stat.S_ISREG(info.st_mode):
        return None
    return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns


def _read_bytes(path: str) -> bytes:
    """The bytes of the file at ``path``, read with ``os.read`` until its end: without the layers
    of a Python file object, which cost more than the reading of a small file does."""
    handle = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        return _read_on(handle, os.read(handle, 16384))  # all of a usual record at once
    finally:
        os.close(handle)


def _read_on(handle: int, first: bytes) -> bytes:
    """``first``, and what follows it in the open file ``handle`` to its end."""
    chunks = [first]
    while chunks[-1]:
        chunks.append(os.read(handle, 65536))
    return chunks[0] if len(chunks) == 2 else b"".join(chunks)


def _read_listed(root: Path, relpath: str, plain_folders: set[str] | None) -> tuple[bytes, os.stat_result] | None:
    """The bytes (and the ``fstat`` before they were read) of a file a walk found to be a regular
    file, no link (it is in ``plain_folders``, as is every folder above it), opened without
    looking at it first; None when it is not such a file, or no longer one (then it is looked at
    as any file is).

    (``O_NOFOLLOW`` refuses a link put in its place since, ``O_NONBLOCK`` a pipe that would
    never open; what the open file is, is checked before it is read.)
    """
    if plain_folders is None:
        return None
    top = os.fspath(root)
    path = f"{top}/{relpath}"
    if path not in plain_folders:
        return None
    end = len(top)
    while (end := path.find("/", end + 1)) >= 0:
        if path[:end] not in plain_folders:
            return None
    try:
        handle = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(handle)
        size = info.st_size
        if not stat.S_ISREG(info.st_mode) or size > _MAX_FILE_BYTES:
            return None
        data = os.read(handle, size + 1)  # a short read of a regular file is its end
        return (data if len(data) <= size else _read_on(handle, data)), info  # (or it grew since)
    except OSError:
        return None
    finally:
        os.close(handle)


def read_text(root: Path, relpath: str, plain_folders: set[str] | None = None) -> tuple[str | None, list[Problem]]:
    """Read a UTF-8 text file (BOM and CRLF tolerated); a problem instead of an exception.

    ``plain_folders`` (any set, kept between calls) spares the checks of folders already
    found to be no links, and of regular files found to be no links (:func:`_read_listed`).
    """
    text, problems, _ = read_text_with_identity(root, relpath, plain_folders)
    return text, problems


def read_text_with_identity(
    root: Path, relpath: str, plain_folders: set[str] | None = None
) -> tuple[str | None, list[Problem], tuple[int, ...] | None]:
    """:func:`read_text`, and the file's identity (:func:`file_identity`) as seen before it was
    read (None if it could not be read): what was read is at least as new as that."""
    listed = _read_listed(root, relpath, plain_folders)
    if listed is None:
        looked_at = _read_looked_at(root, relpath, plain_folders)
        if isinstance(looked_at, list):
            return None, looked_at, None
        listed = looked_at
    raw, info = listed
    try:
        text = raw.decode("utf-8") if raw[:3] != b"\xef\xbb\xbf" else raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        message = f"is not valid UTF-8 (byte 0x{raw[error.start]:02x}); save it as UTF-8"
        return None, [Problem(relpath, line, column, Level.ERROR, "SG101", message)], None
    return text, [], (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _read_looked_at(
    root: Path, relpath: str, plain_folders: set[str] | None
) -> tuple[bytes, os.stat_result] | list[Problem]:
    """The bytes of a file inside the site (and what it was found to be before they were read);
    else why it cannot be read."""
    try:
        try:
            info = _inside(root, relpath, plain_folders)
        except FileNotFoundError:
            if (root / relpath).is_symlink():
                return [_file_problem(relpath, "SG101", "is a link to nothing; point it at a file or remove it")]
            raise
        if info is None:
            full = root / relpath
            if full.is_symlink() and not full.exists():
                return [_file_problem(relpath, "SG101", "is a link to nothing; point it at a file or remove it")]
            return [_file_problem(relpath, "SG101", "is a link to a file outside the site; copy the file in")]
        if not stat.S_ISREG(info.st_mode):
            return [_file_problem(relpath, "SG101", "not a regular file; remove it or replace it with a file")]
        if info.st_size > _MAX_FILE_BYTES:
            return [_file_problem(relpath, "SG101", f"larger than {_MAX_FILE_BYTES // 2**20} MiB; split it")]
        raw = _read_bytes(f"{os.fspath(root)}/{relpath}")
    except RuntimeError:  # Python 3.11's resolve() on a symlink loop
        return [_file_problem(relpath, "SG101", "is a link that loops back on itself; remove it")]
    except OSError as error:
        if error.errno == errno.ELOOP:
            return [_file_problem(relpath, "SG101", "is a link that loops back on itself; remove it")]
        reason = error.strerror or type(error).__name__
        return [_file_problem(relpath, "SG101", f"cannot be read ({reason}); check its permissions")]
    return raw, info


def load_yaml_file(root: Path, relpath: str) -> tuple[Document | None, list[Problem]]:
    """Load a whole-file YAML document such as ``statusgen.yml``."""
    text, problems = read_text(root, relpath)
    if text is None:
        return None, problems
    return parse_yaml(text, relpath)


def parse_yaml(text: str, relpath: str) -> tuple[Document | None, list[Problem]]:
    """Parse a whole-file YAML document's text; ``relpath`` names it in problems."""
    return _parse(text, relpath, line_offset=0)


def load_markdown(root: Path, relpath: str) -> tuple[Document | None, list[Problem]]:
    """Load a Markdown file with YAML frontmatter between ``---`` lines."""
    text, problems = read_text(root, relpath)
    if text is None:
        return None, problems
    return parse_markdown(text, relpath)


def parse_markdown(text: str, relpath: str) -> tuple[Document | None, list[Problem]]:
    """Parse Markdown text with YAML frontmatter; ``relpath`` names it in problems."""
    if (
        text.startswith("---\n")
        and (closing_line := _CLOSING.search(text, 3)) is not None
        and not has_odd_breaks(text, closing_line.end(1))  # then lines are what splitlines() makes
    ):
        start, end = closing_line.span(1)
        document, problems = _parse(text[4:start], relpath, line_offset=1)
        if document is None:
            return None, problems
        body_line = text.count("\n", 0, start) + 2
        return Document(relpath, document.data, document.where, text[end + 1 :], body_line), problems
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
    """Plain data and its places, or the problems that make it unusable.

    The fast path lets libyaml and :class:`_DataLoader` build the data directly and keeps the
    places for later (:meth:`SourceMap.lazy`); anything unusual about the file — a syntax
    error, a tag, a duplicate or merge key, deep nesting, a shared alias — sends it through the
    slow path, which builds node by node and says exactly where each problem is.
    """
    data = quick_load(text, _PLAIN_TAG_OF, _SCALAR_CONSTRUCTORS, _LINE_OF)
    if data is not None:
        return Document(relpath, data, SourceMap.lazy(text, relpath, line_offset)), []
    try:
        data = None if _nesting_mark(text) is not None else yaml.load(text, Loader=_DataLoader)  # noqa: S506
        # (a SafeLoader that builds plain data only)
    except Exception:  # noqa: BLE001 - any trouble: the slow path reports it precisely
        pass
    else:
        if data is not None and _plain_tree(data):
            return Document(relpath, data, SourceMap.lazy(text, relpath, line_offset)), []
    return _parse_slowly(text, relpath, line_offset=line_offset)


class _Unusual(Exception):
    """The fast path met something only the slow path reports well."""


def _scalar_value(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = with_shared_zone(value.astimezone(dt.timezone(value.utcoffset() or dt.timedelta())))
    return value


class _DataLoader(_Loader):  # type: ignore[misc]
    """libyaml's loader building plain data only: it refuses (and so defers to the slow path)
    every tag but plain data, merge keys, non-scalar keys and duplicate keys."""

    yaml_constructors: dict[Any, Any] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        # A plain scalar's tag depends on its text alone, and most texts recur (keys, enums).
        if kind is yaml.ScalarNode and implicit[0]:
            tag = _PLAIN_TAG_OF.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(_PLAIN_TAG_OF) < 65536:
                    _PLAIN_TAG_OF[value] = tag
            return tag
        return super().resolve(kind, value, implicit)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # Scalars are immutable: no bookkeeping for sharing them, one call each.
        if node.__class__ is yaml.ScalarNode:
            if node.tag == _STR:
                return node.value
            construct = _SCALAR_CONSTRUCTORS.get(node.tag)
            if construct is None:
                raise _Unusual
            return construct(self, node)
        return super().construct_object(node, deep)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.__class__ is not yaml.ScalarNode or key_node.tag not in _PLAIN_SCALAR_TAGS:
                raise _Unusual
            key = self.construct_object(key_node)
            if not isinstance(key, str):
                if isinstance(key, dt.date | dt.datetime | float | bool) or key is None:
                    key = key_node.value
                else:
                    key = str(key)
            if key in mapping:
                raise _Unusual
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping

    def _map(self, node: yaml.MappingNode) -> Any:
        data: dict[Any, Any] = {}
        yield data
        data.update(self.construct_mapping(node))

    def _seq(self, node: yaml.SequenceNode) -> Any:
        data: list[Any] = []
        yield data
        data.extend(self.construct_sequence(node))

    def _refuse(self, node: yaml.Node) -> Any:
        raise _Unusual


_STR = _TAG + "str"
_PLAIN_TAG_OF: dict[str, str] = {}
_LINE_OF: dict[str, Any] = {}
"""What each line of frontmatter says, for :func:`quick_load` (with the two below)."""
_SCALAR_CONSTRUCTORS: dict[str, Any] = {
    _TAG + name: yaml.constructor.SafeConstructor.yaml_constructors[_TAG + name]
    for name in ("int", "float", "bool", "null")
}
_SCALAR_CONSTRUCTORS[_TAG + "timestamp"] = lambda loader, node: _scalar_value(
    yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
)
_DataLoader.add_constructor(_TAG + "map", _DataLoader._map)
_DataLoader.add_constructor(_TAG + "seq", _DataLoader._seq)
_DataLoader.add_constructor(None, _DataLoader._refuse)


def _plain_tree(data: Any) -> bool:
    """No container nested deeper than the slow path allows, and none reached twice (an
    alias, or a loop): those the slow path handles."""
    seen: set[int] = set()
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth >= _MAX_DEPTH - 1 or id(value) in seen:
            return False
        seen.add(id(value))
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return True


def _parse_slowly(text: str, relpath: str, *, line_offset: int) -> tuple[Document | None, list[Problem]]:
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
        return _scalar_value(value)

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
