#!/usr/bin/env python3
"""Generate a large, valid, realistic synthetic statusgen site for benchmarks.

    python benchmarks/generate.py OUT_DIR --incidents N [--seed S] [--postmortem-share 0.33]

or, from Python (with the repository root or ``benchmarks/`` on ``sys.path``)::

    from benchmarks.generate import generate_site
    generate_site(Path("/tmp/site"), incidents=1000, seed=1)

The site is a fictional cloud provider: ``statusgen.yml`` with 12 components in 3 groups, the
7-section postmortem template, six runbooks, and N incident folders
``incidents/<YYYY>/<YYYY-MM-DD-slug-NNNNN>/incident.md`` spread over the five years before the
reference time ``REFERENCE_TIME`` (2026-11-29T12:00:00Z). Every incident is closed, meets the
timing targets of the README's policy table, and every SEV-1/SEV-2 incident has a postmortem
published the day after resolution, so

    statusgen validate --root OUT_DIR --now 2026-11-29T12:00:00Z

reports zero problems (errors and warnings). Mix: ~10 % internal, ~8 % maintenance, severities
weighted towards SEV-3/SEV-4, 2–8 updates of 1–3 sentences each, full timelines, roles, tags and
runbooks. ``postmortem_share`` of all records get a ``postmortem.md`` (all 7 sections, a few
paragraphs each, 1–4 action items, done or open and due after the reference time). The required
SEV-1/SEV-2 postmortems count towards the share; if they alone exceed it, they are still written
(the site must stay valid), so the real share can be higher than asked for very small shares.

The output is a pure function of (incidents, seed, postmortem_share): the same arguments give
byte-identical files. 10,000 incidents take a few seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import sys
from pathlib import Path

__all__ = ["REFERENCE_TIME", "MARKER_FILE", "generate_site"]

REFERENCE_TIME = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
"""Validate generated sites with ``--now 2026-11-29T12:00:00Z``."""

MARKER_FILE = ".benchmark-corpus.json"
"""Written at the site root with the generation parameters; an existing folder is only
replaced when it has this marker (so a wrong OUT_DIR never deletes someone's work)."""

SPAN_DAYS = 5 * 365
"""Incidents start within this many days before the reference time."""
QUIET_DAYS = 3
"""…and end at least this many days before it (so every postmortem deadline has passed)."""

# --- the fictional company --------------------------------------------------------------------

GROUPS = [
    ("platform", "Core platform", "The public API, the dashboard, compute instances and DNS."),
    ("data", "Data services", "Object storage, managed databases, queues and search."),
    ("developer-tools", "Developer tools", "CI runners, webhooks, email notifications and the container registry."),
]

# id, name, description, group, noun used in messages, tags
COMPONENTS = [
    ("api", "Public API", "REST and GraphQL endpoints at api.example.", "platform", "API requests", ["api"]),
    ("dashboard", "Dashboard", "The web console.", "platform", "the dashboard", ["dashboard", "frontend"]),
    (
        "compute",
        "Compute",
        "Virtual machines and container instances in all regions.",
        "platform",
        "instance provisioning",
        ["compute"],
    ),
    ("dns", "Managed DNS", "Authoritative DNS for customer zones.", "platform", "DNS queries", ["dns"]),
    (
        "object-storage",
        "Object Storage",
        "S3-compatible buckets in eu-central, eu-west and us-east.",
        "data",
        "object storage requests",
        ["storage"],
    ),
    (
        "databases",
        "Managed Databases",
        "Managed PostgreSQL and Redis clusters.",
        "data",
        "managed database connections",
        ["databases", "postgresql"],
    ),
    ("queues", "Message Queues", "Managed message queues and event streams.", "data", "message delivery", ["queues"]),
    ("search", "Search", "Managed search clusters.", "data", "search queries", ["search"]),
    ("ci-runners", "CI Runners", "Hosted build runners for pipelines.", "developer-tools", "CI jobs", ["ci"]),
    (
        "webhooks",
        "Webhooks",
        "Outgoing event webhooks to customer endpoints.",
        "developer-tools",
        "webhook deliveries",
        ["webhooks"],
    ),
    (
        "email-notifications",
        "Email notifications",
        "Account, billing and alert emails.",
        "developer-tools",
        "notification emails",
        ["email"],
    ),
    (
        "registry",
        "Container Registry",
        "Private container image registry.",
        "developer-tools",
        "image pulls and pushes",
        ["registry"],
    ),
]
COMPONENTS_OF_GROUP = {g[0]: [c for c in COMPONENTS if c[3] == g[0]] for g in GROUPS}

RUNBOOKS = {
    "database-failover": ("Fail over a managed PostgreSQL cluster", ["databases"]),
    "dns-rollback": ("Roll back the DNS server release or network path", ["dns"]),
    "ci-runner-capacity": ("Restore CI runner capacity", ["ci-runners", "registry"]),
    "api-rate-limit-tuning": ("Tune or revert API rate limits", ["api", "dashboard"]),
    "deploy-rollback": ("Roll back a service deployment or configuration artifact", None),
    "storage-node-recovery": ("Recover a degraded object storage node", ["object-storage", "queues", "search"]),
}
RUNBOOKS_OF_COMPONENT = {
    c[0]: [rid for rid, (_, comps) in RUNBOOKS.items() if comps and c[0] in comps] for c in COMPONENTS
}

PEOPLE = [
    "Priya Raman",
    "Jonas Weber",
    "Ana Souza",
    "Lee Chen",
    "Hannah Becker",
    "Farid Haddad",
    "Ingrid Holm",
    "Kwame Mensah",
    "Yuki Tanaka",
    "Marcus Hale",
    "Tomasz Nowak",
    "Sofia Rossi",
    "Amara Okafor",
    "Lukas Brandt",
    "Mei Lin",
    "Diego Alvarez",
    "Nora Lindqvist",
    "Ravi Kapoor",
    "Elena Petrova",
    "Samuel Adeyemi",
    "Chloe Martin",
    "Omar Said",
    "Julia Novak",
    "Kenji Mori",
]
COMMS_LEADS = ["Ana Souza", "Sofia Rossi", "Chloe Martin", "Julia Novak"]

SEVERITIES = ["SEV-1", "SEV-2", "SEV-3", "SEV-4"]
SEVERITY_WEIGHTS = [4, 14, 40, 42]
# minutes: response target, longest update gap we generate (≤ cadence), escalation choices, updates
SEVERITY_SHAPE = {
    "SEV-1": (15, 30, ["L3", "L4"], (4, 8)),
    "SEV-2": (30, 30, ["L2", "L3"], (3, 8)),
    "SEV-3": (60, 60, ["L1", "L2"], (2, 6)),
    "SEV-4": (240, 180, ["L1"], (2, 4)),
}
IMPACT = {
    "SEV-1": ["major_outage", "major_outage", "partial_outage"],
    "SEV-2": ["partial_outage", "major_outage", "degraded_performance"],
    "SEV-3": ["degraded_performance", "partial_outage"],
    "SEV-4": ["degraded_performance"],
}

REGIONS = ["eu-central", "eu-west", "us-east", "us-west", "ap-southeast"]
SYMPTOMS = [
    ("elevated-errors", "Elevated error rates for {noun}", "{Noun} fail with elevated error rates"),
    ("latency", "Increased latency for {noun}", "{Noun} are slower than usual"),
    ("timeouts", "Timeouts for {noun}", "Some {noun} time out"),
    ("delays", "Delays in {noun}", "{Noun} are delayed by several minutes"),
    ("failures", "Intermittent failures of {noun}", "A part of {noun} fail intermittently"),
    ("partial-outage", "Partial outage of {noun}", "A large share of {noun} fail"),
]
CAUSES = [
    ("a configuration change rolled out earlier today", "config", "We are reverting the change."),
    ("a failed storage node in one availability zone", "hardware", "We are moving traffic to healthy nodes."),
    ("a new release of an internal service", "deploy", "We are rolling back the release."),
    ("exhausted connection pools after a traffic spike", "capacity", "We are adding capacity."),
    ("an expired internal TLS certificate", "certificates", "We are rotating the certificate."),
    ("a network problem at one of our upstream providers", "network", "We are rerouting traffic."),
    ("a database failover that did not complete", "database", "We are completing the failover by hand."),
    ("a full disk on a coordination cluster", "capacity", "We are freeing space and adding disks."),
    ("a bug in a scheduled cleanup job", "bug", "We have stopped the job and are repairing its effects."),
    ("a DNS misconfiguration in an internal zone", "dns", "We are restoring the previous records."),
]
WORKAROUNDS = [
    "Clients that retry with backoff will eventually succeed.",
    "Requests to other regions are not affected.",
    "No action is needed on your side.",
    "Existing resources keep running normally.",
    "You can retry failed operations safely.",
    "",
    "",
]
NEXT_UPDATE = ["Next update within 30 minutes.", "We will post the next update within the hour.", ""]
MONITORING = [
    "The fix is in place and error rates are back to normal. We are monitoring.",
    "{Noun} have recovered since {time}. We are monitoring before closing this incident.",
    "Mitigation is complete and the backlog has been processed. We continue to monitor.",
    "Traffic is served normally again. We are watching error rates and latency closely.",
]
STILL = [
    "We are still working on it. Some {noun} continue to fail.",
    "Recovery is progressing region by region; about half of the affected capacity is back.",
    "The change is being applied in all regions; we see first signs of recovery.",
    "No change since the last update; engineers continue to work on the fix.",
]
RESOLVED = [
    "{Component} is operating normally since {time}. No data was lost.",
    "This incident is resolved. {Component} has worked normally since {time}.",
    "{Component} has been operating normally since {time}. We apologise for the disruption.",
]
RESOLVED_PM = " We will publish a postmortem within two days."

MAINTENANCE_WORK = [
    ("upgrade", "{name} upgrade ({region})", "upgrade the {name} control plane"),
    ("network", "Network maintenance for {name} ({region})", "replace network equipment for {name}"),
    ("migration", "{name} storage migration ({region})", "migrate {name} to new storage hardware"),
    ("os-patching", "{name} host patching ({region})", "apply operating system patches to {name} hosts"),
]

# sentences for working notes and postmortems
NOTE_LINES = [
    "Alert `{slug}_error_ratio > 2%` paged the on-call engineer.",
    "Dashboards showed the problem limited to {region} at first.",
    "Rollback started after the first hypothesis was ruled out.",
    "Customer support received {n} tickets during the incident.",
    "The status page update was drafted from the communication templates.",
    "Escalated to the owning team's principal engineer for approval of the emergency path.",
    "Follow-up tickets were created for every action item below.",
    "The canary did not catch it because it only serves internal traffic.",
]
PM_SENTENCES = {
    "summary": [
        "On {date}, {noun} in {region} were affected for {duration}.",
        "The cause was {cause}.",
        "About {pct} % of requests in the affected period failed or were slow.",
        "We mitigated the incident by {mitigation} and have since made changes so that it does not happen again.",
        "Customers outside {region} were not affected.",
        "No data was lost.",
    ],
    "technical": [
        "The affected service runs as a set of stateless workers in front of a replicated store.",
        "Requests are routed by a regional load balancer that health-checks each worker every 10 seconds.",
        "When {cause_short} occurred, the workers kept accepting requests but could not complete them.",
        "Health checks only verified that the process was running, so traffic kept flowing to failing workers.",
        "Retries from clients doubled the load within minutes, which is why the problem spread.",
        "Latency at the 99th percentile rose from 180 ms to more than 4 s before the first alert fired.",
        "The metrics that mattered were the error ratio per region and the saturation of the connection pools.",
        "The alert threshold was set for global traffic, so a problem in one region took longer to detect.",
    ],
    "impact": [
        "The incident lasted {duration} in total.",
        "{n} organisations saw at least one failed request.",
        "Support received {tickets} tickets; all have been answered.",
        "No service level agreement was breached.",
        "Service credits apply to {credits} customers under their contracts.",
        "The numbers are estimates from request logs and may be off by a few percent.",
        "Dependent services, such as the dashboard and the CLI, showed errors for the same period.",
    ],
    "root": [
        "The underlying cause was that {cause} was possible without any automated check.",
        "Our process allowed the change to reach all regions before its effect was measured.",
        "Contributing factors were a health check that did not reflect real traffic "
        "and an alert that looked only at global totals.",
        "The runbook covered the failure, but one of its steps referred to a tool that had been renamed.",
        "Five whys led us to a missing test for the failure mode, not to an individual mistake.",
    ],
    "lessons": [
        "What went well: the first public update went out within minutes, and the rollback path worked as documented.",
        "What went poorly: detection took longer than it should have because the alert looked at global traffic.",
        "Where we were lucky: the incident happened outside peak hours for most customers.",
        "Customers told us the updates were clear; several asked for a workaround earlier, "
        "which we now include from the first update.",
        "We will rehearse this failure mode in the next game day.",
        "The communication templates saved time and kept the updates consistent.",
    ],
}
ACTION_TITLES = [
    "Alert on the error ratio per region, not only globally",
    "Health checks verify real requests, not only process liveness",
    "Staged rollout waits for the canary's error budget before continuing",
    "Add a regression test for the failure mode",
    "Document the emergency rollback path in the runbook",
    "Automate certificate rotation with an expiry alert 30 days ahead",
    "Capacity alert at 70 % of the connection pool",
    "Shadow-evaluate configuration changes against live traffic",
    "Rehearse the failover in the next game day",
    "Rate-limit client retries in the SDKs",
]


# --- helpers ----------------------------------------------------------------------------------

_OFFSETS = [
    (dt.UTC, "Z"),
    (dt.timezone(dt.timedelta(hours=1)), "+01:00"),
    (dt.timezone(dt.timedelta(hours=2)), "+02:00"),
]


def _fmt(moment: dt.datetime, zone: tuple[dt.tzinfo, str]) -> str:
    local = moment.astimezone(zone[0])
    return f"{local.year:04d}-{local.month:02d}-{local.day:02d}T{local.hour:02d}:{local.minute:02d}:00{zone[1]}"


def _wrap(text: str, indent: str = "", width: int = 96) -> str:
    """A fast greedy word wrap (textwrap is several times slower)."""
    lines: list[str] = []
    line = indent
    for word in text.split():
        if len(line) + len(word) + 1 > width and line.strip():
            lines.append(line)
            line = indent + word
        else:
            line = f"{line} {word}" if line.strip() else indent + word
    if line.strip():
        lines.append(line)
    return "\n".join(lines)


def _duration_text(span: dt.timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- static files -----------------------------------------------------------------------------


def _config_yaml() -> str:
    out = [
        "# Synthetic benchmark site generated by benchmarks/generate.py.",
        "name: Example Cloud Status",
        "base_url: https://status.example.com/",
        "time_zone: Europe/Berlin",
        "language: en",
        "",
        "groups:",
    ]
    for gid, name, description in GROUPS:
        out += [f"  - id: {gid}", f"    name: {name}", f"    description: {description}"]
    out += ["", "components:"]
    for cid, name, description, group, _, _ in COMPONENTS:
        out += [
            f"  - id: {cid}",
            f"    name: {name}",
            f"    description: {description}",
            f"    group: {group}",
            "    start_date: 2021-01-01",
        ]
        if cid == "email-notifications":
            out.append("    show_uptime: false")
    out += ["", "policy:"]
    # the README's policy table (the statusgen defaults), written out
    for severity, response, cadence in [
        ("SEV-1", "15m", "30m"),
        ("SEV-2", "30m", "30m"),
        ("SEV-3", "1h", "1h"),
        ("SEV-4", "4h", "null"),
    ]:
        out += [
            f"  {severity}:",
            f"    response_target: {response}",
            "    initial_update: 15m",
            f"    update_cadence: {cadence}",
            "    resolution_notice: 15m",
            f"    postmortem_required: {'true' if severity in ('SEV-1', 'SEV-2') else 'false'}",
            "    postmortem_deadline: 48h",
        ]
    return "\n".join(out) + "\n"


TEMPLATE_SECTIONS = [
    (
        "Executive Summary",
        "What happened and when, who was affected and how badly, the cause in one sentence, and what we do about it.",
    ),
    (
        "Timeline",
        "A table of times and events in one named time zone, from the triggering change to the final public update.",
    ),
    (
        "Technical Details",
        "How the affected system works and what went wrong, step by step, with the metrics that mattered.",
    ),
    (
        "Impact Assessment",
        "Duration, failed requests, affected customers, support tickets, SLA credits and data loss, with numbers.",
    ),
    ("Root Cause", "The underlying cause, not the trigger, and the numbered contributing factors."),
    (
        "Corrective Actions",
        "A table of actions with owner, due date and status, matching the action_items in the frontmatter.",
    ),
    ("Lessons Learned", "What went well, what went poorly, and where we were lucky."),
]


def _template_md() -> str:
    out = [
        "# Postmortem: Incident title",
        "",
        "<!-- Copy this file next to the incident's incident.md as postmortem.md. Every level-2 section",
        "below is required, in this order, with real text. -->",
    ]
    for title, hint in TEMPLATE_SECTIONS:
        out += ["", f"## {title}", "", f"<!-- {hint} -->"]
    return "\n".join(out) + "\n"


def _runbook_md(rid: str, title: str, rng: random.Random) -> str:
    owner = rng.choice(PEOPLE)
    tested = dt.date(2026, rng.randint(1, 10), rng.randint(1, 28)).isoformat()
    purpose = _wrap(
        f"This runbook describes how to {title[0].lower() + title[1:]} safely during an incident. "
        "It does not cover root-cause analysis, which happens after the service is stable."
    )
    return f"""# {title}

**Owner:** {owner} · **Last tested:** {tested} · **Escalation:** L3 on-call

## Purpose

{purpose}

## When to use

- The owning service's error ratio is above 2 % in any region for five minutes.
- A recent change is the likely cause and the incident commander has approved this runbook.

## Before you start

- Tell the incident commander which runbook you are following.
- Open the service dashboard and the deploy log.

## Steps

1. Freeze rollouts for the service:

   ```sh
   exctl rollout freeze {rid.split("-")[0]} --reason "INC <incident-id>"
   ```

2. Apply the recovery action and watch the error ratio.

3. Record each step with its time in the incident channel.

## Verification

- Error ratio below 0.1 % for 15 minutes in every region.
- Synthetic checks succeed from all probe locations.

## Rollback

Undo the last step and escalate to L3 if the error ratio rises again.
"""


# --- incidents --------------------------------------------------------------------------------


def _components_for(rng: random.Random) -> list[tuple]:
    group = rng.choice(GROUPS)[0]
    members = COMPONENTS_OF_GROUP[group]
    count = rng.choices((1, 2, 3), (70, 22, 8))[0]
    chosen = rng.sample(members, count)
    if count < 3 and rng.random() < 0.1:  # now and then an incident crosses groups
        other = rng.choice(COMPONENTS)
        if other not in chosen:
            chosen.append(other)
    return chosen


def _update_block(
    at: str, status: str, message: str, components: dict[str, str] | None = None, notify: bool | None = None
) -> list[str]:
    out = [f"  - at: {at}", f"    status: {status}"]
    if components:
        out.append("    components: {" + ", ".join(f"{k}: {v}" for k, v in components.items()) + "}")
    if notify is not None:
        out.append(f"    notify: {'true' if notify else 'false'}")
    out.append("    message: |")
    out.append(_wrap(message, "      "))
    return out


def _common_head(title: str, kind: str, severity: str | None, visibility: str, comps: dict[str, str]) -> list[str]:
    out = ["---", f"title: {title}", f"type: {kind}"]
    if severity:
        out.append(f"severity: {severity}")
    out.append(f"visibility: {visibility}")
    out.append("components:")
    out += [f"  {cid}: {status}" for cid, status in comps.items()]
    return out


def _roles(rng: random.Random, scribe: bool) -> tuple[list[str], dict[str, str]]:
    commander, operations, scribe_name = rng.sample(PEOPLE, 3)
    roles = {
        "incident_commander": commander,
        "operations_lead": operations,
        "communications_lead": rng.choice(COMMS_LEADS),
    }
    if scribe:
        roles["scribe"] = scribe_name
    return ["roles:"] + [f"  {k}: {v}" for k, v in roles.items()], roles


def _incident(rng: random.Random, start: dt.datetime, severity: str, visibility: str) -> tuple[str, str, str, dict]:
    """(day, slug, incident.md text, facts for the postmortem)."""
    zone = rng.choice(_OFFSETS)
    response, max_gap, escalations, (low, high) = SEVERITY_SHAPE[severity]
    chosen = _components_for(rng)
    impact = IMPACT[severity]
    comps = {c[0]: rng.choice(impact) for c in chosen}
    main = chosen[0]
    noun = main[4]
    region = rng.choice(REGIONS)
    symptom_slug, title_t, first_t = rng.choice(SYMPTOMS)
    cause, cause_tag, action = rng.choice(CAUSES)
    title = title_t.format(noun=noun, Noun=_cap(noun))
    if rng.random() < 0.5:
        title += f" in {region}"
    slug = f"{main[0]}-{symptom_slug}"

    # timeline, minute resolution
    minute = dt.timedelta(minutes=1)
    started = start
    detected = started + rng.randint(1, 30) * minute
    acknowledged = detected + rng.randint(1, response) * minute
    declared = acknowledged + rng.randint(0, 15) * minute

    n_updates = rng.randint(low, high)
    times = [declared + rng.randint(2, 15) * minute]
    for _ in range(n_updates - 1):
        times.append(times[-1] + rng.randint(min(8, max_gap), max_gap) * minute)
    notice = min(rng.randint(1, 15), int((times[-1] - declared) / minute))
    resolved = times[-1] - notice * minute
    mitigated = declared + ((resolved - declared) * rng.uniform(0.3, 0.9)) // minute * minute

    # statuses: investigating → identified… → monitoring… → resolved
    middle = n_updates - 2
    n_identified = rng.randint(0, middle)
    statuses = (
        ["investigating"] + ["identified"] * n_identified + ["monitoring"] * (middle - n_identified) + ["resolved"]
    )
    if middle and n_identified == 0:
        statuses[1] = "identified"

    has_postmortem_hint = severity in ("SEV-1", "SEV-2")
    out = _common_head(title, "incident", severity, visibility, comps)
    out += [
        "timeline:",
        f"  started: {_fmt(started, zone)}",
        f"  detected: {_fmt(detected, zone)}",
        f"  acknowledged: {_fmt(acknowledged, zone)}",
        f"  declared: {_fmt(declared, zone)}",
        f"  mitigated: {_fmt(mitigated, zone)}",
        f"  resolved: {_fmt(resolved, zone)}",
    ]
    role_lines, roles = _roles(rng, severity in ("SEV-1", "SEV-2") or rng.random() < 0.4)
    out += role_lines
    out.append(f"escalation: {rng.choice(escalations)}")
    runbooks = list(RUNBOOKS_OF_COMPONENT[main[0]])
    if cause_tag in ("deploy", "config") or not runbooks:
        runbooks.append("deploy-rollback")
    runbooks = runbooks[: rng.randint(1, 2)] if rng.random() < 0.8 else []
    if runbooks:
        out.append(f"runbooks: [{', '.join(runbooks)}]")
    tags = list(dict.fromkeys([*main[5], cause_tag] + ([region] if rng.random() < 0.3 else [])))
    out.append(f"tags: [{', '.join(tags)}]")
    out.append("updates:")
    first_name = main[1]
    for index, (at, status) in enumerate(zip(times, statuses, strict=True)):
        change = None
        notify = None
        if status == "investigating":
            message = first_t.format(noun=noun, Noun=_cap(noun)) + (f" in {region}." if rng.random() < 0.6 else ".")
            message += " We are investigating."
            extra = rng.choice(NEXT_UPDATE)
            if extra:
                message += " " + extra
        elif status == "identified":
            if statuses[index - 1] != "identified":
                message = f"We have identified the cause: {cause}. {action}"
                workaround = rng.choice(WORKAROUNDS)
                if workaround:
                    message += " " + workaround
                if severity in ("SEV-1", "SEV-2") and rng.random() < 0.3:
                    change = {main[0]: "major_outage"}
            else:
                message = rng.choice(STILL).format(noun=noun)
        elif status == "monitoring":
            message = rng.choice(MONITORING).format(Noun=_cap(noun), time=_fmt(mitigated, zone)[11:16])
            if statuses[index - 1] != "monitoring" and rng.random() < 0.5:
                change = {cid: "operational" for cid in comps}
            elif rng.random() < 0.05:
                notify = False
        else:
            message = rng.choice(RESOLVED).format(Component=first_name, time=_fmt(resolved, zone)[11:16])
            if has_postmortem_hint and visibility == "public":
                message += RESOLVED_PM
        out += _update_block(_fmt(at, zone), status, message, change, notify)
    out.append("---")
    out.append("## Working notes")
    out.append("")
    for line in rng.sample(NOTE_LINES, rng.randint(2, 5)):
        out.append(_wrap("- " + line.format(slug=main[0].replace("-", "_"), region=region, n=rng.randint(2, 80)), ""))
    out.append(f"- Cause: {cause}.")
    text = "\n".join(out) + "\n"
    facts = {
        "zone": zone,
        "started": started,
        "detected": detected,
        "acknowledged": acknowledged,
        "declared": declared,
        "mitigated": mitigated,
        "resolved": resolved,
        "updates": list(zip(times, statuses, strict=True)),
        "noun": noun,
        "region": region,
        "cause": cause,
        "action": action,
        "roles": roles,
    }
    return _fmt(started, zone)[:10], slug, text, facts


def _maintenance(rng: random.Random, start: dt.datetime, visibility: str) -> tuple[str, str, str]:
    """(day, slug, incident.md text)."""
    zone = rng.choice(_OFFSETS)
    comp = rng.choice(COMPONENTS)
    region = rng.choice(REGIONS)
    work_slug, title_t, work = rng.choice(MAINTENANCE_WORK)
    title = title_t.format(name=comp[1], region=region)
    minute = dt.timedelta(minutes=1)
    # maintenance windows start on the hour or half hour
    window_start = start.replace(minute=0 if start.minute < 30 else 30)
    length = rng.choice((60, 90, 120, 180, 240))
    window_end = window_start + length * minute
    announced = window_start - dt.timedelta(days=rng.randint(7, 14), hours=rng.randint(0, 8))
    n_updates = rng.randint(2, 8)
    reminders = max(0, n_updates - 4) if n_updates > 4 else 0
    progress = n_updates - 2 - reminders  # in_progress / verifying between scheduled and completed
    updates: list[tuple[dt.datetime, str, str]] = []
    window_text = f"{_fmt(window_start, zone)[:10]} {_fmt(window_start, zone)[11:16]}–{_fmt(window_end, zone)[11:16]}"
    updates.append(
        (
            announced,
            "scheduled",
            f"We will {work.format(name=comp[1])} in {region} on {window_text} "
            f"(UTC{zone[1] if zone[1] != 'Z' else ''}). "
            "Running workloads are not affected; management operations are paused during the window.",
        )
    )
    for r in range(reminders):
        updates.append(
            (
                window_start - dt.timedelta(days=reminders - r, hours=2),
                "scheduled",
                "Reminder: the maintenance starts as announced. No action is needed on your side.",
            )
        )
    middle_statuses = (["in_progress"] * max(1, progress - 1) + ["verifying"])[:progress] if progress else []
    step = length // (len(middle_statuses) + 1)
    for index, status in enumerate(middle_statuses):
        at = window_start + index * step * minute
        message = (
            "The maintenance has started. Management operations are paused until it completes."
            if index == 0 and status == "in_progress"
            else "The work is complete. We are verifying health checks before we re-enable management operations."
            if status == "verifying"
            else "The maintenance is progressing as planned; half of the hosts are done."
        )
        updates.append((at, status, message))
    updates.append(
        (
            window_end - rng.randint(0, 20) * minute,
            "completed",
            "The maintenance is complete. Management operations work again.",
        )
    )
    out = _common_head(title, "maintenance", None, visibility, {comp[0]: "under_maintenance"})
    out += ["scheduled:", f"  start: {_fmt(window_start, zone)}", f"  end: {_fmt(window_end, zone)}"]
    role_lines, _ = _roles(rng, False)
    out += role_lines
    runbooks = RUNBOOKS_OF_COMPONENT[comp[0]][:1]
    if runbooks:
        out.append(f"runbooks: [{runbooks[0]}]")
    out.append(f"tags: [maintenance, {comp[5][0]}]")
    out.append("updates:")
    for at, status, message in updates:
        out += _update_block(_fmt(at, zone), status, message)
    out += [
        "---",
        "## Working notes",
        "",
        f"- Change ticket CHG-{rng.randint(1000, 9999)}: {work.format(name=comp[1])}.",
        "- No rollback needed.",
    ]
    return _fmt(window_start, zone)[:10], f"{comp[0]}-{work_slug}", "\n".join(out) + "\n"


def _paragraphs(rng: random.Random, pool: list[str], count: int, facts: dict, keep_order: bool = False) -> list[str]:
    """``count`` paragraphs of 2+ sentences from ``pool``, no sentence twice."""
    count = max(1, min(count, len(pool) // 2))
    size = rng.randint(2 * count, len(pool))
    chosen = sorted(rng.sample(range(len(pool)), size)) if keep_order else rng.sample(range(len(pool)), size)
    sizes = [size // count + (i < size % count) for i in range(count)]
    cuts = [sum(sizes[: i + 1]) for i in range(count - 1)]
    out = []
    for a, b in zip([0, *cuts], [*cuts, size], strict=True):
        out.append(_wrap(" ".join(pool[i].format(**facts) for i in chosen[a:b])))
    return out


def _postmortem(rng: random.Random, facts: dict, visibility: str, required: bool, reference_date: dt.date) -> str:
    zone = facts["zone"]
    resolved: dt.datetime = facts["resolved"]
    published = required or rng.random() < 0.8
    status = "published" if published else rng.choice(("draft", "in-review"))
    roles = facts["roles"]
    authors = [roles["incident_commander"]] + ([roles["operations_lead"]] if rng.random() < 0.5 else [])
    reviewers = rng.sample([p for p in PEOPLE if p not in authors], rng.randint(1, 2))
    out = [
        "---",
        f"status: {status}",
        f"visibility: {visibility}",
        f"authors: [{', '.join(authors)}]",
        f"reviewers: [{', '.join(reviewers)}]",
    ]
    if published:
        out.append(f"published: {(resolved + dt.timedelta(days=1)).date().isoformat()}")
    out.append("action_items:")
    recent = (reference_date - resolved.date()).days < 120
    items = []
    for title in rng.sample(ACTION_TITLES, rng.randint(1, 4)):
        owner = rng.choice(PEOPLE)
        if rng.random() < (0.5 if recent else 0.15):
            due = reference_date + dt.timedelta(days=rng.randint(1, 180))
            state = "open"
        else:
            due = resolved.date() + dt.timedelta(days=rng.randint(7, 60))
            state = "done"
        items.append((title, owner, due, state))
        out += [f"  - title: {title}", f"    owner: {owner}", f"    due: {due.isoformat()}", f"    status: {state}"]
        if rng.random() < 0.6:
            out.append(f"    link: https://tracker.example.com/OPS-{rng.randint(100, 9999)}")
    out.append("---")
    duration = _duration_text(resolved - facts["started"])
    fill = {
        "date": _fmt(facts["started"], zone)[:10],
        "noun": facts["noun"],
        "region": facts["region"],
        "duration": duration,
        "cause": facts["cause"],
        "cause_short": facts["cause"].split(" in ")[0],
        "pct": rng.randint(2, 60),
        "mitigation": facts["action"].lower().replace("we are ", "").rstrip("."),
        "n": rng.randint(10, 5000),
        "tickets": rng.randint(0, 200),
        "credits": rng.randint(0, 40),
    }
    zone_name = "UTC" if zone[1] == "Z" else f"UTC{zone[1]}"
    # Executive Summary
    out += ["## Executive Summary", ""]
    out += "\n\n".join(_paragraphs(rng, PM_SENTENCES["summary"], rng.randint(2, 3), fill, keep_order=True)).split("\n")
    # Timeline
    out += ["", "## Timeline", "", f"All times {zone_name}.", "", "| time | event |", "|---|---|"]
    events = [
        (facts["started"], "**Impact begins.**"),
        (facts["detected"], "Alert pages the on-call engineer."),
        (facts["acknowledged"], "Alert acknowledged."),
        (facts["declared"], "Incident declared."),
        (facts["mitigated"], "**Mitigated.**"),
        (facts["resolved"], "**Resolved.**"),
    ]
    events += [(at, f"Public update: {status}.") for at, status in facts["updates"]]
    events.sort(key=lambda e: e[0])
    out += [f"| {_fmt(at, zone)[11:16]} | {event} |" for at, event in events]
    # Technical Details, Impact, Root Cause
    for title, key, count in (
        ("Technical Details", "technical", (2, 4)),
        ("Impact Assessment", "impact", (1, 3)),
        ("Root Cause", "root", (2, 3)),
    ):
        out += ["", f"## {title}", ""]
        out += "\n\n".join(_paragraphs(rng, PM_SENTENCES[key], rng.randint(*count), fill)).split("\n")
    # Corrective Actions
    out += ["", "## Corrective Actions", "", "| action | owner | due | status |", "|---|---|---|---|"]
    out += [f"| {t} | {o} | {d.isoformat()} | {s} |" for t, o, d, s in items]
    out += ["", "We also fixed the immediate trigger during the incident."]
    out += ["", "## Lessons Learned", ""]
    out += "\n\n".join(_paragraphs(rng, PM_SENTENCES["lessons"], rng.randint(2, 3), fill)).split("\n")
    return "\n".join(out) + "\n"


# --- the site ---------------------------------------------------------------------------------


def generate_site(out: Path, incidents: int, seed: int = 1, postmortem_share: float = 0.33) -> None:
    """Write a complete valid site with ``incidents`` incident folders to ``out``.

    ``out`` must not exist, be empty, or be a site written by this function earlier (it is then
    replaced).
    """
    out = Path(out)
    if incidents < 0:
        raise ValueError("incidents must be >= 0")
    if not 0 <= postmortem_share <= 1:
        raise ValueError("postmortem_share must be between 0 and 1")
    if out.exists():
        if (out / MARKER_FILE).is_file():
            shutil.rmtree(out)
        elif any(out.iterdir()):
            raise FileExistsError(f"{out} is not empty and was not written by generate.py; refusing to replace it")
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)

    (out / "statusgen.yml").write_text(_config_yaml(), encoding="utf-8")
    templates = out / "content" / "templates"
    templates.mkdir(parents=True)
    (templates / "postmortem.md").write_text(_template_md(), encoding="utf-8")
    runbooks = out / "content" / "runbooks"
    runbooks.mkdir()
    for rid, (title, _) in RUNBOOKS.items():
        (runbooks / f"{rid}.md").write_text(_runbook_md(rid, title, rng), encoding="utf-8")
    (out / "content" / "index.md").write_text(
        "# Example Cloud knowledge base\n\nSynthetic benchmark content.\n", encoding="utf-8"
    )

    # plan: start times, kinds, severities, visibility
    span_minutes = (SPAN_DAYS - QUIET_DAYS) * 24 * 60
    first = (REFERENCE_TIME - dt.timedelta(days=SPAN_DAYS)).replace(hour=0, minute=0)
    plans = []
    for _ in range(incidents):
        start = first + dt.timedelta(minutes=rng.randrange(span_minutes))
        kind = "maintenance" if rng.random() < 0.08 else "incident"
        severity = rng.choices(SEVERITIES, SEVERITY_WEIGHTS)[0] if kind == "incident" else None
        visibility = "internal" if rng.random() < 0.10 else "public"
        plans.append((start, kind, severity, visibility))
    plans.sort(key=lambda p: p[0])

    required = [i for i, p in enumerate(plans) if p[2] in ("SEV-1", "SEV-2")]
    optional = [i for i, p in enumerate(plans) if p[2] in ("SEV-3", "SEV-4")]
    extra = max(0, round(postmortem_share * incidents) - len(required))
    with_postmortem = set(required) | set(rng.sample(optional, min(extra, len(optional))))

    width = max(4, len(str(incidents - 1)))
    reference_date = REFERENCE_TIME.date()
    made_years: set[str] = set()
    for index, (start, kind, severity, visibility) in enumerate(plans):
        if kind == "incident":
            day, slug, text, facts = _incident(rng, start, severity, visibility)
        else:
            day, slug, text = _maintenance(rng, start, visibility)
            facts = None
        # the id's date is the local day the record starts (the window start for maintenance)
        year = day[:4]
        folder = out / "incidents" / year / f"{day}-{slug}-{index:0{width}d}"
        if year not in made_years:
            (out / "incidents" / year).mkdir(parents=True, exist_ok=True)
            made_years.add(year)
        folder.mkdir()
        (folder / "incident.md").write_text(text, encoding="utf-8")
        if facts is not None and index in with_postmortem:
            pm_visibility = "public" if visibility == "public" and rng.random() < 0.2 else "internal"
            (folder / "postmortem.md").write_text(
                _postmortem(rng, facts, pm_visibility, severity in ("SEV-1", "SEV-2"), reference_date),
                encoding="utf-8",
            )

    (out / MARKER_FILE).write_text(
        json.dumps({"incidents": incidents, "seed": seed, "postmortem_share": postmortem_share}, sort_keys=True) + "\n",
        encoding="utf-8",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path, help="where to write the site (replaced if generated earlier)")
    parser.add_argument("--incidents", type=int, required=True, help="number of incident folders")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postmortem-share", type=float, default=0.33)
    args = parser.parse_args(argv)
    try:
        generate_site(args.out_dir, args.incidents, seed=args.seed, postmortem_share=args.postmortem_share)
    except (FileExistsError, ValueError) as error:
        print(f"generate.py: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
