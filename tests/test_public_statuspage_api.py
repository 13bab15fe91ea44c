"""The Statuspage v2 API (statusgen.public.api): Statuspage's shapes, read the way its clients do."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import tools
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
    UPCOMING_END,
    UPCOMING_ID,
    UPCOMING_START,
    machine_view,
)
from statuspage_schema import ENDPOINTS

from statusgen.public.api import (
    AUTO_COMPLETED,
    AUTO_IN_PROGRESS,
    api_updates,
    as_of,
    last_update_at,
    markdown_to_plain,
    render_api,
)
from statusgen.validate import validate_site


def load(files: dict[str, bytes], name: str) -> Any:
    return json.loads(files[f"api/v2/{name}"])


@pytest.fixture
def api(make_site: MakeSite, tmp_path: Path) -> dict[str, bytes]:
    return render_api(machine_view(make_site, tmp_path))


def test_the_eight_endpoints_match_statuspage_schemas(api: dict[str, bytes]) -> None:
    assert sorted(api) == sorted(ENDPOINTS)
    for path, schema in ENDPOINTS.items():
        jsonschema.validate(json.loads(api[path]), schema, format_checker=jsonschema.FormatChecker())


def test_schemas_are_strict_about_enums_and_required_fields(api: dict[str, bytes]) -> None:
    """The schemas would catch a wrong enum value or a missing field (they are not vacuous)."""
    summary = json.loads(api["api/v2/summary.json"])
    schema = ENDPOINTS["api/v2/summary.json"]
    wrong = json.loads(api["api/v2/summary.json"])
    wrong["components"][1]["status"] = "down"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(wrong, schema)
    missing = json.loads(api["api/v2/summary.json"])
    del missing["incidents"][0]["incident_updates"][0]["display_at"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(missing, schema)
    summary["extra_field"] = True  # additional properties are fine
    jsonschema.validate(summary, schema)


def statuspage_client(summary: dict[str, Any]) -> dict[str, Any]:
    """A client written the way existing Statuspage consumers read ``summary.json``."""
    by_status: dict[str, list[str]] = defaultdict(list)
    for component in summary["components"]:
        if not component["group"]:
            by_status[component["status"]].append(component["name"])
    incidents = [
        {
            "name": incident["name"],
            "impact": incident["impact"],
            "latest": incident["incident_updates"][0]["body"],
            "since": dt.datetime.fromisoformat(incident["created_at"]),
            "link": incident["shortlink"],
        }
        for incident in summary["incidents"]
        if incident["status"] not in ("resolved", "postmortem")
    ]
    maintenance = [
        (m["name"], dt.datetime.fromisoformat(m["scheduled_for"]), m["status"])
        for m in summary["scheduled_maintenances"]
    ]
    return {
        "ok": summary["status"]["indicator"] == "none",
        "headline": summary["status"]["description"],
        "degraded": {status: names for status, names in by_status.items() if status != "operational"},
        "incidents": incidents,
        "maintenance": maintenance,
    }


def test_a_statuspage_client_reads_summary(api: dict[str, bytes]) -> None:
    seen = statuspage_client(load(api, "summary.json"))
    assert not seen["ok"]
    assert seen["headline"] == "Partial System Outage"
    # The internal major outage on the API does not show; the public incident does.
    assert seen["degraded"] == {"partial_outage": ["Dashboard"]}
    [incident] = seen["incidents"]
    assert incident["name"] == HOSTILE_TITLE
    assert incident["impact"] == "major"
    assert incident["latest"] == "A faulty release is being rolled back."
    assert incident["since"] == dt.datetime(2026, 11, 29, 10, 0, tzinfo=dt.UTC)
    assert incident["link"] == f"https://status.example.com/incidents/{HOSTILE_ID}/"
    assert seen["maintenance"] == [("Network upgrade", UPCOMING_START, "scheduled")]


def test_envelopes_and_page(api: dict[str, bytes]) -> None:
    pages = {json.dumps(json.loads(content)["page"]) for content in api.values()}
    assert len(pages) == 1, "every file carries the same page"
    page = load(api, "status.json")["page"]
    assert page["name"] == "Example Status"
    assert page["url"] == "https://status.example.com"
    assert page["time_zone"] == "Europe/Berlin"
    assert page["updated_at"] == "2026-11-29T12:00:00.000+01:00"  # the latest update by NOW (11:00 UTC)
    assert len(page["id"]) == 12 and page["id"].isalnum()


def test_timestamps_are_in_the_page_zone_with_offset(api: dict[str, bytes]) -> None:
    [incident] = load(api, "incidents/unresolved.json")["incidents"]
    assert incident["created_at"] == "2026-11-29T11:00:00.000+01:00"
    assert incident["started_at"] == incident["created_at"]
    assert incident["updated_at"] == "2026-11-29T12:00:00.000+01:00"
    assert dt.datetime.fromisoformat(incident["created_at"]) == dt.datetime(2026, 11, 29, 10, 0, tzinfo=dt.UTC)


def test_utc_pages_write_z(make_site: MakeSite, tmp_path: Path) -> None:
    view = machine_view(make_site, tmp_path)
    utc = replace(view, config=replace(view.config, time_zone="Etc/UTC"))
    page = load(render_api(utc), "status.json")["page"]
    assert page["updated_at"] == "2026-11-29T11:00:00.000Z"


def test_components_and_groups(api: dict[str, bytes]) -> None:
    components = load(api, "components.json")["components"]
    assert [(c["id"], c["position"], c["group"], c["group_id"]) for c in components] == [
        ("platform", 1, True, None),
        ("api", 2, False, "platform"),
        ("dashboard", 3, False, "platform"),
        ("database", 4, False, "platform"),
    ]
    group = components[0]
    assert group["components"] == ["api", "dashboard", "database"]
    assert group["status"] == "partial_outage"
    statuses = {c["id"]: c["status"] for c in components}
    assert statuses == {
        "platform": "partial_outage",
        "api": "operational",
        "dashboard": "partial_outage",
        "database": "operational",
    }
    dashboard = components[2]
    assert dashboard["updated_at"] == "2026-11-29T12:00:00.000+01:00"  # its last change: 11:00 UTC
    assert dashboard["description"] is None and dashboard["start_date"] is None
    assert dashboard["showcase"] is True and dashboard["only_show_if_degraded"] is False


def test_incident_fields_and_updates(api: dict[str, bytes]) -> None:
    incidents = {i["id"]: i for i in load(api, "incidents.json")["incidents"]}
    base = incidents[BASE_ID]
    assert base["status"] == "resolved"
    assert base["impact"] == "critical"  # it reached a major outage
    assert base["monitoring_at"] == "2026-11-20T16:30:00.000+01:00"
    assert base["resolved_at"] == "2026-11-20T16:50:00.000+01:00"
    assert base["scheduled_for"] is None and base["scheduled_until"] is None
    assert [u["status"] for u in base["incident_updates"]] == ["resolved", "monitoring", "identified", "investigating"]
    assert [u["id"] for u in base["incident_updates"]][-1] == f"{BASE_ID}-20261120t141500z"
    assert {u["incident_id"] for u in base["incident_updates"]} == {BASE_ID}
    changes = [u["affected_components"] for u in reversed(base["incident_updates"])]
    assert changes == [
        [{"code": "api", "name": "Public API", "old_status": "operational", "new_status": "partial_outage"}],
        [{"code": "api", "name": "Public API", "old_status": "partial_outage", "new_status": "major_outage"}],
        [{"code": "api", "name": "Public API", "old_status": "major_outage", "new_status": "operational"}],
        None,
    ]
    assert [c["id"] for c in base["components"]] == ["api"]
    assert base["shortlink"] == f"https://status.example.com/incidents/{BASE_ID}/"


def test_lists_and_their_order(api: dict[str, bytes]) -> None:
    assert [i["id"] for i in load(api, "incidents.json")["incidents"]] == [
        HOSTILE_ID,
        UPCOMING_ID,
        MAINTENANCE_ID,
        BASE_ID,
    ]
    assert [i["id"] for i in load(api, "incidents/unresolved.json")["incidents"]] == [HOSTILE_ID]
    maintenances = load(api, "scheduled-maintenances.json")["scheduled_maintenances"]
    assert [m["id"] for m in maintenances] == [UPCOMING_ID, MAINTENANCE_ID]
    assert [m["id"] for m in load(api, "scheduled-maintenances/upcoming.json")["scheduled_maintenances"]] == [
        UPCOMING_ID
    ]
    assert load(api, "scheduled-maintenances/active.json")["scheduled_maintenances"] == []
    done = maintenances[1]
    assert (done["status"], done["impact"]) == ("completed", "maintenance")
    assert done["scheduled_for"] == "2026-11-25T03:00:00.000+01:00"
    assert done["resolved_at"] == "2026-11-25T04:30:00.000+01:00"  # completed early, by its update


@pytest.mark.parametrize(
    ("now", "status", "database", "updates"),
    [
        (UPCOMING_START - dt.timedelta(hours=14), "scheduled", "operational", ["scheduled"]),
        (UPCOMING_START + dt.timedelta(hours=1), "in_progress", "under_maintenance", ["in_progress", "scheduled"]),
        (UPCOMING_END + dt.timedelta(hours=1), "completed", "operational", ["completed", "in_progress", "scheduled"]),
    ],
)
def test_maintenance_moves_with_time(
    make_site: MakeSite, tmp_path: Path, now: dt.datetime, status: str, database: str, updates: list[str]
) -> None:
    """Before its start, during and after the window — with nobody posting an update."""
    api = render_api(machine_view(make_site, tmp_path, now=now))
    for path, schema in ENDPOINTS.items():
        jsonschema.validate(json.loads(api[path]), schema)
    [window] = [m for m in load(api, "scheduled-maintenances.json")["scheduled_maintenances"] if m["id"] == UPCOMING_ID]
    assert window["status"] == status
    assert [u["status"] for u in window["incident_updates"]] == updates
    components = {c["id"]: c["status"] for c in load(api, "components.json")["components"]}
    assert components["database"] == database
    upcoming = [m["id"] for m in load(api, "scheduled-maintenances/upcoming.json")["scheduled_maintenances"]]
    active = [m["id"] for m in load(api, "scheduled-maintenances/active.json")["scheduled_maintenances"]]
    summary = [m["id"] for m in load(api, "summary.json")["scheduled_maintenances"]]
    assert (UPCOMING_ID in upcoming, UPCOMING_ID in active, UPCOMING_ID in summary) == {
        "scheduled": (True, False, True),
        "in_progress": (False, True, True),
        "completed": (False, False, False),
    }[status]
    if status == "in_progress":
        auto = window["incident_updates"][0]
        assert auto["body"] == AUTO_IN_PROGRESS
        assert auto["created_at"] == "2026-12-02T03:00:00.000+01:00"
        assert auto["affected_components"] == [
            {"code": "api", "name": "Public API", "old_status": "operational", "new_status": "degraded_performance"},
            {"code": "database", "name": "Database", "old_status": "operational", "new_status": "under_maintenance"},
        ]
    if status == "completed":
        assert window["incident_updates"][0]["body"] == AUTO_COMPLETED
        assert window["resolved_at"] == "2026-12-02T05:00:00.000+01:00"


def test_ids_are_stable_across_builds(make_site: MakeSite, tmp_path: Path) -> None:
    first = render_api(machine_view(make_site, tmp_path / "a"))
    again = render_api(machine_view(make_site, tmp_path / "b"))
    assert first == again
    later = render_api(machine_view(make_site, tmp_path / "c", now=NOW + dt.timedelta(hours=2)))
    ids = {u["id"] for i in load(first, "incidents.json")["incidents"] for u in i["incident_updates"]}
    later_ids = {u["id"] for i in load(later, "incidents.json")["incidents"] for u in i["incident_updates"]}
    assert ids < later_ids  # one more update is out two hours later; the others keep their ids
    assert load(first, "status.json")["page"]["id"] == load(later, "status.json")["page"]["id"]


def test_updates_after_now_are_not_out_yet(api: dict[str, bytes]) -> None:
    for content in api.values():
        assert FUTURE.encode() not in content
    [incident] = load(api, "incidents/unresolved.json")["incidents"]
    assert incident["status"] == "identified" and incident["monitoring_at"] is None


def test_nothing_internal(api: dict[str, bytes]) -> None:
    for path, content in api.items():
        for marker in MARKERS.values():
            assert marker.encode() not in content, (path, marker)
        assert INTERNAL_ID.encode() not in content, path
        for internal_field in (b'"severity"', b'"roles"', b'"timeline"', b'"tags"', b'"notes"', b'"escalation"'):
            assert internal_field not in content, (path, internal_field)


def test_hostile_markdown_is_inert(api: dict[str, bytes]) -> None:
    for path, content in api.items():
        assert b"<" not in content and b">" not in content, path  # escaped as \u003c, \u003e
    [incident] = load(api, "incidents/unresolved.json")["incidents"]
    assert incident["name"] == HOSTILE_TITLE  # plain text, as in Statuspage: clients escape it
    for update in incident["incident_updates"]:
        body = update["body"]
        for hostile in ("<script", "alert(", "onerror", "onclick", "javascript:", "<img", "<a "):
            assert hostile not in body, (hostile, body)
    first = incident["incident_updates"][-1]["body"]
    assert first == ("We are looking into it. details) See the status docs (https://docs.example.com/status?a=1&b=2).")


def test_bodies_are_plain_text_with_links_kept() -> None:
    assert markdown_to_plain("A **fix** is\nout: see [the notes](https://example.com/n).") == (
        "A fix is out: see the notes (https://example.com/n)."
    )
    assert markdown_to_plain("Steps:\n\n1. Retry\n2. Wait\n\n- a\n- b") == "Steps:\n\n1. Retry\n2. Wait\n\n- a\n- b"
    assert markdown_to_plain("Run `a < b` now") == "Run a < b now"


def test_hosted_under_a_sub_path(make_site: MakeSite, tmp_path: Path) -> None:
    api = render_api(machine_view(make_site, tmp_path, base_url="https://org.github.io/status/"))
    assert load(api, "status.json")["page"]["url"] == "https://org.github.io/status"
    for incident in load(api, "incidents.json")["incidents"]:
        assert incident["shortlink"] == f"https://org.github.io/status/incidents/{incident['id']}/"


def test_the_last_update_is_known_without_building_the_updates() -> None:
    """The sitemap's dates come from ``last_update_at``: the API's last update, automatic
    maintenance transitions included, at any moment."""
    site = validate_site(tools.REPO, now=dt.datetime(2026, 11, 29, 12, tzinfo=dt.UTC)).site
    assert site is not None
    moments = sorted(
        {u.at for i in site.incidents for u in i.updates}
        | {s for i in site.incidents if i.schedule for s in (i.schedule.start, i.schedule.end)}
    )
    checked = 0
    for now in moments[:: max(1, len(moments) // 40)] + [m + dt.timedelta(minutes=1) for m in moments[::7]]:
        for incident in site.incidents:
            if incident.updates and incident.updates[0].at <= now:
                assert last_update_at(incident, now) == api_updates(as_of(incident, now), now, bodies=False)[-1].at
                checked += 1
    assert checked > 100
