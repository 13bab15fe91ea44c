"""What changed between a past revision and the working tree that subscribers must hear about.

Pure: takes the incidents of both sides and returns :class:`Notice` values, oldest first.
Only public incidents of the current side are looked at; an update is new when the past side
had no public update at the same time (so a reworded update is not announced again), and
its notice is skipped when the update says ``notify: false``.

==========================  =================================================================
notice                      when
==========================  =================================================================
``incident.created``        the first update of an incident that was not public before
``incident.updated``        any later new update
``incident.resolved``       a new ``resolved`` update
``maintenance.scheduled``   the first update of a maintenance window that was not public before
``maintenance.updated``     a new ``in_progress`` or ``verifying`` update
``maintenance.completed``   a new ``completed`` update
``maintenance.changed``     the window's times or components changed with no new update
``postmortem.published``    the postmortem became published and public
==========================  =================================================================
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from ..loader import parse_markdown
from ..model import Incident, IncidentStatus, MaintenanceStatus, Update, Visibility
from ..public.view import public_postmortem
from ..timeline import status_at
from ..validate.schema import check_incident, check_postmortem

__all__ = ["Changes", "Notice", "NoticeKind", "detect_changes", "parse_incidents", "update_ids"]


class NoticeKind(StrEnum):
    INCIDENT_CREATED = "incident.created"
    INCIDENT_UPDATED = "incident.updated"
    INCIDENT_RESOLVED = "incident.resolved"
    MAINTENANCE_SCHEDULED = "maintenance.scheduled"
    MAINTENANCE_UPDATED = "maintenance.updated"
    MAINTENANCE_COMPLETED = "maintenance.completed"
    MAINTENANCE_CHANGED = "maintenance.changed"
    POSTMORTEM_PUBLISHED = "postmortem.published"


@dataclass(frozen=True)
class Notice:
    """One thing to tell subscribers about one public incident."""

    kind: NoticeKind
    incident: Incident
    """The incident as it is now (public)."""
    at: dt.datetime
    """The update's time; ``now`` for a changed window or a published postmortem."""
    key: str
    """Stable id of the notice: the same change always gets the same key."""
    update: Update | None = None
    update_id: str | None = None
    """The update's id in the Statuspage API (``<incident-id>-<UTC time>``)."""
    previous: Incident | None = None
    """The incident at the past revision, when it was public then."""

    @property
    def components(self) -> frozenset[str]:
        """Every component the incident names, for per-component channels."""
        touched = set(self.incident.components)
        for update in self.incident.updates:
            touched.update(update.components)
        return frozenset(touched)

    def describe(self) -> str:
        return f"{self.kind.value} {self.incident.id}" + (f" ({self.update.status.value})" if self.update else "")


@dataclass(frozen=True)
class Changes:
    notices: tuple[Notice, ...]
    quiet: tuple[str, ...] = ()
    """New updates left out because they say ``notify: false``."""
    held: tuple[str, ...] = ()
    """New updates dated after ``now``: not on the public site yet, so not announced."""


def update_ids(incident: Incident) -> list[str]:
    """The Statuspage API ids of the incident's posted updates (as in ``public/api.py``)."""
    seen: Counter[str] = Counter()
    ids = []
    for update in incident.updates:
        stamp = update.at.astimezone(dt.UTC).strftime("%Y%m%dt%H%M%Sz")
        seen[stamp] += 1
        ids.append(f"{incident.id}-{stamp}" + (f"-{seen[stamp]}" if seen[stamp] > 1 else ""))
    return ids


def parse_incidents(texts: Mapping[str, str]) -> dict[str, Incident]:
    """Incidents (with their postmortems) from file texts by path ``incidents/<YYYY>/<id>/…``.
    A file that does not pass the schema is left out, as if it did not exist."""
    incidents: dict[str, Incident] = {}
    for path, text in sorted(texts.items()):
        parts = path.split("/")
        if len(parts) != 4 or parts[3] != "incident.md":
            continue
        document, _ = parse_markdown(text, path)
        if document is None:
            continue
        incident, _ = check_incident(document, parts[2])
        if incident is None:
            continue
        postmortem_text = texts.get(path.replace("/incident.md", "/postmortem.md"))
        if postmortem_text is not None:
            pm_document, _ = parse_markdown(postmortem_text, path)
            postmortem = check_postmortem(pm_document)[0] if pm_document is not None else None
            incident = replace(incident, postmortem=postmortem)
        incidents[incident.id] = incident
    return incidents


def _update_kind(incident: Incident, update: Update, first: bool) -> NoticeKind:
    if incident.is_maintenance:
        if update.status is MaintenanceStatus.COMPLETED:
            return NoticeKind.MAINTENANCE_COMPLETED
        return NoticeKind.MAINTENANCE_SCHEDULED if first else NoticeKind.MAINTENANCE_UPDATED
    if update.status is IncidentStatus.RESOLVED:
        return NoticeKind.INCIDENT_RESOLVED
    return NoticeKind.INCIDENT_CREATED if first else NoticeKind.INCIDENT_UPDATED


def _window_changed(before: Incident, after: Incident) -> bool:
    return before.schedule != after.schedule or dict(before.components) != dict(after.components)


def detect_changes(previous: Mapping[str, Incident], current: Sequence[Incident], now: dt.datetime) -> Changes:
    """The notices for going from the ``previous`` incidents (by id) to the ``current`` ones."""
    notices: list[Notice] = []
    quiet: list[str] = []
    held: list[str] = []
    for incident in current:
        if incident.visibility is not Visibility.PUBLIC or not incident.updates:
            continue
        before = previous.get(incident.id)
        if before is not None and before.visibility is not Visibility.PUBLIC:
            before = None
        published = Counter(update.at for update in before.updates) if before else Counter()
        announced = False
        for index, (update, update_id) in enumerate(zip(incident.updates, update_ids(incident), strict=True)):
            if published[update.at]:
                published[update.at] -= 1
                continue
            if update.at > now:
                held.append(f"{incident.id}: the {update.status.value} update of {update.at.isoformat()}")
                continue
            if not update.notify:
                quiet.append(f"{incident.id}: the {update.status.value} update of {update.at.isoformat()}")
                continue
            kind = _update_kind(incident, update, first=index == 0)
            notices.append(Notice(kind, incident, update.at, update_id, update, update_id, before))
            announced = True
        visible = incident.updates[0].at <= now
        if (
            visible
            and before is not None
            and incident.is_maintenance
            and not announced
            and _window_changed(before, incident)
            and status_at(incident, now) is not MaintenanceStatus.COMPLETED
        ):
            schedule = incident.schedule
            fingerprint = repr((schedule, sorted(incident.components.items()))).encode()
            key = f"{incident.id}-changed-{hashlib.sha256(fingerprint).hexdigest()[:10]}"
            notices.append(Notice(NoticeKind.MAINTENANCE_CHANGED, incident, now, key, previous=before))
        postmortem = public_postmortem(incident)
        if visible and postmortem is not None and (before is None or public_postmortem(before) is None):
            key = f"{incident.id}-postmortem"
            notices.append(Notice(NoticeKind.POSTMORTEM_PUBLISHED, incident, now, key, previous=before))
    order = list(NoticeKind)
    notices.sort(key=lambda n: (n.at, n.incident.id, n.update.at if n.update else n.at, order.index(n.kind)))
    return Changes(tuple(notices), tuple(quiet), tuple(held))
