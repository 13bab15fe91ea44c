"""JSON Schemas of Atlassian Statuspage's public v2 API payloads, as its clients read them.

Written from Statuspage's documented responses (``/api/v2/*.json`` of any Statuspage page):
the envelopes, the field names every object carries, their types and the closed sets of values.
Strict where clients depend on it — required fields, enums, timestamp format — and open
elsewhere: ``additionalProperties`` is allowed, as Statuspage adds fields over time.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

COMPONENT_STATUSES = ["operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"]
INDICATORS = ["none", "minor", "major", "critical", "maintenance"]
INCIDENT_STATUSES = ["investigating", "identified", "monitoring", "resolved", "postmortem"]
MAINTENANCE_STATUSES = ["scheduled", "in_progress", "verifying", "completed"]
IMPACTS = ["none", "minor", "major", "critical", "maintenance"]

# ISO 8601 with milliseconds and an offset, as Statuspage writes them: 2026-11-20T14:15:00.000Z
# or 2019-02-20T12:00:19.418-06:00.
TIMESTAMP: Schema = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(Z|[+-]\d{2}:\d{2})$",
}
NULLABLE_TIMESTAMP: Schema = {"anyOf": [TIMESTAMP, {"type": "null"}]}
STRING: Schema = {"type": "string"}
NULLABLE_STRING: Schema = {"type": ["string", "null"]}
ID: Schema = {"type": "string", "minLength": 1}
URL: Schema = {"type": "string", "pattern": r"^https?://"}

PAGE: Schema = {
    "type": "object",
    "required": ["id", "name", "url", "time_zone", "updated_at"],
    "properties": {
        "id": ID,
        "name": STRING,
        "url": {"type": "string", "pattern": r"^https?://.*[^/]$"},
        "time_zone": STRING,
        "updated_at": TIMESTAMP,
    },
}

STATUS: Schema = {
    "type": "object",
    "required": ["indicator", "description"],
    "properties": {"indicator": {"enum": INDICATORS}, "description": STRING},
}

COMPONENT: Schema = {
    "type": "object",
    "required": [
        "id",
        "name",
        "status",
        "created_at",
        "updated_at",
        "position",
        "description",
        "showcase",
        "start_date",
        "group_id",
        "page_id",
        "group",
        "only_show_if_degraded",
    ],
    "properties": {
        "id": ID,
        "name": STRING,
        "status": {"enum": COMPONENT_STATUSES},
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
        "position": {"type": "integer", "minimum": 1},
        "description": NULLABLE_STRING,
        "showcase": {"type": "boolean"},
        "start_date": {"anyOf": [{"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}, {"type": "null"}]},
        "group_id": {"type": ["string", "null"]},
        "page_id": ID,
        "group": {"type": "boolean"},
        "only_show_if_degraded": {"type": "boolean"},
        "components": {"type": "array", "items": ID},
    },
    # Groups list their components' ids, as Statuspage does.
    "if": {"properties": {"group": {"const": True}}},
    "then": {"required": ["components"], "properties": {"group_id": {"type": "null"}}},
}

AFFECTED_COMPONENT: Schema = {
    "type": "object",
    "required": ["code", "name", "old_status", "new_status"],
    "properties": {
        "code": ID,
        "name": STRING,
        "old_status": {"enum": COMPONENT_STATUSES},
        "new_status": {"enum": COMPONENT_STATUSES},
    },
}


def _update(statuses: list[str]) -> Schema:
    return {
        "type": "object",
        "required": [
            "id",
            "status",
            "body",
            "incident_id",
            "created_at",
            "updated_at",
            "display_at",
            "affected_components",
            "deliver_notifications",
        ],
        "properties": {
            "id": ID,
            "status": {"enum": statuses},
            "body": STRING,
            "incident_id": ID,
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
            "display_at": TIMESTAMP,
            "affected_components": {"anyOf": [{"type": "array", "items": AFFECTED_COMPONENT}, {"type": "null"}]},
            "deliver_notifications": {"type": "boolean"},
            "custom_tweet": NULLABLE_STRING,
            "tweet_id": NULLABLE_STRING,
        },
    }


_INCIDENT_REQUIRED = [
    "id",
    "name",
    "status",
    "created_at",
    "updated_at",
    "monitoring_at",
    "resolved_at",
    "impact",
    "shortlink",
    "started_at",
    "page_id",
    "incident_updates",
    "components",
]


def _incident(statuses: list[str], *, maintenance: bool) -> Schema:
    properties: Schema = {
        "id": ID,
        "name": STRING,
        "status": {"enum": statuses},
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
        "monitoring_at": NULLABLE_TIMESTAMP,
        "resolved_at": NULLABLE_TIMESTAMP,
        "impact": {"enum": IMPACTS},
        "shortlink": URL,
        "started_at": TIMESTAMP,
        "page_id": ID,
        "incident_updates": {"type": "array", "minItems": 1, "items": _update(statuses)},
        "components": {"type": "array", "items": COMPONENT},
        "scheduled_for": TIMESTAMP if maintenance else NULLABLE_TIMESTAMP,
        "scheduled_until": TIMESTAMP if maintenance else NULLABLE_TIMESTAMP,
    }
    required = _INCIDENT_REQUIRED + (["scheduled_for", "scheduled_until"] if maintenance else [])
    return {"type": "object", "required": required, "properties": properties}


INCIDENT: Schema = _incident(INCIDENT_STATUSES, maintenance=False)
SCHEDULED_MAINTENANCE: Schema = _incident(MAINTENANCE_STATUSES, maintenance=True)
ANY_INCIDENT: Schema = {"oneOf": [INCIDENT, SCHEDULED_MAINTENANCE]}
"""``incidents.json`` lists maintenance too (as Statuspage does): each item is one or the other."""


def _envelope(**payload: Schema) -> Schema:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": ["page", *payload],
        "properties": {"page": PAGE, **payload},
    }


def _list(item: Schema) -> Schema:
    return {"type": "array", "items": item}


ENDPOINTS: dict[str, Schema] = {
    "api/v2/summary.json": _envelope(
        components=_list(COMPONENT),
        incidents=_list(INCIDENT),
        scheduled_maintenances=_list(SCHEDULED_MAINTENANCE),
        status=STATUS,
    ),
    "api/v2/status.json": _envelope(status=STATUS),
    "api/v2/components.json": _envelope(components=_list(COMPONENT)),
    "api/v2/incidents.json": _envelope(incidents=_list(ANY_INCIDENT)),
    "api/v2/incidents/unresolved.json": _envelope(incidents=_list(INCIDENT)),
    "api/v2/scheduled-maintenances.json": _envelope(scheduled_maintenances=_list(SCHEDULED_MAINTENANCE)),
    "api/v2/scheduled-maintenances/upcoming.json": _envelope(scheduled_maintenances=_list(SCHEDULED_MAINTENANCE)),
    "api/v2/scheduled-maintenances/active.json": _envelope(scheduled_maintenances=_list(SCHEDULED_MAINTENANCE)),
}
"""The eight endpoints of DESIGN.md and the schema of each file."""
