"""statusgen.metrics on a fixture whose every expected value is worked out by hand below.

Policy: the handbook defaults (SEV-1 15 min, SEV-2 30 min, SEV-3 1 h, SEV-4 4 h response;
cadence 30 min for SEV-1/2, 1 h for SEV-3, none for SEV-4; SEV-1/2 need a postmortem within
48 h). Time zone Europe/Berlin. Now: 2026-11-29 12:00 UTC.

    id  sev   started (UTC)      det   ack   mit    res    vis       updates           postmortem
    G   SEV-1 2026-08-15 12:00   +2    +8    +30    +60    internal  —                 published 08-16
    F   SEV-3 2026-09-30 22:30   +10   —     —      +60    public    +15, +65 resolved —
    A   SEV-2 2026-10-05 10:00   +10   +20   +60    +120   public    gap 60 min        published 10-06
    B   SEV-2 2026-10-20 08:00   +30   +50   +120   +240   internal  —                 missing (past deadline)
    D   SEV-4 2026-11-10 00:30   +30   +300  —      +450   internal  —                 —
    C   SEV-2 2026-11-28 10:00   +5    +15   —      +60    public    gaps 25, 15 min   draft (not due yet)
    E   maintenance on database (never counted)

(det = minutes from started to detected, ack = detected to acknowledged, mit and res = from
started.) F started 22:30 UTC on 30 September, which is 00:30 on 1 October in Berlin.
"""

from __future__ import annotations

import datetime as dt

import pytest

from statusgen.config import Component, Config
from statusgen.metrics import (
    ItemState,
    PostmortemState,
    Ratio,
    Summary,
    compliance,
    incidents_per_month,
    is_postmortem_late,
    most_affected_components,
    postmortem_state,
    response_times,
    site_today,
    summarize,
    tracked_action_items,
)
from statusgen.model import (
    ActionItem,
    ActionStatus,
    Incident,
    IncidentStatus,
    IncidentType,
    MaintenanceStatus,
    Postmortem,
    PostmortemStatus,
    Schedule,
    Severity,
    Timeline,
    Update,
    Visibility,
)

NOW = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
UTC = dt.UTC
SEV1, SEV2, SEV3, SEV4 = Severity


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)


def at(day: str, hh: int, mm: int) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hh, mm), UTC)


def timeline(start: dt.datetime, det: int, ack: int | None, mit: int | None, res: int) -> Timeline:
    detected = start + minutes(det)
    return Timeline(
        started=start,
        detected=detected,
        acknowledged=detected + minutes(ack) if ack is not None else None,
        mitigated=start + minutes(mit) if mit is not None else None,
        resolved=start + minutes(res),
    )


def postmortem(status: PostmortemStatus, published: dt.date | None, items: tuple[ActionItem, ...] = ()) -> Postmortem:
    return Postmortem(
        path="p.md",
        status=status,
        visibility=Visibility.INTERNAL,
        authors=("Priya Raman",),
        body="## Executive Summary\n\nText.\n",
        published=published,
        action_items=items,
    )


def updates(*spec: tuple[dt.datetime, IncidentStatus]) -> tuple[Update, ...]:
    return tuple(Update(moment, status, "message") for moment, status in spec)


INV, IDE, RES = IncidentStatus.INVESTIGATING, IncidentStatus.IDENTIFIED, IncidentStatus.RESOLVED

ITEMS = (
    ActionItem("Alert on disk usage", "Jonas Weber", dt.date(2026, 11, 28), ActionStatus.OPEN),
    ActionItem("Re-enable log rotation", "Ana Souza", dt.date(2026, 11, 29), ActionStatus.OPEN),
    ActionItem("Document the drill", "Ana Souza", dt.date(2026, 11, 1), ActionStatus.DONE),
)


def incident(
    incident_id: str, severity: Severity, visibility: Visibility, components: tuple[str, ...], **fields: object
) -> Incident:
    return Incident(
        id=incident_id,
        path=f"incidents/{incident_id[:4]}/{incident_id}/incident.md",
        title=incident_id,
        type=IncidentType.INCIDENT,
        visibility=visibility,
        severity=severity,
        components=dict.fromkeys(components, "partial_outage"),  # type: ignore[arg-type]
        **fields,  # type: ignore[arg-type]
    )


A_START = at("2026-10-05", 10, 0)
C_START = at("2026-11-28", 10, 0)
F_START = at("2026-09-30", 22, 30)

