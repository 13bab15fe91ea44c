"""Pure computations over time: what is active, component status, uptime.

Public status is computed from public data only — an incident's ``components`` and its
``updates`` — never from the internal timeline, so nothing internal can be inferred from the
status page. An incident affects its components from its first update until its ``resolved``
update; maintenance from its scheduled start (or an earlier ``in_progress`` update) until its
scheduled end (or an earlier ``completed`` update).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from .config import Component, Config
from .model import ComponentStatus, Incident, IncidentStatus, MaintenanceStatus, UpdateStatus

__all__ = [
    "DOWNTIME_WEIGHT",
    "DayUptime",
    "Indicator",
    "Interval",
    "StatusBoard",
    "component_intervals",
    "daily_uptime",
    "impact",
    "is_active",
    "maintenance_status",
    "status_at",
    "status_board",
    "uptime_share",
    "worst",
]

_GRAVITY = {status: rank for rank, status in enumerate(ComponentStatus)}
"""Order of ComponentStatus members: operational < maintenance < degraded < partial < major."""

DOWNTIME_WEIGHT: Mapping[ComponentStatus, float] = {
    ComponentStatus.MAJOR_OUTAGE: 1.0,
    ComponentStatus.PARTIAL_OUTAGE: 0.3,
}
"""How much of an interval counts as downtime; other statuses count as up."""


class Indicator(StrEnum):
    """Statuspage's page indicator."""

    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"
    MAINTENANCE = "maintenance"


INDICATOR_DESCRIPTIONS: Mapping[Indicator, str] = {
    Indicator.NONE: "All Systems Operational",
    Indicator.MINOR: "Minor Service Disruption",
    Indicator.MAJOR: "Partial System Outage",
    Indicator.CRITICAL: "Major System Outage",
    Indicator.MAINTENANCE: "Service Under Maintenance",
}


def worst(statuses: Iterable[ComponentStatus]) -> ComponentStatus:
    return max(statuses, key=_GRAVITY.__getitem__, default=ComponentStatus.OPERATIONAL)


def status_at(incident: Incident, moment: dt.datetime) -> UpdateStatus | None:
    """The incident's status at ``moment``: its latest update by then (maintenance also moves
    with its schedule); None before it was announced."""
    latest = None
    for update in incident.updates:
        if update.at > moment:
            break
        latest = update.status
    if incident.is_maintenance:
        return maintenance_status(incident, moment, latest)
    return latest


def maintenance_status(
    incident: Incident, moment: dt.datetime, posted: UpdateStatus | None = None
) -> MaintenanceStatus | None:
    """Upcoming, in progress or completed by the schedule, unless an update said so earlier;
    None before it was announced (no update yet and the window not started)."""
    schedule = incident.schedule
    if posted is MaintenanceStatus.COMPLETED or (schedule is not None and moment >= schedule.end):
        return MaintenanceStatus.COMPLETED
    if posted is MaintenanceStatus.IN_PROGRESS or posted is MaintenanceStatus.VERIFYING:
        return posted
    if schedule is not None and moment >= schedule.start:
        return MaintenanceStatus.IN_PROGRESS
    return MaintenanceStatus.SCHEDULED if posted is not None else None


def is_active(incident: Incident, moment: dt.datetime) -> bool:
    """Announced and not yet over at ``moment`` (upcoming maintenance is not active)."""
    status = status_at(incident, moment)
    return status is not None and status not in (
        IncidentStatus.RESOLVED,
        MaintenanceStatus.SCHEDULED,
        MaintenanceStatus.COMPLETED,
    )


@dataclass(frozen=True)
class Interval:
    """A component held ``status`` from ``start`` until ``end`` (None: still)."""

    start: dt.datetime
    end: dt.datetime | None
    status: ComponentStatus


