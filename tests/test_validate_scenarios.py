"""One tiny site per way a file can be wrong, each asserting the exact problem and its place.

Expected positions follow the README's "Problems and their codes": a value problem points at the
value, a key problem at the key, a missing field at the first key of the mapping that lacks it;
lines count from 1 in the file as written, the frontmatter's ``---`` included. Positions are
computed from the very text written, with :func:`conftest.loc`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import (
    CONFIG,
    CONFIG_TEXT,
    INCIDENT,
    INCIDENT_TEXT,
    MAINTENANCE,
    MAINTENANCE_TEXT,
    NOW,
    NOW_ISO,
    POSTMORTEM,
    POSTMORTEM_TEXT,
    TEMPLATE,
    UPCOMING,
    UPCOMING_TEXT,
    line_after_frontmatter,
    loc,
    text,
    write_site,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statusgen.problems import Level, Problem
from statusgen.validate import validate_site

I = INCIDENT_TEXT  # noqa: E741 - short names keep the scenario table readable
P = POSTMORTEM_TEXT
M = MAINTENANCE_TEXT
C = CONFIG_TEXT


def value_loc(source: str, key_and_value: str, occurrence: int = 1) -> tuple[int, int]:
    """Position of the value in the n-th ``key: value`` (or ``- key: value``) of ``source``."""
    line, column = loc(source, key_and_value, occurrence)
    return line, column + key_and_value.index(": ") + 2


def sub(source: str, old: str, new: str) -> str:
    """``source`` with ``old`` replaced once; fails loudly if the base text changed."""
    assert source.count(old) == 1, f"{old!r} occurs {source.count(old)} times"
    return source.replace(old, new)


# --------------------------------------------------------------------------------------------
# The scenario table


@dataclass(frozen=True)
class Expect:
    code: str
    path: str
    line: int | tuple[int, ...]  # a tuple: any of these lines (where the README leaves a choice)
    column: int | None = None  # None: the README does not pin the column down
    message_contains: str | None = None

    @property
    def level(self) -> Level:
        return Level.WARNING if self.code.startswith("SG6") else Level.ERROR

    def matches(self, problem: Problem) -> bool:
        lines = self.line if isinstance(self.line, tuple) else (self.line,)
        return (
            problem.code == self.code
            and problem.path == self.path
            and problem.line in lines
            and (self.column is None or problem.column == self.column)
            and problem.level == self.level
            and (self.message_contains is None or self.message_contains in problem.message)
        )


def at(code: str, path: str, position: tuple[int, int], **kwargs: object) -> Expect:
    return Expect(code, path, position[0], position[1], **kwargs)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Scenario:
    id: str
    files: dict[str, str | bytes | None]
    expected: tuple[Expect, ...]
    exact: bool = True  # no problems besides the expected ones

    @property
    def has_errors(self) -> bool:
        return any(e.level is Level.ERROR for e in self.expected)


SCENARIOS: list[Scenario] = []


def scenario(id: str, files: dict[str, str | bytes | None], *expected: Expect, exact: bool = True) -> None:
    SCENARIOS.append(Scenario(id, files, tuple(expected), exact))


# ---- file layer ----------------------------------------------------------------------------

t = sub(I, "severity: SEV-3\n", "severity: SEV-3: extra\n")
scenario("invalid-yaml-incident", {INCIDENT: t}, at("SG103", INCIDENT, loc(t, ": extra")))
assert loc(t, ": extra") == (4, 16)  # the parser's mark: the second ':' on the severity line

t = sub(C, "time_zone: Europe/Berlin\n", "time_zone: Europe/Berlin: x\n")
scenario("invalid-yaml-config", {CONFIG: t}, at("SG103", CONFIG, loc(t, ": x")))

t = I.removeprefix("---\n")  # starts with `title:`: the opening delimiter was forgotten
scenario("no-frontmatter", {INCIDENT: t}, at("SG102", INCIDENT, (1, 1)))

t = "We are looking into it.\n"
scenario("no-frontmatter-plain-text", {INCIDENT: t}, at("SG102", INCIDENT, (1, 1)))

t = I[: I.index("---\nInternal notes")]  # the closing delimiter and the body are gone
scenario("frontmatter-unclosed", {INCIDENT: t}, at("SG102", INCIDENT, (1, 1)))

t = text(
    """
    ---
    - title: Elevated error rates
    - severity: SEV-3
    ---
    """
)
scenario("frontmatter-is-a-list", {INCIDENT: t}, Expect("SG104", INCIDENT, (1, 2)))

t = "---\nElevated error rates on the API\n---\n"
scenario("frontmatter-is-a-scalar", {INCIDENT: t}, Expect("SG104", INCIDENT, (1, 2)))

scenario("config-is-a-list", {CONFIG: "- name: Example\n"}, Expect("SG104", CONFIG, 1))

t = sub(I, "type: incident\n", "type: incident\ntitle: Another title\n")
scenario("duplicate-key", {INCIDENT: t}, at("SG105", INCIDENT, loc(t, "title:", 2)))
assert loc(t, "title:", 2) == (4, 1)

t = sub(
    C, "  - id: database\n    name: Database\n", "  - id: database\n    name: Database\n    name: Primary database\n"
)
scenario("duplicate-key-config", {CONFIG: t}, at("SG105", CONFIG, loc(t, "name: Primary")))

t = sub(I, "  incident_commander: Priya Raman\n", "  incident_commander: Priya Raman\n  <<: {scribe: Lee Chen}\n")
scenario("merge-key", {INCIDENT: t}, Expect("SG106", INCIDENT, loc(t, "<<")[0]))

# The incident id is its folder; the year folder must match.
for bad_path in [
    "incidents/2026/api-errors/incident.md",  # no date
    "incidents/2026/2026-11-20-API-Errors/incident.md",  # upper case
    "incidents/2026/2026-11-20-api--errors/incident.md",  # double hyphen
    "incidents/2026/2026-11-20/incident.md",  # no slug
    "incidents/2025/2026-11-20-api-errors/incident.md",  # year folder does not match
    "incidents/2026-11-20-api-errors/incident.md",  # no year folder
]:
    scenario(
        f"misnamed-folder:{bad_path.split('/', 1)[1]}", {INCIDENT: None, bad_path: I}, at("SG107", bad_path, (1, 1))
    )

# The same id twice: only possible with a wrong year folder, so the second file (in path order)
# gets both the duplicate id and the year mismatch.
twin = f"incidents/2027/{INCIDENT.split('/')[2]}/incident.md"
scenario("duplicate-incident-id", {twin: I}, at("SG303", twin, (1, 1)), at("SG107", twin, (1, 1)))

t = b"---\ntitle: Elevated error rates \xff\xfe on the API\n" + I.encode().split(b"\n", 2)[2]
# Where the README leaves the place open, the first bad byte (line 2, after "title: Elevated
# error rates ") is where a user wants to look; the start of the file would do as well.
scenario("invalid-utf8", {INCIDENT: t}, Expect("SG101", INCIDENT, (1, 2)))

# ---- schema layer --------------------------------------------------------------------------

t = sub(I, "title: Elevated error rates on the API\n", "")
scenario("missing-title", {INCIDENT: t}, at("SG201", INCIDENT, (2, 1), message_contains="title"))

t = sub(I, "visibility: public\n", "")
scenario("missing-visibility", {INCIDENT: t}, at("SG201", INCIDENT, (2, 1), message_contains="visibility"))

t = sub(I, "severity: SEV-3\n", "")
scenario("missing-severity", {INCIDENT: t}, at("SG201", INCIDENT, (2, 1), message_contains="severity"))

t = I[: I.index("updates:\n")] + "---\n"
scenario("public-incident-without-updates", {INCIDENT: t}, at("SG201", INCIDENT, (2, 1), message_contains="updates"))

t = sub(I, "severity: SEV-3\n", "severty: SEV-3\n")
scenario(
    "unknown-field-did-you-mean",
    {INCIDENT: t},
    at("SG202", INCIDENT, (4, 1), message_contains="severity"),
    at("SG201", INCIDENT, (2, 1)),
)

t = sub(I, "    status: monitoring\n", "    status: monitoring\n    notfy: false\n")
scenario("unknown-field-in-update", {INCIDENT: t}, at("SG202", INCIDENT, loc(t, "notfy"), message_contains="notify"))

t = sub(I, "severity: SEV-3\n", "severity: SEV-5\n")
scenario("wrong-severity", {INCIDENT: t}, at("SG204", INCIDENT, (4, 11), message_contains="SEV-5"))
assert value_loc(t, "severity: SEV-5") == (4, 11)  # the README's own example

t = sub(I, "status: investigating", "status: investigatng")
scenario("wrong-update-status", {INCIDENT: t}, at("SG204", INCIDENT, value_loc(t, "status: investigatng")))

t = sub(M, "status: in_progress", "status: investigating")
scenario(
    "maintenance-with-incident-status",
    {MAINTENANCE: t},
    at("SG204", MAINTENANCE, value_loc(t, "status: investigating")),
)

t = sub(I, "{api: major_outage}", "{api: broken}")
scenario("wrong-component-status", {INCIDENT: t}, at("SG204", INCIDENT, loc(t, "broken")))

t = sub(I, "visibility: public\n", "visibility: secret\n")
scenario("wrong-visibility", {INCIDENT: t}, at("SG204", INCIDENT, loc(t, "secret")))

t = sub(I, "detected: 2026-11-20T14:02:00Z\n", "detected: 2026-11-20T14:02:00\n")
scenario("time-without-zone", {INCIDENT: t}, at("SG205", INCIDENT, value_loc(t, "detected: 2026")))

t = sub(I, "- at: 2026-11-20T14:40:00Z\n", "- at: 2026-11-20 14:40:00\n")
scenario("update-time-without-zone", {INCIDENT: t}, at("SG205", INCIDENT, value_loc(t, "- at: 2026-11-20 14:40")))

t = sub(I, "detected: 2026-11-20T14:02:00Z\n", "detected: yesterday afternoon\n")
scenario("malformed-time", {INCIDENT: t}, at("SG206", INCIDENT, value_loc(t, "detected: yesterday")))

t = sub(I, "runbooks: [database-failover]\n", "runbooks: database-failover\n")
scenario("runbooks-not-a-list", {INCIDENT: t}, at("SG203", INCIDENT, value_loc(t, "runbooks: database")))

t = sub(I, "title: Elevated error rates on the API\n", 'title: ""\n')
scenario("empty-title", {INCIDENT: t}, at("SG207", INCIDENT, (2, 8)))

t = sub(M, "type: maintenance\n", "type: maintenance\nseverity: SEV-3\n")
scenario("severity-on-maintenance", {MAINTENANCE: t}, Expect("SG208", MAINTENANCE, loc(t, "severity")[0]))

t = sub(
    I,
    "visibility: public\n",
    "visibility: public\nscheduled:\n  start: 2026-11-20T14:00:00Z\n  end: 2026-11-20T15:00:00Z\n",
)
scenario("scheduled-on-incident", {INCIDENT: t}, Expect("SG208", INCIDENT, loc(t, "scheduled")[0]))

t = sub(M, "scheduled:\n  start: 2026-11-25T02:00:00Z\n  end: 2026-11-25T04:00:00Z\n", "")
scenario(
    "maintenance-without-schedule", {MAINTENANCE: t}, at("SG201", MAINTENANCE, (2, 1), message_contains="scheduled")
)

t = sub(P, "    owner: Jonas Weber\n", "")
scenario(
    "action-item-without-owner",
    {POSTMORTEM: t},
    at("SG201", POSTMORTEM, loc(t, "title: Alert"), message_contains="owner"),
)
assert loc(t, "title: Alert") == (8, 5)  # `  - title:` -> the column of `title`

t = sub(P, "    due: 2026-12-15\n", "")
scenario("action-item-without-due", {POSTMORTEM: t}, at("SG201", POSTMORTEM, (8, 5), message_contains="due"))

t = sub(P, "    due: 2026-12-15\n", "    due: mid-December\n")
scenario("action-item-due-not-a-date", {POSTMORTEM: t}, at("SG206", POSTMORTEM, value_loc(t, "due: mid")))

t = sub(P, "published: 2026-11-21\n", "")
scenario(
    "published-postmortem-without-date", {POSTMORTEM: t}, at("SG201", POSTMORTEM, (2, 1), message_contains="published")
)

t = sub(P, "authors: [Priya Raman]\n", "authors: []\n")
scenario("postmortem-without-authors", {POSTMORTEM: t}, at("SG207", POSTMORTEM, value_loc(t, "authors: []")))

# ---- statusgen.yml -------------------------------------------------------------------------

t = sub(C, "    name: Public API\n    group: platform\n", "    name: Public API\n    group: platfrom\n")
scenario("config-unknown-group", {CONFIG: t}, at("SG304", CONFIG, loc(t, "platfrom")))

t = sub(C, "time_zone: Europe/Berlin\n", "time_zone: Europe/Berlinn\n")
scenario("config-bad-time-zone", {CONFIG: t}, at("SG206", CONFIG, (3, 12)))

t = sub(C, "  - id: dashboard\n", "  - id: api\n")
scenario("config-duplicate-component", {CONFIG: t}, at("SG303", CONFIG, value_loc(t, "- id: api", 2)))

t = C + "feeds:\n  entries: 0\n"
scenario("config-feed-entries-out-of-range", {CONFIG: t}, at("SG204", CONFIG, value_loc(t, "entries: 0")))

t = C + "feeds:\n  entries: many\n"
scenario("config-feed-entries-not-a-number", {CONFIG: t}, at("SG203", CONFIG, value_loc(t, "entries: many")))

t = C + "feeds:\n  entry: 20\n"
scenario("config-feed-unknown-key", {CONFIG: t}, at("SG202", CONFIG, loc(t, "entry"), message_contains="entries"))

t = sub(C, "groups:\n", "colour: blue\ngroups:\n")
scenario("config-unknown-key", {CONFIG: t}, at("SG202", CONFIG, loc(t, "colour")))

t = sub(C, "time_zone: Europe/Berlin\n", "timezone: Europe/Berlin\n")
scenario(
    "config-unknown-key-did-you-mean",
    {CONFIG: t},
    at("SG202", CONFIG, (3, 1), message_contains="time_zone"),
    at("SG201", CONFIG, (1, 1), message_contains="time_zone"),
)

t = C + "policy:\n  SEV-3:\n    response_target: one hour\n"
scenario("config-bad-duration", {CONFIG: t}, at("SG206", CONFIG, value_loc(t, "response_target: one")))

# ---- references ----------------------------------------------------------------------------

t = sub(I, "  api: partial_outage\n", "  apii: partial_outage\n")
scenario("unknown-component", {INCIDENT: t}, at("SG301", INCIDENT, (7, 3)))

t = sub(I, "{api: major_outage}", "{apx: major_outage}")
scenario("unknown-component-in-update", {INCIDENT: t}, at("SG301", INCIDENT, loc(t, "apx")))

t = sub(I, "[database-failover]", "[database-failovr]")
scenario("unknown-runbook", {INCIDENT: t}, at("SG302", INCIDENT, loc(t, "database-failovr")))

scenario(
    "postmortem-without-incident",
    {"incidents/2026/2026-11-21-orphan/postmortem.md": P},
    at("SG305", "incidents/2026/2026-11-21-orphan/postmortem.md", (1, 1)),
)

scenario(
    "public-postmortem-of-internal-incident",
    {INCIDENT: sub(I, "visibility: public", "visibility: internal"), POSTMORTEM: P},
    at("SG306", POSTMORTEM, value_loc(P, "visibility: public")),
)

# ---- consistency ---------------------------------------------------------------------------

# The resolved update typed a minute before the monitoring one; no gap exceeds the cadence
# whichever way the updates are read.
t = sub(I, "- at: 2026-11-20T15:50:00Z", "- at: 2026-11-20T15:29:00Z")
scenario("updates-out-of-order", {INCIDENT: t}, at("SG401", INCIDENT, value_loc(t, "- at: 2026-11-20T15:29")))

LAST_UPDATE = (
    "  - at: 2026-11-20T15:50:00Z\n"
    "    status: resolved\n"
    "    message: Error rates are back to normal. This incident is resolved.\n"
)
t = sub(I, LAST_UPDATE, "")
# Policy may also see an active incident here (SG602); only the SG402 is pinned.
scenario(
    "resolved-timeline-last-update-not-resolved",
    {INCIDENT: t},
    at("SG402", INCIDENT, value_loc(t, "  resolved: 2026")),
    exact=False,
)
assert value_loc(t, "  resolved: 2026") == (14, 13)

t = sub(I, "  resolved: 2026-11-20T15:45:00Z\n", "")
scenario(
    "resolved-update-without-timeline-resolved", {INCIDENT: t}, at("SG403", INCIDENT, value_loc(t, "status: resolved"))
)

t = sub(I, "acknowledged: 2026-11-20T14:09:00Z", "acknowledged: 2026-11-20T14:01:00Z")
scenario("timeline-out-of-order", {INCIDENT: t}, at("SG404", INCIDENT, value_loc(t, "acknowledged: 2026")))

t = sub(I, "mitigated: 2026-11-20T15:20:00Z", "mitigated: 2026-11-20T16:20:00Z")
scenario("timeline-mitigated-after-resolved", {INCIDENT: t}, at("SG404", INCIDENT, value_loc(t, "  resolved: 2026")))

t = sub(M, "end: 2026-11-25T04:00:00Z", "end: 2026-11-25T01:00:00Z")
scenario("maintenance-ends-before-start", {MAINTENANCE: t}, at("SG405", MAINTENANCE, value_loc(t, "end: 2026")))

# Layering: a schema error stops the later layers for that file (README).
t = sub(sub(I, "severity: SEV-3\n", "severity: SEV-5\n"), "- at: 2026-11-20T14:40:00Z", "- at: 2026-11-20T14:10:00Z")
scenario("schema-error-hides-consistency", {INCIDENT: t}, at("SG204", INCIDENT, (4, 11)))

# ---- report template -----------------------------------------------------------------------

ROOT_CAUSE = "## Root Cause\n\nA log rotation job had been disabled during a migration and never re-enabled.\n\n"
IMPACT = "## Impact Assessment\n\nAbout 8 percent of API requests failed; no data was lost.\n\n"

t = sub(P, ROOT_CAUSE, "")
scenario(
    "postmortem-section-missing",
    {POSTMORTEM: t},
    at("SG501", POSTMORTEM, (line_after_frontmatter(t), 1), message_contains="Root Cause"),
)
assert line_after_frontmatter(t) == 18

t = sub(
    P, "About 8 percent of API requests failed; no data was lost.\n", "<!-- Users, services and revenue affected. -->\n"
)
scenario("postmortem-section-empty", {POSTMORTEM: t}, at("SG502", POSTMORTEM, (loc(t, "## Impact Assessment")[0], 1)))

t = sub(
    P,
    "## Lessons Learned\n\nFailover worked as practised; the alert on disk usage was missing.\n",
    "## Lessons Learned\n",
)
scenario(
    "postmortem-last-section-empty", {POSTMORTEM: t}, at("SG502", POSTMORTEM, (loc(t, "## Lessons Learned")[0], 1))
)

t = sub(P, IMPACT + ROOT_CAUSE, ROOT_CAUSE + IMPACT)
scenario(
    "postmortem-sections-out-of-order",
    {POSTMORTEM: t},
    Expect("SG503", POSTMORTEM, (loc(t, "## Root Cause")[0], loc(t, "## Impact Assessment")[0]), 1),
)

t = sub(P, ROOT_CAUSE, ROOT_CAUSE + "## Detection\n\nOur alerting caught it within minutes.\n\n")
scenario("postmortem-extra-section-is-fine", {POSTMORTEM: t})

scenario("template-missing", {TEMPLATE: None, POSTMORTEM: P}, at("SG504", TEMPLATE, (1, 1)))

scenario(
    "template-without-sections",
    {TEMPLATE: "# Postmortem\n\nWrite it up.\n", POSTMORTEM: P},
    at("SG504", TEMPLATE, (1, 1)),
)

# The template decides the sections: a template with an extra section asks for it.
t = sub(P, ROOT_CAUSE, "")
scenario(
    "template-defines-sections",
    {
        TEMPLATE: "## Executive Summary\n\n## Timeline\n\n## Technical Details\n\n"
        "## Impact Assessment\n\n## Corrective Actions\n\n## Lessons Learned\n",
        POSTMORTEM: t,
    },
)

# ---- policy (warnings) ---------------------------------------------------------------------

t = sub(
    sub(I, "started: 2026-11-20T13:55:00Z", "started: 2026-11-20T12:55:00Z"),
    "detected: 2026-11-20T14:02:00Z",
    "detected: 2026-11-20T13:00:00Z",
)
scenario(
    "SG601-late-acknowledgement",
    {INCIDENT: t},  # 69 min > 1 h for SEV-3
    at("SG601", INCIDENT, value_loc(t, "acknowledged: 2026")),
)

t = sub(I, "- at: 2026-11-20T14:40:00Z", "- at: 2026-11-20T14:20:00Z")
scenario(
    "SG602-gap-between-updates",
    {INCIDENT: t},  # 14:20 -> 15:30 is 70 min > 1 h
    at("SG602", INCIDENT, value_loc(t, "- at: 2026-11-20T15:30")),
)

t = sub(sub(I, LAST_UPDATE, ""), "  resolved: 2026-11-20T15:45:00Z\n", "")
scenario(
    "SG602-active-incident-gone-quiet",
    {INCIDENT: t},  # monitoring since 20 Nov
    at("SG602", INCIDENT, value_loc(t, "- at: 2026-11-20T15:30")),
)

t = sub(I, "- at: 2026-11-20T14:15:00Z", "- at: 2026-11-20T14:30:00Z")
scenario(
    "SG603-late-first-update",
    {INCIDENT: t},  # 18 min after declaration > 15 min
    at("SG603", INCIDENT, value_loc(t, "- at: 2026-11-20T14:30")),
)

t = sub(I, "- at: 2026-11-20T15:50:00Z", "- at: 2026-11-20T16:05:00Z")
scenario(
    "SG604-late-resolution-notice",
    {INCIDENT: t},  # 20 min after resolution > 15 min
    at("SG604", INCIDENT, value_loc(t, "- at: 2026-11-20T16:05")),
)

REQUIRE_SEV3_POSTMORTEM = C + text(
    """
    policy:
      SEV-3:
        response_target: 1h
        initial_update: 15m
        update_cadence: 1h
        resolution_notice: 15m
        postmortem_required: true
        postmortem_deadline: 48h
    """
)
scenario(
    "SG605-required-postmortem-missing",
    {CONFIG: REQUIRE_SEV3_POSTMORTEM},
    at("SG605", INCIDENT, value_loc(I, "  resolved: 2026")),
)

t = sub(sub(P, "status: published\n", "status: draft\n"), "published: 2026-11-21\n", "")
scenario(
    "SG605-required-postmortem-still-draft",
    {CONFIG: REQUIRE_SEV3_POSTMORTEM, POSTMORTEM: t},
    at("SG605", INCIDENT, value_loc(I, "  resolved: 2026")),
)

scenario("SG605-required-postmortem-published-in-time", {CONFIG: REQUIRE_SEV3_POSTMORTEM, POSTMORTEM: P})

# The handbook's SEV-2 defaults: 30 min cadence (14:40 -> 15:30 is 50 min) and a postmortem
# within 48 h.
t = sub(I, "severity: SEV-3", "severity: SEV-2")
scenario(
    "SEV-2-default-policy",
    {INCIDENT: t},
    at("SG602", INCIDENT, value_loc(t, "- at: 2026-11-20T15:30")),
    at("SG605", INCIDENT, value_loc(t, "  resolved: 2026")),
)

# `null` switches a target off.
t = sub(I, "- at: 2026-11-20T14:40:00Z", "- at: 2026-11-20T14:20:00Z")
scenario("policy-target-switched-off", {INCIDENT: t, CONFIG: C + "policy:\n  SEV-3:\n    update_cadence: null\n"})

t = sub(P, "    due: 2026-12-15\n", "    due: 2026-11-27\n")
scenario("SG606-overdue-action-item", {POSTMORTEM: t}, at("SG606", POSTMORTEM, value_loc(t, "due: 2026-11-27")))

# Exactly on every target is not a breach ("later than the target"): 60 min to acknowledge,
# 15 min to the first update, a 60 min gap, 15 min to the resolution notice.
t = I
for old, new in [
    ("started: 2026-11-20T13:55:00Z", "started: 2026-11-20T12:55:00Z"),
    ("detected: 2026-11-20T14:02:00Z", "detected: 2026-11-20T13:09:00Z"),
    ("- at: 2026-11-20T14:15:00Z", "- at: 2026-11-20T14:27:00Z"),
    ("- at: 2026-11-20T15:30:00Z", "- at: 2026-11-20T15:40:00Z"),
    ("- at: 2026-11-20T15:50:00Z", "- at: 2026-11-20T16:00:00Z"),
]:
    t = sub(t, old, new)
scenario("policy-exactly-on-target", {INCIDENT: t})

# ---- valid variants ------------------------------------------------------------------------

scenario("clean-site", {})
scenario("clean-site-with-postmortem-and-maintenance", {POSTMORTEM: P, MAINTENANCE: M})
scenario(
    "clean-site-crlf",
    {INCIDENT: I.replace("\n", "\r\n"), CONFIG: C.replace("\n", "\r\n"), POSTMORTEM: P.replace("\n", "\r\n")},
)
scenario("clean-site-bom", {INCIDENT: "\ufeff" + I, CONFIG: "\ufeff" + C, POSTMORTEM: "\ufeff" + P})
scenario(
    "crlf-and-bom-keep-positions",
    {INCIDENT: "\ufeff" + sub(I, "severity: SEV-3\n", "severity: SEV-5\n").replace("\n", "\r\n")},
    at("SG204", INCIDENT, (4, 11)),
)

# Accepted variations a user may write.
scenario("clean-time-offsets", {INCIDENT: I.replace(":00Z\n", ":00+01:00\n")})
scenario("clean-quoted-time", {INCIDENT: sub(I, "at: 2026-11-20T14:15:00Z", 'at: "2026-11-20T14:15:00Z"')})
scenario("clean-type-defaults-to-incident", {INCIDENT: sub(I, "type: incident\n", "")})
t = sub(I, "visibility: public", "visibility: internal")
scenario("clean-internal-incident-without-updates", {INCIDENT: t[: t.index("updates:\n")] + "---\n"})
scenario(
    "clean-postmortem-visibility-defaults-to-internal",
    {INCIDENT: sub(I, "visibility: public", "visibility: internal"), POSTMORTEM: sub(P, "visibility: public\n", "")},
)

ACTIVE = "incidents/2026/2026-11-29-dashboard-slow/incident.md"
ACTIVE_TEXT = text(
    """
    ---
    title: Dashboard loads slowly
    severity: SEV-3
    visibility: public
    components:
      dashboard: degraded_performance
    timeline:
      detected: 2026-11-29T10:50:00Z
      acknowledged: 2026-11-29T11:00:00Z
      declared: 2026-11-29T11:05:00Z
    updates:
      - at: 2026-11-29T11:10:00Z
        status: investigating
        message: We are looking into slow page loads on the dashboard.
      - at: 2026-11-29T11:40:00Z
        status: identified
        message: A slow query has been found and a fix is being prepared.
    ---
    """
)
# Active, last update 20 minutes before NOW: inside the 1 h cadence.
scenario("clean-active-incident-with-recent-update", {ACTIVE: ACTIVE_TEXT})
# ... and a later NOW makes the silence a breach: see test_now_makes_an_active_incident_overdue.

scenario("clean-upcoming-maintenance", {UPCOMING: UPCOMING_TEXT})

# More ways to be wrong.
scenario("empty-frontmatter", {INCIDENT: "---\n---\nNotes.\n"}, Expect("SG104", INCIDENT, (1, 2)))

t = sub(I, "tags: [database]\n", "tags: " + "[" * 200 + "database" + "]" * 200 + "\n")
# (tags of lists are also a schema error; only the SG106 is pinned)
scenario("nesting-too-deep", {INCIDENT: t}, Expect("SG106", INCIDENT, loc(t, "tags: [")[0]), exact=False)

# A broken statusgen.yml must not bury the user in follow-up errors about every component.
scenario(
    "broken-config-does-not-cascade",
    {CONFIG: sub(C, "time_zone: Europe/Berlin\n", "time_zone: [Europe/Berlin\n"), POSTMORTEM: P, MAINTENANCE: M},
    Expect("SG103", CONFIG, (3, 4)),
)

t = sub(I, "    status: monitoring\n", '    status: monitoring\n    notify: "no"\n')
scenario("notify-not-a-boolean", {INCIDENT: t}, at("SG203", INCIDENT, value_loc(t, 'notify: "no"')))

t = sub(I, "detected: 2026-11-20T14:02:00Z", "detected: 2026-11-20")
scenario("timeline-date-without-time", {INCIDENT: t}, Expect("SG206", INCIDENT, value_loc(t, "detected: 2026")[0]))

# statusgen.yml's policy overrides the handbook default for that target only.
scenario(
    "config-policy-override",
    {CONFIG: C + "policy:\n  SEV-3:\n    update_cadence: 30m\n"},
    at("SG602", INCIDENT, value_loc(I, "- at: 2026-11-20T15:30")),
)

# ---- many files broken at once ---------------------------------------------------------------

OTHER = "incidents/2026/2026-11-22-dashboard-slow/incident.md"
MULTI = {
    CONFIG: sub(C, "time_zone: Europe/Berlin\n", "time_zone: Mars/Olympus\n"),
    INCIDENT: sub(I, "severity: SEV-3\n", "severity: SEV-5\n"),
    POSTMORTEM: sub(P, "    owner: Jonas Weber\n", ""),
    OTHER: "Dashboard is slow, looking into it.\n",
    MAINTENANCE: sub(M, "end: 2026-11-25T04:00:00Z", "end: 2026-11-25T01:00:00Z"),
}
scenario(
    "several-broken-files",
    MULTI,
    at("SG206", CONFIG, (3, 12)),
    at("SG204", INCIDENT, (4, 11)),
    at("SG201", POSTMORTEM, (8, 5)),
    at("SG102", OTHER, (1, 1)),
    at("SG405", MAINTENANCE, value_loc(MULTI[MAINTENANCE], "end: 2026")),  # type: ignore[arg-type]
)

SCENARIO_IDS = [s.id for s in SCENARIOS]
assert len(set(SCENARIO_IDS)) == len(SCENARIO_IDS), "scenario ids must be unique"


# --------------------------------------------------------------------------------------------
# Running them


def describe(problems: list[Problem]) -> str:
    return "\n".join(str(p) for p in problems) or "(no problems)"


def check(scenario_: Scenario, problems: list[Problem]) -> None:
    remaining = list(problems)
    for expect in scenario_.expected:
        match = next((p for p in remaining if expect.matches(p)), None)
        assert match is not None, f"expected {expect}\ngot:\n{describe(problems)}"
        remaining.remove(match)
    if scenario_.exact:
        assert not remaining, f"unexpected problems:\n{describe(remaining)}"


@pytest.mark.parametrize("scenario_", SCENARIOS, ids=SCENARIO_IDS)
def test_scenario(scenario_: Scenario, tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", scenario_.files)
    result = validate_site(root, now=NOW)
    check(scenario_, result.problems)
    assert result.problems == sorted(result.problems, key=lambda p: (p.path, p.line, p.column))


def cli_validate(root: Path, *args: str):  # type: ignore[no-untyped-def]
    from statusgen.cli import main

    return CliRunner().invoke(main, ["validate", "--root", str(root), "--now", NOW_ISO, *args])


def expect_pattern(expect: Expect) -> str:
    lines = expect.line if isinstance(expect.line, tuple) else (expect.line,)
    line = "(?:" + "|".join(str(n) for n in lines) + ")"
    column = r"\d+" if expect.column is None else str(expect.column)
    return rf"(?m)^{re.escape(expect.path)}:{line}:{column}: {expect.level} {expect.code}: \S"


@pytest.mark.parametrize("scenario_", SCENARIOS, ids=SCENARIO_IDS)
def test_scenario_through_cli(scenario_: Scenario, tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", scenario_.files)
    result = cli_validate(root)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    assert result.exit_code == (1 if scenario_.has_errors else 0), result.output
    for expect in scenario_.expected:
        assert re.search(expect_pattern(expect), result.stdout), (expect, result.stdout)


def run_module(root: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "statusgen", "validate", "--root", str(root), "--now", NOW_ISO, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=root,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


@pytest.mark.parametrize("scenario_id", ["clean-site", "several-broken-files", "SG606-overdue-action-item"])
def test_scenario_as_subprocess(scenario_id: str, tmp_path: Path) -> None:
    scenario_ = SCENARIOS[SCENARIO_IDS.index(scenario_id)]
    root = write_site(tmp_path / "site", scenario_.files)
    completed = run_module(root)
    assert "Traceback" not in completed.stdout + completed.stderr
    assert completed.returncode == (1 if scenario_.has_errors else 0), completed.stderr
    for expect in scenario_.expected:
        assert re.search(expect_pattern(expect), completed.stdout), (expect, completed.stdout)
    if not scenario_.expected:
        assert completed.stdout == ""  # a clean site prints nothing but the summary (on stderr)


# --------------------------------------------------------------------------------------------
# Scenarios that need more than a file table


def test_clean_site_has_no_problems_and_counts_files(tmp_path: Path) -> None:
    one = validate_site(write_site(tmp_path / "one"), now=NOW)
    assert one.problems == []
    two = validate_site(write_site(tmp_path / "two", {MAINTENANCE: M}), now=NOW)
    assert two.problems == []
    assert one.files >= 2  # statusgen.yml and the incident at least
    assert two.files == one.files + 1


def python_tag_payload(marker: Path) -> str:
    return f"!!python/object/apply:os.system [\"echo pwned > '{marker}'\"]"


@pytest.mark.parametrize("target", [INCIDENT, CONFIG])
def test_python_tag_is_rejected_and_never_executed(target: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    payload = python_tag_payload(marker)
    if target == INCIDENT:
        source = sub(I, "title: Elevated error rates on the API\n", f"title: {payload}\n")
    else:
        source = sub(C, "name: Example Status\n", f"name: {payload}\n")
    root = write_site(tmp_path / "site", {target: source})

    problems = validate_site(root, now=NOW).problems
    assert not marker.exists(), "the YAML tag was executed"
    tagged = [p for p in problems if p.code == "SG106"]
    assert [(p.path, p.line, p.column) for p in tagged] == [(target, *loc(source, "!!python"))], describe(problems)

    result = cli_validate(root)
    assert result.exit_code == 1 and "Traceback" not in result.output
    completed = run_module(root)
    assert completed.returncode == 1 and "SG106" in completed.stdout
    assert not marker.exists(), "the YAML tag was executed"


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    lines = ['lol0: &lol0 "lol"']
    for level in range(1, levels):
        refs = ", ".join([f"*lol{level - 1}"] * width)
        lines.append(f"lol{level}: &lol{level} [{refs}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("target", [INCIDENT, CONFIG])
def test_alias_bomb_is_rejected_quickly(target: str, tmp_path: Path) -> None:
    # All of it inside a field the schema knows (a list of 9 anchored items, the last one worth
    # 9**8 strings), so the data itself must be looked at.
    items = "".join(f"  - {line.split(': ', 1)[1]}\n" for line in billion_laughs().splitlines())
    sources = {INCIDENT: sub(I, "tags: [database]\n", "tags:\n" + items), CONFIG: C + "language:\n" + items}
    source = sources[target]
    root = write_site(tmp_path / "site", {target: source})
    started = time.monotonic()
    # A subprocess, so that a validator that expands the aliases fails the test instead of
    # hanging the suite or exhausting memory.
    completed = run_module(root, "--format", "json", timeout=30)
    assert time.monotonic() - started < 30
    assert completed.returncode == 1, completed.stderr
    report = json.loads(completed.stdout)
    errors = [p for p in report["problems"] if p["path"] == target and p["level"] == "error"]
    assert errors, report


def test_crlf_file_positions_match_lf(tmp_path: Path) -> None:
    broken = sub(I, "  api: partial_outage\n", "  apii: partial_outage\n")
    lf = validate_site(write_site(tmp_path / "lf", {INCIDENT: broken}), now=NOW).problems
    crlf = validate_site(write_site(tmp_path / "crlf", {INCIDENT: broken.replace("\n", "\r\n")}), now=NOW).problems
    assert [(p.code, p.line, p.column) for p in lf] == [("SG301", 7, 3)]
    assert [(p.code, p.line, p.column) for p in crlf] == [("SG301", 7, 3)]


def test_every_problem_of_every_file_in_one_run(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", MULTI)
    problems = validate_site(root, now=NOW).problems
    assert {p.path for p in problems} >= {CONFIG, INCIDENT, POSTMORTEM, OTHER, MAINTENANCE}
    assert problems == sorted(problems, key=lambda p: (p.path, p.line, p.column))


def test_now_makes_an_active_incident_overdue(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", {ACTIVE: ACTIVE_TEXT})
    assert validate_site(root, now=NOW).problems == []  # 20 min after the last update
    later = validate_site(root, now=NOW + dt.timedelta(hours=2)).problems
    assert [(p.code, p.path, p.line, p.column) for p in later] == [
        ("SG602", ACTIVE, *value_loc(ACTIVE_TEXT, "- at: 2026-11-29T11:40"))
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_named_pipe_is_reported_not_read(tmp_path: Path) -> None:
    # Opening a FIFO for reading blocks until a writer appears: a validator that does not check
    # for a regular file would hang here. Run it in a subprocess so that shows as a failure.
    root = write_site(tmp_path / "site")
    pipe = root / "incidents/2026/2026-11-21-pipe/incident.md"
    pipe.parent.mkdir(parents=True)
    os.mkfifo(pipe)
    completed = run_module(root, "--format", "json", timeout=30)
    assert completed.returncode == 1, completed.stderr
    problems = json.loads(completed.stdout)["problems"]
    assert [(p["code"], p["path"]) for p in problems] == [("SG101", "incidents/2026/2026-11-21-pipe/incident.md")]


# --- the schema's shortcut ------------------------------------------------------------------

_AWKWARD_VALUES = [
    None,
    "",
    "   ",
    "text",
    "bad\x01text",
    "SEV-1",
    "public",
    "resolved",
    "scheduled",
    "major_outage",
    "operational",
    "database-failover",
    "Not A Slug",
    "2026-11-20T14:15:00Z",
    "2026-11-20",
    "https://example.com/x",
    "15m",
    0,
    7,
    2.5,
    True,
    False,
    dt.date(2026, 11, 20),
    dt.datetime(2026, 11, 20, 14, 15),
    dt.datetime(2026, 11, 20, 14, 15, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    [],
    ["a", "b"],
    ["Not A Slug"],
    ["", 1],
    [None],
    {},
    {"api": "major_outage"},
    {"unknown": 1},
]


def _frontmatter_data(source: str) -> Any:
    from statusgen.loader import parse_markdown

    document, problems = parse_markdown(source, INCIDENT)
    assert document is not None and not problems
    return document.data


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


_FIELD_NAMES = [
    "extra_field",
    "notify",
    "runbooks",
    "tags",
    "link",
    "escalation",
    "reviewers",
    "published",
    "components",
    "severity",
    "scheduled",
    "type",
    "status",
    "due",
]


def _edited(data: Any, path: tuple[Any, ...], how: str, value: Any) -> Any:
    """A deep copy of ``data`` with the value at ``path`` replaced or removed, or a field of
    that name (``how``) added beside it."""
    import copy

    data = copy.deepcopy(data)
    if not path:
        return value if how == "replace" else data
    *parents, last = path
    holder = data
    for part in parents:
        holder = holder[part]
    if how == "replace":
        holder[last] = value
    elif how == "remove":
        del holder[last]
    elif isinstance(holder, dict):
        holder[how] = value
    else:
        holder.append(value)
    return data


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    source=st.sampled_from([INCIDENT_TEXT, MAINTENANCE_TEXT, UPCOMING_TEXT, POSTMORTEM_TEXT]),
    edits=st.data(),
)
def test_the_schema_shortcut_agrees_with_the_thorough_check(source: str, edits: st.DataObject) -> None:
    """``quick`` gives what ``check`` gives for a value with no problem, or steps aside (SLOW);
    it never vouches for a value ``check`` would report."""
    import copy

    from statusgen.loader import Document, SourceMap
    from statusgen.validate import schema

    data = _frontmatter_data(source)
    for _ in range(edits.draw(st.integers(0, 3))):
        path = edits.draw(st.sampled_from(_paths(data)))
        how = edits.draw(st.sampled_from(["replace", "replace", "remove", "add"]))
        if how == "add":
            how = edits.draw(st.sampled_from(_FIELD_NAMES))
        data = _edited(data, path, how, copy.deepcopy(edits.draw(st.sampled_from(_AWKWARD_VALUES))))
    records = [schema._POSTMORTEM] if source is POSTMORTEM_TEXT else list(schema._RECORDS.values())
    for record in records:
        quick = record.quick(copy.deepcopy(data))
        checker = schema.Checker(Document(INCIDENT, data, SourceMap()))
        with _without_shortcuts(record):
            checked = record.check(checker, data, ())
        assert _typed(record.check(schema.Checker(Document(INCIDENT, data, SourceMap())), data, ())) == _typed(checked)
        if quick is not schema.SLOW:
            assert not checker.problems and quick == checked, (quick, checked, checker.problems)
            assert _typed(quick) == _typed(checked)


@contextlib.contextmanager
def _without_shortcuts(record: Any) -> Any:
    """Every field of ``record``, nested ones too, checked the thorough way only."""
    from unittest import mock

    from statusgen.validate import schema

    fields, stack = [], [record]
    while stack:
        field = stack.pop()
        fields.append(field)
        stack += [*getattr(field, "fields", {}).values()]
        stack += [getattr(field, name) for name in ("item", "value", "record") if hasattr(field, name)]
    kinds = {type(field) for field in fields}
    with contextlib.ExitStack() as patches:
        for kind in kinds:
            patches.enter_context(mock.patch.object(kind, "quick", lambda self, value: schema.SLOW))
        for field in fields:
            field.__dict__.pop("_quick_of", None)  # the shortcuts a record keeps, made again
        try:
            yield
        finally:
            for field in fields:
                field.__dict__.pop("_quick_of", None)


def _typed(value: Any) -> Any:
    """``value`` with the type of every part spelled out (an enum member equals its text)."""
    if isinstance(value, dict):
        return [(_typed(key), _typed(item)) for key, item in value.items()]
    if isinstance(value, list):
        return ["list", *(_typed(item) for item in value)]
    return type(value), repr(value)


_MARKDOWN_LINES = [
    "## Summary",
    "##  Root   Cause  ##",
    "##\tTabbed",
    "## ",
    "##",
    "# Title",
    "### Detail",
    "   ## Indented",
    "    ## Code, not a heading",
    "```",
    "```python",
    "~~~",
    "````",
    " ~~~",
    "text",
    "- a bullet",
    "| a | table |",
    "",
    " ",
    "<!-- a comment -->",
    "---",
    "...",
    "line\rwith a carriage return",
    "line\u2028with a separator",
    "caf\u00e9",
]


@settings(max_examples=600, deadline=None)
@given(
    lines=st.lists(st.sampled_from(_MARKDOWN_LINES), max_size=14),
    ending=st.sampled_from(["", "\n", "\n\n"]),
)
def test_sections_found_from_the_headings_are_those_found_line_by_line(lines: list[str], ending: str) -> None:
    from statusgen.validate import template

    markdown = "\n".join(lines) + ending
    assert template.level2_sections(markdown) == template._level2_sections_line_by_line(markdown)