G = incident(
    "2026-08-15-g",
    SEV1,
    Visibility.INTERNAL,
    ("api",),
    timeline=timeline(at("2026-08-15", 12, 0), 2, 8, 30, 60),
    postmortem=postmortem(PostmortemStatus.PUBLISHED, dt.date(2026, 8, 16)),
)
F = incident(
    "2026-10-01-f",
    SEV3,
    Visibility.PUBLIC,
    ("database",),
    timeline=timeline(F_START, 10, None, None, 60),
    updates=updates((F_START + minutes(15), INV), (F_START + minutes(65), RES)),
)
A = incident(
    "2026-10-05-a",
    SEV2,
    Visibility.PUBLIC,
    ("api",),
    timeline=Timeline(
        started=A_START,
        detected=A_START + minutes(10),
        acknowledged=A_START + minutes(30),
        declared=A_START + minutes(35),
        mitigated=A_START + minutes(60),
        resolved=A_START + minutes(120),
    ),
    updates=updates((A_START + minutes(40), INV), (A_START + minutes(65), IDE), (A_START + minutes(125), RES)),
    postmortem=postmortem(PostmortemStatus.PUBLISHED, dt.date(2026, 10, 6), ITEMS),
)
B = incident(
    "2026-10-20-b",
    SEV2,
    Visibility.INTERNAL,
    ("api", "database"),
    timeline=timeline(at("2026-10-20", 8, 0), 30, 50, 120, 240),
)
D = incident(
    "2026-11-10-d",
    SEV4,
    Visibility.INTERNAL,
    ("api",),
    timeline=timeline(at("2026-11-10", 0, 30), 30, 300, None, 450),
)
C = incident(
    "2026-11-28-c",
    SEV2,
    Visibility.PUBLIC,
    ("dashboard",),
    timeline=timeline(C_START, 5, 15, None, 60),
    updates=updates((C_START + minutes(25), INV), (C_START + minutes(50), IDE), (C_START + minutes(65), RES)),
    postmortem=postmortem(PostmortemStatus.DRAFT, None),
)
E = Incident(
    id="2026-11-25-e",
    path="incidents/2026/2026-11-25-e/incident.md",
    title="Database upgrade",
    type=IncidentType.MAINTENANCE,
    visibility=Visibility.PUBLIC,
    components={"database": "under_maintenance"},  # type: ignore[dict-item]
    schedule=Schedule(at("2026-11-25", 2, 0), at("2026-11-25", 4, 0)),
    updates=(Update(at("2026-11-24", 10, 0), MaintenanceStatus.SCHEDULED, "soon"),),
)
INCIDENTS = (G, F, A, B, D, C, E)

CONFIG = Config(
    name="Example",
    base_url="https://status.example.com/",
    time_zone="Europe/Berlin",
    components=(Component("api", "Public API"), Component("dashboard", "Dashboard"), Component("database", "Database")),
)


def test_summarize_even_and_odd_counts() -> None:
    assert summarize([]) == Summary(0, None, None)
    assert summarize([minutes(10), minutes(30), minutes(5)]) == Summary(3, minutes(10), minutes(15))
    assert summarize([minutes(60), minutes(120)]) == Summary(2, minutes(90), minutes(90))


def test_response_times_by_severity() -> None:
    times = response_times(INCIDENTS)
    assert list(times) == [SEV1, SEV2, SEV3, SEV4]
    # SEV-2: A, B, C. detect 10, 30, 5; acknowledge 20, 50, 15; mitigate 60, 120 (C has none);
    # resolve 120, 240, 60.
    assert times[SEV2]["detect"] == Summary(3, minutes(10), minutes(15))
    assert times[SEV2]["acknowledge"] == Summary(3, minutes(20), minutes(85 / 3))
    assert times[SEV2]["mitigate"] == Summary(2, minutes(90), minutes(90))
    assert times[SEV2]["resolve"] == Summary(3, minutes(120), minutes(140))
    # SEV-1: G alone.
    assert times[SEV1]["detect"] == Summary(1, minutes(2), minutes(2))
    assert times[SEV1]["acknowledge"] == Summary(1, minutes(8), minutes(8))
    assert times[SEV1]["mitigate"] == Summary(1, minutes(30), minutes(30))
    assert times[SEV1]["resolve"] == Summary(1, minutes(60), minutes(60))
    # SEV-3: F never acknowledged nor mitigated.
    assert times[SEV3]["detect"] == Summary(1, minutes(10), minutes(10))
    assert times[SEV3]["acknowledge"] == Summary(0, None, None)
    assert times[SEV3]["mitigate"] == Summary(0, None, None)
    assert times[SEV3]["resolve"] == Summary(1, minutes(60), minutes(60))
    # SEV-4: D.
    assert times[SEV4]["acknowledge"] == Summary(1, minutes(300), minutes(300))
    assert times[SEV4]["resolve"] == Summary(1, minutes(450), minutes(450))


