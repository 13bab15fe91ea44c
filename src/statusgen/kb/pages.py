"""The knowledge base's docs tree as data: ``{relpath: text or bytes}``, pure.

:func:`stage_docs` takes the site, ``now`` and the files of ``content/`` (read by the caller)
and returns every page the site engine will build: ``content/`` as written (the home page and
runbooks with generated sections added) plus the generated pages::

    index.md                       home: current status, active incidents, recent postmortems,
                                   overdue action items, then content/index.md
    incidents/index.md             every incident and maintenance, one sortable table
    incidents/by-year.md           → incidents/<YYYY>/index.md
    incidents/by-severity.md       → incidents/severity/<sev-n>.md
    incidents/by-component.md      → incidents/components/<id>.md
    incidents/maintenance.md       maintenance windows
    incidents/tags.md              Material's tags listing
    incidents/postmortems.md       published, awaiting review or publication, missing
    incidents/<YYYY>/<id>.md       one page per incident and maintenance (not in the nav)
    action-items.md                the corrective-action tracker
    metrics/index.md, *.svg        response times, incidents per month, compliance
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from ..labels import COMPONENT_STATUS_LABELS
from ..metrics import (
    COMPLIANCE_CHECKS,
    RESPONSE_TIMES,
    ItemState,
    PostmortemState,
    TrackedItem,
    compliance,
    incident_start,
    incidents_per_month,
    is_postmortem_late,
    most_affected_components,
    postmortem_deadline,
    postmortem_state,
    response_time,
    response_times,
    site_today,
    tracked_action_items,
)
from ..model import ComponentStatus, Incident, IncidentStatus, MaintenanceStatus, PostmortemStatus, Severity
from ..parallel import Forked, worker_count
from ..timeline import StatusBoard, status_at, status_board
from ..validate import Site
from . import charts
from .markdown import (
    cell,
    drop_title,
    duration,
    escape,
    frontmatter,
    indent,
    insert_before_sections,
    link,
    nest_headings,
    page_title,
    slug,
    table,
    when,
)

__all__ = ["HOME", "INCIDENTS_INDEX", "known_tags", "incident_page", "stage_docs"]

HOME = "index.md"
INCIDENTS_INDEX = "incidents/index.md"
BY_YEAR = "incidents/by-year.md"
BY_SEVERITY = "incidents/by-severity.md"
BY_COMPONENT = "incidents/by-component.md"
MAINTENANCE = "incidents/maintenance.md"
TAGS = "incidents/tags.md"
POSTMORTEMS = "incidents/postmortems.md"
ACTION_ITEMS = "action-items.md"
METRICS = "metrics/index.md"
RUNBOOKS = "runbooks/"

MAINTENANCE_TAG = "maintenance"

_STATUS_WORDS: Mapping[ComponentStatus, str] = {
    status: label.lower() for status, label in COMPONENT_STATUS_LABELS.items()
}

_UPDATE_KINDS: Mapping[str, str] = {
    IncidentStatus.INVESTIGATING: "warning",
    IncidentStatus.IDENTIFIED: "info",
    IncidentStatus.MONITORING: "note",
    IncidentStatus.RESOLVED: "success",
    MaintenanceStatus.SCHEDULED: "note",
    MaintenanceStatus.IN_PROGRESS: "info",
    MaintenanceStatus.VERIFYING: "info",
    MaintenanceStatus.COMPLETED: "success",
}


@dataclass(frozen=True)
class Context:
    """What every page needs, computed once."""

    site: Site
    now: dt.datetime
    zone: zoneinfo.ZoneInfo
    today: dt.date
    incidents: tuple[Incident, ...]
    """Newest first."""
    board: StatusBoard
    items: tuple[TrackedItem, ...]
    runbook_titles: Mapping[str, str]
    """Runbook id → the title of its page (its first level-1 heading), where it has one."""

    @cached_property
    def names(self) -> dict[str, str]:
        return {component.id: component.name for component in self.site.config.components}

    @cached_property
    def cells(self) -> dict[str, IncidentCells]:
        """The table cells of every incident, worked out once: an incident is listed on up to
        five index pages besides its own."""
        return {incident.id: _incident_cells(incident, self) for incident in self.incidents}

    @cached_property
    def by_component(self) -> dict[str, list[Incident]]:
        """Incidents per component id, newest first."""
        found: dict[str, list[Incident]] = {}
        for incident in self.incidents:
            for component in incident.components:
                found.setdefault(component, []).append(incident)
        return found

    @cached_property
    def by_runbook(self) -> dict[str, list[Incident]]:
        """Incidents per runbook they list, newest first."""
        found: dict[str, list[Incident]] = {}
        for incident in self.incidents:
            for runbook in dict.fromkeys(incident.runbooks):
                found.setdefault(runbook, []).append(incident)
        return found

    @cached_property
    def items_by_incident(self) -> dict[str, list[TrackedItem]]:
        """Action items per incident id, in tracker order: no page scans them all."""
        found: dict[str, list[TrackedItem]] = {}
        for item in self.items:
            found.setdefault(item.incident.id, []).append(item)
        return found


def _context(site: Site, now: dt.datetime, content: Mapping[str, bytes]) -> Context:
    titles = {}
    for runbook in site.runbooks:
        data = content.get(f"{RUNBOOKS}{runbook}.md")
        if data is not None and (title := page_title(data.decode("utf-8"))):
            titles[runbook] = title
    ordered = sorted(site.incidents, key=lambda i: (incident_start(i), i.id), reverse=True)
    today = site_today(now, site.config.time_zone)
    return Context(
        site,
        now,
        zoneinfo.ZoneInfo(site.config.time_zone),
        today,
        tuple(ordered),
        status_board(site.config, site.incidents, now),
        tuple(tracked_action_items(site.incidents, today)),
        titles,
    )


# --- facts shown in several places ---------------------------------------------------------


def incident_page(incident: Incident) -> str:
    return f"incidents/{incident.id[:4]}/{incident.id}.md"


def _words(value: str) -> str:
    return value.replace("_", " ").replace("-", " ")


def _status(incident: Incident, now: dt.datetime) -> str:
    status = status_at(incident, now)
    if status is not None:
        return _words(status.value)
    if incident.timeline.resolved is not None and incident.timeline.resolved <= now:
        return "resolved"
    return "not announced"


def _kind(incident: Incident) -> str:
    return "maintenance" if incident.is_maintenance or incident.severity is None else incident.severity.value


def _tags(incident: Incident) -> list[str]:
    first = MAINTENANCE_TAG if incident.is_maintenance else (incident.severity.value if incident.severity else "")
    return [tag for tag in dict.fromkeys([first, *incident.tags]) if tag]


def known_tags(site: Site) -> list[str]:
    """Every tag a generated page carries: severities, ``maintenance`` and incident tags."""
    tags = {severity.value for severity in Severity} | {MAINTENANCE_TAG}
    for incident in site.incidents:
        tags.update(_tags(incident))
    return sorted(tags)


def _duration(incident: Incident, now: dt.datetime) -> tuple[dt.timedelta | None, bool]:
    """How long it lasted (scheduled window for maintenance), and whether it is still going."""
    if incident.is_maintenance and incident.schedule is not None:
        return incident.schedule.end - incident.schedule.start, False
    start = incident.timeline.started or (incident.updates[0].at if incident.updates else None)
    if start is None:
        return None, False
    end = incident.timeline.resolved
    if end is None:
        closing = [u.at for u in incident.updates if u.status is IncidentStatus.RESOLVED]
        end = closing[-1] if closing else None
    if end is None or end > now:
        return max(now - start, dt.timedelta()), True
    return end - start, False


def _duration_text(incident: Incident, now: dt.datetime) -> str:
    span, ongoing = _duration(incident, now)
    if span is None:
        return "—"
    return f"ongoing, {duration(span)} so far" if ongoing else duration(span)


def _postmortem_text(incident: Incident, ctx: Context) -> str:
    state = postmortem_state(incident, ctx.site.config)
    if state is PostmortemState.NONE:
        return "—"
    late = is_postmortem_late(incident, ctx.site.config, ctx.now)
    text = state.value
    if state is PostmortemState.MISSING:
        text = "**missing**"
    return f"{text}, **late**" if late else text


def _components(incident: Incident, ctx: Context) -> str:
    return ", ".join(escape(ctx.names.get(c, c)) for c in incident.components) or "—"


@dataclass(frozen=True)
class IncidentCells:
    """An incident's facts as table cells (inline Markdown, made safe for a cell)."""

    date: str
    kind: str
    status: str
    components: str
    duration: str
    postmortem: str


