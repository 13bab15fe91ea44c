"""RSS and Atom feeds (statusgen.public.feeds), read back by a real feed reader."""

from __future__ import annotations

import calendar
import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import feedparser
import pytest
from conftest import MakeSite
from machine_outputs_site import (
    BASE_ID,
    FUTURE,
    HOSTILE_ID,
    HOSTILE_TITLE,
    INTERNAL_ID,
    MAINTENANCE_ID,
    MARKERS,
    NOW,
    UPCOMING_ID,
    machine_view,
)

from statusgen.config import Feeds
from statusgen.public.feeds import render_feeds

ATOM = "{http://www.w3.org/2005/Atom}"
FEED_PATHS = ["history.atom", "history.rss"] + [
    f"components/{c}/history.{kind}" for c in ("api", "dashboard", "database") for kind in ("atom", "rss")
]

LATEST_UPDATE = {"api": dt.datetime(2026, 11, 28, 9, 0), "database": dt.datetime(2026, 11, 28, 9, 0)}
"""The latest update of the incidents a component's feed holds (UTC); the others: 29 Nov 11:00."""


@pytest.fixture
def rendered(make_site: MakeSite, tmp_path: Path) -> dict[str, bytes]:
    return render_feeds(machine_view(make_site, tmp_path))


def parse(content: bytes) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def utc(struct: object) -> dt.datetime:
    return dt.datetime.fromtimestamp(calendar.timegm(struct), dt.UTC)  # type: ignore[arg-type]


def test_feed_files(rendered: dict[str, bytes]) -> None:
    assert sorted(rendered) == sorted(FEED_PATHS)


def test_feeds_are_recognised_and_well_formed(rendered: dict[str, bytes]) -> None:
    for path, content in rendered.items():
        parsed = parse(content)
        assert parsed.version == ("atom10" if path.endswith(".atom") else "rss20"), path
        assert parsed.feed.title.startswith("Example Status - ")
        latest = LATEST_UPDATE.get(path.split("/")[1] if "/" in path else "", dt.datetime(2026, 11, 29, 11, 0))
        assert utc(parsed.feed.updated_parsed) == latest.replace(tzinfo=dt.UTC), path
        for entry in parsed.entries:
            assert entry.id.startswith("tag:status.example.com,2026:incidents/"), entry.id
            assert entry.link == f"https://status.example.com/incidents/{entry.id.rsplit('/', 1)[1]}/"
            assert entry.published_parsed
            if path.endswith(".atom"):
                assert entry.updated_parsed
            assert entry.title


def test_feed_metadata_and_self_links(rendered: dict[str, bytes]) -> None:
    atom = parse(rendered["history.atom"]).feed
    links = {link.rel: link.href for link in atom.links}
    assert links == {"self": "https://status.example.com/history.atom", "alternate": "https://status.example.com/"}
    assert atom.id == "https://status.example.com/history.atom"
    assert atom.title == "Example Status - Incident History"
    rss = parse(rendered["history.rss"]).feed
    assert rss.link == "https://status.example.com/"
    assert {link.href for link in rss.links if link.rel == "self"} == {"https://status.example.com/history.rss"}
    component = parse(rendered["components/database/history.atom"]).feed
    assert component.title == "Example Status - Database Incident History"
    assert {link.rel: link.href for link in component.links} == {
        "self": "https://status.example.com/components/database/history.atom",
        "alternate": "https://status.example.com/components/database/",
    }


def test_one_entry_per_incident_newest_first(rendered: dict[str, bytes]) -> None:
    for path in ("history.atom", "history.rss"):
        entries = parse(rendered[path]).entries
        ids = [entry.id.rsplit("/", 1)[1] for entry in entries]
        assert ids == [HOSTILE_ID, UPCOMING_ID, MAINTENANCE_ID, BASE_ID]
        stamps = [utc(entry.updated_parsed if path.endswith(".atom") else entry.published_parsed) for entry in entries]
        assert stamps == sorted(stamps, reverse=True)