def test_incidents_per_month_in_the_site_time_zone_with_empty_months() -> None:
    zero = dict.fromkeys(Severity, 0)
    assert incidents_per_month(INCIDENTS, "Europe/Berlin") == [
        ("2026-08", {**zero, SEV1: 1}),
        ("2026-09", zero),  # F started on 30 September in UTC, but on 1 October in Berlin
        ("2026-10", {**zero, SEV2: 2, SEV3: 1}),
        ("2026-11", {**zero, SEV2: 1, SEV4: 1}),  # E is maintenance: not counted
    ]
    by_utc = dict(incidents_per_month(INCIDENTS, "UTC"))
    assert by_utc["2026-09"][SEV3] == 1


def test_compliance_per_severity() -> None:
    result = compliance(INCIDENTS, CONFIG, NOW)
    # SEV-1: G acknowledged in 8 min (target 15); internal, so no update check; published.
    assert result[SEV1] == {"acknowledged": Ratio(1, 1), "updates": Ratio(0, 0), "postmortem": Ratio(1, 1)}
    # SEV-2: A 20 min and C 15 min meet 30 min, B 50 min does not. A has a 60 min gap
    # (cadence 30 min), C's gaps are 25 and 15 min, B is internal. A's report is published,
    # B's is missing past its deadline, C's is a draft not yet due (resolved 28 Nov 11:00 +
    # 48 h > now) and is not judged.
    assert result[SEV2] == {"acknowledged": Ratio(2, 3), "updates": Ratio(1, 2), "postmortem": Ratio(1, 2)}
    # SEV-3: F has no acknowledgement; its 50 min gap is within 1 h; no report required.
    assert result[SEV3] == {"acknowledged": Ratio(0, 0), "updates": Ratio(1, 1), "postmortem": Ratio(0, 0)}
    # SEV-4: D acknowledged after 5 h (target 4 h); no cadence, no report required.
    assert result[SEV4] == {"acknowledged": Ratio(0, 1), "updates": Ratio(0, 0), "postmortem": Ratio(0, 0)}
    assert result[SEV2]["acknowledged"].share == pytest.approx(2 / 3)
    assert result[SEV3]["acknowledged"].share is None


def test_most_affected_components() -> None:
    ranked = most_affected_components(INCIDENTS, CONFIG, NOW)
    # api: G, A, B, D (60 + 120 + 240 + 450 min); database: F, B (60 + 240), E is maintenance;
    # dashboard: C (60).
    assert [(c.id, c.name, c.incidents, c.incident_time) for c in ranked] == [
        ("api", "Public API", 4, minutes(870)),
        ("database", "Database", 2, minutes(300)),
        ("dashboard", "Dashboard", 1, minutes(60)),
    ]
    assert [c.id for c in most_affected_components(INCIDENTS, CONFIG, NOW, limit=1)] == ["api"]


def test_overdue_action_items_against_now_in_the_site_time_zone() -> None:
    today = site_today(NOW, "Europe/Berlin")
    assert today == dt.date(2026, 11, 29)
    states = [(t.item.title, t.state) for t in tracked_action_items(INCIDENTS, today)]
    # by due date: done 1 Nov, open due 28 Nov (past: overdue), open due 29 Nov (today: not yet)
    assert states == [
        ("Document the drill", ItemState.DONE),
        ("Alert on disk usage", ItemState.OVERDUE),
        ("Re-enable log rotation", ItemState.OPEN),
    ]
    # 23:30 UTC on 29 November is already 30 November in Berlin: the second item is overdue too.
    late_evening = dt.datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    later = site_today(late_evening, "Europe/Berlin")
    assert later == dt.date(2026, 11, 30)
    assert [t.state for t in tracked_action_items(INCIDENTS, later)] == [
        ItemState.DONE,
        ItemState.OVERDUE,
        ItemState.OVERDUE,
    ]
    # and two weeks earlier nothing was overdue
    assert ItemState.OVERDUE not in {t.state for t in tracked_action_items(INCIDENTS, dt.date(2026, 11, 15))}


def test_postmortem_states_and_lateness() -> None:
    assert postmortem_state(A, CONFIG) is PostmortemState.PUBLISHED
    assert postmortem_state(B, CONFIG) is PostmortemState.MISSING
    assert postmortem_state(C, CONFIG) is PostmortemState.DRAFT
    assert postmortem_state(D, CONFIG) is PostmortemState.NONE  # SEV-4: optional
    assert postmortem_state(E, CONFIG) is PostmortemState.NONE
    assert is_postmortem_late(B, CONFIG, NOW)
    assert not is_postmortem_late(C, CONFIG, NOW)  # due 30 Nov 11:00 UTC
    assert is_postmortem_late(C, CONFIG, dt.datetime(2026, 11, 30, 11, 1, tzinfo=UTC))
    assert not is_postmortem_late(A, CONFIG, NOW)