def _incident_cells(incident: Incident, ctx: Context) -> IncidentCells:
    return IncidentCells(
        cell(f"{incident_start(incident).astimezone(ctx.zone):%Y-%m-%d}"),
        cell(_kind(incident)),
        cell(_status(incident, ctx.now)),
        cell(_components(incident, ctx)),
        cell(_duration_text(incident, ctx.now)),
        cell(_postmortem_text(incident, ctx)),
    )


def _rows(incidents: Iterable[Incident], page: str, ctx: Context, columns: Sequence[str]) -> str:
    """Table rows (what :func:`table` writes under its head) of ``incidents`` listed on ``page``:
    the date, a link to the incident, then ``columns`` of its :class:`IncidentCells`."""
    lines = []
    for incident in incidents:
        cells = ctx.cells[incident.id]
        title = cell(link(incident.title, page, incident_page(incident)))
        lines.append(" | ".join(["| " + cells.date, title, *(getattr(cells, c) for c in columns)]) + " |\n")
    return "".join(lines)


_INCIDENT_HEADERS = ["Date", "Incident", "Severity", "Status", "Components", "Duration", "Postmortem"]
_INCIDENT_COLUMNS = ("kind", "status", "components", "duration", "postmortem")


def _incident_table(incidents: Sequence[Incident], page: str, ctx: Context, empty: str = "No incidents.") -> str:
    if not incidents:
        return f"{empty}\n"
    return table(_INCIDENT_HEADERS, ()) + _rows(incidents, page, ctx, _INCIDENT_COLUMNS)


# --- the incident page ----------------------------------------------------------------------


