"""Keys for incremental builds: a digest of everything one output shows.

A page or file whose key equals the previous build's (its manifest) and whose file is still in
the current tree is not rendered again; the writer takes the previous file as it is. Every key
starts with the *code key*: the modules and templates the public site is made with and the
versions of the libraries that shape its bytes, so that a change to any of them renders
everything — and a change to the knowledge base or the validator does not.

Incidents are fingerprinted once per build, from their public fields as published by ``now``
(:class:`Fingerprints`); a page key adds ``now`` only while the incident can still change with
time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import sys
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from importlib import resources

import jinja2

from ..model import Incident, IncidentStatus, MaintenanceStatus
from ..timeline import status_at
from .view import public_postmortem

__all__ = ["CODE_MODULES", "Fingerprints", "PageKeys", "code_key", "digest"]

CODE_MODULES = ("public", "config.py", "labels.py", "model.py", "timeline.py")
"""What the public site is made with, inside the ``statusgen`` package: a folder stands for every
module below it. (The site's data is in the keys themselves; how it was read and validated is
not the public site's business.)"""
_LIBRARIES = ("Jinja2", "MarkupSafe", "Markdown", "nh3", "feedgen", "icalendar")
"""Libraries whose output is in the public site's bytes."""
_SEPARATOR = "\x1f"


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


class Fingerprints:
    """Each incident's public fields as published by ``now``, digested once per build."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self._data: dict[str, str] = {}
        self._pages: dict[str, str] = {}

    def data(self, incident: Incident) -> str:
        """What the incident says by ``now`` (updates dated later are left out): the feeds and
        the calendar show nothing else of it."""
        found = self._data.get(incident.id)
        if found is None:
            found = self._data[incident.id] = _fingerprint(incident, self.now)
        return found

    def page(self, incident: Incident) -> str:
        """:meth:`data`, and ``now`` while the incident can still change with time (its status,
        its duration so far, a window yet to start or end)."""
        found = self._pages.get(incident.id)
        if found is None:
            found = self.data(incident)
            if not settled(incident, self.now):
                found += _SEPARATOR + self.now.isoformat()
            self._pages[incident.id] = found
        return found


def settled(incident: Incident, now: dt.datetime) -> bool:
    """Over by ``now`` for good: nothing about it changes as time goes on."""
    return (
        status_at(incident, now) in (IncidentStatus.RESOLVED, MaintenanceStatus.COMPLETED)
        and all(update.at <= now for update in incident.updates)
        and (incident.schedule is None or incident.schedule.end <= now)
    )


def _fingerprint(incident: Incident, now: dt.datetime) -> str:
    # Plain strings joined and hashed: a tenth of the time of repr() on the dataclasses. Times
    # count by their instant (every output converts them to the page's zone or to UTC).
    parts = [incident.id, incident.title, incident.type]
    if incident.components:
        parts.append(_statuses(incident.components))
    if incident.schedule is not None:
        parts += (repr(incident.schedule.start.timestamp()), repr(incident.schedule.end.timestamp()))
    for update in incident.updates:
        if update.at > now:
            continue
        parts += (repr(update.at.timestamp()), update.status, update.message, "" if update.notify else "quiet")
        if update.components:
            parts.append(_statuses(update.components))
    postmortem = public_postmortem(incident)
    if postmortem is not None:
        parts += ("postmortem", postmortem.body, postmortem.published.isoformat() if postmortem.published else "")
    text = _SEPARATOR.join(parts)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _statuses(components: Mapping[str, str]) -> str:
    return " ".join(f"{component}={status}" for component, status in components.items())


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
        return self.all_unchanged([path], digest(*parts))

    def all_unchanged(self, paths: Iterable[str], key: str) -> bool:
        """Record ``key`` for each of ``paths`` (made together): whether all can be kept."""
        paths = list(paths)
        for path in paths:
            self.keys[path] = key
        if all(self.previous.get(path) == key for path in paths) and all(self.reusable(path) for path in paths):
            self.kept.update(paths)
            return True
        return False
