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