def _moment_line(incident: Incident, ctx: Context) -> str:
    if incident.is_maintenance and incident.schedule is not None:
        return f"{when(incident.schedule.start, ctx.zone)} – {when(incident.schedule.end, ctx.zone)}"
    return when(incident_start(incident), ctx.zone)


def _response_line(incident: Incident, key: str, ctx: Context) -> str:
    measure = next(m for m in RESPONSE_TIMES if m.key == key)
    span = response_time(incident, measure)
    if span is None:
        return f"{measure.label}: not recorded"
    text = f"{measure.label}: **{duration(span)}**"
    if key == "acknowledge" and incident.severity is not None:
        target = ctx.site.config.policy[incident.severity].response_target
        if target is not None:
            verdict = "within" if span <= target else "over"
            text += f" ({verdict} the {duration(target)} target)"
    return text


def _card(title: str, lines: Sequence[str]) -> str:
    body = "\n".join(f"    - {line}" for line in lines)
    return f"-   __{title}__\n\n    ---\n\n{body}\n"


def _incident_cards(incident: Incident, page: str, ctx: Context) -> str:
    config = ctx.site.config
    components = [
        f"{escape(ctx.names.get(c, c))} ({_STATUS_WORDS[status]})" for c, status in incident.components.items()
    ]
    impact = [
        f"Severity: **{_kind(incident)}**",
        f"Status: **{_status(incident, ctx.now)}**",
        f"Components: {', '.join(components) or '—'}",
        f"{'Window' if incident.is_maintenance else 'Started'}: {_moment_line(incident, ctx)}",
        f"Duration: {_duration_text(incident, ctx.now)}",
        f"Visibility: {incident.visibility.value}",
    ]
    response = [_response_line(incident, m.key, ctx) for m in RESPONSE_TIMES]
    roles = incident.roles
    people = [
        f"Incident commander: {escape(roles.incident_commander or '—')}",
        f"Operations lead: {escape(roles.operations_lead or '—')}",
        f"Communications lead: {escape(roles.communications_lead or '—')}",
        f"Scribe: {escape(roles.scribe or '—')}",
        f"Escalation: {incident.escalation.value if incident.escalation else '—'}",
    ]
    runbooks = [
        link(ctx.runbook_titles.get(runbook, runbook), page, f"{RUNBOOKS}{runbook}.md")
        if runbook in ctx.site.runbooks
        else escape(runbook)
        for runbook in incident.runbooks
    ]
    state = postmortem_state(incident, config)
    references = [
        f"Runbooks: {', '.join(runbooks) or '—'}",
        f"Tags: {', '.join(escape(tag) for tag in _tags(incident))}",
        f"Postmortem: [{_postmortem_text(incident, ctx).replace('**', '')}](#postmortem)"
        if state is not PostmortemState.NONE
        else "Postmortem: none",
        f"Source: `{incident.path}`",
    ]
    cards = [_card("Impact", impact)]
    if not incident.is_maintenance:
        cards.append(_card("Response", response))
    cards += [_card("People", people), _card("References", references)]
    return '<div class="grid cards" markdown>\n\n' + "\n".join(cards) + "\n</div>\n"


def _postmortem_banner(incident: Incident, ctx: Context) -> str:
    config = ctx.site.config
    state = postmortem_state(incident, config)
    deadline = postmortem_deadline(incident, config)
    late = is_postmortem_late(incident, config, ctx.now)
    due = f" It was due by {when(deadline, ctx.zone)}." if deadline else ""
    severity = incident.severity.value if incident.severity else ""
    if state is PostmortemState.MISSING:
        if late:
            return (
                f'!!! danger "Postmortem missing and late"\n\n    {severity} incidents need a published postmortem.'
                f"{due} Start one with `statusgen new postmortem {incident.id}`.\n\n"
            )
        if deadline is not None:
            return (
                f'!!! warning "Postmortem due"\n\n    {severity} incidents need a published postmortem by '
                f"{when(deadline, ctx.zone)}. Start one with `statusgen new postmortem {incident.id}`.\n\n"
            )
        return (
            f'!!! warning "Postmortem missing"\n\n    {severity} incidents need a postmortem once they are '
            f"resolved. Start one with `statusgen new postmortem {incident.id}`.\n\n"
        )
    if state in (PostmortemState.DRAFT, PostmortemState.IN_REVIEW):
        label = "Postmortem draft" if state is PostmortemState.DRAFT else "Postmortem in review"
        if late:
            return f'!!! danger "{label}, late"\n\n    The postmortem is still {state.value}.{due}\n\n'
        return f'!!! warning "{label}"\n\n    This postmortem is {state.value}: its content may still change.{due}\n\n'
    return ""


def _timeline_section(incident: Incident, ctx: Context) -> str:
    recorded = incident.timeline.recorded()
    if not recorded:
        return ""
    start = recorded[0][1]
    rows = [
        [name.capitalize(), when(moment, ctx.zone), "—" if i == 0 else f"+{duration(moment - start)}"]
        for i, (name, moment) in enumerate(recorded)
    ]
    return "## Timeline\n\n" + table(["Moment", "Time", f"After {recorded[0][0]}"], rows) + "\n"


