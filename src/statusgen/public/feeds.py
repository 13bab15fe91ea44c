"""RSS 2.0 and Atom 1.0 feeds of the incident history: the whole page and per component.

``history.atom`` / ``history.rss`` and ``components/<id>/history.atom|rss`` hold one entry per
public incident or maintenance (the ``feeds.entries`` most recently updated, 50 by default), newest first by their
latest update. An entry's id is a ``tag:`` URI (``tag:<host>,<year>:<base path>incidents/<id>``,
the year of the incident's id) that never changes; ``published`` is its first update,
``updated`` (and RSS ``pubDate``) its latest; its content lists every update newest first with
its status label and time in the page's time zone, the maintenance window for maintenance,
and the affected components. Messages are sanitized HTML (:func:`markdown_to_html`).

feedgen stamps feeds and entries with the current time and prepends entries by default;
:class:`_Feed` is the one place that talks to it and sets both from the data, so two renders
of the same data are byte-identical.
"""

from __future__ import annotations

import datetime as dt
import html
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]

from ..config import Feeds
from ..labels import UPDATE_LABELS
from ..model import Incident
from .api import as_of
from .markup import markdown_to_html
from .view import PublicView

if TYPE_CHECKING:
    from .memo import Published

__all__ = ["FEED_ENTRIES", "FeedPlan", "FeedRenderer", "plan_feeds", "render_feeds"]

FEED_ENTRIES = Feeds().entries
"""How many incidents a feed holds by default (``feeds.entries``): the most recently updated."""

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class _Entry:
    id: str
    title: str
    link: str
    published: dt.datetime
    updated: dt.datetime
    content: str
    """Sanitized HTML."""
    category: str


class _Feed:
    """The adapter around feedgen: dates from the data, entries in the order they are added."""

    def __init__(self, *, title: str, subtitle: str, home: str, self_url: str, language: str, author: str) -> None:
        self.title, self.subtitle, self.home = title, subtitle, home
        self.self_url, self.language, self.author = self_url, language, author

    def render(self, entries: Sequence[_Entry], fallback_updated: dt.datetime) -> tuple[bytes, bytes]:
        """(Atom, RSS) with ``entries`` in the given order; the feed's ``updated`` is the
        latest entry's, or ``fallback_updated`` for an empty feed."""
        atom = self._generator(entries, fallback_updated, self.self_url + ".atom", rss=False)
        rss = self._generator(entries, fallback_updated, self.self_url + ".rss", rss=True)
        return bytes(atom.atom_str(pretty=True)), bytes(rss.rss_str(pretty=True))

    def _generator(
        self, entries: Sequence[_Entry], fallback: dt.datetime, self_url: str, *, rss: bool
    ) -> FeedGenerator:
        generator = FeedGenerator()
        generator.id(self_url)
        generator.title(self.title)
        generator.description(self.subtitle)
        generator.author({"name": self.author, "uri": self.home})
        generator.link(href=self_url, rel="self")
        generator.link(href=self.home, rel="alternate")  # last: feedgen takes RSS's <link> from it
        generator.language(self.language)
        generator.generator("statusgen")
        generator.updated(max((entry.updated for entry in entries), default=fallback))
        for entry in entries:
            item = generator.add_entry(order="append")
            item.id(entry.id)
            item.guid(entry.id, permalink=False)
            item.title(entry.title)
            item.link(href=entry.link, rel="alternate")
            item.updated(entry.updated)
            # feedgen keeps one date for Atom's <published> and RSS's <pubDate>. RSS has no
            # <updated>, and readers sort by <pubDate>: there it is the latest update.
            item.published(entry.updated if rss else entry.published)
            item.content(entry.content, type="html")
            item.category(term=entry.category)
        return generator


@dataclass(frozen=True)
class FeedPlan:
    """One feed (Atom and RSS) and the incidents it holds, decided before anything is rendered."""

    paths: tuple[str, str]
    """The Atom file, then the RSS file."""
    feed: _Feed
    chosen: tuple[Incident, ...]
    fallback: dt.datetime


