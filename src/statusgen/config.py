"""Typed site configuration: what ``statusgen.yml`` says, with the handbook's defaults."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from .loader import SourceMap
from .model import Severity

__all__ = ["Component", "Config", "DEFAULT_POLICY", "Group", "SeverityPolicy", "CONFIG_FILE"]

CONFIG_FILE = "statusgen.yml"


@dataclass(frozen=True)
class Group:
    id: str
    """Stable identifier, referenced by components."""
    name: str
    """Display name."""
    description: str = ""


@dataclass(frozen=True)
class Component:
    id: str
    """Stable identifier used in incidents, feeds and the API."""
    name: str
    """Display name."""
    description: str = ""
    group: str | None = None
    """Id of the group this component is shown in, if any."""
    show_uptime: bool = True
    """Whether the public page shows the 90-day uptime bar."""
    start_date: dt.date | None = None
    """Uptime is not counted before this date."""


@dataclass(frozen=True)
class SeverityPolicy:
    """The response targets of one severity. ``None`` switches a target off."""

    response_target: dt.timedelta | None
    """Longest time from ``detected`` to ``acknowledged``."""
    initial_update: dt.timedelta | None
    """Longest time from ``declared`` to the first public update."""
    update_cadence: dt.timedelta | None
    """Longest gap between public updates while the incident is active."""
    resolution_notice: dt.timedelta | None
    """Longest time from ``resolved`` to the public ``resolved`` update."""
    postmortem_required: bool
    """Whether a postmortem must be published."""
    postmortem_deadline: dt.timedelta | None
    """Longest time from ``resolved`` to the postmortem's publication."""


def _minutes(n: int) -> dt.timedelta:
    return dt.timedelta(minutes=n)


DEFAULT_POLICY: Mapping[Severity, SeverityPolicy] = {
    Severity.SEV1: SeverityPolicy(_minutes(15), _minutes(15), _minutes(30), _minutes(15), True, _minutes(48 * 60)),
    Severity.SEV2: SeverityPolicy(_minutes(30), _minutes(15), _minutes(30), _minutes(15), True, _minutes(48 * 60)),
    Severity.SEV3: SeverityPolicy(_minutes(60), _minutes(15), _minutes(60), _minutes(15), False, _minutes(48 * 60)),
    Severity.SEV4: SeverityPolicy(_minutes(240), _minutes(15), None, _minutes(15), False, _minutes(48 * 60)),
}
"""From the incident-response handbook: response within 15 min / 30 min / 1 h / 4 h, updates
every 30 minutes for major incidents, first update and resolution notice within 15 minutes,
report within 48 hours."""


@dataclass(frozen=True)
class Config:
    name: str
    """The status page's name, shown in titles and feeds."""
    base_url: str
    """Absolute URL the public site is served from, ending in ``/``; may have a path."""
    time_zone: str
    """IANA time zone name used to display times."""
    language: str = "en"
    """BCP 47 language tag of the pages."""
    groups: tuple[Group, ...] = ()
    """Component groups, in display order."""
    components: tuple[Component, ...] = ()
    """Components, in display order."""
    policy: Mapping[Severity, SeverityPolicy] = field(default_factory=lambda: dict(DEFAULT_POLICY))
    """Response targets per severity."""
    where: SourceMap = field(default_factory=SourceMap, compare=False, repr=False)

    @property
    def component_ids(self) -> frozenset[str]:
        return frozenset(component.id for component in self.components)
