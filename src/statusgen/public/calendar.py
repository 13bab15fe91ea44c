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
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

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
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//statusgen//maintenance calendar//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALDESC:" + _text(f"Scheduled maintenance of {config.name}: {view.url()}"),
        "X-WR-CALNAME:" + _text(f"{config.name} - Scheduled maintenance"),
    ]
    for incident in windows if windows is not None else calendar_windows(view):
        assert incident.schedule is not None
        first, latest = incident.updates[0], incident.updates[-1]
        url = view.url(view.incident_path(incident))
        lines += (
            "BEGIN:VEVENT",
            "SUMMARY:" + _text(incident.title),
            "DTSTART:" + _utc(incident.schedule.start),
            "DTEND:" + _utc(incident.schedule.end),
            "DTSTAMP:" + _utc(latest.at),
            "UID:" + _text(f"{incident.id}@{host}"),
            f"SEQUENCE:{len(incident.updates) - 1}",
            "CREATED:" + _utc(first.at),
            "DESCRIPTION:" + _text(f"{markdown_to_plain(latest.message)}\n\n{url}"),
            "LAST-MODIFIED:" + _utc(latest.at),
            "STATUS:CONFIRMED",
            "TRANSP:TRANSPARENT",
            "URL:" + url,  # a URI: not escaped as text is
            "END:VEVENT",
        )
    lines.append("END:VCALENDAR")
    return {CALENDAR_PATH: b"".join(_fold(line) + b"\r\n" for line in lines)}


# Written here rather than by an iCalendar library (which took ~0.8 ms an event): the file is
# a list of simple content lines. The order of the properties is the one iCalendar libraries
# write (RFC 5545 lets it be any); tests read the file back with the ``icalendar`` parser.

_TEXT_ESCAPES = str.maketrans({"\\": "\\\\", ";": "\\;", ",": "\\,", "\n": "\\n"})
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
_FOLD_AT = 75
"""Octets a line may hold, the space that starts a continuation included."""


def _text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks escaped;
    other control characters (which the format does not allow) left out."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value).translate(_TEXT_ESCAPES)


def _utc(moment: dt.datetime) -> str:
    """A DATE-TIME in UTC (``20261120T140000Z``)."""
    at = moment.astimezone(dt.UTC)
    return f"{at.year:04d}{at.month:02d}{at.day:02d}T{at.hour:02d}{at.minute:02d}{at.second:02d}Z"


def _fold(line: str) -> bytes:
    """``line`` in UTF-8, folded (RFC 5545 3.1): at most 75 octets to a line, a continuation starting
    with a space, never within a character's UTF-8 bytes nor right after an escaping backslash."""
    data = line.encode("utf-8")
    if len(data) < _FOLD_AT:
        return data
    chunks: list[bytes] = []
    start = 0
    while len(data) - start >= _FOLD_AT:
        end = start + _FOLD_AT - 1
        while data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: the character goes on the next line
            end -= 1
        if data[end - 1] == 0x5C and end - 1 > start:  # a backslash goes with what it escapes
            end -= 1
        chunks.append(data[start:end])
        start = end
    chunks.append(data[start:])
    return b"\r\n ".join(chunks)
