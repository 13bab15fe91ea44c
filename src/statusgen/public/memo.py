"""What a long-lived process (``statusgen serve``) remembers from one public build to the next.

``validate_site`` hands back the very same :class:`Incident` objects for the folders that did
not change, and an incident is never changed once made. So what the public site works out
about one incident — its fingerprint, its status, its latest update, the components it named —
is remembered per object (:class:`IncidentFacts`), and a rebuild after one edit works out again
only what the edited incident says. An entry holds its incident, so that no other object can be
given its id while it is remembered; entries of incidents a build did not ask about are dropped
at the end of the next one.

What changes with time is remembered only for an incident *settled* by the build's ``now``
(resolved or completed, no update dated later, its window over): from then on nothing about it
changes as time goes on. Whatever is not settled is worked out again by every build.

:class:`Published` answers a build's questions about its incidents as of its ``now``; without a
memo it remembers nothing beyond that build.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Callable, Hashable, Mapping
from typing import Any, Generic, TypeVar

from ..model import Incident, IncidentStatus, MaintenanceStatus, UpdateStatus
from ..timeline import Interval, component_intervals, status_at
from .api import as_of, last_update_at
from .view import public_postmortem

__all__ = ["Generations", "IncidentFacts", "IncidentMemo", "Published", "fingerprint", "settled"]

_SEPARATOR = "\x1f"
_UNSET: Any = object()
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Generations(Generic[K, V]):
    """A dict kept from one build to the next that forgets, at the end of a build, what that
    build did not ask for."""

    def __init__(self) -> None:
        self._current: dict[K, V] = {}
        self._previous: dict[K, V] = {}

    def get(self, key: K) -> V | None:
        found = self._current.get(key)
        if found is None:
            found = self._previous.pop(key, None)
            if found is not None:
                self._current[key] = found
        return found

    def put(self, key: K, value: V) -> None:
        self._current[key] = value

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        """What ``key`` holds, else what ``make`` makes, kept under ``key``."""
        found = self.get(key)
        if found is None:
            found = make()
            self.put(key, found)
        return found

    def begin(self) -> None:
        """A build starts: what the last one asked for (and what a failed one left) is at hand."""
        self._previous.update(self._current)
        self._current.clear()

    def end(self) -> None:
        """A build succeeded: what it did not ask for is forgotten."""
        self._previous = {}


def settled(incident: Incident, now: dt.datetime) -> bool:
    """Over by ``now`` for good: nothing about it changes as time goes on."""
    return (
        status_at(incident, now) in (IncidentStatus.RESOLVED, MaintenanceStatus.COMPLETED)
        and all(update.at <= now for update in incident.updates)
        and (incident.schedule is None or incident.schedule.end <= now)
    )


def fingerprint(incident: Incident, now: dt.datetime) -> str:
    """A digest of what the incident says by ``now`` (updates dated later are left out)."""
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


def _touched(incident: Incident) -> frozenset[str]:
    """Ids of the components the incident names, in its own list or in an update."""
    ids = set(incident.components)
    for update in incident.updates:
        ids.update(update.components)
    return frozenset(ids)


class IncidentFacts:
    """What the public site asks of one incident object, each worked out once.

    ``settled_from`` is the moment from which the incident is settled (see :func:`settled`), or
    None if it never is: its last update or the end of its window, whichever is later, if it is
    settled then (before that moment it cannot be, and after it nothing changes). The answers
    that depend on time are kept for the moments from then on.

    Moments that only order incidents are kept as POSIX timestamps: two aware datetimes with
    different offsets compare ten times slower than two floats, and the floats of datetimes
    (whole microseconds, years 1970 to 2100) are in the same order, equal when they are equal.
    """

    __slots__ = (
        "incident",
        "settled_from",
        "settled_stamp",
        "first_stamp",
        "data",
        "status",
        "last_update",
        "touched",
        "intervals",
        "start",
        "start_stamp",
        "day",
        "page_key",
        "memo",
    )

    def __init__(self, incident: Incident) -> None:
        self.incident = incident
        moments = [update.at for update in incident.updates]
        if moments and incident.schedule is not None:
            moments.append(incident.schedule.end)
        end = max(moments, default=None)
        self.settled_from = end if end is not None and settled(incident, end) else None
        self.settled_stamp = self.settled_from.timestamp() if self.settled_from is not None else None
        self.first_stamp = incident.updates[0].at.timestamp() if incident.updates else None
        """The first update's moment, as a timestamp."""
        self.data: str | None = None
        """:func:`fingerprint` once settled."""
        self.status: UpdateStatus | None = None
        """The status once settled."""
        self.last_update: tuple[dt.datetime, float] | None = _UNSET
        """:func:`~statusgen.public.api.last_update_at` once settled, and its timestamp."""
        self.touched: frozenset[str] | None = None
        """The components named once settled (every update is out)."""
        self.intervals: dict[str, list[Interval]] | None = None
        self.start: dt.datetime | None = None
        """Where it belongs in the history: a window's start, an incident's first update."""
        self.start_stamp = 0.0
        self.day: tuple[Any, dt.date] | None = None
        """(time zone, the date of :attr:`start` there)."""
        self.page_key: tuple[object, str] | None = None
        """(what the key was made of, the page key) of its page."""
        self.memo: dict[str, Any] = {}
        """Further answers of the renderers, each under its own name with what it depends on."""

    def settled(self, now: float) -> bool:
        """Whether it is settled by ``now`` (a timestamp)."""
        return self.settled_stamp is not None and now >= self.settled_stamp