def _updates_section(incident: Incident, ctx: Context) -> str:
    updates = [update for update in incident.updates if update.at <= ctx.now]
    if not updates:
        return "## Public updates\n\nNo public update has been posted.\n\n"
    parts = ["## Public updates\n\nOldest first, as customers saw them.\n"]
    for update in updates:
        kind = _UPDATE_KINDS.get(update.status, "note")
        title = f"{_words(update.status.value).capitalize()} · {when(update.at, ctx.zone)}"
        body = update.message.strip()
        if update.components:
            changes = ", ".join(
                f"{escape(ctx.names.get(c, c))} → {_STATUS_WORDS[s]}" for c, s in update.components.items()
            )
            body += f"\n\n*Components: {changes}*"
        if not update.notify:
            body += "\n\n*Posted without notifying subscribers.*"
        parts.append(f'!!! {kind} "{title}"\n\n{indent(body)}\n')
    return "\n".join(parts) + "\n"


def _action_rows(items: Iterable[TrackedItem], page: str, with_incident: bool) -> list[list[str]]:
    rows = []
    for tracked in items:
        item = tracked.item
        state = "**overdue**" if tracked.state is ItemState.OVERDUE else tracked.state.value
        row = [escape(item.title), escape(item.owner), item.due.isoformat(), state]
        if with_incident:
            row.append(link(tracked.incident.title, page, incident_page(tracked.incident)))
        row.append(f"[{escape(item.link)}]({item.link})" if item.link else "—")
        rows.append(row)
    return rows


def _action_headers(with_incident: bool) -> list[str]:
    return ["Action", "Owner", "Due", "Status", *(["Incident"] if with_incident else []), "Tracker"]


def _postmortem_section(incident: Incident, ctx: Context, page: str) -> str:
    postmortem = incident.postmortem
    head = "## Postmortem { #postmortem }\n\n"
    if postmortem is None:
        state = postmortem_state(incident, ctx.site.config)
        if state is PostmortemState.MISSING:
            return head + "No postmortem has been written yet (it is required; see above).\n"
        if incident.is_maintenance:
            return ""
        return head + "No postmortem was written (optional for this severity).\n"
    status = {
        PostmortemStatus.PUBLISHED: f"published {postmortem.published.isoformat()}" if postmortem.published else "",
        PostmortemStatus.IN_REVIEW: "in review",
        PostmortemStatus.DRAFT: "draft",
    }[postmortem.status] or "published"
    facts = [
        f"- Status: **{status}**",
        f"- Visibility: {postmortem.visibility.value}",
        f"- Authors: {', '.join(escape(a) for a in postmortem.authors)}",
        f"- Reviewers: {', '.join(escape(r) for r in postmortem.reviewers) or '—'}",
        f"- Source: `{postmortem.path}`",
    ]
    body = nest_headings(drop_title(postmortem.body).strip(), 3)
    items = ctx.items_by_incident.get(incident.id, [])
    actions = "### Action items\n\n" + (
        table(_action_headers(False), _action_rows(items, page, False)) if items else "No action items.\n"
    )
    return head + "\n".join(facts) + "\n\n" + body + "\n\n" + actions


def render_incident_page(incident: Incident, ctx: Context) -> str:
    page = incident_page(incident)
    parts = [
        frontmatter(incident.title, _tags(incident)),
        f"# {escape(incident.title)}\n\n",
        f"`{incident.id}` · {link('All incidents', page, INCIDENTS_INDEX)}\n\n",
        _postmortem_banner(incident, ctx),
        _incident_cards(incident, page, ctx),
        "\n",
        _timeline_section(incident, ctx),
        _updates_section(incident, ctx),
    ]
    if incident.notes.strip():
        parts.append("## Internal notes\n\n" + nest_headings(drop_title(incident.notes).strip(), 3) + "\n\n")
    parts.append(_postmortem_section(incident, ctx, page))
    return "".join(parts).rstrip() + "\n"


# --- indexes ----------------------------------------------------------------------------------


def _page(title: str, *sections: str) -> str:
    return frontmatter(title) + f"# {escape(title)}\n\n" + "\n".join(s.rstrip() + "\n" for s in sections if s)


def _all_incidents(ctx: Context) -> str:
    page = INCIDENTS_INDEX
    count = Counter(_kind(i) for i in ctx.incidents)
    summary = ", ".join(f"{count[k]} {k}" for k in [*(s.value for s in Severity), "maintenance"] if count[k])
    intro = (
        f"{len(ctx.incidents)} records ({summary or 'none'}), newest first. Select a column heading to sort. "
        f"Browse {link('by year', page, BY_YEAR)}, {link('by severity', page, BY_SEVERITY)}, "
        f"{link('by component', page, BY_COMPONENT)} or {link('by tag', page, TAGS)}.\n"
    )
    return _page("All incidents", intro, _incident_table(ctx.incidents, page, ctx))


def _year(incident: Incident) -> str:
    return incident.id[:4]


