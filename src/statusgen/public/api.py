"""The Statuspage v2 API as static JSON files, so existing Statuspage clients work unchanged.

Eight files under ``api/v2/``, with Atlassian Statuspage's envelopes (``page`` plus the payload),
field names and enum values::

    summary.json                        page, components, unresolved incidents, upcoming and
                                        active maintenance, status
    status.json                         page, status
    components.json                     page, components (groups included, flat)
    incidents.json                      page, the 50 most recent incidents and maintenances
    incidents/unresolved.json           page, incidents investigating, identified or monitoring
    scheduled-maintenances.json         page, the 50 most recent maintenances
    scheduled-maintenances/upcoming.json    page, maintenances not started yet
    scheduled-maintenances/active.json      page, maintenances in progress or verifying

Where Statuspage keeps data we do not have, the values are derived, always from public data:

- ``page.id`` is a 12-character hash of the base URL (stable while the page stays put);
  ``page.url`` the base URL without its trailing slash, as Statuspage writes it.
- Incident ids are the incident folder names; update ids are ``<incident-id>-<UTC time>``
  (``-2``, ``-3`` … for updates in the same second), so an id never changes once published.
- Timestamps are written as Statuspage writes them: ISO 8601 with milliseconds in the page's
  time zone, with its offset (``Z`` when the page's zone is UTC).
- Maintenance moves with time: when the window starts or ends and nobody posted the matching
  update, the update Statuspage's auto-transition would post is added (``in_progress`` at the
  start, ``completed`` at the end), with Statuspage's wording.
- Update ``body`` is plain text, as in Statuspage: the sanitized Markdown without markup, links
  written ``text (URL)``. In the files ``<``, ``>`` and ``&`` are written as ``\\u003c`` and so on
  (as Statuspage's Rails JSON does), so a file is also safe to embed in an HTML page.
- A component's ``created_at`` is its ``start_date`` (midnight, page time zone), else the first
  public update of the page; ``updated_at`` the last change of its status.

Only ``title``, ``components`` and the updates published by ``now`` of public incidents are read.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import math
import re
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

from ..config import Component
from ..model import ComponentStatus, Incident, IncidentStatus, MaintenanceStatus, UpdateStatus
from ..timeline import component_intervals, impact, status_at
from .markup import markdown_to_html, plain_paragraphs
from .view import PublicView

if TYPE_CHECKING:
    from .memo import Published

__all__ = [
    "API_FILES",
    "API_INCIDENTS",
    "ApiPlan",
    "AUTO_COMPLETED",
    "AUTO_IN_PROGRESS",
    "ApiUpdate",
    "api_updates",
    "last_update_at",
    "as_of",
    "markdown_to_plain",
    "plan_api",
    "render_api",
]

API_FILES = (
    "summary.json",
    "status.json",
    "components.json",
    "incidents.json",
    "incidents/unresolved.json",
    "scheduled-maintenances.json",
    "scheduled-maintenances/upcoming.json",
    "scheduled-maintenances/active.json",
)
"""The files of ``api/v2/``."""
API_INCIDENTS = 50
"""How many incidents ``incidents.json`` and ``scheduled-maintenances.json`` list, as Statuspage."""

AUTO_IN_PROGRESS = "Scheduled maintenance is currently in progress. We will provide updates as necessary."
AUTO_COMPLETED = "The scheduled maintenance has been completed."
"""Statuspage's texts for the updates its auto-transition posts at a window's start and end."""

_UTC_ZONES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu"})
_UNRESOLVED = (IncidentStatus.INVESTIGATING, IncidentStatus.IDENTIFIED, IncidentStatus.MONITORING)
_ACTIVE_MAINTENANCE = (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING)

Json = dict[str, Any]

_WHITESPACE = re.compile(r"\s+")

_JSON_ESCAPES = {ord(char): f"\\u{ord(char):04x}" for char in "<>&\u2028\u2029"}
"""Escaped inside JSON strings (where alone these characters can occur) so that no file holds
markup, whatever a title says."""


def as_of(incident: Incident, now: dt.datetime) -> Incident:
    """The incident as published at ``now``: updates dated later are not out yet."""
    updates = tuple(update for update in incident.updates if update.at <= now)
    return incident if len(updates) == len(incident.updates) else replace(incident, updates=updates)


@dataclass(frozen=True)
class ApiUpdate:
    """One entry of ``incident_updates``: a posted update or an automatic maintenance transition."""

    id: str
    at: dt.datetime
    status: UpdateStatus
    body: str
    changes: tuple[tuple[str, ComponentStatus, ComponentStatus], ...]
    """(component id, old status, new status) for the components this update changed."""
    notify: bool


def api_updates(incident: Incident, now: dt.datetime, *, bodies: bool = True) -> list[ApiUpdate]:
    """The incident's updates published by ``now``, oldest first, with the automatic
    transitions of a maintenance window that nobody posted. Without ``bodies`` the posted
    updates' bodies are left empty (rendering Markdown is the costly part)."""
    incident = as_of(incident, now)
    raw: list[tuple[dt.datetime, UpdateStatus, str, Mapping[str, ComponentStatus], bool]] = [
        (
            update.at,
            update.status,
            markdown_to_plain(update.message) if bodies else "",
            update.components,
            update.notify,
        )
        for update in incident.updates
    ]
    if incident.is_maintenance and raw and incident.schedule is not None:
        schedule = incident.schedule
        status = status_at(incident, now)
        posted = {entry[1] for entry in raw}
        last = raw[-1][0]
        started = bool(posted & set(_ACTIVE_MAINTENANCE))
        if status is MaintenanceStatus.IN_PROGRESS and not started:
            raw.append((max(schedule.start, last), MaintenanceStatus.IN_PROGRESS, AUTO_IN_PROGRESS, {}, True))
        elif status is MaintenanceStatus.COMPLETED and MaintenanceStatus.COMPLETED not in posted:
            if not started and schedule.start < schedule.end:
                raw.append((max(schedule.start, last), MaintenanceStatus.IN_PROGRESS, AUTO_IN_PROGRESS, {}, True))
            raw.append((max(schedule.end, raw[-1][0]), MaintenanceStatus.COMPLETED, AUTO_COMPLETED, {}, True))

    result: list[ApiUpdate] = []
    seen: dict[str, int] = {}
    current: dict[str, ComponentStatus] = {}
    for index, (at, status, body, components, notify) in enumerate(raw):
        stamp = at.astimezone(dt.UTC).strftime("%Y%m%dt%H%M%Sz")
        seen[stamp] = seen.get(stamp, 0) + 1
        update_id = f"{incident.id}-{stamp}" + (f"-{seen[stamp]}" if seen[stamp] > 1 else "")
        changes = _changes(incident, index, status, components, current)
        result.append(ApiUpdate(update_id, at, status, body, changes, notify))
    return result


