"""What `statusgen notify` finds between a git revision and the working tree."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import (
    INCIDENT,
    INCIDENT_TEXT,
    MAINTENANCE,
    NOW,
    NOW_ISO,
    POSTMORTEM,
    POSTMORTEM_TEXT,
    UPCOMING_TEXT,
    MakeSite,
)
from notify_helpers import cli, commit, init_repo

from statusgen.errors import UsageError
from statusgen.notify import NoticeKind, notify
from statusgen.validate import validate_site

pytestmark = pytest.mark.timeout(60)


def changes(root: Path, since: str) -> list[tuple[str, str, str | None]]:
    result = validate_site(root, now=NOW)
    assert result.site is not None
    found = notify(result.site, since, now=NOW, dry_run=True, out=lambda _: None, log=lambda _: None).changes
    return [(n.kind.value, n.incident.id, n.update.status.value if n.update else None) for n in found.notices]


def test_nothing_changed_means_no_notices(tmp_path: Path, make_site: MakeSite) -> None:
    root = make_site(tmp_path)
    assert changes(root, init_repo(root)) == []


def test_notify_false_updates_are_skipped(tmp_path: Path, make_site: MakeSite) -> None:
    open_incident = INCIDENT_TEXT.split("  - at: 2026-11-20T14:40:00Z")[0] + "---\n"
    open_incident = open_incident.replace("  resolved: 2026-11-20T15:45:00Z\n", "")
    root = make_site(tmp_path, {INCIDENT: open_incident})
    first = init_repo(root)
    later = INCIDENT_TEXT.replace(
        "    status: identified\n", "    status: identified\n    notify: false\n"
    )  # a minor correction: no notification
    (root / INCIDENT).write_text(later, encoding="utf-8")
    assert changes(root, first) == [
        ("incident.updated", "2026-11-20-api-errors", "monitoring"),
        ("incident.resolved", "2026-11-20-api-errors", "resolved"),
    ]
    result = cli("notify", "--root", str(root), "--since", first, "--now", NOW_ISO, "--dry-run")
    assert "not announced (notify: false): 2026-11-20-api-errors: the identified update" in result.stderr


def test_an_internal_incident_made_public_is_announced_from_its_first_update(
    tmp_path: Path, make_site: MakeSite
) -> None:
    root = make_site(tmp_path, {INCIDENT: INCIDENT_TEXT.replace("visibility: public", "visibility: internal")})
    first = init_repo(root)
    (root / INCIDENT).write_text(INCIDENT_TEXT, encoding="utf-8")
    kinds = [kind for kind, _, _ in changes(root, first)]
    assert kinds == ["incident.created", "incident.updated", "incident.updated", "incident.resolved"]


def test_a_reworded_update_is_not_announced_again(tmp_path: Path, make_site: MakeSite) -> None:
    root = make_site(tmp_path)
    first = init_repo(root)
    (root / INCIDENT).write_text(INCIDENT_TEXT.replace("is being replaced", "is being swapped out"), encoding="utf-8")
    assert changes(root, first) == []


def test_new_and_changed_maintenance_windows(tmp_path: Path, make_site: MakeSite) -> None:
    root = make_site(tmp_path)
    first = init_repo(root)
    (root / MAINTENANCE).parent.mkdir(parents=True)
    (root / MAINTENANCE).write_text(UPCOMING_TEXT, encoding="utf-8")
    assert changes(root, first) == [("maintenance.scheduled", "2026-11-25-database-upgrade", "scheduled")]
    announced = commit(root, "announce maintenance")
    moved = UPCOMING_TEXT.replace("2026-12-05T04:00:00Z", "2026-12-05T06:00:00Z")
    (root / MAINTENANCE).write_text(moved, encoding="utf-8")
    assert changes(root, announced) == [("maintenance.changed", "2026-11-25-database-upgrade", None)]


def test_a_published_public_postmortem_is_announced_once(tmp_path: Path, make_site: MakeSite) -> None:
    draft = POSTMORTEM_TEXT.replace("status: published", "status: draft")
    root = make_site(tmp_path, {POSTMORTEM: draft})
    first = init_repo(root)
    (root / POSTMORTEM).write_text(POSTMORTEM_TEXT, encoding="utf-8")
    assert changes(root, first) == [("postmortem.published", "2026-11-20-api-errors", None)]
    published = commit(root, "publish")
    assert changes(root, published) == []
    internal = POSTMORTEM_TEXT.replace("visibility: public", "visibility: internal")
    root2 = make_site(tmp_path / "other", {POSTMORTEM: draft})
    first2 = init_repo(root2)
    (root2 / POSTMORTEM).write_text(internal, encoding="utf-8")
    assert changes(root2, first2) == []  # published but internal: never announced


def test_updates_dated_after_now_wait(tmp_path: Path, make_site: MakeSite) -> None:
    root = make_site(tmp_path)
    first = init_repo(root)
    future = INCIDENT_TEXT.replace("2026-11-20", "2026-11-30").replace("incidents/2026/2026-11-20", "x")
    (root / "incidents/2026/2026-11-30-api-errors").mkdir(parents=True)
    (root / "incidents/2026/2026-11-30-api-errors/incident.md").write_text(future, encoding="utf-8")
    assert changes(root, first) == []
    result = cli("notify", "--root", str(root), "--since", first, "--now", NOW_ISO, "--dry-run")
    assert "not announced yet (dated after now" in result.stderr


def test_the_site_may_be_a_subfolder_of_the_repository(tmp_path: Path, make_site: MakeSite) -> None:
    root = make_site(tmp_path / "status")
    init_repo(tmp_path)
    first = commit(tmp_path, "again")
    (root / MAINTENANCE).parent.mkdir(parents=True)
    (root / MAINTENANCE).write_text(UPCOMING_TEXT, encoding="utf-8")
    assert changes(root, first) == [("maintenance.scheduled", "2026-11-25-database-upgrade", "scheduled")]


def test_an_unknown_revision_is_a_usage_error(tmp_path: Path, make_site: MakeSite) -> None:
    root = make_site(tmp_path)
    init_repo(root)
    with pytest.raises(UsageError, match="not a commit"):
        changes(root, "no-such-branch")
    result = cli("notify", "--root", str(root), "--since", "--help-me")
    assert result.exit_code == 2


def test_outside_git_is_a_usage_error(tmp_path: Path, make_site: MakeSite) -> None:
    root = make_site(tmp_path)
    result = cli("notify", "--root", str(root), "--since", "HEAD", "--now", NOW_ISO)
    assert result.exit_code == 2
    assert "not in a git repository" in result.output


def test_an_invalid_site_sends_nothing(tmp_path: Path, make_site: MakeSite) -> None:
    root = make_site(tmp_path)
    first = init_repo(root)
    (root / INCIDENT).write_text(INCIDENT_TEXT.replace("SEV-3", "SEV-9"), encoding="utf-8")
    result = cli("notify", "--root", str(root), "--since", first, "--now", NOW_ISO)
    assert result.exit_code == 1
    assert "SG204" in result.output
    assert "notices" not in result.output


def test_notice_kinds_are_a_closed_set() -> None:
    assert {kind.value.split(".")[0] for kind in NoticeKind} == {"incident", "maintenance", "postmortem"}