def _by_year(ctx: Context) -> dict[str, str]:
    years: dict[str, list[Incident]] = defaultdict(list)
    for incident in ctx.incidents:
        years[_year(incident)].append(incident)
    rows = []
    pages = {}
    for year in sorted(years, reverse=True):
        page = f"incidents/{year}/index.md"
        kinds = Counter(_kind(i) for i in years[year])
        postmortems = sum(1 for i in years[year] if i.postmortem is not None)
        rows.append(
            [
                link(year, BY_YEAR, page),
                str(len(years[year])),
                *(str(kinds[s.value]) for s in Severity),
                str(kinds["maintenance"]),
                str(postmortems),
            ]
        )
        pages[page] = _page(f"Incidents in {year}", _incident_table(years[year], page, ctx))
    headers = ["Year", "Records", *(s.value for s in Severity), "Maintenance", "Postmortems"]
    pages[BY_YEAR] = _page("Incidents by year", table(headers, rows) if rows else "No incidents yet.")
    return pages


def _severity_page(severity: Severity) -> str:
    return f"incidents/severity/{severity.value.lower()}.md"


def _by_severity(ctx: Context) -> dict[str, str]:
    pages = {}
    rows = []
    times = response_times(ctx.incidents)
    kinds: dict[str, list[Incident]] = defaultdict(list)
    for incident in ctx.incidents:
        kinds[_kind(incident)].append(incident)
    for severity in Severity:
        page = _severity_page(severity)
        chosen = kinds[severity.value]
        resolve = times[severity]["resolve"]
        rows.append(
            [
                link(severity.value, BY_SEVERITY, page),
                str(len(chosen)),
                str(sum(1 for i in chosen if i.postmortem is not None)),
                duration(resolve.median),
            ]
        )
        pages[page] = _page(f"{severity.value} incidents", _incident_table(chosen, page, ctx))
    headers = ["Severity", "Incidents", "Postmortems", "Median time to resolve"]
    intro = f"Maintenance windows are listed {link('on their own page', BY_SEVERITY, MAINTENANCE)}."
    pages[BY_SEVERITY] = _page("Incidents by severity", table(headers, rows), intro)
    return pages


def _component_page(component_id: str) -> str:
    return f"incidents/components/{component_id}.md"


def _by_component(ctx: Context) -> dict[str, str]:
    pages = {}
    groups = {group.id: group.name for group in ctx.site.config.groups}
    rows = []
    for component in ctx.site.config.components:
        page = _component_page(component.id)
        chosen = ctx.by_component.get(component.id, [])
        latest = f"{incident_start(chosen[0]).astimezone(ctx.zone):%Y-%m-%d}" if chosen else "—"
        rows.append(
            [
                link(component.name, BY_COMPONENT, page),
                escape(groups.get(component.group or "", "—")),
                _STATUS_WORDS[ctx.board.components.get(component.id, ComponentStatus.OPERATIONAL)],
                str(sum(1 for i in chosen if not i.is_maintenance)),
                str(sum(1 for i in chosen if i.is_maintenance)),
                latest,
            ]
        )
        description = escape(component.description) if component.description else ""
        pages[page] = _page(f"{component.name}: incidents", description, _incident_table(chosen, page, ctx))
    headers = ["Component", "Group", "Status now", "Incidents", "Maintenance", "Latest"]
    pages[BY_COMPONENT] = _page("Incidents by component", table(headers, rows) if rows else "No components.")
    return pages


def _maintenance(ctx: Context) -> str:
    chosen = [i for i in ctx.incidents if i.is_maintenance]
    return _page("Maintenance", _incident_table(chosen, MAINTENANCE, ctx, "No maintenance windows."))


def _tags_page() -> str:
    return _page(
        "Incidents by tag",
        "Every incident page is tagged with its severity (or `maintenance`) and its own tags.",
        "<!-- material/tags -->",
    )


def _postmortems(ctx: Context) -> str:
    page = POSTMORTEMS
    config = ctx.site.config
    waiting = []
    missing = []
    published = []
    for incident in ctx.incidents:
        state = postmortem_state(incident, config)
        if state in (PostmortemState.DRAFT, PostmortemState.IN_REVIEW):
            waiting.append(incident)
        elif state is PostmortemState.MISSING:
            missing.append(incident)
        elif state is PostmortemState.PUBLISHED:
            published.append(incident)

    def deadline(incident: Incident) -> str:
        moment = postmortem_deadline(incident, config)
        text = when(moment, ctx.zone) if moment else "—"
        return f"{text} (**late**)" if is_postmortem_late(incident, config, ctx.now) else text

    waiting_rows = [
        [
            link(i.title, page, incident_page(i)),
            _kind(i),
            i.postmortem.status.value if i.postmortem else "",
            ", ".join(escape(a) for a in i.postmortem.authors) if i.postmortem else "",
            ", ".join(escape(r) for r in i.postmortem.reviewers) if i.postmortem and i.postmortem.reviewers else "—",
            deadline(i),
        ]
        for i in waiting
    ]
    missing_rows = [
        [link(i.title, page, incident_page(i)), _kind(i), _status(i, ctx.now), deadline(i)] for i in missing
    ]
    published.sort(key=lambda i: (i.postmortem.published if i.postmortem else None) or dt.date.min, reverse=True)
    published_rows = [
        [
            i.postmortem.published.isoformat() if i.postmortem and i.postmortem.published else "—",
            link(i.title, page, incident_page(i)),
            _kind(i),
            i.postmortem.visibility.value if i.postmortem else "",
            ", ".join(escape(a) for a in i.postmortem.authors) if i.postmortem else "",
        ]
        for i in published
    ]
    return _page(
        "Postmortems",
        "## Awaiting review or publication\n\n"
        + (
            table(["Incident", "Severity", "Status", "Authors", "Reviewers", "Required by"], waiting_rows)
            if waiting_rows
            else "Every written postmortem is published.\n"
        ),
        "## Required but not written\n\n"
        + (
            table(["Incident", "Severity", "Status", "Required by"], missing_rows)
            if missing_rows
            else "No required postmortem is missing.\n"
        ),
        "## Published\n\n"
        + (
            table(["Published", "Incident", "Severity", "Visibility", "Authors"], published_rows)
            if published_rows
            else "No postmortem is published yet.\n"
        ),
    )


