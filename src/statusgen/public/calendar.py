"""``maintenance.ics``: every public maintenance window as an iCalendar event.

Subscribe once, and maintenance shows up in the customer's calendar. Each window is one
``VEVENT`` whose ``UID`` is ``<incident-id>@<host>`` (stable forever, so calendar clients update
the event instead of duplicating it), with the window in UTC, the latest update as plain text,
and the page's URL. ``DTSTAMP`` and ``LAST-MODIFIED`` are the latest update's time and
``SEQUENCE`` counts the updates, so the file changes only when the data does.
Events are ``TRANSP:TRANSPARENT``: maintenance informs, it does not make anyone busy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import icalendar

from ..model import Incident
from .api import as_of, markdown_to_plain
from .view import PublicView

if TYPE_CHECKING:
    from .memo import Published

__all__ = ["CALENDAR_PATH", "calendar_windows", "render_calendar"]

CALENDAR_PATH = "maintenance.ics"


def calendar_windows(
    view: PublicView, published: Sequence[Incident] | None = None, facts: Published | None = None
) -> list[Incident]:
    """The maintenances the calendar holds, as published by ``view.now``, in its order.
    ``published`` is ``view.incidents`` as published by ``view.now``, when the caller has it;
    ``facts`` what is known of them, when the caller has that."""
    if published is None:
        published = [as_of(i, view.now) for i in view.incidents if i.is_maintenance]
    windows = [i for i in published if i.is_maintenance and i.schedule is not None]
    if facts is not None:
        windows.sort(key=facts.latest_start_first)  # a window's start, as a timestamp
    else:
        windows.sort(key=lambda i: (i.schedule.start if i.schedule else view.now, i.id))
    return windows


def render_calendar(view: PublicView, windows: Sequence[Incident] | None = None) -> dict[str, bytes]:
    """``maintenance.ics`` with one event per public maintenance announced by ``view.now``
    (``windows``: :func:`calendar_windows`, when the caller has them)."""
    config = view.config
    host = urlsplit(config.base_url).hostname or "localhost"
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//statusgen//maintenance calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{config.name} - Scheduled maintenance")
    calendar.add("x-wr-caldesc", f"Scheduled maintenance of {config.name}: {view.url()}")

    for incident in windows if windows is not None else calendar_windows(view):
        assert incident.schedule is not None
        first, latest = incident.updates[0], incident.updates[-1]
        url = view.url(view.incident_path(incident))
        event = icalendar.Event()
        event.add("uid", f"{incident.id}@{host}")
        event.add("dtstamp", _utc(latest.at))
        event.add("created", _utc(first.at))
        event.add("last-modified", _utc(latest.at))
        event.add("sequence", len(incident.updates) - 1)
        event.add("dtstart", _utc(incident.schedule.start))
        event.add("dtend", _utc(incident.schedule.end))
        event.add("summary", incident.title)
        event.add("description", f"{markdown_to_plain(latest.message)}\n\n{url}")
        event.add("url", url)
        event.add("status", "CONFIRMED")
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return {CALENDAR_PATH: calendar.to_ical()}


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)
