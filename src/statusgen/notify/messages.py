"""Notices → what each channel sends: email text, Slack and Teams messages, and
Statuspage-compatible webhook payloads. Pure: templates come in as text.

Chat and email messages are rendered from the organization's Jinja2 templates
(``content/templates/notifications/<channel>.jinja``, else the built-in ones), in a sandbox,
from public data only: :meth:`Renderer.context` is the whole of what a template can read.

Webhook payloads reuse the Statuspage API code of :mod:`statusgen.public.api`, so an
``incident`` in a webhook has the same shape and values as in ``api/v2/incidents.json``: the
incident as published at the notice's moment, with its updates up to then.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from ..errors import StatusgenError
from ..labels import COMPONENT_STATUS_LABELS, IMPACT_LABELS, UPDATE_LABELS
from ..model import ComponentStatus, Incident
from ..public.api import (
    _JSON_ESCAPES,
    _Api,
    _components,
    _incident,
    _page_id,
    api_updates,
    as_of,
    markdown_to_plain,
)
from ..public.view import PublicView, public_postmortem, public_view
from ..timeline import impact, status_at
from ..validate import Site
from .changes import Notice, NoticeKind

__all__ = [
    "EVENT_LABELS",
    "STATUSPAGE_WEBHOOK_DOCS",
    "TEMPLATE_BLOCKS",
    "Renderer",
    "Template",
    "dump_json",
]

Json = dict[str, Any]

TEMPLATE_BLOCKS: Mapping[str, tuple[str, ...]] = {
    "email": ("subject", "body"),
    "slack": ("title", "message"),
    "teams": ("title", "message"),
}
"""The blocks each channel's template must define."""

EVENT_LABELS: Mapping[NoticeKind, str] = {
    NoticeKind.INCIDENT_CREATED: "New incident",
    NoticeKind.INCIDENT_UPDATED: "Update",
    NoticeKind.INCIDENT_RESOLVED: "Resolved",
    NoticeKind.MAINTENANCE_SCHEDULED: "Scheduled maintenance",
    NoticeKind.MAINTENANCE_UPDATED: "Maintenance update",
    NoticeKind.MAINTENANCE_COMPLETED: "Maintenance completed",
    NoticeKind.MAINTENANCE_CHANGED: "Maintenance changed",
    NoticeKind.POSTMORTEM_PUBLISHED: "Postmortem published",
}

STATUSPAGE_WEBHOOK_DOCS = "https://support.atlassian.com/statuspage/docs/enable-webhook-notifications/"
"""``meta.documentation`` of every webhook payload: the shape is Statuspage's."""

SLACK_HEADER_LIMIT = 150
SLACK_TEXT_LIMIT = 3000
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Template:
    name: str
    """``email``, ``slack`` or ``teams``."""
    path: str
    """Where it comes from, for messages: the site path, or ``built-in <name>.jinja``."""
    source: str


def dump_json(payload: Json) -> bytes:
    """JSON as sent: indented for people reading ``--dry-run``, with ``<``, ``>`` and ``&``
    escaped as in the Statuspage API files."""
    return (json.dumps(payload, ensure_ascii=False, indent=2).translate(_JSON_ESCAPES) + "\n").encode("utf-8")


def _slack_escape(value: Any) -> Any:
    """Slack's mrkdwn needs ``&``, ``<`` and ``>`` escaped in text; links written in the
    template itself are left alone."""
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _one_line(text: str) -> str:
    return " ".join(text.split())