def component_intervals(incident: Incident) -> dict[str, list[Interval]]:
    """Per component id, the statuses this incident gave it over time."""
    if incident.is_maintenance:
        schedule = incident.schedule
        if schedule is None:
            return {}
        start, end = schedule.start, schedule.end
        for update in incident.updates:
            if update.status in (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING):
                start = min(start, update.at)
                break
        for update in incident.updates:
            if update.status is MaintenanceStatus.COMPLETED:
                end = min(end, update.at)
                break
        if end <= start:
            return {}
        return {component: [Interval(start, end, status)] for component, status in incident.components.items()}

    if not incident.updates:
        return {}
    current = dict(incident.components)
    since = {component: incident.updates[0].at for component in current}
    intervals: dict[str, list[Interval]] = {component: [] for component in current}
    for update in incident.updates:
        for component, status in update.components.items():
            if component in current and current[component] != status:
                intervals[component].append(Interval(since[component], update.at, current[component]))
            intervals.setdefault(component, [])
            current[component], since[component] = status, update.at
        if update.status is IncidentStatus.RESOLVED:
            for component, status in current.items():
                intervals[component].append(Interval(since[component], update.at, status))
            break
    else:
        for component, status in current.items():
            intervals[component].append(Interval(since[component], None, status))
    return {
        component: [
            i for i in spans if i.status is not ComponentStatus.OPERATIONAL and (i.end is None or i.end > i.start)
        ]
        for component, spans in intervals.items()
    }


def impact(incident: Incident, intervals: Mapping[str, Sequence[Interval]] | None = None) -> Indicator:
    """Statuspage's incident ``impact``: from the worst status it gave any component
    (``intervals``: its :func:`component_intervals`, when the caller has them)."""
    if incident.is_maintenance:
        return Indicator.MAINTENANCE
    if intervals is None:
        intervals = component_intervals(incident)
    statuses = [interval.status for spans in intervals.values() for interval in spans]
    gravest = worst([*statuses, *incident.components.values()])
    return {
        ComponentStatus.MAJOR_OUTAGE: Indicator.CRITICAL,
        ComponentStatus.PARTIAL_OUTAGE: Indicator.MAJOR,
        ComponentStatus.DEGRADED_PERFORMANCE: Indicator.MINOR,
    }.get(gravest, Indicator.NONE)


@dataclass(frozen=True)
class StatusBoard:
    """Everything's status at one moment."""

    components: Mapping[str, ComponentStatus]
    groups: Mapping[str, ComponentStatus]
    indicator: Indicator
    active: tuple[Incident, ...]
    """Active incidents and in-progress maintenance, newest first."""
    upcoming: tuple[Incident, ...]
    """Scheduled maintenance that has not started, soonest first."""

    @property
    def description(self) -> str:
        return INDICATOR_DESCRIPTIONS[self.indicator]


def status_board(config: Config, incidents: Sequence[Incident], moment: dt.datetime) -> StatusBoard:
    """Current status of every component and group, the page indicator, what is active."""
    statuses = {component.id: ComponentStatus.OPERATIONAL for component in config.components}
    active: list[Incident] = []
    upcoming: list[Incident] = []
    for incident in incidents:
        if incident.is_maintenance and status_at(incident, moment) is MaintenanceStatus.SCHEDULED:
            upcoming.append(incident)
            continue
        if not is_active(incident, moment):
            continue
        active.append(incident)
        for component, spans in component_intervals(incident).items():
            for interval in spans:
                current = interval.start <= moment and (interval.end is None or moment < interval.end)
                if current and component in statuses:
                    statuses[component] = worst((statuses[component], interval.status))
    groups = {
        group.id: worst(statuses[c.id] for c in config.components if c.group == group.id) for group in config.groups
    }
    gravest = worst(statuses.values())
    if gravest is ComponentStatus.MAJOR_OUTAGE:
        indicator = Indicator.CRITICAL
    elif gravest is ComponentStatus.PARTIAL_OUTAGE:
        indicator = Indicator.MAJOR
    elif gravest is ComponentStatus.DEGRADED_PERFORMANCE or any(not i.is_maintenance for i in active):
        indicator = Indicator.MINOR
    elif gravest is ComponentStatus.UNDER_MAINTENANCE:
        indicator = Indicator.MAINTENANCE
    else:
        indicator = Indicator.NONE
    active.sort(key=lambda i: (i.updates[0].at if i.updates else moment, i.id), reverse=True)
    upcoming.sort(key=lambda i: (i.schedule.start if i.schedule else moment, i.id))
    return StatusBoard(statuses, groups, indicator, tuple(active), tuple(upcoming))


