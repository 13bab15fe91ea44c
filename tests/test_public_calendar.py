"""maintenance.ics (statusgen.public.calendar), parsed back with icalendar; sitemap.xml and
robots.txt (statusgen.public.sitemap)."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import icalendar
from conftest import MakeSite
from machine_outputs_site import (
    BASE_ID,
    FUTURE,
    HOSTILE_ID,
    INTERNAL_ID,
    MAINTENANCE_ID,
    MARKERS,
    NOW,
    UPCOMING_END,
    UPCOMING_ID,
    UPCOMING_START,
    machine_view,
)

from statusgen.public.api import markdown_to_plain
from statusgen.public.calendar import render_calendar
from statusgen.public.sitemap import render_sitemap

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def events(content: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(content)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def test_one_event_per_public_maintenance(make_site: MakeSite, tmp_path: Path) -> None:
    rendered = render_calendar(machine_view(make_site, tmp_path))
    assert list(rendered) == ["maintenance.ics"]
    calendar = icalendar.Calendar.from_ical(rendered["maintenance.ics"])
    assert str(calendar["x-wr-calname"]) == "Example Status - Scheduled maintenance"
    assert str(calendar["version"]) == "2.0" and str(calendar["prodid"])
    found = events(rendered["maintenance.ics"])
    assert sorted(found) == [f"{MAINTENANCE_ID}@status.example.com", f"{UPCOMING_ID}@status.example.com"]


def test_event_fields(make_site: MakeSite, tmp_path: Path) -> None:
    event = events(render_calendar(machine_view(make_site, tmp_path))["maintenance.ics"])[
        f"{UPCOMING_ID}@status.example.com"
    ]
    assert event.decoded("dtstart") == UPCOMING_START
    assert event.decoded("dtend") == UPCOMING_END
    assert event.decoded("dtstart").tzinfo is not None and event.decoded("dtstart").utcoffset() == dt.timedelta(0)
    assert str(event["summary"]) == "Network upgrade"
    url = f"https://status.example.com/incidents/{UPCOMING_ID}/"
    assert str(event["url"]) == url
    assert str(event["description"]) == f"We will upgrade the network on 2 December, 02:00–04:00 UTC.\n\n{url}"
    assert str(event["status"]) == "CONFIRMED"
    assert event.decoded("dtstamp") == dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC)  # the data, not the clock


def test_description_is_the_latest_update(make_site: MakeSite, tmp_path: Path) -> None:
    event = events(render_calendar(machine_view(make_site, tmp_path))["maintenance.ics"])[
        f"{MAINTENANCE_ID}@status.example.com"
    ]
    assert str(event["description"]).startswith("The upgrade is complete.")
    assert event.decoded("dtstamp") == dt.datetime(2026, 11, 25, 3, 30, tzinfo=dt.UTC)
    assert int(event["sequence"]) == 2


def test_stable_across_builds_and_later_nows(make_site: MakeSite, tmp_path: Path) -> None:
    view = machine_view(make_site, tmp_path)
    first = render_calendar(view)
    assert render_calendar(machine_view(make_site, tmp_path / "again")) == first
    assert render_calendar(replace(view, now=NOW + dt.timedelta(hours=1))) == first
    later = render_calendar(machine_view(make_site, tmp_path / "later", now=UPCOMING_END + dt.timedelta(days=1)))
    assert sorted(events(later["maintenance.ics"])) == sorted(events(first["maintenance.ics"]))  # same UIDs


def test_nothing_internal_nor_hostile(make_site: MakeSite, tmp_path: Path) -> None:
    content = render_calendar(machine_view(make_site, tmp_path))["maintenance.ics"]
    for marker in [*MARKERS.values(), FUTURE, INTERNAL_ID, HOSTILE_ID, BASE_ID]:
        assert marker.encode() not in content, marker


def test_text_is_escaped_and_folded_as_rfc_5545_asks(make_site: MakeSite, tmp_path: Path) -> None:
    view = machine_view(make_site, tmp_path)
    title = "Upgrade; DB, cache \\ queue: Größenänderung 🚀 " * 4
    message = "Line one; more,\nline two with a back\\slash and «quotes» — ünïcödé " * 5
    windows = tuple(
        replace(i, title=title, updates=(*i.updates[:-1], replace(i.updates[-1], message=message)))
        if i.id == UPCOMING_ID
        else i
        for i in view.incidents
    )
    content = render_calendar(replace(view, incidents=windows))["maintenance.ics"]
    assert content.endswith(b"\r\n")
    lines = content.split(b"\r\n")[:-1]
    assert b"\n" not in b"".join(lines) and b"\r" not in b"".join(lines)
    for line in lines:  # at most 75 octets each, never a character cut in two
        assert len(line) <= 75, line
        line.decode("utf-8")
    assert any(line.startswith(b" ") for line in lines)  # folded, then
    unfolded = content.replace(b"\r\n ", b"")
    assert "SUMMARY:Upgrade\\; DB\\, cache \\\\ queue: Größenänderung 🚀 Upgrade".encode() in unfolded
    event = events(content)[f"{UPCOMING_ID}@status.example.com"]
    assert str(event["summary"]) == title
    url = f"https://status.example.com/incidents/{UPCOMING_ID}/"
    assert str(event["description"]) == f"{markdown_to_plain(message)}\n\n{url}"
    assert ";" in title and "," in message and "\\" in markdown_to_plain(message)  # (what needed escaping was there)


def test_hosted_under_a_sub_path(make_site: MakeSite, tmp_path: Path) -> None:
    view = machine_view(make_site, tmp_path, base_url="https://org.github.io/status/")
    for uid, event in events(render_calendar(view)["maintenance.ics"]).items():
        assert uid.endswith("@org.github.io")
        assert str(event["url"]).startswith("https://org.github.io/status/incidents/")


PAGES = [
    "index.html",
    f"incidents/{BASE_ID}/index.html",
    f"incidents/{HOSTILE_ID}/index.html",
    "components/api/index.html",
    "components/dashboard/index.html",
    "history/index.html",
    "404.html",
]


def sitemap_urls(content: bytes) -> dict[str, str | None]:
    root = ET.fromstring(content)
    return {
        url.findtext(f"{SITEMAP}loc") or "": url.findtext(f"{SITEMAP}lastmod") for url in root.iter(f"{SITEMAP}url")
    }


def test_sitemap_and_robots(make_site: MakeSite, tmp_path: Path) -> None:
    rendered = render_sitemap(machine_view(make_site, tmp_path), PAGES)
    assert sorted(rendered) == ["robots.txt", "sitemap.xml"]
    urls = sitemap_urls(rendered["sitemap.xml"])
    assert urls == {
        "https://status.example.com/": "2026-11-29T11:00:00+00:00",
        "https://status.example.com/components/api/": "2026-11-28T09:00:00+00:00",
        "https://status.example.com/components/dashboard/": "2026-11-29T11:00:00+00:00",
        f"https://status.example.com/incidents/{BASE_ID}/": "2026-11-20T15:50:00+00:00",
        f"https://status.example.com/incidents/{HOSTILE_ID}/": "2026-11-29T11:00:00+00:00",
        "https://status.example.com/history/": None,
    }
    assert list(urls) == sorted(urls)
    robots = rendered["robots.txt"].decode()
    assert "User-agent: *" in robots and "Disallow: /" not in robots
    assert "Sitemap: https://status.example.com/sitemap.xml" in robots


def test_sitemap_under_a_sub_path(make_site: MakeSite, tmp_path: Path) -> None:
    view = machine_view(make_site, tmp_path, base_url="https://org.github.io/status/")
    rendered = render_sitemap(view, PAGES)
    assert all(url.startswith("https://org.github.io/status/") for url in sitemap_urls(rendered["sitemap.xml"]))
    assert "Sitemap: https://org.github.io/status/sitemap.xml" in rendered["robots.txt"].decode()
