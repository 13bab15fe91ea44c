"""The content model: frozen dataclasses and enums, no I/O.

Everything here is built by :mod:`statusgen.validate` from files that passed the schema, so
the rest of the program can rely on the types: times are time-zone aware, enums are enums,
ids exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from .loader import SourceMap

__all__ = [
    "ActionItem",
    "ActionStatus",
    "ComponentStatus",
    "Escalation",
    "Incident",
    "IncidentStatus",
    "IncidentType",
    "MaintenanceStatus",
    "Postmortem",
    "PostmortemStatus",
    "Roles",
    "Schedule",
    "Severity",
    "Timeline",
    "TIMELINE_MOMENTS",
    "Update",
    "UpdateStatus",
    "Visibility",
]


class Severity(StrEnum):
    SEV1 = "SEV-1"
    SEV2 = "SEV-2"
    SEV3 = "SEV-3"
    SEV4 = "SEV-4"


class IncidentType(StrEnum):
    INCIDENT = "incident"
    MAINTENANCE = "maintenance"


class Visibility(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"


class ComponentStatus(StrEnum):
    """Statuspage's component statuses, in order of increasing gravity (maintenance aside)."""

    OPERATIONAL = "operational"
    UNDER_MAINTENANCE = "under_maintenance"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"


class IncidentStatus(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"


class MaintenanceStatus(StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    VERIFYING = "verifying"
    COMPLETED = "completed"


UpdateStatus = IncidentStatus | MaintenanceStatus


class Escalation(StrEnum):
    L1 = "L1"
    L2 = "L2"
    L3 = "L3"
    L4 = "L4"


class PostmortemStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in-review"
    PUBLISHED = "published"


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


def _pickled_by_name(member: StrEnum, protocol: object) -> str:
    """A member pickles as a reference to itself (``Severity.SEV1``), loaded without calling
    its class: the validation cache and the worker processes load hundreds of thousands."""
    return f"{type(member).__qualname__}.{member.name}"


for _enum in (
    Severity,
    IncidentType,
    Visibility,
    ComponentStatus,
    IncidentStatus,
    MaintenanceStatus,
    Escalation,
    PostmortemStatus,
    ActionStatus,
):
    setattr(_enum, "__reduce_ex__", _pickled_by_name)  # noqa: B010 - assigned after the class is made


TIMELINE_MOMENTS = ("started", "detected", "acknowledged", "declared", "mitigated", "resolved")
"""The timeline's moments in the order they must happen."""


@dataclass(frozen=True)
class Timeline:
    started: dt.datetime | None = None
    detected: dt.datetime | None = None
    acknowledged: dt.datetime | None = None
    declared: dt.datetime | None = None
    mitigated: dt.datetime | None = None
    resolved: dt.datetime | None = None

    def recorded(self) -> list[tuple[str, dt.datetime]]:
        """The moments that are set, in process order."""
        return [(name, moment) for name in TIMELINE_MOMENTS if (moment := getattr(self, name))]


@dataclass(frozen=True)
class Schedule:
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class Roles:
    incident_commander: str | None = None
    operations_lead: str | None = None
    communications_lead: str | None = None
    scribe: str | None = None


@dataclass(frozen=True)
class Update:
    at: dt.datetime
    status: IncidentStatus | MaintenanceStatus
    message: str
    components: Mapping[str, ComponentStatus] = field(default_factory=dict)
    notify: bool = True


@dataclass(frozen=True)
class ActionItem:
    title: str
    owner: str
    due: dt.date
    status: ActionStatus
    link: str | None = None


@dataclass(frozen=True)
class Postmortem:
    path: str
    status: PostmortemStatus
    visibility: Visibility
    authors: tuple[str, ...]
    body: str
    reviewers: tuple[str, ...] = ()
    published: dt.date | None = None
    action_items: tuple[ActionItem, ...] = ()
    where: SourceMap = field(default_factory=SourceMap, compare=False, repr=False)


@dataclass(frozen=True)
class Incident:
    """An incident or a maintenance window: one ``incident.md``."""

    id: str
    path: str
    title: str
    type: IncidentType
    visibility: Visibility
    severity: Severity | None = None
    components: Mapping[str, ComponentStatus] = field(default_factory=dict)
    timeline: Timeline = Timeline()
    schedule: Schedule | None = None
    roles: Roles = Roles()
    escalation: Escalation | None = None
    runbooks: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    updates: tuple[Update, ...] = ()
    notes: str = ""
    postmortem: Postmortem | None = None
    where: SourceMap = field(default_factory=SourceMap, compare=False, repr=False)

    @property
    def is_maintenance(self) -> bool:
        return self.type is IncidentType.MAINTENANCE

    @property
    def is_resolved(self) -> bool:
        """Closed by its last update (``resolved``, or ``completed`` for maintenance)."""
        return bool(self.updates) and self.updates[-1].status in (
            IncidentStatus.RESOLVED,
            MaintenanceStatus.COMPLETED,
        )
