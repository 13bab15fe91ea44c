"""The staged Markdown of the knowledge base: pure, checked as text (no site engine)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import INCIDENT, INCIDENT_ID, INCIDENT_TEXT, NOW, POSTMORTEM, POSTMORTEM_TEXT, RUNBOOK, MakeSite

import statusgen.kb.pages as kb_pages
from statusgen.kb import stage_tree
from statusgen.kb.engine import read_tree
from statusgen.kb.markdown import drop_title, insert_before_sections, nest_headings, relative
from statusgen.validate import Site, validate_site

PAGE = f"docs/incidents/2026/{INCIDENT_ID}.md"


def staged(root: Path, now: dt.datetime = NOW) -> dict[str, str]:
    result = validate_site(root, now=now)
    assert result.site is not None
    return {k: v.decode("utf-8") for k, v in stage(result.site, now).items() if k.endswith((".md", ".yml"))}


def stage(site: Site, now: dt.datetime) -> dict[str, bytes]:
    return stage_tree(site, now, content=read_tree(site.root / "content"), mkdocs_config=None, overrides={})


def sev2(text: str) -> str:
    return text.replace("severity: SEV-3", "severity: SEV-2")


def test_incident_page_has_card_timeline_updates_notes_and_postmortem(tmp_path: Path, make_site: MakeSite) -> None:
    docs = staged(make_site(tmp_path, {POSTMORTEM: POSTMORTEM_TEXT}))
    page = docs[PAGE]
    assert page.startswith("---\ntitle: Elevated error rates on the API\ntags:\n- SEV-3\n- database\n---\n")
    for expected in [
        '<div class="grid cards" markdown>',
        "Severity: **SEV-3**",
        "Status: **resolved**",
        "Public API (partial outage)",
        "Duration: 1 h 50 min",  # started 13:55 → resolved 15:45
        "Time to detect: **7 min**",
        "Time to acknowledge: **7 min** (within the 1 h target)",
        "Time to mitigate: **1 h 25 min**",
        "Time to resolve: **1 h 50 min**",
        "Incident commander: Priya Raman",
        "Escalation: L2",
        "[Database failover](../../runbooks/database-failover.md)",  # the runbook page's title
        "| Detected | 2026-11-20 15:02 CET | +7 min |",  # Europe/Berlin
        '!!! success "Resolved · 2026-11-20 16:50 CET"',
        "*Components: Public API → major outage*",
        "## Internal notes",
        "the primary's data disk filled up overnight",
        "## Postmortem { #postmortem }",
        "- Status: **published 2026-11-21**",
        "### Executive Summary",  # the report's sections nest under "Postmortem"
        "| Alert on data disk usage above 80 percent | Jonas Weber | 2026-12-15 | open |",
        "| Document the failover drill | Ana Souza | 2026-11-25 | done |",
    ]:
        assert expected in page, expected
    assert "\n## Executive Summary" not in page


def test_action_items_overdue_against_now(tmp_path: Path, make_site: MakeSite) -> None:
    root = make_site(tmp_path, {POSTMORTEM: POSTMORTEM_TEXT})
    before = staged(root)
    assert "| Alert on data disk usage above 80 percent | Jonas Weber | 2026-12-15 | open |" in before[PAGE]
    assert "Nothing is overdue." in before["docs/action-items.md"]
    assert "Nothing is overdue." in before["docs/index.md"]

    later = dt.datetime(2026, 12, 16, 9, 0, tzinfo=dt.UTC)  # the day after it was due
    after = staged(root, later)
    row = "| Alert on data disk usage above 80 percent | Jonas Weber | 2026-12-15 | **overdue** |"
    assert row in after[PAGE]
    tracker = after["docs/action-items.md"]
    overdue = tracker.split("## Overdue", 1)[1].split("## By owner", 1)[0]
    assert "Alert on data disk usage above 80 percent" in overdue
    assert "Document the failover drill" not in overdue  # done, although due before now
    assert "| Open | Overdue | Done | All |\n|---|---|---|---|\n| 0 | 1 | 1 | 2 |" in tracker
    assert "### Jonas Weber { #owner-jonas-weber }" in tracker
    assert "[Jonas Weber](#owner-jonas-weber) | 0 | 1 | 0 |" in tracker
    home = after["docs/index.md"]
    assert "## Overdue action items" in home
    assert "Alert on data disk usage above 80 percent" in home.split("## Overdue action items", 1)[1]


@pytest.mark.parametrize(
    ("postmortem", "now", "banner"),
    [
        (None, NOW, '!!! danger "Postmortem missing and late"'),  # resolved 20 Nov + 48 h < 29 Nov
        (None, dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC), '!!! warning "Postmortem due"'),
        ("draft", NOW, '!!! danger "Postmortem draft, late"'),
        ("in-review", NOW, '!!! danger "Postmortem in review, late"'),
        ("draft", dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC), '!!! warning "Postmortem draft"'),
    ],
)
def test_required_postmortem_marked_missing_draft_or_late(
    tmp_path: Path, make_site: MakeSite, postmortem: str | None, now: dt.datetime, banner: str
) -> None:
    files: dict[str, str | None] = {INCIDENT: sev2(INCIDENT_TEXT)}
    if postmortem is not None:
        files[POSTMORTEM] = POSTMORTEM_TEXT.replace("status: published", f"status: {postmortem}").replace(
            "published: 2026-11-21\n", ""
        )
    docs = staged(make_site(tmp_path, files), now)
    assert banner in docs[PAGE]
    listing = docs["docs/incidents/postmortems.md"]
    section = "## Required but not written" if postmortem is None else "## Awaiting review or publication"
    assert "Elevated error rates on the API" in listing.split(section, 1)[1].split("\n## ", 1)[0]
    late = now == NOW
    assert ("**late**" in docs["docs/incidents/index.md"]) is late


def test_optional_postmortem_not_marked(tmp_path: Path, make_site: MakeSite) -> None:
    docs = staged(make_site(tmp_path))
    assert '"Postmortem' not in docs[PAGE]
    assert "No postmortem was written (optional for this severity)." in docs[PAGE]


def test_runbook_lists_the_incidents_that_used_it(tmp_path: Path, make_site: MakeSite) -> None:
    docs = staged(make_site(tmp_path, {"content/runbooks/dns-rollback.md": "# DNS rollback\n\nSteps.\n"}))
    runbook = docs[f"docs/{RUNBOOK.removeprefix('content/')}"]
    assert runbook.startswith("# Database failover\n")
    section = runbook.split("## Incidents that used this runbook\n", 1)[1]
    assert f"[Elevated error rates on the API](../incidents/2026/{INCIDENT_ID}.md)" in section
    unused = docs["docs/runbooks/dns-rollback.md"]
    assert "No incident has listed this runbook yet." in unused


def test_indexes_link_every_incident(tmp_path: Path, make_site: MakeSite) -> None:
    docs = staged(make_site(tmp_path))
    link = f"[Elevated error rates on the API](2026/{INCIDENT_ID}.md)"
    assert link in docs["docs/incidents/index.md"]
    assert link.replace("2026/", "../2026/") in docs["docs/incidents/severity/sev-3.md"]
    assert link.replace("2026/", "../2026/") in docs["docs/incidents/components/api.md"]
    assert f"[Elevated error rates on the API]({INCIDENT_ID}.md)" in docs["docs/incidents/2026/index.md"]
    assert "<!-- material/tags -->" in docs["docs/incidents/tags.md"]


def test_staged_config_limits_tags_and_keeps_incident_pages_out_of_the_nav(tmp_path: Path, make_site: MakeSite) -> None:
    config = staged(make_site(tmp_path))["mkdocs.yml"]
    assert "docs_dir: docs\n" in config
    assert "tags_allowed:\n    - SEV-1\n    - SEV-2\n    - SEV-3\n    - SEV-4\n    - database\n    - maintenance\n" in (
        config
    )
    assert "not_in_nav: |\n  /incidents/*/\n" in config


def test_metrics_page_has_tables_and_svg_charts(tmp_path: Path, make_site: MakeSite) -> None:
    result = validate_site(make_site(tmp_path), now=NOW)
    assert result.site is not None
    files = stage(result.site, NOW)
    page = files["docs/metrics/index.md"].decode()
    assert "| SEV-3 | **7 min** · 7 min · 1 | **7 min** · 7 min · 1 | **1 h 25 min** · 1 h 25 min · 1 |" in page
    assert "![Incidents per month, stacked by severity](incidents-per-month.svg)" in page
    for chart in ["incidents-per-month", "response-times", "compliance"]:
        svg = files[f"docs/metrics/{chart}.svg"].decode()
        assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and svg.endswith("</svg>\n")
        assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")  # nothing to fetch


def test_markdown_helpers() -> None:
    assert relative("incidents/index.md", "incidents/2026/x.md") == "2026/x.md"
    assert relative("index.md", "incidents/2026/x.md#postmortem") == "incidents/2026/x.md#postmortem"
    assert relative("runbooks/a.md", "incidents/2026/x.md") == "../incidents/2026/x.md"
    text = "# Title\n\n## One\n\n```\n## not a heading\n# nor this\n```\n\n### Two\n"
    nested = "\n### One\n\n```\n## not a heading\n# nor this\n```\n\n#### Two"
    assert nest_headings(drop_title(text), 3) == nested
    assert insert_before_sections("# T\n\nIntro.\n\n## A\n", "X\n") == "# T\n\nIntro.\n\nX\n## A\n"
    assert insert_before_sections("# T\n", "X\n") == "# T\n\nX\n"


def test_worker_processes_stage_the_same_pages_in_the_same_order(
    tmp_path: Path, make_site: MakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {
        f"incidents/2026/2026-{month:02d}-20-api-errors-{month}/incident.md": INCIDENT_TEXT.replace(
            "2026-11-20", f"2026-{month:02d}-20"
        )
        for month in range(1, 12)
    }
    root = make_site(tmp_path / "site", files)
    site = validate_site(root, now=NOW).site
    assert site is not None
    in_order = stage(site, NOW)
    started: list[int] = []
    real = kb_pages.Forked

    def forked(work, items, processes):  # type: ignore[no-untyped-def]
        started.append(processes)
        return real(work, items, processes)

    monkeypatch.setattr(kb_pages, "_PARALLEL_FROM", 2)
    monkeypatch.setattr(kb_pages, "Forked", forked)
    in_workers = stage(site, NOW)
    assert started == [kb_pages.worker_count(len(site.incidents), least=2)] and started[0] > 0
    assert list(in_workers.items()) == list(in_order.items())
