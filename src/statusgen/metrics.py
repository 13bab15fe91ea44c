"""Response-time metrics for the knowledge base: pure functions over validated incidents.

The four response times come from an incident's internal timeline, each only when both of
its moments are recorded (a missing moment is left out, never guessed)::

    time to detect       started  → detected
    time to acknowledge  detected → acknowledged
    time to mitigate     started  → mitigated
    time to resolve      started  → resolved

Compliance asks the policy layer (:func:`statusgen.validate.policy.check_policy`) whether an
incident breached a target, so the metrics page and ``statusgen validate`` never disagree; this
module only decides which incidents a target applies to (the denominator).

Maintenance windows are not incidents: they count nowhere here except in the action-item
tracker (a postmortem of maintenance can still have action items).
"""

from __future__ import annotations

import datetime as dt
import statistics
import zoneinfo
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from .config import Config
from .model import ActionItem, ActionStatus, Incident, PostmortemStatus, Severity, Visibility
from .validate.policy import check_policy

__all__ = [
    "COMPLIANCE_CHECKS",
    "RESPONSE_TIMES",
    "ComplianceCheck",
    "ComponentImpact",
    "ItemState",
    "PostmortemState",
    "Ratio",
    "ResponseTime",
    "Summary",
    "TrackedItem",
    "compliance",
    "incident_start",
    "incidents_per_month",
    "is_postmortem_late",
    "most_affected_components",
    "postmortem_deadline",
    "postmortem_state",
    "response_time",
    "response_times",
    "site_today",
    "summarize",
    "tracked_action_items",
]


@dataclass(frozen=True)
class ResponseTime:
    key: str
    label: str
    start: str
    """Timeline moment the span starts at."""
    end: str
    """Timeline moment the span ends at."""


RESPONSE_TIMES = (
    ResponseTime("detect", "Time to detect", "started", "detected"),
    ResponseTime("acknowledge", "Time to acknowledge", "detected", "acknowledged"),
    ResponseTime("mitigate", "Time to mitigate", "started", "mitigated"),
    ResponseTime("resolve", "Time to resolve", "started", "resolved"),
)
"""The response times, in process order."""


def response_time(incident: Incident, measure: ResponseTime) -> dt.timedelta | None:
    """The span of ``measure`` for one incident, or None when a moment is not recorded."""
    start = getattr(incident.timeline, measure.start)
    end = getattr(incident.timeline, measure.end)
    if start is None or end is None:
        return None
    span: dt.timedelta = end - start
    return span


@dataclass(frozen=True)
class Summary:
    count: int
    median: dt.timedelta | None
    mean: dt.timedelta | None


def summarize(spans: Sequence[dt.timedelta]) -> Summary:
    """Count, median (the mean of the two middle values for an even count) and mean."""
    if not spans:
        return Summary(0, None, None)
    seconds = [span.total_seconds() for span in spans]
    return Summary(
        len(spans),
        dt.timedelta(seconds=statistics.median(seconds)),
        dt.timedelta(seconds=statistics.fmean(seconds)),
    )


def _incidents(incidents: Sequence[Incident]) -> list[Incident]:
    return [incident for incident in incidents if not incident.is_maintenance and incident.severity is not None]


def response_times(incidents: Sequence[Incident]) -> dict[Severity, dict[str, Summary]]:
    """Per severity (all four, in order) and response time key: count, median and mean."""
    spans: dict[Severity, dict[str, list[dt.timedelta]]] = {
        severity: {measure.key: [] for measure in RESPONSE_TIMES} for severity in Severity
    }
    for incident in _incidents(incidents):
        assert incident.severity is not None
        for measure in RESPONSE_TIMES:
            if (span := response_time(incident, measure)) is not None:
                spans[incident.severity][measure.key].append(span)
    return {severity: {key: summarize(values) for key, values in by_key.items()} for severity, by_key in spans.items()}


def incident_start(incident: Incident) -> dt.datetime:
    """When it began: ``timeline.started``, else the scheduled start, else the first update,
    else midnight UTC of the date in its id."""
    if incident.timeline.started is not None:
        return incident.timeline.started
    if incident.schedule is not None:
        return incident.schedule.start
    if incident.updates:
        return incident.updates[0].at
    return dt.datetime.combine(dt.date.fromisoformat(incident.id[:10]), dt.time(), dt.UTC)


def incidents_per_month(incidents: Sequence[Incident], time_zone: str) -> list[tuple[str, dict[Severity, int]]]:
    """``[("2026-06", {SEV-1: n, …}), …]`` for every month from the first incident to the last
    (months without incidents included), by start in ``time_zone``."""
    zone = zoneinfo.ZoneInfo(time_zone)
    counts: Counter[tuple[str, Severity]] = Counter()
    months: set[tuple[int, int]] = set()
    for incident in _incidents(incidents):
        assert incident.severity is not None
        start = incident_start(incident).astimezone(zone)
        months.add((start.year, start.month))
        counts[(f"{start.year:04d}-{start.month:02d}", incident.severity)] += 1
    if not months:
        return []
    (year, month), last = min(months), max(months)
    result = []
    while (year, month) <= last:
        label = f"{year:04d}-{month:02d}"
        result.append((label, {severity: counts[(label, severity)] for severity in Severity}))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return result


@dataclass(frozen=True)
class ComplianceCheck:
    key: str
    label: str
    short: str
    code: str
    """The policy problem code whose presence is a breach."""


COMPLIANCE_CHECKS = (
    ComplianceCheck("acknowledged", "Acknowledged within the response target", "Acknowledged in time", "SG601"),
    ComplianceCheck("updates", "Update gaps within the cadence", "Updates on cadence", "SG602"),
    ComplianceCheck("postmortem", "Required postmortems published on time", "Postmortems on time", "SG605"),
)


