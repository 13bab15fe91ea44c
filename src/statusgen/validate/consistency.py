"""The consistency layer: an incident's times and statuses tell one coherent story."""

from __future__ import annotations

from ..model import Incident, IncidentStatus
from ..problems import Problem

__all__ = ["check_consistency"]


def check_consistency(incident: Incident) -> list[Problem]:
    problems: list[Problem] = []
    where = incident.where
    updates = incident.updates
    for index in range(1, len(updates)):
        if updates[index].at < updates[index - 1].at:
            problems.append(
                Problem.at(
                    incident.path,
                    where.value(("updates", index, "at")),
                    "SG401",
                    f"update {index + 1} is dated before update {index} "
                    f"({updates[index].at.isoformat()} < {updates[index - 1].at.isoformat()}); "
                    "list updates oldest first",
                )
            )

    latest: tuple[str, object] | None = None
    for name, moment in incident.timeline.recorded():
        if latest is not None and moment < latest[1]:  # type: ignore[operator]
            problems.append(
                Problem.at(
                    incident.path,
                    where.value(("timeline", name)),
                    "SG404",
                    f"timeline.{name} is earlier than timeline.{latest[0]}; "
                    "the order is started, detected, acknowledged, declared, mitigated, resolved",
                )
            )
        else:
            latest = (name, moment)

    if incident.is_maintenance:
        schedule = incident.schedule
        if schedule is not None and schedule.end <= schedule.start:
            problems.append(
                Problem.at(
                    incident.path,
                    where.value(("scheduled", "end")),
                    "SG405",
                    "the maintenance must end after it starts; check scheduled.start and scheduled.end",
                )
            )
        return problems

    if updates:
        last_is_resolved = updates[-1].status is IncidentStatus.RESOLVED
        if incident.timeline.resolved is not None and not last_is_resolved:
            problems.append(
                Problem.at(
                    incident.path,
                    where.value(("timeline", "resolved")),
                    "SG402",
                    f"timeline.resolved is set but the last update is '{updates[-1].status}'; "
                    "post a 'resolved' update or remove timeline.resolved",
                )
            )
        if last_is_resolved and incident.timeline.resolved is None:
            problems.append(
                Problem.at(
                    incident.path,
                    where.value(("updates", len(updates) - 1, "status")),
                    "SG403",
                    "the last update is 'resolved' but timeline.resolved is missing; add when it was resolved",
                )
            )
    return problems
