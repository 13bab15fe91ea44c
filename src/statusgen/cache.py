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

One file per year folder (``incidents/<YYYY>``), so that a change to one incident rewrites
one year's entries.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import yaml

__all__ = ["FolderCache", "cache_folder"]

_FORMAT = 1


@lru_cache(maxsize=1)
def _fingerprint() -> bytes:
    """statusgen's own code, Python's and PyYAML's versions: a new one empties the cache."""
    digest = hashlib.blake2b(f"{_FORMAT} {sys.version} {yaml.__version__}".encode(), digest_size=16)
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
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


def _private(info: os.stat_result) -> bool:
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


class FolderCache:
    """Pickled results by folder, each stored with the key of what produced it."""

    def __init__(self, folder: Path | None, context: Iterable[str]) -> None:
        self._folder = folder
        self._context = hashlib.blake2b(_fingerprint(), digest_size=16)
        for part in context:
            self._context.update(part.encode("utf-8", "surrogatepass") + b"\0")
        self._shards: dict[str, dict[str, tuple[bytes, bytes]]] = {}
        self._changed: set[str] = set()
        self._seen: dict[str, set[str]] = {}

    def key(self, folder: str, *texts: str | None) -> bytes:
        """The key of a folder's result: its name, its files' texts and the context."""
        digest = self._context.copy()
        digest.update(folder.encode("utf-8", "surrogatepass") + b"\0")
        for text in texts:
            digest.update(b"\1" if text is None else b"\2" + text.encode("utf-8", "surrogatepass") + b"\0")
        return digest.digest()

    def get(self, folder: str, key: bytes) -> bytes | None:
        """The result stored for ``folder`` under ``key`` (pickled), or None."""
        shard_name = _shard(folder)
        self._seen.setdefault(shard_name, set()).add(folder)
        entry = self._shard(shard_name).get(folder)
        return entry[1] if entry is not None and entry[0] == key else None

    def put(self, folder: str, key: bytes, result: bytes) -> None:
        """Keep ``result`` (pickled) for ``folder`` under ``key``."""
        shard_name = _shard(folder)
        self._shard(shard_name)[folder] = (key, result)
        self._changed.add(shard_name)

    def save(self) -> None:
        """Write the shards that changed, forgetting folders this run did not see."""
        if self._folder is None:
            return
        for name, seen in self._seen.items():
            shard = self._shards.get(name, {})
            if shard.keys() - seen:
                for gone in shard.keys() - seen:
                    del shard[gone]
                self._changed.add(name)
        try:
            self._folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not _private(self._folder.stat()):
                return
            for name in sorted(self._changed):
                handle, temporary = tempfile.mkstemp(dir=self._folder, prefix=f".{name}.", suffix=".tmp")
                try:
                    with os.fdopen(handle, "wb") as file:
                        pickle.dump((_fingerprint(), self._shards[name]), file, protocol=pickle.HIGHEST_PROTOCOL)
                    os.replace(temporary, self._folder / f"{name}.pickle")
                except BaseException:
                    os.unlink(temporary)
                    raise
        except (OSError, pickle.PickleError, RecursionError):
            pass  # a cache that cannot be written is only a slower next run
        self._changed.clear()

    def _shard(self, name: str) -> dict[str, tuple[bytes, bytes]]:
        shard = self._shards.get(name)
        if shard is None:
            shard = self._shards[name] = self._load(name)
        return shard

    def _load(self, name: str) -> dict[str, tuple[bytes, bytes]]:
        if self._folder is None:
            return {}
        path = self._folder / f"{name}.pickle"
        try:
            with open(path, "rb") as file:
                if not (_private(os.fstat(file.fileno())) and _private(self._folder.stat())):
                    return {}
                fingerprint, shard = pickle.load(file)  # noqa: S301 - our own private file, checked above
        except Exception:  # noqa: BLE001 - missing, corrupt or from another version: start afresh
            return {}
        if fingerprint != _fingerprint() or not isinstance(shard, dict):
            return {}
        return shard


def _shard(folder: str) -> str:
    """``incidents/<YYYY>/<id>`` → ``<YYYY>`` (anything odd is still a valid file name)."""
    year = folder.split("/")[1] if folder.count("/") >= 1 else "_"
    return year if year.isalnum() else hashlib.blake2b(year.encode("utf-8", "surrogatepass"), digest_size=6).hexdigest()
