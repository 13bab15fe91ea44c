"""The status page's HTML: pure functions from a :class:`PublicView` to ``{path: bytes}``.

Templates never see the content model. They get small page objects built here from public
fields only (titles, affected components, updates, a published public postmortem), so an
overriding template cannot reach roles, notes or internal incidents even by mistake.

Links are relative to the page (``../../incidents/<id>/``), so the site works under any
base path; only ``404.html``, which a server returns for any missing URL, links from the
base URL's path.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape

from ..config import Component
from ..errors import StatusgenError
from ..labels import COMPONENT_STATUS_LABELS, IMPACT_LABELS, UPDATE_LABELS
from ..model import ComponentStatus, Incident, IncidentStatus, MaintenanceStatus
from ..timeline import (
    INDICATOR_DESCRIPTIONS,
    DayUptime,
    Indicator,
    Interval,
    component_intervals,
    daily_uptime,
    impact,
    status_at,
    uptime_share,
    worst,
)
from .keys import Fingerprints, PageKeys, code_key, digest
from .markup import html_to_text, markdown_to_html
from .view import PublicView, public_postmortem

__all__ = [
    "COMPONENT_INCIDENTS",
    "PublicPages",
    "HISTORY_MONTHS_ON_INDEX",
    "RECENT_DAYS",
    "RECENT_LIMIT",
    "STYLESHEET",
    "UPTIME_DAYS",
    "make_environment",
    "render_pages",
    "stylesheet",
]

STYLESHEET = "style.css"
UPTIME_DAYS = 90
RECENT_DAYS = 14
"""The home page's recent history covers this many days, today included."""
RECENT_LIMIT = 10
"""At most this many incidents in the home page's recent history (it must stay small)."""
HISTORY_MONTHS_ON_INDEX = 3
COMPONENT_INCIDENTS = 25
"""A component page lists this many of its latest incidents; the history has them all."""
OVERRIDES_DIR = "overrides/public"
DAY_TITLES = 3
"""An uptime bar's day names at most this many incidents (90 days × every component: the home
page must not grow with how busy a day was)."""
DAY_TITLE_LENGTH = 80

STATUS_CODES: Mapping[ComponentStatus, str] = {
    ComponentStatus.OPERATIONAL: "op",
    ComponentStatus.UNDER_MAINTENANCE: "mt",
    ComponentStatus.DEGRADED_PERFORMANCE: "dg",
    ComponentStatus.PARTIAL_OUTAGE: "po",
    ComponentStatus.MAJOR_OUTAGE: "mo",
}
"""CSS class suffixes: ``s-op`` draws the operational icon and colour."""
INDICATOR_CODES: Mapping[Indicator, str] = {
    Indicator.NONE: "op",
    Indicator.MINOR: "dg",
    Indicator.MAJOR: "po",
    Indicator.CRITICAL: "mo",
    Indicator.MAINTENANCE: "mt",
}
_DAY_CODES: Mapping[ComponentStatus, str] = {
    ComponentStatus.UNDER_MAINTENANCE: "m",
    ComponentStatus.DEGRADED_PERFORMANCE: "d",
    ComponentStatus.PARTIAL_OUTAGE: "p",
    ComponentStatus.MAJOR_OUTAGE: "o",
}
_UPDATE_CODES: Mapping[IncidentStatus | MaintenanceStatus, str] = {
    status: status.value.replace("_", "-") for status in (*IncidentStatus, *MaintenanceStatus)
}
"""CSS class suffixes of update statuses: ``u-in-progress``."""
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_FAVICON_COLOURS: Mapping[str, str] = {
    "op": "#1f8a4c",
    "dg": "#c98a00",
    "po": "#dd6b10",
    "mo": "#d13438",
    "mt": "#2f6fd0",
}
_FEEDS = (
    ("history.atom", "application/atom+xml", "Atom feed"),
    ("history.rss", "application/rss+xml", "RSS feed"),
)
_MONTH_TEMPLATES = ("base.html", "chrome.html", "macros.html", "archive.html", "incident.html", "month.html")
"""What :meth:`PublicPages.month` renders with: compiled once, before worker processes fork."""
_MONTH_ROOT = "../../"
"""The ``root`` of incident and month pages (``incidents/<id>/``, ``history/<YYYY>-<MM>/``)."""
_HEADING = re.compile(r"^(#{1,5})(?=\s)")
_FENCE = re.compile(r"^\s*(```|~~~)")


