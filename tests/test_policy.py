"""Policy decisions the scenario table does not cover: when a required postmortem is late, and
how long what the policy found holds (what ``statusgen serve`` remembers between rebuilds)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import INCIDENT, INCIDENT_TEXT, NOW, POSTMORTEM, POSTMORTEM_TEXT, MakeSite, loc, write_site
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import statusgen.validate as validate_module
from statusgen.problems import Level
from statusgen.validate import Site, validate_site
from statusgen.validate.policy import check_policy, policy_holds_until

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


ACTIVE = (
    SEV2.replace("  resolved: 2026-11-20T15:45:00Z\n", "")
    .replace(
        "  - at: 2026-11-20T15:50:00Z\n    status: resolved\n",
        "  - at: 2026-11-20T15:50:00Z\n    status: monitoring\n",
    )
    .replace("This incident is resolved.", "We keep watching.")
)
DRAFT = POSTMORTEM_TEXT.replace("status: published", "status: draft").replace("published: 2026-11-21\n", "")
SECOND = "incidents/2026/2026-11-20-api-errors-2/"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    start=st.integers(min_value=0, max_value=40 * 24 * 60),
    fraction=st.floats(min_value=0, max_value=1, exclude_max=True),
)
def test_policy_found_at_a_moment_holds_until_the_moment_it_names(
    policy_site: Site, start: int, fraction: float
) -> None:
    """What a long-lived process remembers of an incident's policy problems (an active one, a
    late draft postmortem, open action items) is what it would find again before that moment."""
    now = dt.datetime(2026, 11, 19, tzinfo=dt.UTC) + dt.timedelta(minutes=start)
    for incident in policy_site.incidents:
        until = policy_holds_until(incident, policy_site.config, now)
        assert until >= now
        horizon = min(until, now + dt.timedelta(days=60))
        later = [now + (horizon - now) * fraction, horizon - dt.timedelta(microseconds=1)]
        found = check_policy(incident, policy_site.config, now)
        for moment in later:
            if now <= moment < until:
                assert check_policy(incident, policy_site.config, moment) == found, (incident.id, now, moment)


@pytest.fixture(scope="module")
def policy_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    root = write_site(
        tmp_path_factory.mktemp("policy"),
        {
            INCIDENT: SEV2,
            POSTMORTEM: DRAFT,
            f"{SECOND}incident.md": ACTIVE.replace("Elevated error", "More elevated error"),
        },
    )
    site = validate_site(root, now=NOW).site
    assert site is not None and len(site.incidents) == 2
    return site


def test_a_long_lived_process_finds_the_policy_problems_a_new_one_finds(make_site: MakeSite, tmp_path: Path) -> None:
    root = make_site(tmp_path, {INCIDENT: SEV2, POSTMORTEM: DRAFT, f"{SECOND}incident.md": ACTIVE})
    day = dt.timedelta(days=1)
    moments = [
        NOW - 9 * day,
        NOW - 9 * day + dt.timedelta(minutes=30),
        NOW - 8 * day,
        NOW,
        NOW + day / 24,
        NOW + 20 * day,
    ]
    remembered = [validate_site(root, now=moment).problems for moment in moments]
    afresh = []
    for moment in moments:
        validate_module._POLICED.clear()
        afresh.append(validate_site(root, now=moment).problems)
    assert remembered == afresh
    assert len({tuple(p.message for p in problems) for problems in afresh}) >= 4
