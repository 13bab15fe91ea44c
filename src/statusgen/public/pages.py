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
import math
import os
import re
import stat
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import CodeType
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
    daily_uptime,
    impact,
    status_at,
    uptime_share,
    worst,
)
from .keys import PageKeys, code_key, digest
from .markup import html_to_text, markdown_to_html
from .memo import Generations, Published
from .view import PublicView, public_postmortem

_escape_text: Callable[[str], str] | None
try:  # the C function markupsafe's ``escape`` wraps
    from markupsafe._speedups import _escape_inner as _escape_text
except ImportError:  # pragma: no cover - markupsafe without its C speedups: its ``escape`` throughout
    _escape_text = None

__all__ = [
    "COMPONENT_INCIDENTS",
    "PublicPages",
    "HISTORY_MONTHS_ON_INDEX",
    "RECENT_DAYS",
    "RECENT_LIMIT",
    "STYLESHEET",
    "TemplateCache",
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
_new_str = str.__new__  # ``_new_str(Markup, html)``: Markup(html) without its look-up of ``__html__``
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
    return _new_str(Markup, f'<time datetime="{local.isoformat()}">{_escape(text)}</time>')


def format_clock(moment: dt.datetime, zone: zoneinfo.ZoneInfo) -> Markup:
    """Time of day only, for the end of a span on the same day: ``<time …>15:50 CET</time>``."""
    local = moment.astimezone(zone)
    text = f"{local.hour:02d}:{local.minute:02d} {local.tzname()}"
    return _new_str(Markup, f'<time datetime="{local.isoformat()}">{_escape(text)}</time>')


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
    """Turns the public view into page objects, each computed once.

    An incident's view is made of its public fields and the site's look, as its page is: it is
    remembered in ``views`` under the page's own key (``look``, the shared key, and the
    incident's page fingerprint), from one build to the next."""

    def __init__(
        self,
        view: PublicView,
        badge: Callable[[str, str], Markup],
        published: Published,
        views: Generations[tuple[object, ...], Any],
        look: str,
    ) -> None:
        self.view = view
        self.badge = badge
        self.published = published
        self.views = views
        self.look = look
        self.zone = view.zone
        self.components = {component.id: component for component in view.config.components}
        self.order = {component.id: index for index, component in enumerate(view.config.components)}
        self.incidents = tuple(published.incident(incident) for incident in view.incidents)
        """The public incidents as they stood at ``now``: later updates (a prepared resolution
        notice, say) are not published yet."""
        self._incidents: dict[str, IncidentView] = {}
        self._affected: dict[tuple[str, ComponentStatus], Affected] = {}
        self._uptime_incidents: tuple[Incident, ...] | None = None
        self._title_of: dict[str, str] | None = None
        self._components: dict[str, ComponentView] = {}
        self._uptime_key: tuple[str, ...] | None = None

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
        return self.published.intervals(incident)

    def incident(self, incident: Incident) -> IncidentView:
        found = self._incidents.get(incident.id)
        if found is None:
            key = (self.look, self.published.page(incident))
            found = self.views.get_or_make(key, lambda: self._incident(incident))
            self._incidents[incident.id] = found
        return found

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
        return self.published.start(incident)

    def uptime_incidents(self) -> tuple[Incident, ...]:
        """The incidents with a component interval inside the uptime bars' days: the bars
        never scan the whole history."""
        if self._uptime_incidents is None:
            today = self.view.now.astimezone(self.zone).date()
            since = dt.datetime.combine(today - dt.timedelta(days=UPTIME_DAYS), dt.time(), self.zone)
            stamp, facts = since.timestamp(), self.published.facts
            self._uptime_incidents = tuple(
                incident
                for incident in self.incidents
                if _over_by(facts(incident).memo, incident) > stamp
                and any(
                    interval.end is None or interval.end > since
                    for intervals in self.intervals(incident).values()
                    for interval in intervals
                )
            )
        return self._uptime_incidents

    def component(self, component: Component) -> ComponentView:
        """The component's view; remembered in ``views`` with what it is made of: its status,
        ``now`` and the incidents of its uptime bar (their page fingerprints)."""
        found = self._components.get(component.id)
        if found is None:
            status = self.view.board.components.get(component.id, ComponentStatus.OPERATIONAL)
            if self._uptime_key is None:
                fingerprint = self.published.page
                self._uptime_key = tuple(fingerprint(incident) for incident in self.uptime_incidents())
            key = ("component", self.look, self.view.now, component, status, self._uptime_key)
            found = self.views.get_or_make(key, lambda: self._component(component))
            self._components[component.id] = found
        return found

    def _component(self, component: Component) -> ComponentView:
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
            titles = [_shortened(self._titles().get(i, i)) for i in day.incidents[:DAY_TITLES]]
            if len(day.incidents) > DAY_TITLES:
                titles.append(f"and {len(day.incidents) - DAY_TITLES} more")
            text += ". " + "; ".join(titles)
        return DayView(_DAY_CODES.get(day.worst, ""), text)

    def _titles(self) -> dict[str, str]:
        if self._title_of is None:
            self._title_of = {incident.id: incident.title for incident in self.view.incidents}
        return self._title_of

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


def _over_by(memo: dict[str, Any], incident: Incident) -> float:
    """The moment (a timestamp) by which every interval of the incident surely ended (-inf: it
    has none, inf: not known to end): a cheap test that spares most of a long history the work
    of :func:`~statusgen.timeline.component_intervals`. Remembered in the incident's ``memo``."""
    found = memo.get("over by")
    if found is None:
        if incident.is_maintenance:
            found = -math.inf if incident.schedule is None else incident.schedule.end.timestamp()
        else:
            last = incident.updates[-1] if incident.updates else None
            if last is None:
                found = -math.inf
            else:
                found = last.at.timestamp() if last.status is IncidentStatus.RESOLVED else math.inf
        memo["over by"] = found
    return found


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


def _escape(value: object) -> Markup:
    """markupsafe's ``escape`` — the same result — without its Python overhead in the two
    common cases (a template escapes each value it outputs, ~70 on an incident page; a plain
    ``Markup(text)`` looks ``__html__`` up on the text, raising and catching an AttributeError)."""
    if type(value) is str and _escape_text is not None:
        return _new_str(Markup, _escape_text(value))
    if type(value) is Markup:
        return value
    return escape(value)


class _Template(jinja2.Template):
    """Templates whose outputs are escaped by :func:`_escape`."""

    @classmethod
    def from_code(
        cls,
        environment: jinja2.Environment,
        code: CodeType,
        globals: MutableMapping[str, Any],
        uptodate: Callable[[], bool] | None = None,
    ) -> jinja2.Template:
        template = super().from_code(environment, code, globals, uptodate)
        # The compiled module's functions (root, blocks, macros) look ``escape`` up in it.
        template.root_render_func.__globals__["escape"] = _escape
        return template


def make_environment(root: Path | None) -> jinja2.Environment:
    """Templates from ``<root>/overrides/public/`` first, then the package's."""
    loaders: list[jinja2.BaseLoader] = []
    if root is not None and (root / OVERRIDES_DIR).is_dir():
        loaders.append(_OverridesLoader(root))
    loaders.append(jinja2.PackageLoader("statusgen.public", "templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one build, one set of templates: no stat of every template per page
    )
    env.template_class = _Template
    return env


def stylesheet(root: Path | None) -> bytes:
    """The one stylesheet: ``<root>/overrides/public/style.css`` if present, else the package's."""
    if root is not None and (override := root / OVERRIDES_DIR / STYLESHEET).is_file():
        return _inside_site(root, override, f"{OVERRIDES_DIR}/{STYLESHEET}").read_bytes()
    return resources.files("statusgen.public").joinpath("static", STYLESHEET).read_bytes()


class TemplateCache:
    """The template environment of one site and its code key, made again only when a template
    file changed: a long-lived process (``statusgen serve``) builds again and again, and
    compiling the templates costs as much as a whole rebuild after one edit.

    Template files are known by their identity — inode, size, modification and change times,
    of the site's overrides and of the package's templates, links included — so an edited,
    added or removed override is compiled again."""

    def __init__(self) -> None:
        self._made: tuple[object, jinja2.Environment, str] | None = None

    def environment(self, root: Path | None) -> tuple[jinja2.Environment, str]:
        """:func:`make_environment` of ``root`` and its :func:`code_key`."""
        identity = _templates_identity(root)
        if identity is not None and self._made is not None and self._made[0] == identity:
            return self._made[1], self._made[2]
        env = make_environment(root)
        made = identity, env, code_key(env)
        self._made = made if identity is not None else None
        return made[1], made[2]


def _templates_identity(root: Path | None) -> object | None:
    """What the template files are, cheaply: None when it cannot be told (a linked folder)."""
    folders: list[object] = []
    package = resources.files("statusgen.public").joinpath("templates")
    if isinstance(package, Path):
        folders.append(package)
    if root is not None:
        folders.append(root / OVERRIDES_DIR)
    identity: list[object] = [str(root)]
    for folder in folders:
        if not isinstance(folder, Path):
            continue
        files = _folder_identity(folder)
        if files is None:
            return None
        identity.append((str(folder), files))
    return tuple(identity)


def _folder_identity(folder: Path) -> tuple[object, ...] | None:
    try:
        info = os.stat(folder)
    except OSError:
        return ("absent",)
    if not stat.S_ISDIR(info.st_mode):
        return ("absent",)
    found: list[object] = [os.path.realpath(folder)]
    pending = [""]
    while pending:
        below = pending.pop()
        try:
            with os.scandir(os.path.join(folder, below)) as entries:
                listed = sorted(entries, key=lambda entry: entry.name)
        except OSError:
            return None
        for entry in listed:
            relpath = below + entry.name
            try:
                own = entry.stat(follow_symlinks=False)
                target = entry.stat() if entry.is_symlink() else own
            except OSError:
                found.append((relpath, "dangling"))
                continue
            if stat.S_ISDIR(target.st_mode):
                if entry.is_symlink():
                    return None
                pending.append(relpath + "/")
            found.append((relpath, *_file_identity(own), *_file_identity(target)))
    return tuple(found)


def _file_identity(info: os.stat_result) -> tuple[int, int, int, int, int]:
    return info.st_ino, info.st_mode, info.st_size, info.st_mtime_ns, info.st_ctime_ns


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

    With ``keys``, the pages that did not change since the previous build are left out (see
    :class:`PageKeys`). ``published`` and ``views`` may come from earlier builds of the same
    process (see :mod:`statusgen.public.memo`); ``code`` is ``code_key(env)`` when the caller
    has it.
    """

    def __init__(
        self,
        view: PublicView,
        *,
        env: jinja2.Environment,
        css: bytes,
        machine_paths: Sequence[str] = (),
        keys: PageKeys | None = None,
        published: Published | None = None,
        views: Generations[tuple[object, ...], Any] | None = None,
        code: str | None = None,
    ) -> None:
        self.view = view
        self.env = env
        self.css = css
        self.keys = keys if keys is not None else PageKeys()
        self.published = published = published if published is not None else Published(view.now)
        self._macros: dict[str, Any] = {}
        self._chrome: dict[str, Any] = {}
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
        self.code_key = code if code is not None else code_key(env)
        self.shared_key = digest(self.code_key, view.config, self.site)
        """What every page shows besides its own data: the code, the configuration, the site."""
        self.badge = _badge_maker(self.macros(_MONTH_ROOT))
        """``m.status(code, label)``, rendered once per build for each pair."""
        self.builder = builder = _Builder(
            view, self.badge, published, views if views is not None else Generations(), self.shared_key
        )
        self._stale: dict[int, list[tuple[str, Incident | None]]] = {}

        by_month: dict[tuple[int, int], list[Incident]] = {}
        zone = view.zone
        for incident in builder.incidents:
            by_month.setdefault(published.month(incident, zone), []).append(incident)
        for entries in by_month.values():
            entries.sort(key=published.latest_start_first, reverse=True)
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

    def filled(self, index: int) -> MonthView:
        return replace(
            self.month_views[index],
            incidents=tuple(self.builder.incident(i) for i in self.by_month.get(self.months[index], [])),
        )

    def shared_paths(self) -> list[str]:
        """What :meth:`shared` gives or keeps."""
        components = [f"{PublicView.component_path(c.id)}index.html" for c in self.view.config.components]
        return [STYLESHEET, "index.html", *components, "history/index.html", "404.html"]

    def shared(self) -> dict[str, bytes]:
        """The stylesheet, the home page, the component pages, the history's index and 404:
        those whose keys changed (each key is a digest of what its page shows)."""
        view, builder, page, keys, fingerprint = self.view, self.builder, self.page, self.keys, self.published.page
        shared = self.shared_key
        files: dict[str, bytes] = {STYLESHEET: self.css}
        loose, groups = builder.groups()
        home = _home_context(view, builder)
        shown = {name: tuple(fingerprint(i) for i in home[name]) for name in ("active", "maintenance")}
        recent = tuple((day, tuple(fingerprint(i) for i in incidents)) for day, incidents in home["recent"])
        if not keys.unchanged(
            "index.html", shared, "home", view.now, home["indicator"], loose, groups, shown, recent, home["recent_more"]
        ):
            context = {
                **home,
                "updated": format_time(view.now, view.zone),
                "active": tuple(builder.incident(i) for i in home["active"]),
                "maintenance": tuple(builder.incident(i) for i in home["maintenance"]),
                "recent": tuple(
                    DayGroup(format_date(day), tuple(builder.incident(i) for i in incidents))
                    for day, incidents in home["recent"]
                ),
            }
            files.update([page("home.html", "index.html", **context, loose=loose, groups=groups)])

        touching: dict[str, list[Incident]] = {component.id: [] for component in view.config.components}
        touched = self.published.touched
        for incident in builder.incidents:
            for component_id in touched(incident):
                touching.get(component_id, []).append(incident)
        for component in view.config.components:
            feeds = [
                (f"components/{component.id}/{name}", kind, label)
                for name, kind, label in (("history.atom", *_FEEDS[0][1:]), ("history.rss", *_FEEDS[1][1:]))
                if f"components/{component.id}/{name}" in self.available
            ]
            listed = touching[component.id][:COMPONENT_INCIDENTS]
            more = len(touching[component.id]) - len(listed)
            component_view = builder.component(component)
            path = f"{PublicView.component_path(component.id)}index.html"
            if keys.unchanged(
                path, shared, "component", component_view, tuple(fingerprint(i) for i in listed), feeds, more
            ):
                continue
            files.update(
                [
                    page(
                        "component.html",
                        path,
                        component=component_view,
                        incidents=tuple(builder.incident(i) for i in listed),
                        component_feeds=feeds,
                        badge=f"components/{component.id}/badge.svg",
                        more=more,
                    )
                ]
            )

        latest = range(min(HISTORY_MONTHS_ON_INDEX, len(self.months)))
        entries = tuple(tuple(fingerprint(i) for i in self.by_month.get(self.months[index], [])) for index in latest)
        if not keys.unchanged("history/index.html", shared, "history", self.outline, entries):
            months = tuple(self.filled(index) for index in latest)
            files.update([page("history.html", "history/index.html", months=months, archive=self.archive)])
        if not keys.unchanged("404.html", shared, "404", view.base_path):
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
        keys, shared, published = self.keys, self.shared_key, self.published
        fingerprint, facts_of = published.page, published.facts
        count = 0
        for index in range(len(self.months)) if indexes is None else indexes:
            stale: list[tuple[str, Incident | None]] = []
            listed = []
            for incident in self.by_month.get(self.months[index], []):
                path = f"incidents/{incident.id}/index.html"
                fields = fingerprint(incident)
                listed.append(fields)
                # The key remembered with the incident while it is made of the same parts.
                facts = facts_of(incident)
                made = facts.page_key
                if made is None or made[0] != (shared, fields):
                    made = facts.page_key = ((shared, fields), digest(shared, fields))
                if not keys.unchanged_key(path, made[1]):
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


def _badge_maker(macros: Any) -> Callable[[str, str], Markup]:
    """``macros.status(code, label)`` remembered per pair. Not a method of the pages: the page
    builder holds it, and a link back from the builder to the pages would make them a reference
    cycle, kept (with the build's keys, views and tree writer) until a full collection."""
    badges: dict[tuple[str, str], Markup] = {}

    def badge(code: str, label: str) -> Markup:
        if (code, label) not in badges:
            badges[code, label] = Markup(macros.status(code, label))
        return badges[code, label]

    return badge


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
    """What the home page shows, with incidents (as published) where it shows their views."""
    board, published = view.board, builder.published
    active = [published.incident(i) for i in board.active if not i.is_maintenance]
    maintenance = [published.incident(i) for i in (*(i for i in board.active if i.is_maintenance), *board.upcoming)]
    today = view.now.astimezone(view.zone).date()
    since = today - dt.timedelta(days=RECENT_DAYS - 1)
    recent = [incident for incident in builder.incidents if since <= published.day(incident, view.zone) <= today]
    recent.sort(key=published.latest_start_first, reverse=True)
    shown = recent[:RECENT_LIMIT]
    days: dict[dt.date, list[Incident]] = {}
    for incident in shown:
        days.setdefault(published.day(incident, view.zone), []).append(incident)
    return {
        "indicator": INDICATOR_CODES[board.indicator],
        "description": INDICATOR_DESCRIPTIONS[board.indicator],
        "active": tuple(active),
        "maintenance": tuple(maintenance),
        "recent": tuple((day, tuple(items)) for day, items in days.items()),
        "recent_days": RECENT_DAYS,
        "recent_more": len(recent) - len(shown),
    }