# --- formatting -------------------------------------------------------------------------------


def format_time(moment: dt.datetime, zone: zoneinfo.ZoneInfo) -> Markup:
    """``<time datetime="…+01:00">20 Nov 2026, 14:15 CET</time>``: always with its zone."""
    return _format_time(moment, zone)


@lru_cache(maxsize=8192)
def _format_time(moment: dt.datetime, zone: zoneinfo.ZoneInfo) -> Markup:
    # Cached: a page shows an update's time and its start twice (the start, the span).
    local = moment.astimezone(zone)
    text = f"{local.day} {_MONTHS[local.month - 1]} {local.year}, {local.hour:02d}:{local.minute:02d} {local.tzname()}"
    return Markup(f'<time datetime="{local.isoformat()}">{escape(text)}</time>')


def format_clock(moment: dt.datetime, zone: zoneinfo.ZoneInfo) -> Markup:
    """Time of day only, for the end of a span on the same day: ``<time …>15:50 CET</time>``."""
    local = moment.astimezone(zone)
    text = f"{local.hour:02d}:{local.minute:02d} {local.tzname()}"
    return Markup(f'<time datetime="{local.isoformat()}">{escape(text)}</time>')


def format_span(start: dt.datetime, end: dt.datetime | None, zone: zoneinfo.ZoneInfo) -> Markup:
    """``20 Nov 2026, 14:15 CET – 15:50 CET``; the end's date is left out on the same day."""
    if end is None:
        return format_time(start, zone)
    same_day = start.astimezone(zone).date() == end.astimezone(zone).date()
    end_text = format_clock(end, zone) if same_day else format_time(end, zone)
    return format_time(start, zone) + " – " + end_text


def format_date(day: dt.date) -> Markup:
    return Markup(f'<time datetime="{day.isoformat()}">{escape(_date_text(day))}</time>')


def _date_text(day: dt.date, year: bool = True) -> str:
    text = f"{day.day} {_MONTHS[day.month - 1]}"
    return f"{text} {day.year}" if year else text


