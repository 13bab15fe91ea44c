"""Tiny sample sites for the validator tests.

``make_site(root, files={relpath: text | None})`` writes a minimal *valid* site under ``root`` —
configuration, report template, one runbook and one resolved public SEV-3 incident that meets
every policy target at :data:`NOW` — then applies ``files``: text replaces or adds a file, ``None``
deletes it. The base texts are module constants so a test can derive a broken variant with
``str.replace`` and compute the expected position with :func:`loc`.
"""

from __future__ import annotations

import datetime as dt
import os
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

NOW = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
NOW_ISO = "2026-11-29T12:00:00Z"

CONFIG = "statusgen.yml"
TEMPLATE = "content/templates/postmortem.md"
RUNBOOK = "content/runbooks/database-failover.md"
INCIDENT_ID = "2026-11-20-api-errors"
INCIDENT = f"incidents/2026/{INCIDENT_ID}/incident.md"
POSTMORTEM = f"incidents/2026/{INCIDENT_ID}/postmortem.md"
MAINTENANCE = "incidents/2026/2026-11-25-database-upgrade/incident.md"

SECTIONS = [
    "Executive Summary",
    "Timeline",
    "Technical Details",
    "Impact Assessment",
    "Root Cause",
    "Corrective Actions",
    "Lessons Learned",
]


def text(source: str) -> str:
    """Dedent a triple-quoted literal and drop its leading newline: line 1 is the first line."""
    return textwrap.dedent(source).lstrip("\n")


