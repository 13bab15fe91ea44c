"""JSON Schemas of Atlassian Statuspage's webhook notifications, as receivers read them.

Written from Statuspage's documentation of webhook subscriptions ("Enable webhook
notifications"): a webhook is a JSON POST of one of two shapes, both with ``meta`` (the
subscriber's ``unsubscribe`` link and a ``documentation`` link) and ``page`` (``id``,
``status_indicator``, ``status_description``):

- an **incident** update: ``incident`` with its fields and all of its ``incident_updates``;
- a **component** update: ``component_update`` (``created_at``, ``new_status``,
  ``old_status``, ``id``, ``component_id``) and the ``component`` (``created_at``, ``id``,
  ``name``, ``status``).

Every field of Statuspage's documented examples is required here with its type and, for the
closed sets, its values; more fields are allowed, as Statuspage adds fields over time.
"""

from __future__ import annotations

from typing import Any

# The closed sets of values are the API's (tests/statuspage_schema.py): one list of each.
from statuspage_schema import (
    COMPONENT_STATUSES,
    IMPACTS,
    INCIDENT_STATUSES,
    INDICATORS,
    MAINTENANCE_STATUSES,
)

Schema = dict[str, Any]

# ISO 8601 with a zone, with or without fractions: Statuspage's examples write both
# 2013-05-29T15:08:51-06:00 and 2013-05-29T21:32:28Z.
TIMESTAMP: Schema = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$",
}
NULLABLE_TIMESTAMP: Schema = {"anyOf": [TIMESTAMP, {"type": "null"}]}
ID: Schema = {"type": "string", "minLength": 1}
URL: Schema = {"type": "string", "pattern": r"^https?://"}
NULLABLE_STRING: Schema = {"type": ["string", "null"]}
BOOLEAN: Schema = {"type": "boolean"}

META: Schema = {
    "type": "object",
    "required": ["unsubscribe", "documentation"],
    "properties": {"unsubscribe": URL, "documentation": URL},
}

PAGE: Schema = {
    "type": "object",
    "required": ["id", "status_indicator", "status_description"],
    "properties": {
        "id": ID,
        "status_indicator": {"enum": INDICATORS},
        "status_description": {"type": "string", "minLength": 1},
    },
}

INCIDENT_UPDATE: Schema = {
    "type": "object",
    "required": [
        "body",
        "created_at",
        "display_at",
        "status",
        "twitter_updated_at",
        "updated_at",
        "wants_twitter_update",
        "id",
        "incident_id",
    ],
    "properties": {
        "body": {"type": "string"},
        "created_at": TIMESTAMP,
        "display_at": TIMESTAMP,
        "status": {"enum": INCIDENT_STATUSES + MAINTENANCE_STATUSES},
        "twitter_updated_at": NULLABLE_TIMESTAMP,
        "updated_at": TIMESTAMP,
        "wants_twitter_update": BOOLEAN,
        "id": ID,
        "incident_id": ID,
    },
}

INCIDENT: Schema = {
    "type": "object",
    "required": [
        "backfilled",
        "created_at",
        "impact",
        "impact_override",
        "monitoring_at",
        "postmortem_body",
        "postmortem_body_last_updated_at",
        "postmortem_ignored",
        "postmortem_notified_subscribers",
        "postmortem_notified_twitter",
        "postmortem_published_at",
        "resolved_at",
        "scheduled_auto_transition",
        "scheduled_for",
        "scheduled_remind_prior",
        "scheduled_reminded_at",
        "scheduled_until",
        "shortlink",
        "status",
        "updated_at",
        "id",
        "organization_id",
        "incident_updates",
        "name",
    ],
    "properties": {
        "backfilled": BOOLEAN,
        "created_at": TIMESTAMP,
        "impact": {"enum": IMPACTS},
        "impact_override": {"anyOf": [{"enum": IMPACTS}, {"type": "null"}]},
        "monitoring_at": NULLABLE_TIMESTAMP,
        "postmortem_body": NULLABLE_STRING,
        "postmortem_body_last_updated_at": NULLABLE_TIMESTAMP,
        "postmortem_ignored": BOOLEAN,
        "postmortem_notified_subscribers": BOOLEAN,
        "postmortem_notified_twitter": BOOLEAN,
        "postmortem_published_at": NULLABLE_TIMESTAMP,
        "resolved_at": NULLABLE_TIMESTAMP,
        "scheduled_auto_transition": BOOLEAN,
        "scheduled_for": NULLABLE_TIMESTAMP,
        "scheduled_remind_prior": BOOLEAN,
        "scheduled_reminded_at": NULLABLE_TIMESTAMP,
        "scheduled_until": NULLABLE_TIMESTAMP,
        "shortlink": URL,
        "status": {"enum": INCIDENT_STATUSES + MAINTENANCE_STATUSES},
        "updated_at": TIMESTAMP,
        "id": ID,
        "organization_id": ID,
        "incident_updates": {"type": "array", "minItems": 1, "items": INCIDENT_UPDATE},
        "name": {"type": "string", "minLength": 1},
    },
}

COMPONENT_UPDATE: Schema = {
    "type": "object",
    "required": ["created_at", "new_status", "old_status", "id", "component_id"],
    "properties": {
        "created_at": TIMESTAMP,
        "new_status": {"enum": COMPONENT_STATUSES},
        "old_status": {"enum": COMPONENT_STATUSES},
        "id": ID,
        "component_id": ID,
    },
}

COMPONENT: Schema = {
    "type": "object",
    "required": ["created_at", "id", "name", "status"],
    "properties": {
        "created_at": TIMESTAMP,
        "id": ID,
        "name": {"type": "string", "minLength": 1},
        "status": {"enum": COMPONENT_STATUSES},
    },
}

INCIDENT_WEBHOOK: Schema = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["meta", "page", "incident"],
    "properties": {"meta": META, "page": PAGE, "incident": INCIDENT},
}

COMPONENT_WEBHOOK: Schema = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["meta", "page", "component_update", "component"],
    "properties": {"meta": META, "page": PAGE, "component_update": COMPONENT_UPDATE, "component": COMPONENT},
}