def format_duration(span: dt.timedelta) -> str:
    """``2 h 15 min``, ``3 d 4 h``, ``45 min``; under a minute is ``under 1 min``."""
    minutes = int(span.total_seconds() // 60)
    if minutes < 1:
        return "under 1 min"
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


def format_percent(share: float | None) -> str:
    """Uptime rounded down, so a day with downtime never reads 100 %."""
    if share is None:
        return "No data"
    hundredths = int(share * 10000 + 1e-9)
    return f"{hundredths // 100}.{hundredths % 100:02d} % uptime"


def _month_label(month: tuple[int, int]) -> str:
    return f"{_MONTH_NAMES[month[1] - 1]} {month[0]}"


def _month_slug(month: tuple[int, int]) -> str:
    return f"{month[0]:04d}-{month[1]:02d}"


def _shift_headings(text: str, levels: int = 1) -> str:
    """Markdown headings one level down (outside code fences): a postmortem's ``##``
    sections sit under the incident page's own level-2 heading."""
    lines, fenced = [], False
    for line in text.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            line = _HEADING.sub(lambda m: m.group(1) + "#" * levels, line)
        lines.append(line)
    return "\n".join(lines)


def _excerpt(rendered: str, limit: int = 220) -> str:
    """The start of a rendered message's text, for listings."""
    text = " ".join(html_to_text(rendered).split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(".,;:") + "…"


# --- page objects: what templates see -----------------------------------------------------------


@dataclass(frozen=True)
class Link:
    path: str
    """Site path relative to the root (``incidents/<id>/``); templates prefix ``root``."""
    label: str


@dataclass(frozen=True)
class Affected:
    id: str
    name: str
    path: str
    status: str
    code: str
    badge: Markup
    """``m.status(code, status)``, rendered once per build for each status."""


@dataclass(frozen=True)
class UpdateView:
    time: Markup
    label: str
    code: str
    html: Markup
    changes: tuple[Affected, ...]


@dataclass(frozen=True)
class IncidentView:
    """One incident or maintenance, public fields only."""

    id: str
    title: str
    path: str
    is_maintenance: bool
    impact: str
    impact_code: str
    impact_badge: Markup
    """``m.status(impact_code, impact)``."""
    status: str
    status_code: str
    resolved: bool
    upcoming: bool
    started: Markup
    ended: Markup | None
    span: Markup
    """``start – end`` or only the start while ongoing."""
    duration: str
    window: Markup | None
    affected: tuple[Affected, ...]
    updates: tuple[UpdateView, ...]
    """Newest first."""
    postmortem: Markup | None
    postmortem_date: Markup | None
    excerpt: str


@dataclass(frozen=True)
class DayView:
    code: str
    text: str


@dataclass(frozen=True)
class ComponentView:
    id: str
    name: str
    description: str
    path: str
    status: str
    code: str
    show_uptime: bool
    days: tuple[DayView, ...]
    uptime: str


@dataclass(frozen=True)
class GroupView:
    id: str
    name: str
    description: str
    status: str
    code: str
    components: tuple[ComponentView, ...]


@dataclass(frozen=True)
class DayGroup:
    date: Markup
    incidents: tuple[IncidentView, ...]


@dataclass(frozen=True)
class MonthView:
    label: str
    path: str
    count: int
    incidents: tuple[IncidentView, ...]


@dataclass(frozen=True)
class YearView:
    year: int
    months: tuple[MonthView, ...]


# --- building the page objects --------------------------------------------------------------------


class _Builder:
    """Turns the public view into page objects, each computed once."""

    def __init__(self, view: PublicView, badge: Callable[[str, str], Markup]) -> None:
        self.view = view
        self.badge = badge
        self.zone = view.zone
        self.components = {component.id: component for component in view.config.components}
        self.order = {component.id: index for index, component in enumerate(view.config.components)}
        self.incidents = tuple(_as_of(incident, view.now) for incident in view.incidents)
        """The public incidents as they stood at ``now``: later updates (a prepared resolution
        notice, say) are not published yet."""
        self._incidents: dict[str, IncidentView] = {}
        self._affected: dict[tuple[str, ComponentStatus], Affected] = {}
        self._intervals: dict[str, dict[str, list[Interval]]] = {}
        self._titles = {incident.id: incident.title for incident in view.incidents}
        self._uptime_incidents: tuple[Incident, ...] | None = None

    def affected(self, component_id: str, status: ComponentStatus) -> Affected:
        found = self._affected.get((component_id, status))
        if found is None:
            component = self.components.get(component_id)
            name = component.name if component else component_id
            label, code = COMPONENT_STATUS_LABELS[status], STATUS_CODES[status]
            found = self._affected[component_id, status] = Affected(
                component_id, name, PublicView.component_path(component_id), label, code, self.badge(code, label)
            )
        return found

    def intervals(self, incident: Incident) -> dict[str, list[Interval]]:
        """:func:`component_intervals`, worked out once per incident (the uptime bars of every
        component and the incident's own view ask)."""
        found = self._intervals.get(incident.id)
        if found is None:
            found = self._intervals[incident.id] = component_intervals(incident)
        return found

    def incident(self, incident: Incident) -> IncidentView:
        if incident.id not in self._incidents:
            self._incidents[incident.id] = self._incident(incident)
        return self._incidents[incident.id]

    def _incident(self, incident: Incident) -> IncidentView:
        now, zone = self.view.now, self.zone
        intervals_of = self.intervals(incident)
        indicator = impact(incident, intervals_of)
        status = status_at(incident, now)
        first = incident.updates[0].at
        resolved = status in (IncidentStatus.RESOLVED, MaintenanceStatus.COMPLETED)
        upcoming = status is MaintenanceStatus.SCHEDULED
        window = None
        begin: dt.datetime = first
        finish: dt.datetime | None = next(
            (u.at for u in incident.updates if u.status is IncidentStatus.RESOLVED and u.at <= now), None
        )
        if incident.is_maintenance and incident.schedule is not None:
            window = format_span(incident.schedule.start, incident.schedule.end, zone)
            begin, finish = incident.schedule.start, incident.schedule.end
            actual = [interval for intervals in intervals_of.values() for interval in intervals]
            if actual:
                begin = min(interval.start for interval in actual)
                finish = max(interval.end or incident.schedule.end for interval in actual)
            if finish > now:
                finish = None
        duration = format_duration((finish or now) - begin) if not upcoming else ""
        if upcoming and incident.schedule is not None:
            duration = format_duration(incident.schedule.end - incident.schedule.start)

        gravest: dict[str, ComponentStatus] = dict(incident.components)
        for component_id, intervals in intervals_of.items():
            statuses = [interval.status for interval in intervals]
            gravest[component_id] = (
                worst(statuses) if statuses else gravest.get(component_id, ComponentStatus.OPERATIONAL)
            )
        for update in incident.updates:
            for component_id in update.components:
                gravest.setdefault(component_id, ComponentStatus.OPERATIONAL)
        affected = tuple(
            self.affected(component_id, gravest[component_id])
            for component_id in sorted(gravest, key=lambda c: (self.order.get(c, len(self.order)), c))
        )
        updates = tuple(
            UpdateView(
                format_time(update.at, zone),
                UPDATE_LABELS[update.status],
                _UPDATE_CODES[update.status],
                Markup(markdown_to_html(update.message)),
                tuple(
                    self.affected(component_id, update.components[component_id])
                    for component_id in sorted(update.components, key=lambda c: (self.order.get(c, 0), c))
                ),
            )
            for update in reversed(incident.updates)
            if update.at <= now
        )
        postmortem = public_postmortem(incident)
        return IncidentView(
            id=incident.id,
            title=incident.title,
            path=PublicView.incident_path(incident),
            is_maintenance=incident.is_maintenance,
            impact=IMPACT_LABELS[indicator],
            impact_code=INDICATOR_CODES[indicator],
            impact_badge=self.badge(INDICATOR_CODES[indicator], IMPACT_LABELS[indicator]),
            status=UPDATE_LABELS[status] if status is not None else "Announced",
            status_code=status.value.replace("_", "-") if status is not None else "scheduled",
            resolved=resolved,
            upcoming=upcoming,
            started=format_time(begin, zone),
            ended=format_time(finish, zone) if finish is not None else None,
            span=format_span(begin, finish, zone),
            duration=duration,
            window=window,
            affected=affected,
            updates=updates,
            postmortem=Markup(markdown_to_html(_shift_headings(postmortem.body))) if postmortem else None,
            postmortem_date=format_date(postmortem.published) if postmortem and postmortem.published else None,
            excerpt=_excerpt(updates[0].html if updates else ""),
        )

    def start_of(self, incident: Incident) -> dt.datetime:
        """When an entry belongs in the history: a window's start, an incident's first update."""
        if incident.is_maintenance and incident.schedule is not None:
            return incident.schedule.start
        return incident.updates[0].at

    def uptime_incidents(self) -> tuple[Incident, ...]:
        """The incidents with a component interval inside the uptime bars' days: the bars
        never scan the whole history."""
        if self._uptime_incidents is None:
            today = self.view.now.astimezone(self.zone).date()
            since = dt.datetime.combine(today - dt.timedelta(days=UPTIME_DAYS), dt.time(), self.zone)
            self._uptime_incidents = tuple(
                incident
                for incident in self.incidents
                if not _over_before(incident, since)
                and any(
                    interval.end is None or interval.end > since
                    for intervals in self.intervals(incident).values()
                    for interval in intervals
                )
            )
        return self._uptime_incidents

    def component(self, component: Component) -> ComponentView:
        status = self.view.board.components.get(component.id, ComponentStatus.OPERATIONAL)
        days: tuple[DayView, ...] = ()
        uptime = ""
        if component.show_uptime:
            history = daily_uptime(
                component,
                self.uptime_incidents(),
                self.view.now,
                self.view.config.time_zone,
                UPTIME_DAYS,
                intervals=self.intervals,
            )
            days = tuple(self.day(day) for day in history)
            uptime = format_percent(uptime_share(history))
        return ComponentView(
            component.id,
            component.name,
            component.description,
            PublicView.component_path(component.id),
            COMPONENT_STATUS_LABELS[status],
            STATUS_CODES[status],
            component.show_uptime,
            days,
            uptime,
        )

    def day(self, day: DayUptime) -> DayView:
        date = _date_text(day.day, year=False)
        if day.uptime is None:
            return DayView("n", f"{date}: no data")
        parts = [f"{date}: " + (f"{format_duration(day.downtime)} downtime" if day.downtime else "no downtime")]
        if day.worst is not ComponentStatus.OPERATIONAL:
            parts.append(COMPONENT_STATUS_LABELS[day.worst].lower())
        text = ", ".join(parts)
        if day.incidents:
            titles = [_shortened(self._titles.get(i, i)) for i in day.incidents[:DAY_TITLES]]
            if len(day.incidents) > DAY_TITLES:
                titles.append(f"and {len(day.incidents) - DAY_TITLES} more")
            text += ". " + "; ".join(titles)
        return DayView(_DAY_CODES.get(day.worst, ""), text)

    def groups(self) -> tuple[tuple[ComponentView, ...], tuple[GroupView, ...]]:
        """Components outside any group, then the groups with their components."""
        config = self.view.config
        views = {component.id: self.component(component) for component in config.components}
        loose = tuple(views[c.id] for c in config.components if c.group is None)
        groups = []
        for group in config.groups:
            members = tuple(views[c.id] for c in config.components if c.group == group.id)
            if not members:
                continue
            status = self.view.board.groups.get(group.id, ComponentStatus.OPERATIONAL)
            groups.append(
                GroupView(
                    group.id,
                    group.name,
                    group.description,
                    COMPONENT_STATUS_LABELS[status],
                    STATUS_CODES[status],
                    members,
                )
            )
        return loose, tuple(groups)


def _as_of(incident: Incident, now: dt.datetime) -> Incident:
    if all(update.at <= now for update in incident.updates):
        return incident
    return replace(incident, updates=tuple(update for update in incident.updates if update.at <= now))


def _over_before(incident: Incident, moment: dt.datetime) -> bool:
    """Whether every interval of the incident surely ended by ``moment``: a cheap test that
    spares most of a long history the work of :func:`component_intervals`."""
    if incident.is_maintenance:
        return incident.schedule is None or incident.schedule.end <= moment
    last = incident.updates[-1] if incident.updates else None
    return last is None or (last.status is IncidentStatus.RESOLVED and last.at <= moment)


def _touched(incident: Incident) -> set[str]:
    """Ids of the components the incident names, in its own list or in an update."""
    ids = set(incident.components)
    for update in incident.updates:
        ids.update(update.components)
    return ids


def _shortened(title: str) -> str:
    return title if len(title) <= DAY_TITLE_LENGTH else title[: DAY_TITLE_LENGTH - 1].rstrip() + "…"


# --- templates ------------------------------------------------------------------------------------


def _inside_site(root: Path, path: Path, shown: str) -> Path:
    """``path`` if it stays in the site once links are followed: an override must not publish
    a file of the machine that builds the site."""
    if not path.resolve().is_relative_to(root.resolve()):
        raise StatusgenError(f"{shown}: a link to a file outside the site; copy the file in instead")
    return path


class _OverridesLoader(jinja2.FileSystemLoader):
    """The site's template overrides, refusing links out of the site."""

    def __init__(self, root: Path) -> None:
        super().__init__(root / OVERRIDES_DIR)
        self.root = root

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        _inside_site(self.root, Path(filename), f"{OVERRIDES_DIR}/{template}")
        return source, filename, uptodate


def make_environment(root: Path | None) -> jinja2.Environment:
    """Templates from ``<root>/overrides/public/`` first, then the package's."""
    loaders: list[jinja2.BaseLoader] = []
    if root is not None and (root / OVERRIDES_DIR).is_dir():
        loaders.append(_OverridesLoader(root))
    loaders.append(jinja2.PackageLoader("statusgen.public", "templates"))
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one build, one set of templates: no stat of every template per page
    )


def stylesheet(root: Path | None) -> bytes:
    """The one stylesheet: ``<root>/overrides/public/style.css`` if present, else the package's."""
    if root is not None and (override := root / OVERRIDES_DIR / STYLESHEET).is_file():
        return _inside_site(root, override, f"{OVERRIDES_DIR}/{STYLESHEET}").read_bytes()
    return resources.files("statusgen.public").joinpath("static", STYLESHEET).read_bytes()


class _Attributes(dict[str, Any]):
    """A dict whose keys templates read as attributes: Jinja tries ``getattr`` before ``[]``,
    which on a plain dict costs a failed lookup (an exception) for every ``site.name``."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _favicon(code: str) -> str:
    """A dot in the page's status colour, inline: no request for ``/favicon.ico``."""
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'>"
        f"<circle cx='8' cy='8' r='7' fill='{_FAVICON_COLOURS[code]}'/></svg>"
    )
    return "data:image/svg+xml," + quote(svg, safe="/:='")