# --- action items -----------------------------------------------------------------------------


def _action_items(ctx: Context) -> str:
    page = ACTION_ITEMS
    items = ctx.items
    states = Counter(t.state for t in items)
    summary = table(
        ["Open", "Overdue", "Done", "All"],
        [[str(states[ItemState.OPEN]), str(states[ItemState.OVERDUE]), str(states[ItemState.DONE]), str(len(items))]],
    )
    intro = (
        f"Corrective actions from every postmortem, as of {ctx.today.isoformat()} "
        f"({ctx.site.config.time_zone}). An open item is overdue once its due date has passed.\n\n" + summary
    )
    overdue = [t for t in items if t.state is ItemState.OVERDUE]
    pending = [t for t in items if t.state is not ItemState.DONE]
    done = [t for t in items if t.state is ItemState.DONE]

    owners: dict[str, list[TrackedItem]] = defaultdict(list)
    for tracked in items:
        owners[tracked.item.owner].append(tracked)
    anchors: dict[str, str] = {}
    for owner in sorted(owners, key=str.casefold):
        base = "owner-" + (slug(owner) or "x")
        anchor, n = base, 1
        while anchor in anchors.values():
            n += 1
            anchor = f"{base}-{n}"
        anchors[owner] = anchor
    owner_rows = []
    owner_sections = []
    for owner, anchor in anchors.items():
        counts = Counter(t.state for t in owners[owner])
        owner_rows.append(
            [
                f"[{escape(owner)}](#{anchor})",
                str(counts[ItemState.OPEN]),
                str(counts[ItemState.OVERDUE]),
                str(counts[ItemState.DONE]),
            ]
        )
        open_items = [t for t in owners[owner] if t.state is not ItemState.DONE]
        owner_sections.append(
            f"### {escape(owner)} {{ #{anchor} }}\n\n"
            + (table(_action_headers(True), _action_rows(open_items, page, True)) if open_items else "Nothing open.\n")
        )

    return _page(
        "Action items",
        intro,
        "## Overdue\n\n"
        + (table(_action_headers(True), _action_rows(overdue, page, True)) if overdue else "Nothing is overdue.\n"),
        "## By owner\n\n"
        + (table(["Owner", "Open", "Overdue", "Done"], owner_rows) if owner_rows else "No action items yet.\n")
        + "\n"
        + "\n".join(owner_sections),
        "## By due date\n\nEvery open item, soonest due first.\n\n"
        + (table(_action_headers(True), _action_rows(pending, page, True)) if pending else "Nothing is open.\n"),
        "## Done\n\n"
        + (
            f'??? success "{len(done)} done"\n\n' + indent(table(_action_headers(True), _action_rows(done, page, True)))
            if done
            else "Nothing is done yet.\n"
        ),
    )


# --- metrics ------------------------------------------------------------------------------------


def _minutes(span: dt.timedelta | None) -> float | None:
    return None if span is None else span.total_seconds() / 60


