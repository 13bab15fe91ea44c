"""The policy layer: did the response meet the configured targets? Warnings, by default.

Only recorded timeline moments are judged: a missing moment is not a breach.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from ..config import Config
from ..model import ActionStatus, Incident, IncidentStatus, PostmortemStatus, Visibility
from ..problems import Level, Problem

__all__ = ["FOREVER", "check_policy", "human_duration", "policy_holds_until"]


def human_duration(span: dt.timedelta) -> str:
    """``1 h 5 min``, ``22 min``, ``2 d 3 h``."""
    minutes = int(span.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    if days:
        parts[2] = ""
    return " ".join(part for part in parts if part) or "0 min"


def check_policy(incident: Incident, config: Config, now: dt.datetime) -> list[Problem]:
    problems: list[Problem] = []

    def warn(path: str, mark: tuple[int, int], code: str, message: str) -> None:
        problems.append(Problem.at(path, mark, code, message, Level.WARNING))

    postmortem = incident.postmortem
    today = now.astimezone(zoneinfo.ZoneInfo(config.time_zone)).date()
    if postmortem is not None:
        for index, item in enumerate(postmortem.action_items):
            if item.status is ActionStatus.OPEN and item.due < today:
                warn(
                    postmortem.path,
                    postmortem.where.value(("action_items", index, "due")),
                    "SG606",
                    f"action item '{item.title}' ({item.owner}) was due {item.due.isoformat()}; "
                    "finish it, mark it done, or set a new date",
                )

    if incident.severity is None:
        return problems
    policy = config.policy[incident.severity]
    where = incident.where
    timeline = incident.timeline
    severity = incident.severity.value

    if policy.response_target and timeline.detected and timeline.acknowledged:
        took = timeline.acknowledged - timeline.detected
        if took > policy.response_target:
            warn(
                incident.path,
                where.value(("timeline", "acknowledged")),
                "SG601",
                f"acknowledged {human_duration(took)} after detection; "
                f"the {severity} response target is {human_duration(policy.response_target)}",
            )

    updates = incident.updates if incident.visibility is Visibility.PUBLIC else ()
    if updates and policy.initial_update and timeline.declared:
        took = updates[0].at - timeline.declared
        if took > policy.initial_update:
            warn(
                incident.path,
                where.value(("updates", 0, "at")),
                "SG603",
                f"first public update {human_duration(took)} after the incident was declared; "
                f"the target is {human_duration(policy.initial_update)}",
            )

    if updates and policy.update_cadence:
        cadence = policy.update_cadence
        for index in range(1, len(updates)):
            gap = updates[index].at - updates[index - 1].at
            if updates[index - 1].status is not IncidentStatus.RESOLVED and gap > cadence:
                warn(
                    incident.path,
                    where.value(("updates", index, "at")),
                    "SG602",
                    f"{human_duration(gap)} without a public update before this one; "
                    f"{severity} incidents need one at least every {human_duration(cadence)}",
                )
        silence = now - updates[-1].at
        if updates[-1].status is not IncidentStatus.RESOLVED and silence > cadence:
            warn(
                incident.path,
                where.value(("updates", len(updates) - 1, "at")),
                "SG602",
                f"no public update for {human_duration(silence)} on this active incident; "
                f"{severity} incidents need one at least every {human_duration(cadence)}: post an update",
            )

    if updates and timeline.resolved and policy.resolution_notice:
        last = updates[-1]
        took = last.at - timeline.resolved
        if last.status is IncidentStatus.RESOLVED and took > policy.resolution_notice:
            warn(
                incident.path,
                where.value(("updates", len(updates) - 1, "at")),
                "SG604",
                f"resolution posted {human_duration(took)} after the incident was resolved; "
                f"the target is {human_duration(policy.resolution_notice)}",
            )

    if policy.postmortem_required and policy.postmortem_deadline and timeline.resolved:
        deadline = timeline.resolved + policy.postmortem_deadline
        published = postmortem is not None and postmortem.status is PostmortemStatus.PUBLISHED
        published_on = postmortem.published if postmortem is not None and published else None
        local_deadline = deadline.astimezone(zoneinfo.ZoneInfo(config.time_zone)).date()
        if published_on is not None and published_on > local_deadline:
            warn(
                incident.path,
                where.value(("timeline", "resolved")),
                "SG605",
                f"the postmortem was published on {published_on.isoformat()}, after its deadline "
                f"{local_deadline.isoformat()} ({human_duration(policy.postmortem_deadline)} after resolution)",
            )
        if now > deadline and not published:
            state = "missing" if postmortem is None else f"still {postmortem.status}"
            warn(
                incident.path,
                where.value(("timeline", "resolved")),
                "SG605",
                f"the postmortem is {state}; {severity} incidents need one published within "
                f"{human_duration(policy.postmortem_deadline)} of resolution (by {deadline.isoformat()})",
            )
    return problems


def policy_holds_until(incident: Incident, config: Config, now: dt.datetime) -> dt.datetime:
    """A moment before which :func:`check_policy` finds exactly what it finds at ``now`` for
    every moment from ``now`` on (``now`` itself when no later moment is sure to): what a
    long-lived process may remember. Judged as the checks above judge, a little early where
    that is simpler (an action item from the start of its due date, in the site's zone)."""
    until = FOREVER
    postmortem = incident.postmortem
    zone = zoneinfo.ZoneInfo(config.time_zone)
    if postmortem is not None:
        today = now.astimezone(zone).date()
        for item in postmortem.action_items:
            if item.status is ActionStatus.OPEN and item.due >= today:  # overdue from the day after
                until = min(until, dt.datetime.combine(item.due, dt.time(), zone))
    if incident.severity is None:
        return max(until, now)
    policy = config.policy[incident.severity]
    timeline = incident.timeline
    updates = incident.updates if incident.visibility is Visibility.PUBLIC else ()
    if updates and policy.update_cadence and updates[-1].status is not IncidentStatus.RESOLVED:
        silent_from = updates[-1].at + policy.update_cadence
        if now > silent_from:
            return now  # the warning counts the minutes of silence
        until = min(until, silent_from)
    if policy.postmortem_required and policy.postmortem_deadline and timeline.resolved:
        published = postmortem is not None and postmortem.status is PostmortemStatus.PUBLISHED
        deadline = timeline.resolved + policy.postmortem_deadline
        if not published and now <= deadline:
            until = min(until, deadline)
    return max(until, now)


FOREVER = dt.datetime.max.replace(tzinfo=dt.UTC)
"""What :func:`policy_holds_until` gives when nothing the clock does can change the verdict."""