def loc(source: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """1-based (line, column) of the first character of the n-th ``needle`` in ``source``."""
    index = -1
    for _ in range(occurrence):
        index = source.index(needle, index + 1)
    line = source.count("\n", 0, index) + 1
    column = index - (source.rfind("\n", 0, index) + 1) + 1
    return line, column


def line_after_frontmatter(source: str) -> int:
    """The first line of the body: the line after the closing ``---``."""
    lines = source.split("\n")
    closing = lines.index("---", 1)  # 0-based index of the closing delimiter
    return closing + 2


CONFIG_TEXT = text(
    """
    name: Example Status
    base_url: https://status.example.com/
    time_zone: Europe/Berlin
    groups:
      - id: platform
        name: Core platform
    components:
      - id: api
        name: Public API
        group: platform
      - id: dashboard
        name: Dashboard
        group: platform
      - id: database
        name: Database
        group: platform
    """
)

TEMPLATE_TEXT = text(
    """
    # Postmortem: <incident title>

    ## Executive Summary

    <!-- Two or three sentences: what happened, who was affected, for how long. -->

    ## Timeline

    <!-- Detection, escalation and resolution, with times and time zones. -->

    ## Technical Details

    <!-- What failed and how. -->

    ## Impact Assessment

    <!-- Users, services and revenue affected. -->

    ## Root Cause

    <!-- Five whys. -->

    ## Corrective Actions

    <!-- Each with an owner and a due date in the frontmatter. -->

    ## Lessons Learned

    <!-- What went well, what did not, where we were lucky. -->
    """
)

RUNBOOK_TEXT = text(
    """
    # Database failover

    1. Confirm the primary is unhealthy.
    2. Promote the replica with the least replication lag.
    3. Point the connection pooler at the new primary.
    """
)

# A resolved public SEV-3 incident inside every default SEV-3 target (1h response, 15m initial
# update, 1h cadence, 15m resolution notice, postmortem optional). Line 4 is `severity`, as in
# the README's example problem.
INCIDENT_TEXT = text(
    """
    ---
    title: Elevated error rates on the API
    type: incident
    severity: SEV-3
    visibility: public
    components:
      api: partial_outage
    timeline:
      started: 2026-11-20T13:55:00Z
      detected: 2026-11-20T14:02:00Z
      acknowledged: 2026-11-20T14:09:00Z
      declared: 2026-11-20T14:12:00Z
      mitigated: 2026-11-20T15:20:00Z
      resolved: 2026-11-20T15:45:00Z
    roles:
      incident_commander: Priya Raman
      communications_lead: Ana Souza
    escalation: L2
    runbooks: [database-failover]
    tags: [database]
    updates:
      - at: 2026-11-20T14:15:00Z
        status: investigating
        message: We are investigating elevated error rates on the API.
      - at: 2026-11-20T14:40:00Z
        status: identified
        components: {api: major_outage}
        message: A failing database primary is being replaced.
      - at: 2026-11-20T15:30:00Z
        status: monitoring
        components: {api: operational}
        message: A fix has been deployed and we are monitoring the results.
      - at: 2026-11-20T15:50:00Z
        status: resolved
        message: Error rates are back to normal. This incident is resolved.
    ---
    Internal notes: the primary's data disk filled up overnight.
    """
)

# Not part of the base site; tests add it. Valid: published, public, every section filled, one
# open action item due after NOW and one done item due before it.
POSTMORTEM_TEXT = text(
    """
    ---
    status: published
    visibility: public
    authors: [Priya Raman]
    reviewers: [Jonas Weber]
    published: 2026-11-21
    action_items:
      - title: Alert on data disk usage above 80 percent
        owner: Jonas Weber
        due: 2026-12-15
        status: open
        link: https://tracker.example.com/OPS-123
      - title: Document the failover drill
        owner: Ana Souza
        due: 2026-11-25
        status: done
    ---
    ## Executive Summary

    For 93 minutes on 20 November the public API returned errors for about 8 percent of requests.

    ## Timeline

    At 14:02 UTC an alert fired on the API error rate; the incident was declared at 14:12.

    ## Technical Details

    The database primary's data disk filled up and writes started to fail.

    ## Impact Assessment

    About 8 percent of API requests failed; no data was lost.

    ## Root Cause

    A log rotation job had been disabled during a migration and never re-enabled.

    ## Corrective Actions

    We alert on disk usage and have re-enabled log rotation.

    ## Lessons Learned

    Failover worked as practised; the alert on disk usage was missing.
    """
)

# Not part of the base site; a maintenance window announced but not started at NOW.
UPCOMING = "incidents/2026/2026-12-05-database-upgrade/incident.md"
UPCOMING_TEXT = text(
    """
    ---
    title: Database upgrade
    type: maintenance
    visibility: public
    components:
      database: under_maintenance
    scheduled:
      start: 2026-12-05T02:00:00Z
      end: 2026-12-05T04:00:00Z
    updates:
      - at: 2026-11-24T10:00:00Z
        status: scheduled
        message: We will upgrade the database on 5 December between 02:00 and 04:00 UTC.
    ---
    """
)

# Not part of the base site; a completed maintenance window.
MAINTENANCE_TEXT = text(
    """
    ---
    title: Database upgrade
    type: maintenance
    visibility: public
    components:
      database: under_maintenance
    scheduled:
      start: 2026-11-25T02:00:00Z
      end: 2026-11-25T04:00:00Z
    updates:
      - at: 2026-11-24T10:00:00Z
        status: scheduled
        message: We will upgrade the database on 25 November between 02:00 and 04:00 UTC.
      - at: 2026-11-25T02:00:00Z
        status: in_progress
        message: The upgrade has started.
      - at: 2026-11-25T03:30:00Z
        status: completed
        message: The upgrade is complete.
    ---
    """
)

BASE_FILES: dict[str, str] = {
    CONFIG: CONFIG_TEXT,
    TEMPLATE: TEMPLATE_TEXT,
    RUNBOOK: RUNBOOK_TEXT,
    INCIDENT: INCIDENT_TEXT,
}

Files = Mapping[str, "str | bytes | None"]
MakeSite = Callable[..., Path]


def write_site(root: Path, files: Files | None = None) -> Path:
    """Write the base site under ``root``, then apply ``files``; return ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    merged: dict[str, str | bytes | None] = dict(BASE_FILES)
    merged.update(files or {})
    for relpath, content in merged.items():
        path = root / relpath
        if content is None:
            if path.exists():
                path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            # newline="" keeps the text byte for byte (CRLF tests write "\r\n" themselves).
            with path.open("w", encoding="utf-8", newline="") as handle:
                handle.write(content)
    return root


@pytest.fixture(autouse=True, scope="session")
def _private_validation_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests (and the commands they start) keep statusgen's cache in a temporary folder,
    never in the home directory of whoever runs them."""
    os.environ["STATUSGEN_CACHE_DIR"] = str(tmp_path_factory.mktemp("statusgen-cache"))


@pytest.fixture
def make_site() -> MakeSite:
    """``make_site(tmp_path, files={relpath: text | bytes | None}) -> root``."""

    def make(root: Path, files: Files | None = None) -> Path:
        return write_site(root, files)

    return make