# --- the pages ------------------------------------------------------------------------------------


class PublicPages:
    """Every HTML page of one build and the stylesheet, in two kinds of work:

    - :meth:`shared`: the pages that show the whole site (home, components, the history's
      index, 404) and the stylesheet;
    - :meth:`month`: one month of the history, its incident pages and its own page. Months are
      independent of each other, so forked worker processes can render them at once.

    With ``keys``, incident and month pages that did not change since the previous build are
    left out (see :class:`PageKeys`).
    """

    def __init__(
        self,
        view: PublicView,
        *,
        env: jinja2.Environment,
        css: bytes,
        machine_paths: Sequence[str] = (),
        keys: PageKeys | None = None,
        fingerprints: Fingerprints | None = None,
    ) -> None:
        self.view = view
        self.env = env
        self.css = css
        self.keys = keys if keys is not None else PageKeys()
        self._macros: dict[str, Any] = {}
        self._chrome: dict[str, Any] = {}
        self._badges: dict[tuple[str, str], Markup] = {}
        self.builder = builder = _Builder(view, self.badge)
        available = set(machine_paths)
        self.available = available
        css_version = hashlib.sha256(css).hexdigest()[:10]
        indicator_code = INDICATOR_CODES[view.board.indicator]
        self.site = site = {
            "name": view.config.name,
            "language": view.config.language,
            "zone_name": view.config.time_zone,
            "zone_abbreviations": _zone_abbreviations(view),
            "atom": "history.atom" if "history.atom" in available else None,
            "rss": "history.rss" if "history.rss" in available else None,
            "calendar": "maintenance.ics" if "maintenance.ics" in available else None,
            "api": "api/v2/summary.json" if "api/v2/summary.json" in available else None,
            "feeds": [feed for feed in _FEEDS if feed[0] in available],
            "favicon": _favicon(indicator_code),
            "stylesheet": f"{STYLESHEET}?v={css_version}",
        }
        self._site = _Attributes(site)
        self._templates: dict[str, jinja2.Template] = {}
        self.fingerprints = fingerprints if fingerprints is not None else Fingerprints(view.now)
        self.code_key = code_key(env)
        self.shared_key = digest(self.code_key, view.config, self.site)
        self._stale: dict[int, list[tuple[str, Incident | None]]] = {}

        by_month: dict[tuple[int, int], list[Incident]] = {}
        for incident in builder.incidents:
            local = builder.start_of(incident).astimezone(view.zone)
            by_month.setdefault((local.year, local.month), []).append(incident)
        for entries in by_month.values():
            entries.sort(key=lambda i: (builder.start_of(i), i.id), reverse=True)
        today = view.now.astimezone(view.zone)
        newest = max([(today.year, today.month), *by_month])
        oldest = min([(today.year, today.month), *by_month])
        months: list[tuple[int, int]] = []
        cursor = newest
        while cursor >= oldest:
            months.append(cursor)
            cursor = (cursor[0] - 1, 12) if cursor[1] == 1 else (cursor[0], cursor[1] - 1)
        self.months = months
        """Every month from the current one back to the oldest incident's, newest first."""
        self.by_month = by_month
        self.month_views = [
            MonthView(_month_label(month), f"history/{_month_slug(month)}/", len(by_month.get(month, [])), ())
            for month in months
        ]
        """The months without their entries (as the archive shows them)."""
        years: dict[int, list[MonthView]] = {}
        for month, month_entry in zip(months, self.month_views, strict=True):
            years.setdefault(month[0], []).append(month_entry)
        self.archive = tuple(YearView(year, tuple(entries)) for year, entries in years.items())
        self.outline = digest(tuple((entry.label, entry.path, entry.count) for entry in self.month_views))
        """Every month page's archive and pager, digested for their keys."""
        for name in _MONTH_TEMPLATES:
            self._templates[name] = env.get_template(name)
        self.macros(_MONTH_ROOT)
        self.chrome(_MONTH_ROOT)

    def page(self, template: str, path: str, *, prefix: str | None = None, **context: Any) -> tuple[str, bytes]:
        depth = path.count("/")
        relative = prefix if prefix is not None else ("../" * depth or "./")
        canonical = self.view.url(path.removesuffix("index.html"))
        if template not in self._templates:
            self._templates[template] = self.env.get_template(template)
        html = self._templates[template].render(
            site=self._site,
            root=relative,
            canonical=canonical,
            m=self.macros(relative),
            chrome=self.chrome(relative),
            **context,
        )
        return path, html.encode("utf-8")

    def macros(self, root: str) -> Any:
        """``macros.html`` as the templates' ``m``, made once per ``root`` (the only page
        variable the macros read) rather than imported with each page's context."""
        if root not in self._macros:
            self._macros[root] = self.env.get_template("macros.html").make_module({"site": self._site, "root": root})
        return self._macros[root]

    def chrome(self, root: str) -> Any:
        """``chrome.html``: what every page at one depth shows alike (links in the head, the
        navigation, the footer), rendered once per ``root``."""
        if root not in self._chrome:
            self._chrome[root] = self.env.get_template("chrome.html").make_module({"site": self._site, "root": root})
        return self._chrome[root]

    def badge(self, code: str, label: str) -> Markup:
        """``m.status(code, label)``, rendered once per build for each pair."""
        if (code, label) not in self._badges:
            self._badges[code, label] = Markup(self.macros(_MONTH_ROOT).status(code, label))
        return self._badges[code, label]

    def filled(self, index: int) -> MonthView:
        return replace(
            self.month_views[index],
            incidents=tuple(self.builder.incident(i) for i in self.by_month.get(self.months[index], [])),
        )

    def shared(self) -> dict[str, bytes]:
        """The stylesheet, the home page, the component pages, the history's index and 404."""
        view, builder, page = self.view, self.builder, self.page
        files: dict[str, bytes] = {STYLESHEET: self.css}
        loose, groups = builder.groups()
        files.update([page("home.html", "index.html", **_home_context(view, builder), loose=loose, groups=groups)])

        touching: dict[str, list[Incident]] = {component.id: [] for component in view.config.components}
        for incident in builder.incidents:
            for component_id in _touched(incident):
                touching.get(component_id, []).append(incident)
        for component in view.config.components:
            feeds = [
                (f"components/{component.id}/{name}", kind, label)
                for name, kind, label in (("history.atom", *_FEEDS[0][1:]), ("history.rss", *_FEEDS[1][1:]))
                if f"components/{component.id}/{name}" in self.available
            ]
            incidents = tuple(builder.incident(i) for i in touching[component.id][:COMPONENT_INCIDENTS])
            files.update(
                [
                    page(
                        "component.html",
                        f"{PublicView.component_path(component.id)}index.html",
                        component=builder.component(component),
                        incidents=incidents,
                        component_feeds=feeds,
                        badge=f"components/{component.id}/badge.svg",
                        more=len(touching[component.id]) - len(incidents),
                    )
                ]
            )

        latest = tuple(self.filled(index) for index in range(min(HISTORY_MONTHS_ON_INDEX, len(self.months))))
        files.update([page("history.html", "history/index.html", months=latest, archive=self.archive)])
        files.update([page("404.html", "404.html", prefix=view.base_path)])
        return files

    def month_paths(self, index: int) -> list[str]:
        """The pages of the ``index``-th month (newest first): its incidents', then its own."""
        entries = self.by_month.get(self.months[index], [])
        return [f"{PublicView.incident_path(i)}index.html" for i in entries] + [
            f"{self.month_views[index].path}index.html"
        ]

    def plan(self, indexes: Iterable[int] | None = None) -> int:
        """Work out the key of every page of the given months (all by default), and which of
        them changed; returns how many pages :meth:`month` will render."""
        keys, shared, fingerprint = self.keys, self.shared_key, self.fingerprints.page
        count = 0
        for index in range(len(self.months)) if indexes is None else indexes:
            stale: list[tuple[str, Incident | None]] = []
            listed = []
            for incident in self.by_month.get(self.months[index], []):
                path = f"{PublicView.incident_path(incident)}index.html"
                fields = fingerprint(incident)
                listed.append(fields)
                if not keys.unchanged(path, shared, fields):
                    stale.append((path, incident))
            path = f"{self.month_views[index].path}index.html"
            if not keys.unchanged(path, shared, index, self.outline, tuple(listed)):
                stale.append((path, None))
            self._stale[index] = stale
            count += len(stale)
        return count

    def months_to_render(self) -> list[int]:
        """The months :meth:`plan` found something to render in."""
        return [index for index, stale in sorted(self._stale.items()) if stale]

    def month(self, index: int) -> Iterator[tuple[str, bytes]]:
        """The pages of the ``index``-th month whose keys changed: its incident pages, then
        its own page (the newest first, as :attr:`months`)."""
        if index not in self._stale:
            self.plan([index])
        views = self.month_views
        for path, incident in self._stale[index]:
            if incident is not None:
                yield self.page("incident.html", path, incident=self.builder.incident(incident))
            else:
                yield self.page(
                    "month.html",
                    path,
                    month=self.filled(index),
                    newer=views[index - 1] if index > 0 else None,
                    older=views[index + 1] if index + 1 < len(views) else None,
                    archive=self.archive,
                )


