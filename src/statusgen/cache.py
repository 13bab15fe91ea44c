"""What validating each incident folder gave last time, keyed by what was read.

Checking a folder — parsing its two files and checking every field — depends only on the
bytes of those files, the folder's name, the report template and statusgen itself; so the
result is kept and reused while all of those are unchanged, like ruff's or mypy's caches.
Checks that look across folders or at the clock run every time.

The cache lives outside the repository (``$STATUSGEN_CACHE_DIR``, else ``$XDG_CACHE_HOME``
or ``~/.cache``, then ``statusgen/<hash of the site's path>/``), because its files are
pickles: a pull request must never be able to bring one. A file is loaded only if the
current user owns it and no one else can write it or its folder. ``STATUSGEN_NO_CACHE=1``
turns the cache off. Any trouble with it — unreadable, corrupt, a full disk — only means
the folders are checked again.

The folders are kept in shards, one per month of incident ids (``2026-11``): a shard holds
the key of each of its folders and all their results in one pickle, so that loading a shard
is one ``pickle.loads`` and a change to one incident rewrites one month.

A shard may hold instead, or as well, its folders' *verdicts*: every problem ``statusgen
validate`` reports of each folder, the checks against the configuration, the runbooks and the
clock included — what a linter's cache keeps. They are kept with what they depend on beyond
the folders (:class:`Verdicts`), and only ``statusgen validate`` reads them; it writes nothing
else, because making the results storable (pickling every incident) was a sixth of its work.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import pickle
import re
import stat
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

__all__ = ["VALIDATION_MODULES", "FolderCache", "Shard", "ShardSeen", "Verdicts", "cache_folder", "shard_of"]

_FORMAT = 3
_MONTH = re.compile(r"incidents/\d{4}/(\d{4}-\d{2})-[^/]*")


VALIDATION_MODULES = (
    "__init__.py",
    "cache.py",
    "config.py",
    "errors.py",
    "loader.py",
    "model.py",
    "parallel.py",
    "problems.py",
    "quickyaml.py",
    "validate/__init__.py",
    "validate/consistency.py",
    "validate/policy.py",
    "validate/references.py",
    "validate/schema.py",
    "validate/template.py",
)
"""The code that makes a folder's result (``import statusgen.validate`` loads exactly these,
which a test checks): a change to any of them empties the cache, a change elsewhere does not."""


@lru_cache(maxsize=1)
def _fingerprint() -> bytes:
    """The validation code, Python's and PyYAML's versions: a new one empties the cache."""
    digest = hashlib.blake2b(f"{_FORMAT} {sys.version} {yaml.__version__}".encode(), digest_size=16)
    package = Path(__file__).resolve().parent
    for name in VALIDATION_MODULES:
        digest.update(name.encode() + b"\0" + (package / name).read_bytes())
    return digest.digest()


def cache_folder(root: Path) -> Path | None:
    """Where the cache of the site at ``root`` lives, or None when it is turned off."""
    if os.environ.get("STATUSGEN_NO_CACHE", "") not in ("", "0"):
        return None
    base = os.environ.get("STATUSGEN_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "statusgen"
    )
    site = hashlib.blake2b(os.fsencode(root.resolve()), digest_size=8).hexdigest()
    return Path(base) / site


def shard_of(folder: str) -> str:
    """The shard of ``incidents/<YYYY>/<YYYY-MM-DD-slug>``: its month, or a hash for odd names."""
    match = _MONTH.fullmatch(folder)
    if match is not None:
        return match.group(1)
    return hashlib.blake2b(folder.encode("utf-8", "surrogatepass"), digest_size=6).hexdigest()


_LOADED: dict[tuple[Path | None, str], tuple[tuple[int, int, int, int], Shard, dict[str, Any] | None]] = {}
"""The shards of one cache folder this process read or wrote: by (folder, name), the shard
file's identity (device, inode, size, modification time), the shard, and its results once
unpickled. A file replaced since (by this process or another) has another identity."""


def _identity(info: os.stat_result) -> tuple[int, int, int, int]:
    return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns


def _remembered(folder: Path, name: str, info: os.stat_result) -> Shard | None:
    entry = _LOADED.get((folder, name))
    return entry[1] if entry is not None and entry[0] == _identity(info) else None


def _remember(
    folder: Path, name: str, identity: tuple[int, int, int, int], shard: Shard, results: dict[str, Any] | None = None
) -> None:
    if any(known != folder for known, _ in _LOADED):
        _LOADED.clear()  # one site at a time
    _LOADED[(folder, name)] = (identity, shard, results)


def _private(info: os.stat_result) -> bool:
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


ShardSeen = tuple[tuple[int, int, int, int], dict[str, bytes]]
"""A shard's file as a process saw it: its identity (device, inode, size, modification time)
and the keys it holds."""


@dataclass(frozen=True)
class Verdicts:
    """Every problem of each folder of a shard, judged against more than its files."""

    context: bytes
    """What the verdicts depend on besides the folders' keys (the configuration and runbooks)."""
    since: dt.datetime
    until: dt.datetime
    """They hold at any moment from ``since`` and before ``until`` (the clock decides what is
    overdue)."""
    results: bytes
    """The pickle of a dict: folder → verdict, for exactly the folders of the shard's keys."""

    def hold(self, context: bytes, now: dt.datetime) -> bool:
        return self.context == context and self.since <= now < self.until