def last_update_at(incident: Incident, now: dt.datetime) -> dt.datetime | None:
    """``api_updates(incident, now)[-1].at`` without building the updates: the latest update
    by ``now``, or the moment a maintenance window started or ended by itself."""
    posted = [update for update in incident.updates if update.at <= now]
    if not posted:
        return None
    last = posted[-1].at
    schedule = incident.schedule
    if not incident.is_maintenance or schedule is None:
        return last
    status = status_at(incident, now)
    statuses = {update.status for update in posted}
    started = bool(statuses & set(_ACTIVE_MAINTENANCE))
    if status is MaintenanceStatus.IN_PROGRESS and not started:
        return max(schedule.start, last)
    if status is MaintenanceStatus.COMPLETED and MaintenanceStatus.COMPLETED not in statuses:
        if not started and schedule.start < schedule.end:
            last = max(schedule.start, last)
        return max(schedule.end, last)
    return last


def _changes(
    incident: Incident,
    index: int,
    status: UpdateStatus,
    components: Mapping[str, ComponentStatus],
    current: dict[str, ComponentStatus],
) -> tuple[tuple[str, ComponentStatus, ComponentStatus], ...]:
    """What one update did to the components' statuses; updates ``current`` in place."""
    operational = ComponentStatus.OPERATIONAL
    new: dict[str, ComponentStatus] = {}
    if incident.is_maintenance:
        if status in _ACTIVE_MAINTENANCE and not current:
            new = dict(incident.components)
        elif status is MaintenanceStatus.COMPLETED and current:
            new = {component: operational for component in current}
    else:
        if index == 0:
            new.update(incident.components)
        new.update(components)
        if status is IncidentStatus.RESOLVED:
            for component in [*current, *new]:
                new[component] = operational
    changes = []
    for component, after in new.items():
        before = current.get(component, operational)
        if before != after:
            changes.append((component, before, after))
        current[component] = after
    if incident.is_maintenance and status is MaintenanceStatus.COMPLETED:
        current.clear()
    return tuple(changes)