def plan_feeds(
    view: PublicView, published: Sequence[Incident] | None = None, facts: Published | None = None
) -> list[FeedPlan]:
    """The site's feed and each component's, with the incidents each holds: the ``feeds.entries``
    most recently updated. ``published`` is ``view.incidents`` as published by ``view.now``
    (:func:`statusgen.public.api.as_of`), when the caller has it; ``facts`` what is known of
    them, when the caller has that."""
    # Which incidents each feed holds is decided on dates alone; only those are rendered.
    incidents = list(published) if published is not None else [as_of(i, view.now) for i in view.incidents]
    prefix = _tag_prefix(view)

    def order(incident: Incident) -> tuple[dt.datetime, str]:
        return incident.updates[-1].at.astimezone(dt.UTC), f"{prefix[0]}{incident.id[:4]}{prefix[1]}{incident.id}"

    def remembered(incident: Incident) -> tuple[dt.datetime, str]:
        # Made of the object (the incident as published) and the prefix: kept with the object.
        assert facts is not None
        memo = facts.facts(incident).memo
        found = memo.get("feed order")
        if found is None or found[0] != prefix:
            found = memo["feed order"] = (prefix, order(incident))
        return found[1]

    incidents.sort(key=order if facts is None else remembered, reverse=True)
    fallback = incidents[0].updates[-1].at.astimezone(dt.UTC) if incidents else _EPOCH
    name, language = view.config.name, view.config.language
    limit = view.config.feeds.entries
    site_feed = _Feed(
        title=f"{name} - Incident History",
        subtitle=f"Incidents and scheduled maintenance of {name}",
        home=view.url(),
        self_url=view.url("history"),
        language=language,
        author=name,
    )
    plans = [FeedPlan(("history.atom", "history.rss"), site_feed, tuple(incidents[:limit]), fallback)]
    touched: dict[str, frozenset[str]] = {}
    for component in view.config.components:
        base = view.component_path(component.id)
        feed = _Feed(
            title=f"{name} - {component.name} Incident History",
            subtitle=f"Incidents and scheduled maintenance affecting {component.name}",
            home=view.url(base),
            self_url=view.url(base + "history"),
            language=language,
            author=name,
        )
        chosen: list[Incident] = []
        for incident in incidents:
            if len(chosen) == limit:
                break
            ids = touched.get(incident.id)
            if ids is None:
                ids = touched[incident.id] = facts.touched(incident) if facts is not None else _touched(incident)
            if component.id in ids:
                chosen.append(incident)
        plans.append(FeedPlan((base + "history.atom", base + "history.rss"), feed, tuple(chosen), fallback))
    return plans


class FeedRenderer:
    """Renders planned feeds, each incident's entry once for all the feeds that hold it."""

    def __init__(self, view: PublicView) -> None:
        self.view = view
        self._entries: dict[str, _Entry] = {}

    def render(self, plan: FeedPlan) -> dict[str, bytes]:
        entries = []
        for incident in plan.chosen:
            entry = self._entries.get(incident.id)
            if entry is None:
                entry = self._entries[incident.id] = _entry(self.view, incident)
            entries.append(entry)
        atom, rss = plan.feed.render(entries, plan.fallback)
        return {plan.paths[0]: atom, plan.paths[1]: rss}


def render_feeds(view: PublicView) -> dict[str, bytes]:
    """``history.atom|rss`` and ``components/<id>/history.atom|rss``."""
    renderer = FeedRenderer(view)
    files: dict[str, bytes] = {}
    for plan in plan_feeds(view):
        files.update(renderer.render(plan))
    return files


def _touched(incident: Incident) -> frozenset[str]:
    """Ids of the components the incident affected at some point."""
    ids = set(incident.components)
    for update in incident.updates:
        ids.update(update.components)
    return frozenset(ids)


def _tag(view: PublicView, incident: Incident) -> str:
    """``tag:<host>,<year>:<base path>incidents/<id>`` (RFC 4151)."""
    before, after = _tag_prefix(view)
    return f"{before}{incident.id[:4]}{after}{incident.id}"


def _tag_prefix(view: PublicView) -> tuple[str, str]:
    """What a tag URI holds before the year and between the year and the incident id."""
    host = urlsplit(view.config.base_url).hostname or "localhost"
    return f"tag:{host},", f":{view.base_path.lstrip('/')}incidents/"


def _when(moment: dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    """``20 Nov 2026, 15:50 CET``: locale-independent, always with the zone."""
    local = moment.astimezone(zone)
    return f"{local.day} {_MONTHS[local.month - 1]} {local.year}, {local:%H:%M} {local.tzname()}"


def _entry(view: PublicView, incident: Incident) -> _Entry:
    zone = view.zone
    parts: list[str] = []
    if incident.is_maintenance and incident.schedule is not None:
        start, end = incident.schedule.start, incident.schedule.end
        parts.append(f"<p><strong>Scheduled maintenance</strong> from {_when(start, zone)} to {_when(end, zone)}</p>")
    for update in reversed(incident.updates):
        label = UPDATE_LABELS[update.status]
        parts.append(f"<p><strong>{label}</strong> - <small>{_when(update.at, zone)}</small></p>")
        parts.append(markdown_to_html(update.message))
    names = {component.id: component.name for component in view.config.components}
    affected = [names[c.id] for c in view.config.components if c.id in _touched(incident)]
    if affected:
        kind = "scheduled maintenance" if incident.is_maintenance else "incident"
        listed = ", ".join(html.escape(name) for name in affected)
        parts.append(f"<p>This {kind} affected: {listed}.</p>")
    return _Entry(
        id=_tag(view, incident),
        title=incident.title,
        link=view.url(view.incident_path(incident)),
        published=incident.updates[0].at.astimezone(dt.UTC),
        updated=incident.updates[-1].at.astimezone(dt.UTC),
        content="\n".join(parts),
        category="maintenance" if incident.is_maintenance else "incident",
    )
