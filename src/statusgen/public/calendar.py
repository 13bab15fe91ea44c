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
from urllib.parse import urlsplit

import icalendar

from .api import as_of, markdown_to_plain
from .view import PublicView

__all__ = ["CALENDAR_PATH", "render_calendar"]

CALENDAR_PATH = "maintenance.ics"


def render_calendar(view: PublicView) -> dict[str, bytes]:
    """``maintenance.ics`` with one event per public maintenance announced by ``view.now``."""
    config = view.config
    host = urlsplit(config.base_url).hostname or "localhost"
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//statusgen//maintenance calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{config.name} - Scheduled maintenance")
    calendar.add("x-wr-caldesc", f"Scheduled maintenance of {config.name}: {view.url()}")

    windows = [as_of(i, view.now) for i in view.incidents if i.is_maintenance and i.schedule is not None]
    windows.sort(key=lambda i: (i.schedule.start if i.schedule else view.now, i.id))
    for incident in windows:
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