def _metrics(ctx: Context) -> dict[str, str]:
    config = ctx.site.config
    times = response_times(ctx.incidents)
    severities = list(Severity)
    colours = dict(zip(severities, charts.SEVERITY_COLOURS, strict=True))

    time_rows = []
    for severity in severities:
        row = [severity.value]
        for measure in RESPONSE_TIMES:
            s = times[severity][measure.key]
            row.append(f"**{duration(s.median)}** · {duration(s.mean)} · {s.count}" if s.count else "— (no data)")
        time_rows.append(row)
    times_chart = charts.bar_panels(
        "Median response times by severity",
        [
            charts.Panel(
                measure.label,
                [
                    charts.Bar(
                        severity.value,
                        _minutes(times[severity][measure.key].median),
                        duration(times[severity][measure.key].median),
                        colours[severity],
                    )
                    for severity in severities
                ],
            )
            for measure in RESPONSE_TIMES
        ],
        "Each panel has its own scale; a dash means no incident of that severity recorded both moments.",
    )

    months = incidents_per_month(ctx.incidents, config.time_zone)
    month_chart = charts.stacked_columns(
        "Incidents per month by severity",
        [label for label, _ in months],
        [(s.value, colours[s], [counts[s] for _, counts in months]) for s in severities],
        "Incidents (not maintenance) by the month they started, stacked by severity.",
    )
    month_rows = [[label, *(str(counts[s]) for s in severities), str(sum(counts.values()))] for label, counts in months]

    ratios = compliance(ctx.incidents, config, ctx.now)

    def share(ratio_met: int, ratio_total: int) -> str:
        return f"{ratio_met}/{ratio_total} ({100 * ratio_met / ratio_total:.0f} %)" if ratio_total else "—"

    compliance_rows = [
        [
            severity.value,
            *(share(ratios[severity][c.key].met, ratios[severity][c.key].total) for c in COMPLIANCE_CHECKS),
        ]
        for severity in severities
    ]
    compliance_chart = charts.bar_panels(
        "Response-target compliance by severity",
        [
            charts.Panel(
                check.short,
                [
                    charts.Bar(
                        severity.value,
                        None if (r := ratios[severity][check.key]).share is None else 100 * (r.share or 0),
                        "—" if r.share is None else f"{100 * r.share:.0f} %",
                        colours[severity],
                    )
                    for severity in severities
                ],
                ceiling=100,
            )
            for check in COMPLIANCE_CHECKS
        ],
        "Share of incidents that met each target; a dash means the target applied to no incident.",
    )

    affected = most_affected_components(ctx.incidents, config, ctx.now)
    affected_rows = [
        [str(n), link(c.name, METRICS, _component_page(c.id)), str(c.incidents), duration(c.incident_time)]
        for n, c in enumerate(affected, 1)
    ]
    incidents = [i for i in ctx.incidents if not i.is_maintenance]
    page = _page(
        "Metrics",
        f"{len(incidents)} incidents (maintenance excluded), as of {when(ctx.now, ctx.zone)}. Response times "
        "come from each incident's internal timeline and count only incidents that recorded both moments: "
        "time to detect is started → detected, to acknowledge detected → acknowledged (MTTA is its mean), "
        "to mitigate started → mitigated and to resolve started → resolved (MTTR is its mean).",
        "## Response times by severity\n\nEach cell: **median** · mean · number of incidents.\n\n"
        + table(["Severity", *(m.label for m in RESPONSE_TIMES)], time_rows)
        + "\n![Median response times by severity, one panel per response time](response-times.svg)\n",
        "## Incidents per month\n\n![Incidents per month, stacked by severity](incidents-per-month.svg)\n\n"
        + (
            '??? note "The numbers"\n\n' + indent(table(["Month", *(s.value for s in severities), "Total"], month_rows))
            if month_rows
            else "No incidents yet.\n"
        ),
        "## Response-target compliance\n\nWhether incidents met the targets of `statusgen.yml`, judged "
        "exactly as `statusgen validate` judges them: acknowledged within the response target after "
        "detection (SG601), no gap between public updates longer than the cadence (SG602), required "
        "postmortems published before their deadline (SG605; reports not yet due are not counted).\n\n"
        + table(["Severity", *(c.short for c in COMPLIANCE_CHECKS)], compliance_rows)
        + "\n![Response-target compliance by severity](compliance.svg)\n",
        "## Most affected components\n\nBy number of incidents; incident time adds up started → resolved.\n\n"
        + (
            table(["#", "Component", "Incidents", "Incident time"], affected_rows)
            if affected_rows
            else "No incidents yet.\n"
        ),
    )
    return {
        METRICS: page,
        "metrics/response-times.svg": times_chart,
        "metrics/incidents-per-month.svg": month_chart,
        "metrics/compliance.svg": compliance_chart,
    }


# --- home and runbooks --------------------------------------------------------------------------

_INDICATOR_KIND = {
    "none": "success",
    "minor": "warning",
    "major": "danger",
    "critical": "failure",
    "maintenance": "info",
}


def _home_sections(ctx: Context) -> str:
    page = HOME
    board = ctx.board
    affected = [
        [escape(ctx.names.get(c, c)), _STATUS_WORDS[status]]
        for c, status in board.components.items()
        if status is not ComponentStatus.OPERATIONAL
    ]
    status = (
        f'!!! {_INDICATOR_KIND[board.indicator.value]} "{board.description}"\n\n'
        f"    As of {when(ctx.now, ctx.zone)}.\n\n"
        + (indent(table(["Component", "Status"], affected)) + "\n" if affected else "")
    )
    active = _incident_table(board.active, page, ctx, "No active incidents.")
    upcoming = ""
    if board.upcoming:
        upcoming = "\n**Upcoming maintenance**\n\n" + _incident_table(board.upcoming, page, ctx)
    recent = sorted(
        (i for i in ctx.incidents if i.postmortem and i.postmortem.status is PostmortemStatus.PUBLISHED),
        key=lambda i: ((i.postmortem.published if i.postmortem else None) or dt.date.min, i.id),
        reverse=True,
    )[:5]
    recent_rows = [
        [
            i.postmortem.published.isoformat() if i.postmortem and i.postmortem.published else "—",
            link(i.title, page, incident_page(i) + "#postmortem"),
            _kind(i),
        ]
        for i in recent
    ]
    overdue = [t for t in ctx.items if t.state is ItemState.OVERDUE]
    return (
        "## Current status\n\n"
        + status
        + "\n## Active incidents\n\n"
        + active
        + upcoming
        + "\n## Recent postmortems\n\n"
        + (table(["Published", "Incident", "Severity"], recent_rows) if recent_rows else "None yet.\n")
        + f"\nAll reports, and those awaiting review: {link('Postmortems', page, POSTMORTEMS)}.\n"
        + "\n## Overdue action items\n\n"
        + (table(_action_headers(True), _action_rows(overdue, page, True)) if overdue else "Nothing is overdue.\n")
        + f"\nEvery corrective action: {link('Action items', page, ACTION_ITEMS)}.\n\n"
    )