def test_entry_dates_and_content(rendered: dict[str, bytes]) -> None:
    entries = {entry.id.rsplit("/", 1)[1]: entry for entry in parse(rendered["history.atom"]).entries}
    base = entries[BASE_ID]
    assert base.id == f"tag:status.example.com,2026:incidents/{BASE_ID}"
    assert utc(base.published_parsed) == dt.datetime(2026, 11, 20, 14, 15, tzinfo=dt.UTC)
    assert utc(base.updated_parsed) == dt.datetime(2026, 11, 20, 15, 50, tzinfo=dt.UTC)
    content = base.content[0].value
    labels = ["Resolved", "Monitoring", "Identified", "Investigating"]
    positions = [content.index(f"<strong>{label}</strong>") for label in labels]
    assert positions == sorted(positions), "updates newest first"
    assert "20 Nov 2026, 16:50 CET" in content  # times in the page's zone, with the zone
    assert "This incident affected: Public API." in content
    maintenance = entries[MAINTENANCE_ID].content[0].value
    assert "Scheduled maintenance</strong> from 25 Nov 2026, 03:00 CET to 25 Nov 2026, 05:00 CET" in maintenance
    rss = {entry.id.rsplit("/", 1)[1]: entry for entry in parse(rendered["history.rss"]).entries}
    assert utc(rss[BASE_ID].published_parsed) == dt.datetime(2026, 11, 20, 15, 50, tzinfo=dt.UTC)  # latest update


def test_per_component_feeds_hold_only_that_component(rendered: dict[str, bytes]) -> None:
    def ids(path: str) -> list[str]:
        return [entry.id.rsplit("/", 1)[1] for entry in parse(rendered[path]).entries]

    assert ids("components/api/history.atom") == [UPCOMING_ID, BASE_ID]
    assert ids("components/dashboard/history.atom") == [HOSTILE_ID]
    assert ids("components/database/history.rss") == [UPCOMING_ID, MAINTENANCE_ID]


def test_identical_across_two_renders(make_site: MakeSite, tmp_path: Path) -> None:
    first = render_feeds(machine_view(make_site, tmp_path / "a"))
    second = render_feeds(machine_view(make_site, tmp_path / "b"))
    assert first == second


def test_dates_come_from_the_data_not_the_clock(make_site: MakeSite, tmp_path: Path) -> None:
    """A later build with nothing new writes the same feeds; an empty feed is dated too."""
    view = machine_view(make_site, tmp_path)
    later = replace(view, now=NOW + dt.timedelta(minutes=30))
    assert render_feeds(later) == render_feeds(view)
    empty = render_feeds(replace(view, incidents=()))
    parsed = parse(empty["history.atom"])
    assert parsed.entries == [] and utc(parsed.feed.updated_parsed) == dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def test_entries_are_capped(make_site: MakeSite, tmp_path: Path) -> None:
    view = machine_view(make_site, tmp_path)
    rendered = render_feeds(replace(view, config=replace(view.config, feeds=Feeds(entries=2))))
    assert [entry.id.rsplit("/", 1)[1] for entry in parse(rendered["history.rss"]).entries] == [HOSTILE_ID, UPCOMING_ID]


def test_nothing_internal_and_nothing_early(rendered: dict[str, bytes]) -> None:
    for path, content in rendered.items():
        for marker in [*MARKERS.values(), FUTURE, INTERNAL_ID]:
            assert marker.encode() not in content, (path, marker)


def test_hostile_markdown_is_inert(rendered: dict[str, bytes]) -> None:
    for path, content in rendered.items():
        root = ET.fromstring(content)
        for element in root.iter():
            if element.tag in (f"{ATOM}content", "description") and element.text:
                html = element.text  # the HTML a reader will render
                for hostile in ("<script", "alert(", "onerror", "onclick", "javascript:", "<img"):
                    assert hostile not in html, (path, hostile)
        assert b"<script" not in content, path  # the title is text: escaped in the XML
    for path in ("history.atom", "history.rss"):
        [entry] = [e for e in parse(rendered[path]).entries if e.id.endswith(HOSTILE_ID)]
        # Titles are plain text: a reader shows the brackets, it does not parse them.
        assert entry.title_detail.type == "text/plain"
        assert entry.title == HOSTILE_TITLE


def test_hosted_under_a_sub_path(make_site: MakeSite, tmp_path: Path) -> None:
    rendered = render_feeds(machine_view(make_site, tmp_path, base_url="https://org.github.io/status/"))
    atom = parse(rendered["history.atom"])
    assert {link.rel: link.href for link in atom.feed.links} == {
        "self": "https://org.github.io/status/history.atom",
        "alternate": "https://org.github.io/status/",
    }
    for entry in atom.entries:
        assert entry.id.startswith("tag:org.github.io,2026:status/incidents/")
        assert entry.link.startswith("https://org.github.io/status/incidents/")
    component = parse(rendered["components/api/history.rss"])
    assert component.feed.link == "https://org.github.io/status/components/api/"
