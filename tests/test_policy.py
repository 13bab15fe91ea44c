"""Policy decisions the scenario table does not cover: when a required postmortem is late."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import INCIDENT, INCIDENT_TEXT, NOW, POSTMORTEM, POSTMORTEM_TEXT, MakeSite, loc

from statusgen.problems import Level
from statusgen.validate import validate_site

SEV2 = INCIDENT_TEXT.replace("severity: SEV-3", "severity: SEV-2")  # resolved 2026-11-20 15:45 UTC


@pytest.mark.parametrize(
    ("published", "late"),
    [("2026-11-21", False), ("2026-11-22", False), ("2026-11-23", True), ("2026-12-01", True)],
)
def test_a_required_postmortem_published_after_its_deadline_is_late(
    make_site: MakeSite, tmp_path: Path, published: str, late: bool
) -> None:
    # deadline: 48 h after 2026-11-20 15:45 UTC = 2026-11-22 16:45 UTC, 17:45 in Berlin: the 22nd
    postmortem = POSTMORTEM_TEXT.replace("published: 2026-11-21", f"published: {published}")
    root = make_site(tmp_path, {INCIDENT: SEV2, POSTMORTEM: postmortem})
    problems = [p for p in validate_site(root, now=NOW).problems if p.code == "SG605"]
    if not late:
        assert problems == []
        return
    assert [(p.path, (p.line, p.column), p.level) for p in problems] == [
        (INCIDENT, loc(SEV2, "2026-11-20T15:45:00Z"), Level.WARNING)
    ]
    assert f"published on {published}, after its deadline 2026-11-22" in problems[0].message