def _home(content: str | None, ctx: Context) -> str:
    generated = _home_sections(ctx)
    if content is None:
        return _page(f"{ctx.site.config.name}: knowledge base", generated)
    return insert_before_sections(content, generated)


def _runbook(runbook_id: str, content: str, ctx: Context) -> str:
    page = f"{RUNBOOKS}{runbook_id}.md"
    used = ctx.by_runbook.get(runbook_id, [])
    section = "\n\n## Incidents that used this runbook\n\n" + (
        table(["Date", "Incident", "Severity", "Status", "Postmortem"], ())
        + _rows(used, page, ctx, ("kind", "status", "postmortem"))
        if used
        else "No incident has listed this runbook yet.\n"
    )
    return content.rstrip("\n") + section


# --- the whole tree -------------------------------------------------------------------------------


def stage_docs(
    site: Site,
    now: dt.datetime,
    content: Mapping[str, bytes],
    give: Callable[[str, bytes], None],
    *,
    workers_give: bool = False,
) -> list[str]:
    """Give every file of the docs tree to ``give(relpath, data)`` as soon as it is made, each
    path once: the generated pages, then the files of ``content`` (relpath under ``content/`` →
    bytes) that no generated page replaces. Nothing is held but the page being made.

    The incident pages of a long history are rendered by forked worker processes, one per CPU,
    while this one makes the rest. The workers send their pages back to be given here, in the
    order of the history; with ``workers_give`` (for a ``give`` that writes to disk, where a
    forked copy of it writes just as well) they give their pages themselves, and the paths
    they gave are returned for the caller to count in. Otherwise the result is empty.
    """
    ctx = _context(site, now, content)
    incident_paths = dict.fromkeys(map(incident_page, ctx.incidents))
    generated: set[str] = set()

    def page(relpath: str, text: str) -> None:
        # A path given twice would be written twice, and the second write could land in a
        # file the staging folder shares with the current tree: refuse before writing.
        if relpath in generated or relpath in incident_paths:
            raise RuntimeError(f"two knowledge-base pages at {relpath}")
        generated.add(relpath)
        give(relpath, text.encode("utf-8"))

    workers = _IncidentPages(ctx, give if workers_give else None)
    try:
        home = content.get(HOME)
        page(HOME, _home(home.decode("utf-8") if home is not None else None, ctx))
        for relpath, data in content.items():
            if relpath.startswith(RUNBOOKS) and relpath.endswith(".md") and relpath.count("/") == 1:
                runbook_id = relpath[len(RUNBOOKS) : -3]
                if runbook_id != "index":
                    page(relpath, _runbook(runbook_id, data.decode("utf-8"), ctx))
        page(INCIDENTS_INDEX, _all_incidents(ctx))
        for relpath, text in (*_by_year(ctx).items(), *_by_severity(ctx).items(), *_by_component(ctx).items()):
            page(relpath, text)
        page(MAINTENANCE, _maintenance(ctx))
        page(TAGS, _tags_page())
        page(POSTMORTEMS, _postmortems(ctx))
        page(ACTION_ITEMS, _action_items(ctx))
        for relpath, text in _metrics(ctx).items():
            page(relpath, text)
        workers.finish(give)
    except BaseException:
        workers.stop()
        raise
    for relpath, data in content.items():
        if relpath not in generated and relpath not in incident_paths:
            give(relpath, data)
    return list(incident_paths) if workers_give else []


class _IncidentPages:
    """Every incident's page, rendered by forked worker processes (started at once) for a long
    history (most of the staging time), here for a short one; as bytes at once, so that the
    text of 100,000 pages is never held twice. With ``give``, the workers give their pages
    themselves; without, :meth:`finish` gives them in the order of ``ctx.incidents``."""

    def __init__(self, ctx: Context, give: Callable[[str, bytes], None] | None) -> None:
        self._ctx = ctx
        self._give = give
        incidents = list(ctx.incidents)
        self._workers = Forked(self._render, incidents, worker_count(len(incidents), least=_PARALLEL_FROM))

    def _render(self, incidents: Sequence[Incident]) -> dict[str, bytes]:
        pages = {}
        for incident in incidents:
            data = render_incident_page(incident, self._ctx).encode("utf-8")
            if self._give is not None:
                self._give(incident_page(incident), data)
            else:
                pages[incident_page(incident)] = data
        return pages

    def finish(self, give: Callable[[str, bytes], None]) -> None:
        """Wait for the workers; give what they sent back."""
        pages: dict[str, bytes] = {}
        for part in self._workers.results():
            pages.update(part)
        if self._give is None:
            for incident in self._ctx.incidents:
                give(incident_page(incident), pages.pop(incident_page(incident)))

    def stop(self) -> None:
        self._workers.stop()


_PARALLEL_FROM = 400
"""Below this many incident pages, starting worker processes costs more than it saves."""