@dataclass(frozen=True)
class Ratio:
    met: int
    total: int

    @property
    def share(self) -> float | None:
        return self.met / self.total if self.total else None


def postmortem_deadline(incident: Incident, config: Config) -> dt.datetime | None:
    """When a required postmortem must be published by; None when none is required (yet)."""
    if incident.severity is None or incident.timeline.resolved is None:
        return None
    policy = config.policy[incident.severity]
    if not policy.postmortem_required or policy.postmortem_deadline is None:
        return None
    return incident.timeline.resolved + policy.postmortem_deadline


def _applies(check: ComplianceCheck, incident: Incident, config: Config, now: dt.datetime) -> bool:
    """Whether the policy can judge ``check`` on this incident (mirrors ``check_policy``)."""
    assert incident.severity is not None
    policy = config.policy[incident.severity]
    timeline = incident.timeline
    if check.key == "acknowledged":
        return bool(policy.response_target and timeline.detected and timeline.acknowledged)
    if check.key == "updates":
        return bool(policy.update_cadence and incident.visibility is Visibility.PUBLIC and incident.updates)
    deadline = postmortem_deadline(incident, config)
    if deadline is None:
        return False
    published = incident.postmortem is not None and incident.postmortem.status is PostmortemStatus.PUBLISHED
    return published or now > deadline  # before the deadline an unpublished report is not judged yet


def compliance(incidents: Sequence[Incident], config: Config, now: dt.datetime) -> dict[Severity, dict[str, Ratio]]:
    """Per severity and check: how many incidents the target applied to, and how many met it."""
    met: Counter[tuple[Severity, str]] = Counter()
    total: Counter[tuple[Severity, str]] = Counter()
    for incident in _incidents(incidents):
        assert incident.severity is not None
        breached = {problem.code for problem in check_policy(incident, config, now)}
        for check in COMPLIANCE_CHECKS:
            if _applies(check, incident, config, now):
                total[(incident.severity, check.key)] += 1
                met[(incident.severity, check.key)] += check.code not in breached
    return {
        severity: {
            check.key: Ratio(met[(severity, check.key)], total[(severity, check.key)]) for check in COMPLIANCE_CHECKS
        }
        for severity in Severity
    }


@dataclass(frozen=True)
class ComponentImpact:
    id: str
    name: str
    incidents: int
    incident_time: dt.timedelta
    """Sum of started → resolved (→ ``now`` while active) of its incidents with a start."""


def most_affected_components(
    incidents: Sequence[Incident], config: Config, now: dt.datetime, limit: int = 10
) -> list[ComponentImpact]:
    """Components by number of incidents (then incident time, then id), at most ``limit``."""
    names = {component.id: component.name for component in config.components}
    count: Counter[str] = Counter()
    time: dict[str, dt.timedelta] = {}
    for incident in _incidents(incidents):
        started = incident.timeline.started
        span = (incident.timeline.resolved or now) - started if started is not None else dt.timedelta()
        for component in incident.components:
            count[component] += 1
            time[component] = time.get(component, dt.timedelta()) + max(span, dt.timedelta())
    ranked = sorted(count, key=lambda c: (-count[c], -time[c], c))[:limit]
    return [ComponentImpact(c, names.get(c, c), count[c], time[c]) for c in ranked]


def site_today(now: dt.datetime, time_zone: str) -> dt.date:
    """The date at ``now`` in the site's time zone: what action-item due dates are read against."""
    return now.astimezone(zoneinfo.ZoneInfo(time_zone)).date()


class ItemState(StrEnum):
    OPEN = "open"
    OVERDUE = "overdue"
    DONE = "done"


@dataclass(frozen=True)
class TrackedItem:
    incident: Incident
    item: ActionItem
    state: ItemState


def tracked_action_items(incidents: Sequence[Incident], today: dt.date) -> list[TrackedItem]:
    """Every action item of every postmortem, by due date, incident and title.

    Overdue means open and due before ``today`` — the same rule as the policy's SG606."""
    tracked = []
    for incident in incidents:
        if incident.postmortem is None:
            continue
        for item in incident.postmortem.action_items:
            if item.status is ActionStatus.DONE:
                state = ItemState.DONE
            elif item.due < today:
                state = ItemState.OVERDUE
            else:
                state = ItemState.OPEN
            tracked.append(TrackedItem(incident, item, state))
    tracked.sort(key=lambda t: (t.item.due, t.incident.id, t.item.title))
    return tracked


class PostmortemState(StrEnum):
    PUBLISHED = "published"
    IN_REVIEW = "in review"
    DRAFT = "draft"
    MISSING = "missing"
    """Required by the policy and not written."""
    NONE = "none"
    """Not written and not required."""


def postmortem_state(incident: Incident, config: Config) -> PostmortemState:
    postmortem = incident.postmortem
    if postmortem is None:
        required = incident.severity is not None and config.policy[incident.severity].postmortem_required
        return PostmortemState.MISSING if required and not incident.is_maintenance else PostmortemState.NONE
    return {
        PostmortemStatus.PUBLISHED: PostmortemState.PUBLISHED,
        PostmortemStatus.IN_REVIEW: PostmortemState.IN_REVIEW,
        PostmortemStatus.DRAFT: PostmortemState.DRAFT,
    }[postmortem.status]


def is_postmortem_late(incident: Incident, config: Config, now: dt.datetime) -> bool:
    """A required postmortem still unpublished past its deadline (the policy's SG605)."""
    deadline = postmortem_deadline(incident, config)
    published = incident.postmortem is not None and incident.postmortem.status is PostmortemStatus.PUBLISHED
    return deadline is not None and now > deadline and not published