@dataclass(frozen=True)
class Shard:
    keys: dict[str, bytes]
    """The key of each folder, from :meth:`FolderCache.key`."""
    results: bytes | None
    """The pickle of a dict: folder → result, for exactly the folders of ``keys``; None when the
    shard holds verdicts alone."""
    verdicts: Verdicts | None = None


class FolderCache:
    """The cache of one site, for one report template."""

    def __init__(self, folder: Path | None, context: Iterable[str]) -> None:
        self.folder = folder
        self._context = hashlib.blake2b(_fingerprint(), digest_size=16)
        for part in context:
            self._context.update(part.encode("utf-8", "surrogatepass") + b"\0")

    @property
    def context(self) -> bytes:
        """What every key depends on besides the folder: the template and statusgen's code."""
        return self._context.digest()

    def key(self, folder: str, *texts: str | None) -> bytes:
        """The key of a folder's result: its name, its files' texts, the template and statusgen."""
        digest = self._context.copy()
        digest.update(folder.encode("utf-8", "surrogatepass") + b"\0")
        for text in texts:
            digest.update(b"\1" if text is None else b"\2" + text.encode("utf-8", "surrogatepass") + b"\0")
        return digest.digest()

    def load(self, name: str) -> Shard | None:
        """The shard called ``name``, if there is a usable one."""
        if self.folder is None:
            return None
        try:
            with open(self.folder / f"{name}.pickle", "rb") as file:
                info = os.fstat(file.fileno())
                if not (_private(info) and _private(os.stat(self.folder))):
                    return None
                remembered = _remembered(self.folder, name, info)
                if remembered is not None:
                    return remembered
                fingerprint, keys, results, verdicts = pickle.load(file)  # noqa: S301 - our own private file, checked above
        except Exception:  # noqa: BLE001 - missing, corrupt or from another version: start afresh
            return None
        if (
            fingerprint != _fingerprint()
            or not isinstance(keys, dict)
            or not isinstance(results, bytes | None)
            or not isinstance(verdicts, Verdicts | None)
            or (results is None and verdicts is None)
        ):
            return None
        shard = Shard(keys, results, verdicts)
        _remember(self.folder, name, _identity(info), shard)
        return shard

    def results(self, name: str, shard: Shard) -> dict[str, Any]:
        """The results ``shard`` holds (it must hold some), unpickled — once per process while the
        file is unchanged (``statusgen serve`` and other long-lived callers read the same shards
        again and again; the results are immutable)."""
        entry = _LOADED.get((self.folder, name))
        if entry is not None and entry[1] is shard and entry[2] is not None:
            return entry[2]
        if shard.results is None:
            raise ValueError(f"shard {name} holds verdicts alone")
        results: dict[str, Any] = pickle.loads(shard.results)  # noqa: S301 - see load()
        if entry is not None and entry[1] is shard:
            # kept unpickled from now on, without its bytes: a long history's results are
            # hundreds of megabytes in either form
            _LOADED[(self.folder, name)] = (entry[0], replace(shard, results=b""), results)
        return results

    def seen(self, name: str) -> ShardSeen | None:
        """The identity of the file of shard ``name`` this process last read or wrote, and its
        keys: what another process can :meth:`adopt`."""
        entry = _LOADED.get((self.folder, name)) if self.folder is not None else None
        return None if entry is None else (entry[0], entry[1].keys)

    def adopt(self, name: str, seen: ShardSeen, results: dict[str, Any]) -> None:
        """Remember the results of shard ``name`` as if this process had read them from its file,
        which another process read or wrote as :meth:`seen` tells (a worker: see
        :mod:`statusgen.validate`); ``results`` may hold more folders than the file does."""
        if self.folder is None:
            return
        identity, keys = seen
        _remember(self.folder, name, identity, Shard(keys, b""), results)  # (verdicts the file may hold go unused)

    def store(self, name: str, shard: Shard | None) -> None:
        """Replace the shard called ``name`` (None removes it); never fails."""
        if self.folder is None:
            return
        path = self.folder / f"{name}.pickle"
        with contextlib.suppress(OSError):  # a cache that cannot be written is only a slower next run
            if shard is None:
                path.unlink(missing_ok=True)
                return
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not _private(os.stat(self.folder)):
                return
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=f".{name}.", suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as file:
                    pickle.dump(
                        (_fingerprint(), shard.keys, shard.results, shard.verdicts),
                        file,
                        protocol=pickle.HIGHEST_PROTOCOL,
                    )
                    file.flush()
                    written = os.fstat(file.fileno())
                os.replace(temporary, path)
            except BaseException:
                os.unlink(temporary)
                raise
            _remember(self.folder, name, _identity(written), shard)  # a rename keeps the file's identity

    def keep_only(self, names: Iterable[str]) -> None:
        """Remove the shards not named (their folders are gone)."""
        if self.folder is None:
            return
        wanted = {f"{name}.pickle" for name in names}
        with contextlib.suppress(OSError):  # what cannot be removed is only never loaded
            for entry in os.scandir(self.folder):
                if entry.name.endswith(".pickle") and entry.name not in wanted:
                    os.unlink(entry.path)