@dataclass(frozen=True)
class DayUptime:
    """One day of one component's uptime bar."""

    day: dt.date
    uptime: float | None
    """Share of the day up, 0–1; None when the day is not counted (before start, in the future)."""
    downtime: dt.timedelta
    """Weighted downtime: a major outage counts fully, a partial outage at 0.3."""
    worst: ComponentStatus
    incidents: tuple[str, ...]
    """Ids of the incidents that touched the component that day."""


def daily_uptime(
    component: Component,
    incidents: Sequence[Incident],
    moment: dt.datetime,
    time_zone: str,
    days: int = 90,
    *,
    intervals: Callable[[Incident], Mapping[str, Sequence[Interval]]] = component_intervals,
) -> list[DayUptime]:
    """The last ``days`` days (the last one is today, in ``time_zone``), oldest first.

    ``intervals`` gives an incident's :func:`component_intervals`: a caller drawing many
    components passes one that works them out once per incident."""
    zone = zoneinfo.ZoneInfo(time_zone)
    today = moment.astimezone(zone).date()
    spans: list[tuple[Interval, str]] = []
    for incident in incidents:
        for interval in intervals(incident).get(component.id, ()):
            spans.append((interval, incident.id))
    # Each span filed under the days it may touch (its local dates), so that a day looks at its
    # own few spans and not at every span of the 90 days.
    first = today - dt.timedelta(days=days - 1)
    by_day: list[list[tuple[Interval, str]]] = [[] for _ in range(days)]
    for interval, incident_id in spans:
        since = max((interval.start.astimezone(zone).date() - first).days, 0)
        until = min(((interval.end or moment).astimezone(zone).date() - first).days, days - 1)
        for index in range(since, until + 1):
            by_day[index].append((interval, incident_id))
    result: list[DayUptime] = []
    for offset in range(days - 1, -1, -1):
        day = today - dt.timedelta(days=offset)
        start = dt.datetime.combine(day, dt.time(), zone)
        end = min(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone), moment)
        if component.start_date is not None and day < component.start_date or end <= start:
            result.append(DayUptime(day, None, dt.timedelta(), ComponentStatus.OPERATIONAL, ()))
            continue
        pieces = []
        for interval, incident_id in by_day[days - 1 - offset]:
            lo = max(interval.start, start)
            hi = min(interval.end or moment, end)
            if lo < hi:
                pieces.append((lo, hi, interval.status, incident_id))
        downtime = _weighted_downtime(pieces)
        counted = end - start
        result.append(
            DayUptime(
                day,
                max(0.0, 1 - downtime / counted),
                downtime,
                worst(piece[2] for piece in pieces),
                tuple(sorted({piece[3] for piece in pieces})),
            )
        )
    return result


def _weighted_downtime(pieces: Sequence[tuple[dt.datetime, dt.datetime, ComponentStatus, str]]) -> dt.timedelta:
    """Weighted downtime of overlapping pieces: at each instant the worst status counts once."""
    edges = sorted({edge for piece in pieces for edge in piece[:2]})
    total = dt.timedelta()
    for lo, hi in zip(edges, edges[1:], strict=False):
        statuses = [piece[2] for piece in pieces if piece[0] <= lo and hi <= piece[1]]
        weight = max((DOWNTIME_WEIGHT.get(status, 0.0) for status in statuses), default=0.0)
        total += (hi - lo) * weight
    return total


def uptime_share(days: Sequence[DayUptime]) -> float | None:
    """Uptime over the counted days, 0–1, or None when no day counts."""
    counted = [day for day in days if day.uptime is not None]
    if not counted:
        return None
    return sum(day.uptime for day in counted if day.uptime is not None) / len(counted)