class IncidentMemo(Generations[int, IncidentFacts]):
    """:class:`IncidentFacts` per incident object (by its id: the facts hold the object, so
    that no other can be given its id), kept from one build to the next."""

    def __init__(self) -> None:
        super().__init__()
        self.known = self._current.get
        """The facts asked for in this build, by the incident's id (None if not yet)."""

    def facts(self, incident: Incident) -> IncidentFacts:
        found = self._current.get(id(incident))
        if found is None:
            found = self.get(id(incident))
            if found is None or found.incident is not incident:
                found = IncidentFacts(incident)
                self.put(id(incident), found)
        return found


class Published:
    """The public incidents as published by ``now``: what the outputs ask of each, worked out
    once per build, and remembered in ``memo`` for as long as the incident is settled."""

    def __init__(self, now: dt.datetime, memo: IncidentMemo | None = None) -> None:
        self.now = now
        self.stamp = now.timestamp()
        self.memo = memo if memo is not None else IncidentMemo()
        self._known = self.memo.known
        self._live: dict[tuple[str, int], Any] = {}
        """Answers about incidents not settled by ``now``, for this build only (by the id of an
        object that ``memo`` holds)."""

    def facts(self, incident: Incident) -> IncidentFacts:
        return self._known(id(incident)) or self.memo.facts(incident)

    def settled(self, incident: Incident) -> bool:
        facts = self._known(id(incident)) or self.memo.facts(incident)
        return facts.settled_stamp is not None and self.stamp >= facts.settled_stamp

    def _answer(self, name: str, incident: Incident, work: Any) -> Any:
        key = (name, id(incident))
        found = self._live.get(key, _UNSET)
        if found is _UNSET:
            found = self._live[key] = work()
        return found

    def announced(self, incident: Incident) -> bool:
        """Whether its first update is out by ``now`` (it has one)."""
        first = (self._known(id(incident)) or self.memo.facts(incident)).first_stamp
        return first is not None and first <= self.stamp

    def newest_first(self, incident: Incident) -> tuple[float, str]:
        """A key that sorts (in reverse) as ``(incident.updates[0].at, incident.id)``."""
        return (self._known(id(incident)) or self.memo.facts(incident)).first_stamp, incident.id  # type: ignore[return-value]

    def incident(self, incident: Incident) -> Incident:
        """The incident as published: updates dated later are not out yet."""
        if (self._known(id(incident)) or self.memo.facts(incident)).settled(self.stamp):
            return incident
        return self._answer("as_of", incident, lambda: as_of(incident, self.now))  # type: ignore[no-any-return]

    def status(self, incident: Incident) -> UpdateStatus | None:
        """:func:`~statusgen.timeline.status_at` ``now``."""
        facts = self._known(id(incident)) or self.memo.facts(incident)
        if facts.settled(self.stamp):
            if facts.status is None:
                facts.status = status_at(incident, self.now)
            return facts.status
        return self._answer("status", incident, lambda: status_at(incident, self.now))  # type: ignore[no-any-return]

    def _last_update(self, incident: Incident) -> tuple[dt.datetime, float] | None:
        facts = self._known(id(incident)) or self.memo.facts(incident)
        if facts.settled(self.stamp):
            if facts.last_update is _UNSET:
                facts.last_update = _stamped(last_update_at(incident, self.now))
            return facts.last_update
        return self._answer(  # type: ignore[no-any-return]
            "last_update", incident, lambda: _stamped(last_update_at(incident, self.now))
        )

    def last_update(self, incident: Incident) -> dt.datetime | None:
        """:func:`~statusgen.public.api.last_update_at` ``now``."""
        found = self._last_update(incident)
        return found[0] if found is not None else None

    def last_update_stamp(self, incident: Incident) -> float | None:
        """:meth:`last_update` as a timestamp."""
        found = self._last_update(incident)
        return found[1] if found is not None else None

    def summary(self, incident: Incident) -> tuple[dt.datetime | None, float, UpdateStatus | None, float]:
        """(:meth:`last_update`, its timestamp or -inf, :meth:`status`, the first update's
        timestamp or inf): what the API's totals ask of every incident, in one question."""
        facts = self._known(id(incident)) or self.memo.facts(incident)
        if facts.settled_stamp is not None and self.stamp >= facts.settled_stamp:
            found = facts.memo.get("summary")
            if found is None:
                found = facts.memo["summary"] = self._summary(incident)
            return found
        return self._answer("summary", incident, lambda: self._summary(incident))  # type: ignore[no-any-return]

    def _summary(self, incident: Incident) -> tuple[dt.datetime | None, float, UpdateStatus | None, float]:
        moment = self.last_update(incident)
        stamp = moment.timestamp() if moment is not None else -math.inf
        first = incident.updates[0].at.timestamp() if incident.updates else math.inf
        return moment, stamp, self.status(incident), first

    def touched(self, incident: Incident) -> frozenset[str]:
        """Ids of the components the incident names by ``now``, in its own list or in an update."""
        facts = self._known(id(incident)) or self.memo.facts(incident)
        if facts.settled(self.stamp):
            if facts.touched is None:
                facts.touched = _touched(incident)
            return facts.touched
        return self._answer("touched", incident, lambda: _touched(as_of(incident, self.now)))  # type: ignore[no-any-return]

    def intervals(self, incident: Incident) -> dict[str, list[Interval]]:
        """:func:`~statusgen.timeline.component_intervals` (of the incident as given)."""
        facts = self._known(id(incident)) or self.memo.facts(incident)
        if facts.intervals is None:
            facts.intervals = component_intervals(incident)
        return facts.intervals

    def _start(self, incident: Incident) -> IncidentFacts:
        facts = self._known(id(incident)) or self.memo.facts(incident)
        if facts.start is None:
            if incident.is_maintenance and incident.schedule is not None:
                facts.start = incident.schedule.start
            else:
                facts.start = incident.updates[0].at
            facts.start_stamp = facts.start.timestamp()
        return facts

    def start(self, incident: Incident) -> dt.datetime:
        """When an entry belongs in the history: a window's start, an incident's first update."""
        return self._start(incident).start  # type: ignore[return-value]

    def start_stamp(self, incident: Incident) -> float:
        """:meth:`start` as a timestamp."""
        return self._start(incident).start_stamp

    def latest_start_first(self, incident: Incident) -> tuple[float, str]:
        """A key that sorts (in reverse) as ``(start(incident), incident.id)``."""
        return self._start(incident).start_stamp, incident.id

    def day(self, incident: Incident, zone: Any) -> dt.date:
        """The date of :meth:`start` in ``zone`` (a :class:`zoneinfo.ZoneInfo`)."""
        facts = self._known(id(incident)) or self.memo.facts(incident)
        if facts.day is None or facts.day[0] != zone:
            facts.day = (zone, self.start(incident).astimezone(zone).date())
        return facts.day[1]

    def month(self, incident: Incident, zone: Any) -> tuple[int, int]:
        """(year, month) of :meth:`start` in ``zone``."""
        day = self.day(incident, zone)
        return day.year, day.month

    def data(self, incident: Incident) -> str:
        """A digest of what the incident says by ``now`` (updates dated later are left out):
        the feeds and the calendar show nothing else of it."""
        facts = self._known(id(incident)) or self.memo.facts(incident)
        if facts.settled(self.stamp):
            if facts.data is None:
                facts.data = fingerprint(incident, self.now)
            return facts.data
        return self._answer("data", incident, lambda: fingerprint(incident, self.now))  # type: ignore[no-any-return]

    def page(self, incident: Incident) -> str:
        """:meth:`data`, and ``now`` while the incident can still change with time (its status,
        its duration so far, a window yet to start or end)."""
        if self.settled(incident):
            return self.data(incident)
        return self._answer(  # type: ignore[no-any-return]
            "page", incident, lambda: self.data(incident) + _SEPARATOR + self.now.isoformat()
        )


def _stamped(moment: dt.datetime | None) -> tuple[dt.datetime, float] | None:
    return (moment, moment.timestamp()) if moment is not None else None
