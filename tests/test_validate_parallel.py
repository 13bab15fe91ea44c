"""Large sites are read by worker processes: the result is the same as reading in order."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from conftest import INCIDENT, INCIDENT_TEXT, NOW, POSTMORTEM, MakeSite

import statusgen.validate as validate
from statusgen.validate import validate_site


def test_worker_processes_give_the_same_problems_and_incidents(
    make_site: MakeSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files: dict[str, str | None] = {}
    for month in range(1, 13):  # one cache shard per month: work for several workers
        folder = f"incidents/2026/2026-{month:02d}-20-api-errors-{month}"
        files[f"{folder}/incident.md"] = INCIDENT_TEXT.replace("2026-11-20", f"2026-{month:02d}-20")
    files["incidents/2026/2026-05-20-api-errors-5/incident.md"] = "---\ntitle: [unclosed\n---\n"
    files["incidents/2026/2026-06-20-api-errors-6/postmortem.md"] = "no frontmatter\n"
    files["incidents/2026/2026-07-20-api-errors-7/incident.md"] = INCIDENT_TEXT.replace("SEV-3", "SEV-9")
    root = make_site(tmp_path / "site", {INCIDENT: INCIDENT_TEXT, POSTMORTEM: None, **files})
    monkeypatch.setenv("STATUSGEN_NO_CACHE", "1")  # both runs check every folder

    in_order = validate_site(root, now=NOW)
    started = []
    real = multiprocessing.get_context
    monkeypatch.setattr(validate, "_PARALLEL_FROM", 2)
    monkeypatch.setattr(multiprocessing, "get_context", lambda method: started.append(method) or real(method))
    in_workers = validate_site(root, now=NOW)

    assert started == ["fork"]
    assert {p.code for p in in_order.problems} >= {"SG103", "SG102", "SG204"}
    assert in_workers.problems == in_order.problems
    assert in_workers.files == in_order.files
    assert in_order.site is not None and in_workers.site is not None
    assert in_workers.site.incidents == in_order.site.incidents
    assert len(in_order.site.incidents) == 11


def test_workers_asked_for_problems_only_find_every_problem_a_full_run_finds(
    make_site: MakeSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``statusgen validate`` has its workers check references, policy and consistency and send
    back only problems: the same problems as a full run, first with an empty cache, then from it."""
    files: dict[str, str | None] = {}
    mutations = {
        1: ("runbooks: [database-failover]", "runbooks: [no-such-runbook]"),  # a reference
        2: ("  api: partial_outage", "  nope: partial_outage"),  # an unknown component
        3: ("severity: SEV-3", "severity: SEV-1"),  # policy: a SEV-1 needs a postmortem
        4: ("resolved: 2026-04-20T15:45:00Z", "resolved: 2026-04-20T14:45:00Z"),  # inconsistent
        5: ("severity: SEV-3", "severity: SEV-1"),  # its postmortem is unreadable: policy cannot judge it
    }
    for month in range(1, 13):
        folder = f"incidents/2026/2026-{month:02d}-20-api-errors-{month}"
        body = INCIDENT_TEXT.replace("2026-11-20", f"2026-{month:02d}-20")
        old, new = mutations.get(month, ("", ""))
        assert old in body
        files[f"{folder}/incident.md"] = body.replace(old, new) if old else body
    files["incidents/2026/2026-05-20-api-errors-5/postmortem.md"] = "no frontmatter\n"
    files["incidents/2025/2026-06-20-api-errors-6/incident.md"] = files[  # a duplicate id, in the wrong year
        "incidents/2026/2026-06-20-api-errors-6/incident.md"
    ]
    files["incidents/2025/2025-13-01-not-a-date/incident.md"] = INCIDENT_TEXT
    files["incidents/2024/2024-02-02-deeper/notes/incident.md"] = INCIDENT_TEXT  # misplaced, below a folder
    files["incidents/2024/postmortem.md"] = "misplaced: in a year folder\n"
    root = make_site(tmp_path / "site", {INCIDENT: INCIDENT_TEXT, POSTMORTEM: None, **files})
    monkeypatch.setenv("STATUSGEN_NO_CACHE", "1")
    full = validate_site(root, now=NOW)
    monkeypatch.delenv("STATUSGEN_NO_CACHE")
    monkeypatch.setenv("STATUSGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(validate, "_PARALLEL_FROM", 2)
    started = []
    real = multiprocessing.get_context
    monkeypatch.setattr(multiprocessing, "get_context", lambda method: started.append(method) or real(method))

    monkeypatch.setattr(validate, "_WALKED", [])  # as a new process: its first walk of the site
    cold = validate_site(root, now=NOW, problems_only=True)
    assert started == ["fork"]  # workers looked into the folders, read and checked them
    cached = validate_site(root, now=NOW, problems_only=True)
    assert started == ["fork", "fork"]  # workers took every shard from the cache
    told = validate_site(root, now=NOW, problems_only=True, changed=set())  # as serve: a watcher saw no change
    assert started == ["fork", "fork"]  # every shard from the cache here: nothing left for workers

    codes = {problem.code for problem in full.problems}
    assert {"SG107", "SG301", "SG302", "SG303", "SG404", "SG602", "SG605"} <= codes, codes
    misplaced = {p.path for p in full.problems if p.message.startswith("misplaced")}
    assert misplaced == {"incidents/2024/2024-02-02-deeper/notes/incident.md", "incidents/2024/postmortem.md"}
    unjudged = [p for p in full.problems if "api-errors-5/" in p.path and p.code.startswith("SG6")]
    assert unjudged == []
    assert cold.problems == full.problems
    assert cached.problems == full.problems
    assert told.problems == full.problems
    assert cold.files == cached.files == told.files == full.files
    assert cold.site is None and cached.site is None and full.site is not None
