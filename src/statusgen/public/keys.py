"""Keys for incremental builds: a digest of everything one output shows.

A page or file whose key equals the previous build's (its manifest) and whose file is still in
the current tree is not rendered again; the writer takes the previous file as it is. Every key
starts with the *code key*: the modules and templates the public site is made with and the
versions of the libraries that shape its bytes, so that a change to any of them renders
everything — and a change to the knowledge base or the validator does not.

Incidents are fingerprinted from their public fields as published by ``now``
(:meth:`statusgen.public.memo.Published.page`); a page key adds ``now`` only while the incident
can still change with time.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import sys
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from importlib import resources

import jinja2

__all__ = ["CODE_MODULES", "PageKeys", "code_key", "digest"]

CODE_MODULES = ("public", "config.py", "labels.py", "model.py", "timeline.py")
"""What the public site is made with, inside the ``statusgen`` package: a folder stands for every
module below it. (The site's data is in the keys themselves; how it was read and validated is
not the public site's business.)"""
_LIBRARIES = ("Jinja2", "MarkupSafe", "Markdown", "nh3", "feedgen")
"""Libraries whose output is in the public site's bytes."""


def digest(*parts: object) -> str:
    """A short hex digest of ``parts`` (their ``repr``): small, plain values only."""
    return hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=16).hexdigest()


@cache
def _code_files_digest() -> str:
    # Once per process: the code that runs does not change while it runs, even if the files do
    # (a build that read them twice could otherwise key two pages of one site differently).
    hasher = hashlib.blake2b(digest_size=16)
    package = resources.files("statusgen")
    for name in CODE_MODULES:
        entry = package.joinpath(name)
        for path in sorted(_python_files(entry, name + "/") if entry.is_dir() else [name]):
            hasher.update(path.encode() + b"\0" + package.joinpath(path).read_bytes() + b"\0")
    for library in _LIBRARIES:
        hasher.update(f"{library}=={importlib.metadata.version(library)}\0".encode())
    hasher.update(sys.version.encode())
    return hasher.hexdigest()


def _python_files(folder: resources.abc.Traversable, prefix: str) -> list[str]:
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".py"):
            found.append(prefix + entry.name)
        elif entry.is_dir() and entry.name != "__pycache__":
            found.extend(_python_files(entry, f"{prefix}{entry.name}/"))
    return found


def code_key(env: jinja2.Environment) -> str:
    """The public site's code and the templates in use (the site's overrides included)."""
    hasher = hashlib.blake2b(_code_files_digest().encode(), digest_size=16)
    for name in sorted(env.list_templates()):
        source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        hasher.update(name.encode() + b"\0" + source.encode("utf-8") + b"\0")
    return hasher.hexdigest()


class PageKeys:
    """The key of every incident and month page and every machine output, and which of them
    can be kept: a key equal to the previous build's (``previous``) whose file is still there
    (``reusable``)."""

    def __init__(self, previous: Mapping[str, str] | None = None, reusable: Callable[[str], bool] | None = None):
        self.previous = previous or {}
        self.reusable = reusable or (lambda path: False)
        self.keys: dict[str, str] = {}
        self.kept: set[str] = set()

    def unchanged(self, path: str, *parts: object) -> bool:
        """Record the key of ``path`` (a digest of ``parts``): whether the previous file can be kept."""
        return self.unchanged_key(path, digest(*parts))

    def unchanged_key(self, path: str, key: str) -> bool:
        """Record ``key`` for ``path``: whether the previous file can be kept."""
        self.keys[path] = key
        if self.previous.get(path) == key and self.reusable(path):
            self.kept.add(path)
            return True
        return False

    def all_unchanged(self, paths: Iterable[str], key: str) -> bool:
        """Record ``key`` for each of ``paths`` (made together): whether all can be kept."""
        paths = list(paths)
        for path in paths:
            self.keys[path] = key
        if all(self.previous.get(path) == key for path in paths) and all(self.reusable(path) for path in paths):
            self.kept.update(paths)
            return True
        return False