class Renderer:
    """Renders the notices of one run against one site."""

    def __init__(self, site: Site, templates: Mapping[str, Template], now: dt.datetime) -> None:
        self.site = site
        self.config = site.config
        self.now = now
        self.zone = zoneinfo.ZoneInfo(self.config.time_zone)
        self.page_id = _page_id(self.config.base_url)
        self._templates = dict(templates)
        self._compiled: dict[str, jinja2.Template] = {}
        self._views: dict[dt.datetime, tuple[PublicView, _Api, dict[str, Json]]] = {}
        for name, template in templates.items():
            finalize: Callable[[Any], Any] | None = _slack_escape if name == "slack" else None
            environment = SandboxedEnvironment(
                loader=_loader(template),
                undefined=jinja2.StrictUndefined,
                trim_blocks=True,
                lstrip_blocks=True,
                autoescape=False,
                finalize=finalize,
            )
            try:
                compiled = environment.get_template(template.name)
            except jinja2.TemplateSyntaxError as error:
                raise StatusgenError(f"{template.path}:{error.lineno}: {error.message}") from None
            for block in TEMPLATE_BLOCKS[name]:
                if block not in compiled.blocks:
                    raise StatusgenError(
                        f"{template.path}: no {{% block {block} %}}; a {name} template defines "
                        + " and ".join(TEMPLATE_BLOCKS[name])
                    )
            self._compiled[name] = compiled

    # --- times --------------------------------------------------------------------------

    def time(self, moment: dt.datetime) -> str:
        """``20 Nov 2026, 14:15 CET``: always with its zone, as on the status page."""
        local = moment.astimezone(self.zone)
        return f"{local.day} {_MONTHS[local.month - 1]} {local.year}, {local:%H:%M} {local.tzname()}"

    def window(self, incident: Incident) -> str | None:
        schedule = incident.schedule
        if not incident.is_maintenance or schedule is None:
            return None
        start, end = schedule.start.astimezone(self.zone), schedule.end.astimezone(self.zone)
        end_text = f"{end:%H:%M} {end.tzname()}" if start.date() == end.date() else self.time(end)
        return f"{self.time(start)} – {end_text}"

    # --- template context ---------------------------------------------------------------

    def context(self, notice: Notice) -> dict[str, Any]:
        """Everything a template can read: public data only."""
        incident = as_of(notice.incident, notice.at)
        config = self.config
        names = {component.id: component.name for component in config.components}
        updates = api_updates(incident, notice.at)
        state: dict[str, ComponentStatus] = {}
        current = None
        for api_update in updates:
            for component, _, after in api_update.changes:
                state[component] = after
            if api_update.id == notice.update_id:
                current = api_update
                break
        for component, planned in incident.components.items():
            state.setdefault(component, planned)
        order = [component.id for component in config.components]
        status = status_at(incident, notice.at) or incident.updates[-1].status
        update = None
        if notice.update is not None:
            update = {
                "status": notice.update.status.value,
                "status_label": UPDATE_LABELS[notice.update.status],
                "at": self.time(notice.update.at),
                "message": markdown_to_plain(notice.update.message),
                "changes": [
                    {
                        "id": component,
                        "name": names.get(component, component),
                        "old": before.value,
                        "new": after.value,
                        "old_label": COMPONENT_STATUS_LABELS[before],
                        "new_label": COMPONENT_STATUS_LABELS[after],
                    }
                    for component, before, after in (current.changes if current else ())
                ],
            }
        incident_url = self.config.base_url + PublicView.incident_path(incident)
        postmortem = public_postmortem(notice.incident)
        return {
            "page": {"name": config.name, "url": config.base_url},
            "kind": notice.kind.value,
            "event": EVENT_LABELS[notice.kind],
            "incident": {
                "id": incident.id,
                "title": incident.title,
                "url": incident_url,
                "is_maintenance": incident.is_maintenance,
                "status": status.value,
                "status_label": UPDATE_LABELS[status],
                "impact_label": IMPACT_LABELS[impact(incident)],
                "window": self.window(incident),
                "components": [
                    {
                        "id": component,
                        "name": names.get(component, component),
                        "status": state[component].value,
                        "status_label": COMPONENT_STATUS_LABELS[state[component]],
                    }
                    for component in sorted(state, key=lambda c: order.index(c) if c in order else len(order))
                ],
            },
            "update": update,
            "previous_window": (
                self.window(notice.previous)
                if notice.kind is NoticeKind.MAINTENANCE_CHANGED and notice.previous is not None
                else None
            ),
            "postmortem": (
                {
                    "url": incident_url + "#h-pm",
                    "published": (
                        f"{postmortem.published.day} {_MONTHS[postmortem.published.month - 1]} "
                        f"{postmortem.published.year}"
                        if postmortem.published
                        else None
                    ),
                }
                if postmortem is not None and notice.kind is NoticeKind.POSTMORTEM_PUBLISHED
                else None
            ),
        }

    def _blocks(self, name: str, notice: Notice) -> dict[str, str]:
        template = self._compiled[name]
        try:
            context = template.new_context(self.context(notice))
            return {block: "".join(template.blocks[block](context)).strip() for block in TEMPLATE_BLOCKS[name]}
        except jinja2.TemplateError as error:
            path = self._templates[name].path
            line = _template_line(error, path, template)
            raise StatusgenError(
                f"{path}{f':{line}' if line else ''}: {error} (rendering {notice.describe()})"
            ) from None

    # --- channels -----------------------------------------------------------------------

    def email(self, notice: Notice) -> tuple[str, str]:
        """Subject (one line) and plain-text body."""
        blocks = self._blocks("email", notice)
        return _one_line(blocks["subject"]), blocks["body"] + "\n"

    def slack(self, notice: Notice) -> Json:
        """A Slack incoming-webhook message: fallback text, a header and a mrkdwn section."""
        blocks = self._blocks("slack", notice)
        title = _shorten(_one_line(_slack_unescape(blocks["title"])), SLACK_HEADER_LIMIT)
        return {
            "text": title,
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": title, "emoji": True}},
                {"type": "section", "text": {"type": "mrkdwn", "text": _shorten(blocks["message"], SLACK_TEXT_LIMIT)}},
            ],
        }

    def teams(self, notice: Notice) -> Json:
        """A Teams incoming-webhook message carrying an Adaptive Card."""
        blocks = self._blocks("teams", notice)
        card = {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "msteams": {"width": "Full"},
            "body": [
                {
                    "type": "TextBlock",
                    "text": _one_line(blocks["title"]),
                    "weight": "Bolder",
                    "size": "Medium",
                    "wrap": True,
                },
                {"type": "TextBlock", "text": blocks["message"], "wrap": True},
            ],
        }
        return {
            "type": "message",
            "summary": _one_line(blocks["title"]),
            "attachments": [
                {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
            ],
        }

    # --- Statuspage webhooks --------------------------------------------------------------

    def _api(self, moment: dt.datetime) -> tuple[PublicView, _Api, dict[str, Json]]:
        """The Statuspage API state at ``moment`` (cached per moment)."""
        if moment not in self._views:
            view = public_view(self.site, moment)
            incidents = tuple(as_of(incident, moment) for incident in view.incidents)
            updates = {incident.id: api_updates(incident, moment) for incident in incidents}
            api = _Api(view, incidents, updates, self.page_id)
            self._views[moment] = (view, api, {record["id"]: record for record in _components(api)})
        return self._views[moment]

    def webhooks(self, notice: Notice) -> list[tuple[str, Json]]:
        """``(key, payload)``: one ``incident`` payload, then one ``component_update`` per
        component status the update changed. Keys tell the payloads of a notice apart."""
        view, api, components = self._api(notice.at)
        incident = next((i for i in api.incidents if i.id == notice.incident.id), None)
        if incident is None:  # pragma: no cover - a notice is only made for a published incident
            return []
        meta = {"unsubscribe": self.config.base_url, "documentation": STATUSPAGE_WEBHOOK_DOCS}
        page = {
            "id": self.page_id,
            "status_indicator": view.board.indicator.value,
            "status_description": view.board.description,
        }
        record = _incident(api, incident, components)
        postmortem = public_postmortem(notice.incident)
        published = None
        if postmortem is not None and postmortem.published is not None:
            published = api.time(dt.datetime.combine(postmortem.published, dt.time(), self.zone))
        record.update(
            {
                "backfilled": False,
                "impact_override": None,
                "postmortem_body": markdown_to_plain(postmortem.body) if postmortem is not None else None,
                "postmortem_body_last_updated_at": published,
                "postmortem_ignored": False,
                "postmortem_notified_subscribers": postmortem is not None,
                "postmortem_notified_twitter": False,
                "postmortem_published_at": published,
                "scheduled_auto_transition": incident.is_maintenance,
                "scheduled_remind_prior": False,
                "scheduled_reminded_at": None,
                "organization_id": self.page_id,
            }
        )
        for entry in record["incident_updates"]:
            entry.update({"twitter_updated_at": None, "wants_twitter_update": False})
        payloads: list[tuple[str, Json]] = [("incident", {"meta": meta, "page": page, "incident": record})]
        posted = next((u for u in api.updates[incident.id] if u.id == notice.update_id), None)
        if posted is None:
            return payloads
        for component, before, after in posted.changes:
            if component not in components:
                continue
            payloads.append(
                (
                    f"component/{component}",
                    {
                        "meta": meta,
                        "page": page,
                        "component_update": {
                            "created_at": api.time(posted.at),
                            "new_status": after.value,
                            "old_status": before.value,
                            "id": f"{posted.id}-{component}",
                            "component_id": component,
                        },
                        "component": components[component],
                    },
                )
            )
        return payloads


def _loader(template: Template) -> jinja2.BaseLoader:
    def load(name: str) -> tuple[str, str, Callable[[], bool]]:
        return template.source, template.path, lambda: True

    return jinja2.FunctionLoader(load)


def _template_line(error: BaseException, path: str, template: jinja2.Template) -> int | None:
    """The template line a rendering error happened on: the innermost frame of the compiled
    template, mapped back to the template's source."""
    line = getattr(error, "lineno", None)
    traceback = error.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == path:
            line = template.get_corresponding_lineno(traceback.tb_lineno)
        traceback = traceback.tb_next
    return line