class _PlainText(HTMLParser):
    """Sanitized HTML → plain text: paragraphs apart by a blank line, links as ``text (URL)``."""

    _BLOCKS = frozenset({"p", "pre", "blockquote", "h3", "h4", "h5", "h6", "tr", "table", "hr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._links: list[tuple[str | None, int]] = []
        self._pre = 0
        self._lists: list[int] = []
        """Per open list: items so far (ordered) or -1 (bulleted)."""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "pre":
            self._pre += 1
        if tag == "a":
            self._links.append((dict(attrs).get("href"), len(self.parts)))
        elif tag == "br":
            self.parts.append("\n")
        elif tag in ("ul", "ol"):
            self._lists.append(0 if tag == "ol" else -1)
            self.parts.append("\n\n")
        elif tag == "li":
            if self._lists and self._lists[-1] >= 0:
                self._lists[-1] += 1
                self.parts.append(f"\n{self._lists[-1]}. ")
            else:
                self.parts.append("\n- ")
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self._pre = max(0, self._pre - 1)
        if tag == "a" and self._links:
            href, start = self._links.pop()
            label = "".join(self.parts[start:]).strip()
            if href and href != label and href != f"mailto:{label}":
                self.parts.append(f" ({href})")
        elif tag in ("ul", "ol"):
            if self._lists:
                self._lists.pop()
            self.parts.append("\n\n")
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._pre:
            self.parts.append(data)
        elif data.strip() or "\n" not in data:  # a bare line break only separates blocks
            # A line break inside a paragraph is a space in HTML; only preformatted text keeps it.
            self.parts.append(_WHITESPACE.sub(" ", data))

    def text(self) -> str:
        lines = "".join(self.parts).split("\n")
        paragraphs: list[str] = []
        blank = False
        for line in lines:
            if line.strip():
                if blank and paragraphs:
                    paragraphs.append("")
                paragraphs.append(line.rstrip())
                blank = False
            else:
                blank = True
        return "\n".join(paragraphs).strip()


def markdown_to_plain(text: str) -> str:
    """An update message as Statuspage's plain-text ``body``: sanitized, no markup, links kept."""
    parser = _PlainText()
    paragraphs = plain_paragraphs(text)
    if paragraphs is not None:  # what the parser would make of <p>…</p> blocks, without parsing
        for paragraph in paragraphs:
            parser.parts += ["\n\n", _WHITESPACE.sub(" ", paragraph), "\n\n"]
        return parser.text()
    parser.feed(markdown_to_html(text))
    parser.close()
    return parser.text()


@dataclass(frozen=True)
class _Totals:
    """The few facts about all incidents that the page and the components show."""

    last_change: dt.datetime | None
    """The latest moment by ``now`` at which anything public changed."""
    first_update: dt.datetime
    """The first public update of the page (``now`` when there is none)."""
    component_changes: Mapping[str, dt.datetime]
    """Per component id (of the configuration at least), the last time by ``now`` its status changed."""


@dataclass(frozen=True)
class _Api:
    """What every payload is built from: the view, with updates cut at ``now``, and the facts
    about all incidents — worked out from ``updates`` (every incident's) unless given."""

    view: PublicView
    incidents: tuple[Incident, ...]
    updates: Mapping[str, list[ApiUpdate]]
    page_id: str
    given: _Totals | None = None

    @property
    def totals(self) -> _Totals:
        if self.given is not None:
            return self.given
        now = self.view.now
        moments = [update.at for updates in self.updates.values() for update in updates]
        last: dict[str, dt.datetime] = {}
        for incident in self.incidents:
            for component, spans in component_intervals(incident).items():
                edges = [edge for i in spans for edge in (i.start, i.end) if edge is not None and edge <= now]
                if edges:
                    last[component] = max([*edges, *([last[component]] if component in last else [])])
        return _Totals(max((m for m in moments if m <= now), default=None), min(moments, default=now), last)

    def time(self, moment: dt.datetime) -> str:
        """Statuspage's timestamp: milliseconds, the page's zone and its offset."""
        zone = self.view.config.time_zone
        local = moment.astimezone(zoneinfo.ZoneInfo(zone))
        text = local.strftime("%Y-%m-%dT%H:%M:%S") + f".{local.microsecond // 1000:03d}"
        if zone in _UTC_ZONES:
            return text + "Z"
        offset = local.strftime("%z")
        return f"{text}{offset[:3]}:{offset[3:]}"


@dataclass(frozen=True)
class ApiPlan:
    """Which incidents each payload lists, decided before anything is rendered."""

    api: _Api
    unresolved: tuple[Incident, ...]
    open_windows: tuple[Incident, ...]
    newest: tuple[Incident, ...]
    """The :data:`API_INCIDENTS` most recently started."""
    maintenance: tuple[Incident, ...]
    """The :data:`API_INCIDENTS` maintenances starting last."""
    upcoming: tuple[Incident, ...]
    active: tuple[Incident, ...]

    def shown(self) -> tuple[object, ...]:
        """What the files show besides the listed incidents, as plain values (for a build key)."""
        totals, board = self.api.totals, self.api.view.board
        return (
            totals.last_change,
            totals.first_update,
            sorted(totals.component_changes.items()),
            board.indicator,
            sorted(board.components.items()),
            sorted(board.groups.items()),
        )

    def lists(self) -> tuple[tuple[Incident, ...], ...]:
        return (self.unresolved, self.open_windows, self.newest, self.maintenance, self.upcoming, self.active)


def plan_api(view: PublicView, published: Sequence[Incident] | None = None, facts: Published | None = None) -> ApiPlan:
    """What ``api/v2/*.json`` list at ``view.now``. ``published`` is ``view.incidents`` as
    published by ``view.now`` (:func:`as_of`), when the caller has it; ``facts`` what is known
    of them (each incident's status and latest update), when the caller has that."""
    now = view.now
    incidents = tuple(published) if published is not None else tuple(as_of(i, now) for i in view.incidents)
    last_updates: dict[str, dt.datetime | None] = {}
    statuses: dict[str, UpdateStatus | None] = {}
    order: dict[str, Any] = {}  # what orders the latest updates: timestamps with facts, else the moments
    if facts is not None:
        # One pass, moments compared as timestamps; the first latest and first earliest
        # moments win, as with max() and min().
        last_change, last_stamp, first_update, first_stamp = None, -math.inf, now, math.inf
        summary = facts.summary
        for incident in incidents:
            moment, stamp, statuses[incident.id], posted = summary(incident)
            last_updates[incident.id], order[incident.id] = moment, stamp
            if stamp > last_stamp:
                last_change, last_stamp = moment, stamp
            if posted < first_stamp:
                first_update, first_stamp = incident.updates[0].at, posted
    else:
        last_updates = {incident.id: last_update_at(incident, now) for incident in incidents}
        statuses = {incident.id: status_at(incident, now) for incident in incidents}
        order = last_updates
        last_change = max((moment for moment in last_updates.values() if moment is not None), default=None)
        first_update = min((incident.updates[0].at for incident in incidents if incident.updates), default=now)
    totals = _Totals(last_change, first_update, _component_changes(view, incidents, last_updates, order, facts))
    api = _Api(view, incidents, {}, _page_id(view.config.base_url), totals)
    maintenance = [incident for incident in incidents if incident.is_maintenance]
    if facts is not None:
        newest = sorted(incidents, key=facts.newest_first, reverse=True)
        stamp = facts.stamp
        by_start = sorted(maintenance, key=lambda i: (facts.start_stamp(i) if i.schedule is not None else stamp, i.id))
    else:
        newest = sorted(incidents, key=lambda i: (i.updates[0].at, i.id), reverse=True)
        by_start = sorted(maintenance, key=lambda i: (i.schedule.start if i.schedule else now, i.id))
    unresolved = tuple(incident for incident in newest if statuses[incident.id] in _UNRESOLVED)
    upcoming = tuple(incident for incident in by_start if statuses[incident.id] is MaintenanceStatus.SCHEDULED)
    active = tuple(incident for incident in by_start if statuses[incident.id] in _ACTIVE_MAINTENANCE)
    open_windows = tuple(
        incident
        for incident in by_start
        if statuses[incident.id] is MaintenanceStatus.SCHEDULED or statuses[incident.id] in _ACTIVE_MAINTENANCE
    )
    return ApiPlan(
        api,
        unresolved,
        open_windows,
        tuple(newest[:API_INCIDENTS]),
        tuple(list(reversed(by_start))[:API_INCIDENTS]),
        upcoming,
        active,
    )


def render_api(view: PublicView, plan: ApiPlan | None = None) -> dict[str, bytes]:
    """``api/v2/*.json``: the Statuspage v2 API at ``view.now`` (as ``plan`` lists it)."""
    plan = plan if plan is not None else plan_api(view)
    api = plan.api
    page = _page(api)
    components = _components(api)
    status = {"indicator": view.board.indicator.value, "description": view.board.description}
    by_id = {record["id"]: record for record in components}

    def incident_list(chosen: Iterable[Incident]) -> list[Json]:
        return [_incident(api, incident, by_id) for incident in chosen]

    payloads: dict[str, Json] = {
        "summary.json": {
            "page": page,
            "components": components,
            "incidents": incident_list(plan.unresolved),
            "scheduled_maintenances": incident_list(plan.open_windows),
            "status": status,
        },
        "status.json": {"page": page, "status": status},
        "components.json": {"page": page, "components": components},
        "incidents.json": {"page": page, "incidents": incident_list(plan.newest)},
        "incidents/unresolved.json": {"page": page, "incidents": incident_list(plan.unresolved)},
        "scheduled-maintenances.json": {"page": page, "scheduled_maintenances": incident_list(plan.maintenance)},
        "scheduled-maintenances/upcoming.json": {"page": page, "scheduled_maintenances": incident_list(plan.upcoming)},
        "scheduled-maintenances/active.json": {"page": page, "scheduled_maintenances": incident_list(plan.active)},
    }
    return {f"api/v2/{name}": _dump(payload) for name, payload in payloads.items()}


def _dump(payload: Json) -> bytes:
    """Compact JSON like Statuspage's, with ``<``, ``>``, ``&`` and line separators escaped."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return (text.translate(_JSON_ESCAPES) + "\n").encode("utf-8")


def _page_id(base_url: str) -> str:
    digest = hashlib.sha256(base_url.encode("utf-8")).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:12]


def _page(api: _Api) -> Json:
    view = api.view
    return {
        "id": api.page_id,
        "name": view.config.name,
        "url": view.url().rstrip("/"),
        "time_zone": view.config.time_zone,
        "updated_at": api.time(api.totals.last_change or view.now),
    }


def _component_changes(
    view: PublicView,
    incidents: Sequence[Incident],
    last_updates: Mapping[str, dt.datetime | None],
    order: Mapping[str, Any],
    facts: Published | None = None,
) -> dict[str, dt.datetime]:
    """Per component of the configuration, the last time by ``now`` its status changed
    (``order``: per incident id, what orders its entry of ``last_updates``).

    No interval of an incident changes by ``now`` after its last update (or the start or end of
    its window that stands for one): going through the incidents latest first, a component is
    done once that moment is before its latest change found, and most of a long history is
    never looked at."""
    now = view.now
    pending = {component.id for component in view.config.components}
    last: dict[str, dt.datetime] = {}

    latest_first = sorted(
        (incident for incident in incidents if last_updates[incident.id] is not None),
        key=lambda incident: order[incident.id],
        reverse=True,
    )
    for incident in latest_first:
        bound = last_updates[incident.id]
        assert bound is not None
        if last:
            pending -= {component for component in pending if component in last and last[component] >= bound}
        if not pending:
            break
        if facts is not None:
            touched: set[str] | frozenset[str] = facts.touched(incident)
        else:
            named = set(incident.components)
            for update in incident.updates:
                named.update(update.components)
            touched = named
        if pending.isdisjoint(touched):
            continue
        for component, spans in (facts.intervals if facts else component_intervals)(incident).items():
            edges = [edge for i in spans for edge in (i.start, i.end) if edge is not None and edge <= now]
            if edges and component in pending:
                last[component] = max([*edges, *([last[component]] if component in last else [])])
    return last


def _components(api: _Api) -> list[Json]:
    """Every group and component, flat, in display order: each group followed by its
    components (groups in configuration order), then the components outside any group."""
    view = api.view
    config = view.config
    zone = zoneinfo.ZoneInfo(config.time_zone)
    first_update = api.totals.first_update
    changed = api.totals.component_changes

    def created(component: Component | None) -> dt.datetime:
        if component is not None and component.start_date is not None:
            return dt.datetime.combine(component.start_date, dt.time(), zone)
        return first_update

    def record(component: Component, position: int) -> Json:
        created_at = created(component)
        return {
            "id": component.id,
            "name": component.name,
            "status": view.board.components[component.id].value,
            "created_at": api.time(created_at),
            "updated_at": api.time(max(created_at, changed.get(component.id, created_at))),
            "position": position,
            "description": component.description or None,
            "showcase": component.show_uptime,
            "start_date": component.start_date.isoformat() if component.start_date else None,
            "group_id": component.group,
            "page_id": api.page_id,
            "group": False,
            "only_show_if_degraded": False,
        }

    result: list[Json] = []
    for group in config.groups:
        children = [c for c in config.components if c.group == group.id]
        if not children:
            continue
        starts = [created(child) for child in children]
        created_at = min(starts)
        updated_at = max([created_at, *(changed[c.id] for c in children if c.id in changed)])
        result.append(
            {
                "id": group.id,
                "name": group.name,
                "status": view.board.groups[group.id].value,
                "created_at": api.time(created_at),
                "updated_at": api.time(updated_at),
                "position": len(result) + 1,
                "description": group.description or None,
                "showcase": False,
                "start_date": None,
                "group_id": None,
                "page_id": api.page_id,
                "group": True,
                "only_show_if_degraded": False,
                "components": [child.id for child in children],
            }
        )
        for child in children:
            result.append(record(child, len(result) + 1))
    grouped = {group.id for group in config.groups}
    for component in config.components:
        if component.group not in grouped:
            result.append(record(component, len(result) + 1))
    return result


def _affected(incident: Incident, updates: Sequence[ApiUpdate], order: Sequence[Component]) -> list[str]:
    """Ids of the components the incident touched, in display order."""
    touched = set(incident.components)
    for update in incident.updates:
        touched.update(update.components)
    for api_update in updates:
        touched.update(change[0] for change in api_update.changes)
    return [component.id for component in order if component.id in touched]


def _incident(api: _Api, incident: Incident, by_id: Mapping[str, Json]) -> Json:
    view = api.view
    updates = api_updates(incident, view.now)
    components = {component.id: component for component in view.config.components}
    order = {component_id: index for index, component_id in enumerate(components)}
    status = status_at(incident, view.now) or updates[-1].status
    closed = status in (IncidentStatus.RESOLVED, MaintenanceStatus.COMPLETED)
    monitoring = next((u.at for u in updates if u.status is IncidentStatus.MONITORING), None)
    resolved = next((u.at for u in reversed(updates) if u.status == status), None) if closed else None
    schedule = incident.schedule if incident.is_maintenance else None

    def stamp(moment: dt.datetime | None) -> str | None:
        return api.time(moment) if moment is not None else None

    return {
        "id": incident.id,
        "name": incident.title,
        "status": status.value,
        "created_at": api.time(updates[0].at),
        "updated_at": api.time(updates[-1].at),
        "monitoring_at": stamp(monitoring),
        "resolved_at": stamp(resolved),
        "impact": impact(incident).value,
        "shortlink": view.url(view.incident_path(incident)),
        "started_at": api.time(updates[0].at),
        "page_id": api.page_id,
        "scheduled_for": stamp(schedule.start if schedule else None),
        "scheduled_until": stamp(schedule.end if schedule else None),
        "incident_updates": [
            {
                "id": update.id,
                "status": update.status.value,
                "body": update.body,
                "incident_id": incident.id,
                "created_at": api.time(update.at),
                "updated_at": api.time(update.at),
                "display_at": api.time(update.at),
                "affected_components": [
                    {
                        "code": component,
                        "name": components[component].name if component in components else component,
                        "old_status": before.value,
                        "new_status": after.value,
                    }
                    for component, before, after in sorted(update.changes, key=lambda c: order.get(c[0], len(order)))
                ]
                or None,
                "deliver_notifications": update.notify,
                "custom_tweet": None,
                "tweet_id": None,
            }
            for update in reversed(updates)
        ],
        "components": [
            by_id[component] for component in _affected(incident, updates, view.config.components) if component in by_id
        ],
    }