def render_pages(
    view: PublicView,
    *,
    env: jinja2.Environment,
    css: bytes,
    machine_paths: Sequence[str] = (),
    keys: PageKeys | None = None,
) -> dict[str, bytes]:
    """Every HTML page and the stylesheet, in memory (see :class:`PublicPages`)."""
    pages = PublicPages(view, env=env, css=css, machine_paths=machine_paths, keys=keys)
    files = pages.shared()
    for index in range(len(pages.months)):
        files.update(pages.month(index))
    return files


def _zone_abbreviations(view: PublicView) -> str:
    """``CET/CEST`` for Europe/Berlin: the abbreviations the zone uses this year."""
    zone, year = view.zone, view.now.astimezone(view.zone).year
    names = []
    for month in (1, 7):
        name = dt.datetime(year, month, 1, 12, tzinfo=zone).tzname() or ""
        if name not in names:
            names.append(name)
    return "/".join(names)


def _home_context(view: PublicView, builder: _Builder) -> dict[str, Any]:
    board = view.board
    active = [i for i in board.active if not i.is_maintenance]
    maintenance = [i for i in board.active if i.is_maintenance] + list(board.upcoming)
    today = view.now.astimezone(view.zone).date()
    since = today - dt.timedelta(days=RECENT_DAYS - 1)
    recent = [
        incident
        for incident in builder.incidents
        if since <= builder.start_of(incident).astimezone(view.zone).date() <= today
    ]
    recent.sort(key=lambda i: (builder.start_of(i), i.id), reverse=True)
    shown = recent[:RECENT_LIMIT]
    days: dict[dt.date, list[IncidentView]] = {}
    for incident in shown:
        days.setdefault(builder.start_of(incident).astimezone(view.zone).date(), []).append(builder.incident(incident))
    return {
        "indicator": INDICATOR_CODES[board.indicator],
        "description": INDICATOR_DESCRIPTIONS[board.indicator],
        "updated": format_time(view.now, view.zone),
        "active": tuple(builder.incident(i) for i in active),
        "maintenance": tuple(builder.incident(i) for i in maintenance),
        "recent": tuple(DayGroup(format_date(day), tuple(items)) for day, items in days.items()),
        "recent_days": RECENT_DAYS,
        "recent_more": len(recent) - len(shown),
    }
