"""A sample site for the machine outputs (feeds, Statuspage API, calendar, sitemap).

On top of conftest's base site (a resolved public SEV-3 incident on ``api``) it adds, at
:data:`NOW`:

- a completed maintenance on ``database`` (25 November) and an upcoming one (2 December);
- an active public incident on ``dashboard`` whose title and messages are hostile Markdown,
  with one more update dated after ``NOW`` (not out yet: :data:`FUTURE`);
- an active *internal* incident on ``api`` (major outage) and an internal postmortem.

Every internal field carries a unique marker from :data:`MARKERS`; no public output may
contain any of them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from conftest import (
    CONFIG,
    CONFIG_TEXT,
    INCIDENT,
    INCIDENT_TEXT,
    MAINTENANCE,
    MAINTENANCE_TEXT,
    POSTMORTEM,
    POSTMORTEM_TEXT,
    MakeSite,
    text,
)
from conftest import NOW as NOW

from statusgen.public.view import PublicView, public_view
from statusgen.validate import validate_site

MARKERS = {
    "role": "MARKER-ROLE-7f3a",
    "notes": "MARKER-NOTES-91bc",
    "tag": "marker-tag-5d20",
    "internal_title": "MARKER-INTERNAL-TITLE-c4e1",
    "internal_message": "MARKER-INTERNAL-MESSAGE-0a77",
    "postmortem": "MARKER-POSTMORTEM-b812",
    "action_owner": "MARKER-ACTION-OWNER-33d9",
    "maintenance_notes": "MARKER-MAINTENANCE-NOTES-e6f0",
}

FUTURE = "MARKER-FUTURE-UPDATE-2b9e"
"""The message of an update dated after NOW: not published yet."""

HOSTILE_ID = "2026-11-29-dashboard-errors"
HOSTILE_TITLE = 'Dashboard <script>alert("title")</script> errors'
HOSTILE = f"incidents/2026/{HOSTILE_ID}/incident.md"
HOSTILE_TEXT = text(
    """
    ---
    title: 'Dashboard <script>alert("title")</script> errors'
    type: incident
    severity: SEV-3
    visibility: public
    components:
      dashboard: degraded_performance
    updates:
      - at: 2026-11-29T10:00:00Z
        status: investigating
        message: |
          We are looking into it. <script>alert("message")</script>
          <img src="x" onerror="alert('img')"> [details](javascript:alert('link'))
          See the [status docs](https://docs.example.com/status?a=1&b=2).
      - at: 2026-11-29T11:00:00Z
        status: identified
        components: {dashboard: partial_outage}
        message: A faulty release <a href="javascript:alert(1)" onclick="alert(2)">is</a> being rolled back.
      - at: 2026-11-29T13:00:00Z
        status: monitoring
        message: MARKER-FUTURE-UPDATE-2b9e
    ---
    """
)

INTERNAL_ID = "2026-11-28-secret-outage"
INTERNAL = f"incidents/2026/{INTERNAL_ID}/incident.md"
INTERNAL_TEXT = text(
    """
    ---
    title: MARKER-INTERNAL-TITLE-c4e1
    type: incident
    severity: SEV-1
    visibility: internal
    components:
      api: major_outage
    updates:
      - at: 2026-11-28T09:00:00Z
        status: investigating
        message: MARKER-INTERNAL-MESSAGE-0a77
    ---
    """
)

UPCOMING_ID = "2026-12-02-network-upgrade"
UPCOMING = f"incidents/2026/{UPCOMING_ID}/incident.md"
UPCOMING_TEXT = text(
    """
    ---
    title: Network upgrade
    type: maintenance
    visibility: public
    components:
      database: under_maintenance
      api: degraded_performance
    scheduled:
      start: 2026-12-02T02:00:00Z
      end: 2026-12-02T04:00:00Z
    updates:
      - at: 2026-11-28T09:00:00Z
        status: scheduled
        message: We will upgrade the network on **2 December**, 02:00–04:00 UTC.
    ---
    """
)
UPCOMING_START = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)
UPCOMING_END = dt.datetime(2026, 12, 2, 4, 0, tzinfo=dt.UTC)

MAINTENANCE_ID = "2026-11-25-database-upgrade"
BASE_ID = "2026-11-20-api-errors"


def files(base_url: str = "https://status.example.com/") -> dict[str, str | bytes | None]:
    return {
        CONFIG: CONFIG_TEXT.replace("https://status.example.com/", base_url),
        INCIDENT: INCIDENT_TEXT.replace("Priya Raman", MARKERS["role"])
        .replace("tags: [database]", f"tags: [{MARKERS['tag']}]")
        .replace("Internal notes:", f"{MARKERS['notes']}:"),
        POSTMORTEM: POSTMORTEM_TEXT.replace("visibility: public", "visibility: internal")
        .replace("For 93 minutes", f"{MARKERS['postmortem']} For 93 minutes")
        .replace("Jonas Weber", MARKERS["action_owner"]),
        MAINTENANCE: MAINTENANCE_TEXT + f"{MARKERS['maintenance_notes']}\n",
        HOSTILE: HOSTILE_TEXT,
        INTERNAL: INTERNAL_TEXT,
        UPCOMING: UPCOMING_TEXT,
    }


def machine_view(make_site: MakeSite, root: Path, now: dt.datetime = NOW, base_url: str | None = None) -> PublicView:
    """The public view of the sample site at ``now``; the site must validate without errors."""
    site_root = make_site(root, files=files(base_url) if base_url else files())
    result = validate_site(site_root, now=now)
    errors = [problem for problem in result.problems if problem.level == "error"]
    assert not errors, errors
    assert result.site is not None
    return public_view(result.site, now)
