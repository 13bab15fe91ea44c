"""Authoring commands: what they write validates, and edits touch nothing but the new lines.

Each command runs through click's test runner and as a real subprocess.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import INCIDENT, INCIDENT_ID, NOW, NOW_ISO, MakeSite, text

from statusgen.cli import main
from statusgen.model import ComponentStatus, IncidentStatus
from statusgen.problems import Level
from statusgen.validate import validate_site

LATER = NOW + dt.timedelta(hours=1)

# An active incident written by a person: comments, flow mappings, quoting, blank lines.
ACTIVE = text(
    """
    ---
    # Opened from the on-call channel.
    title: "Dashboard: slow page loads"   # keep the quotes
    type: incident
    severity: SEV-3
    visibility: public
    components: {dashboard: degraded_performance}
    timeline:
      detected: 2026-11-29T11:20:00Z   # from the alert
      acknowledged: 2026-11-29T11:25:00Z
      declared: 2026-11-29T11:30:00Z
    tags: [frontend]
    updates:
      - at: 2026-11-29T11:40:00Z
        status: investigating
        message: >
          We are looking into slow page loads
          on the dashboard.

      # the next update is due by 12:40
    ---
    Notes stay internal.
    """
)
ACTIVE_ID = "2026-11-29-dashboard-slow"
ACTIVE_PATH = f"incidents/2026/{ACTIVE_ID}/incident.md"

Run = Callable[..., tuple[int, str]]


def run_cli(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, "--root", str(root)], catch_exceptions=False)
    return result.exit_code, result.output


def run_subprocess(root: Path, *args: str) -> tuple[int, str]:
    completed = subprocess.run(
        [sys.executable, "-m", "statusgen", *args, "--root", str(root)],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    return completed.returncode, completed.stdout + completed.stderr


@pytest.fixture(params=[run_cli, run_subprocess], ids=["clirunner", "subprocess"])
def run(request: pytest.FixtureRequest) -> Run:
    runner: Run = request.param
    return runner


def errors(root: Path, now: dt.datetime = LATER) -> list[str]:
    return [str(p) for p in validate_site(root, now=now).problems if p.level is Level.ERROR]


def test_new_incident_writes_a_valid_incident_with_a_unique_id(make_site: MakeSite, tmp_path: Path, run: Run) -> None:
    root = make_site(tmp_path)
    args = ("new", "incident", "--title", "Elevated error rates on the API", "--severity", "SEV-2")
    args += ("--component", "api=partial_outage", "--message", "We are investigating.", "--now", NOW_ISO)
    code, output = run(root, *args)
    assert code == 0, output
    first = root / "incidents/2026/2026-11-29-elevated-error-rates-on-the-api/incident.md"
    assert first.is_file()
    assert "statusgen update 2026-11-29-elevated-error-rates-on-the-api" in output  # the next step
    code, output = run(root, *args)
    assert code == 0, output
    assert (root / "incidents/2026/2026-11-29-elevated-error-rates-on-the-api-2/incident.md").is_file()
    assert errors(root) == []
    site = validate_site(root, now=LATER).site
    assert site is not None
    incident = next(i for i in site.incidents if i.id == "2026-11-29-elevated-error-rates-on-the-api")
    assert incident.components == {"api": ComponentStatus.PARTIAL_OUTAGE}
    assert incident.updates[0].at == NOW and incident.updates[0].at.tzinfo is not None
    assert incident.timeline.declared == NOW


def test_new_incident_is_validated_before_anything_is_written(make_site: MakeSite, tmp_path: Path, run: Run) -> None:
    root = make_site(tmp_path)
    code, output = run(root, "new", "incident", "--title", "X", "--severity", "SEV-3", "--message", "m",
                       "--component", "apii=major_outage", "--now", NOW_ISO)  # fmt: skip
    assert code == 1
    assert "SG301" in output and "did you mean 'api'" in output
    assert not list((root / "incidents/2026").glob("2026-11-29-*"))


def test_missing_flags_without_a_terminal_are_a_usage_error(make_site: MakeSite, tmp_path: Path, run: Run) -> None:
    root = make_site(tmp_path)
    code, output = run(root, "new", "incident", "--title", "X", "--now", NOW_ISO)
    assert code == 2
    assert "missing --severity" in output


def test_new_maintenance_is_named_after_its_start(make_site: MakeSite, tmp_path: Path, run: Run) -> None:
    root = make_site(tmp_path)
    code, output = run(root, "new", "maintenance", "--title", "Database upgrade",
                       "--start", "2026-12-10T22:00:00+01:00", "--end", "2026-12-11T01:00:00+01:00",
                       "--component", "database",
                       "--message", "We will upgrade the database.", "--now", NOW_ISO)  # fmt: skip
    assert code == 0, output
    assert (root / "incidents/2026/2026-12-10-database-upgrade/incident.md").is_file()
    assert errors(root) == []


def test_update_inserts_only_the_new_entry(make_site: MakeSite, tmp_path: Path, run: Run) -> None:
    root = make_site(tmp_path, {ACTIVE_PATH: ACTIVE})
    before = (root / ACTIVE_PATH).read_bytes()
    code, output = run(root, "update", ACTIVE_ID, "--status", "identified", "--component", "dashboard=partial_outage",
                       "--message", "A slow database query was found.\n\nA fix is rolling out.",
                       "--now", "2026-11-29T12:10:00Z")  # fmt: skip
    assert code == 0, output
    after = (root / ACTIVE_PATH).read_bytes()
    entry = (
        b"  - at: 2026-11-29T12:10:00Z\n"
        b"    status: identified\n"
        b"    components:\n"
        b"      dashboard: partial_outage\n"
        b"    message: |\n"
        b"      A slow database query was found.\n"
        b"\n"
        b"      A fix is rolling out.\n"
    )
    anchor = before.index(b"\n\n  # the next update") + 1
    assert after == before[:anchor] + entry + before[anchor:]
    site = validate_site(root, now=LATER).site
    assert site is not None and errors(root) == []
    incident = next(i for i in site.incidents if i.id == ACTIVE_ID)
    assert incident.updates[-1].message == "A slow database query was found.\n\nA fix is rolling out.\n"


@pytest.mark.parametrize("variant", ["crlf", "bom"])
def test_update_keeps_line_endings_and_bom(make_site: MakeSite, tmp_path: Path, variant: str) -> None:
    original = ACTIVE.replace("\n", "\r\n") if variant == "crlf" else "\ufeff" + ACTIVE
    root = make_site(tmp_path, {ACTIVE_PATH: original})
    before = (root / ACTIVE_PATH).read_bytes()
    code, output = run_cli(root, "update", ACTIVE_ID, "--status", "monitoring", "--message", "Fixed.",
                           "--now", "2026-11-29T12:10:00Z")  # fmt: skip
    assert code == 0, output
    after = (root / ACTIVE_PATH).read_bytes()
    newline = b"\r\n" if variant == "crlf" else b"\n"
    entry = newline.join([b"  - at: 2026-11-29T12:10:00Z", b"    status: monitoring", b"    message: Fixed.", b""])
    anchor = before.index(newline * 2 + b"  # the next update") + len(newline)
    assert after == before[:anchor] + entry + before[anchor:]
    assert after.startswith(b"\xef\xbb\xbf") == (variant == "bom")
    assert errors(root) == []


def test_an_invalid_update_changes_nothing(make_site: MakeSite, tmp_path: Path, run: Run) -> None:
    root = make_site(tmp_path, {ACTIVE_PATH: ACTIVE})
    before = (root / ACTIVE_PATH).read_bytes()
    code, output = run(root, "update", ACTIVE_ID, "--status", "fixed", "--message", "x", "--now", NOW_ISO)
    assert code == 1
    assert "SG204" in output and "nothing written" in output
    code, output = run(root, "update", "2026-11-29-nope", "--status", "identified", "--message", "x")
    assert code == 1 and "no incident '2026-11-29-nope'" in output
    assert (root / ACTIVE_PATH).read_bytes() == before


def test_resolve_yields_a_valid_resolved_incident(make_site: MakeSite, tmp_path: Path, run: Run) -> None:
    root = make_site(tmp_path, {ACTIVE_PATH: ACTIVE})
    code, output = run(root, "update", ACTIVE_ID, "--status", "identified", "--component", "api=degraded_performance",
                       "--message", "The API is slow too.", "--now", "2026-11-29T12:05:00Z")  # fmt: skip
    assert code == 0, output
    code, output = run(root, "resolve", ACTIVE_ID, "--now", "2026-11-29T12:30:00Z")
    assert code == 0, output
    assert errors(root) == []
    site = validate_site(root, now=LATER).site
    assert site is not None
    incident = next(i for i in site.incidents if i.id == ACTIVE_ID)
    assert incident.is_resolved
    assert incident.updates[-1].status is IncidentStatus.RESOLVED
    assert incident.timeline.resolved == dt.datetime(2026, 11, 29, 12, 30, tzinfo=dt.UTC)
    assert incident.updates[-1].components == {
        "dashboard": ComponentStatus.OPERATIONAL,
        "api": ComponentStatus.OPERATIONAL,
    }
    assert "# from the alert" in (root / ACTIVE_PATH).read_text()


def test_update_with_resolved_status_resolves(make_site: MakeSite, tmp_path: Path) -> None:
    root = make_site(tmp_path, {ACTIVE_PATH: ACTIVE})
    code, output = run_cli(root, "update", ACTIVE_ID, "--status", "resolved", "--message", "All good.",
                           "--now", "2026-11-29T12:30:00Z")  # fmt: skip
    assert code == 0, output
    assert errors(root) == []
    assert "resolved: 2026-11-29T12:30:00Z" in (root / ACTIVE_PATH).read_text()


def test_new_postmortem_is_a_prefilled_draft(make_site: MakeSite, tmp_path: Path, run: Run) -> None:
    root = make_site(tmp_path)
    code, output = run(root, "new", "postmortem", INCIDENT_ID, "--author", "Ana Souza", "--now", NOW_ISO)
    assert code == 0, output
    written = (root / INCIDENT.replace("incident.md", "postmortem.md")).read_text()
    assert "status: draft" in written
    row = "| 2026-11-20T14:40:00Z | Public update (identified): A failing database primary is being replaced. |"
    assert row in written
    problems = validate_site(root, now=NOW).problems
    assert [p for p in problems if p.level is Level.ERROR] == []
    assert {p.code for p in problems} == {"SG502"}  # the sections still to write, as warnings
    code, output = run(root, "new", "postmortem", INCIDENT_ID, "--author", "Ana Souza", "--now", NOW_ISO)
    assert code == 1 and "never overwrites" in output


def test_new_runbook_refuses_to_overwrite(make_site: MakeSite, tmp_path: Path, run: Run) -> None:
    root = make_site(tmp_path)
    code, output = run(root, "new", "runbook", "--title", "Cache flush")
    assert code == 0, output
    assert (root / "content/runbooks/cache-flush.md").read_text().startswith("# Cache flush\n")
    code, output = run(root, "new", "runbook", "--title", "Database failover")
    assert code == 1 and "never overwrites" in output
    assert (root / "content/runbooks/database-failover.md").read_text().startswith("# Database failover\n")


def test_prompts_in_a_terminal(make_site: MakeSite, tmp_path: Path) -> None:
    """Run in a pseudo-terminal, `new incident` asks for what the flags did not give."""
    pty = pytest.importorskip("pty")
    root = make_site(tmp_path)
    answers = b"Login failures\nSEV-3\napi=partial_outage\nWe are investigating login failures.\n"
    pid, fd = pty.fork()
    if pid == 0:  # the child: the command, its stdin a terminal
        os.execv(sys.executable, [sys.executable, "-m", "statusgen", "new", "incident", "--root", str(root),
                                  "--now", NOW_ISO])  # fmt: skip
    output = b""
    os.write(fd, answers)
    while True:
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, output.decode(errors="replace")
    assert b"Severity" in output
    assert (root / "incidents/2026/2026-11-29-login-failures/incident.md").is_file()
    assert errors(root) == []
