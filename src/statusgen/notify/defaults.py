# ruff: noqa: E501  (the templates are kept exactly as the shipped files)
"""The built-in message templates, used for any template missing from the site's
``content/templates/notifications/`` (a test keeps them equal to the shipped files)."""

from __future__ import annotations

__all__ = ["DEFAULT_TEMPLATES"]

DEFAULT_TEMPLATES: dict[str, str] = {}

DEFAULT_TEMPLATES["email"] = """\
{#- Email notification: the subject and the plain-text body.

    Edit the wording freely; `statusgen notify --since HEAD~1 --dry-run` shows the result.
    Jinja2 syntax (https://jinja.palletsprojects.com/templates/). Every message is rendered with:

      page.name, page.url            the status page
      kind                           incident.created | incident.updated | incident.resolved |
                                     maintenance.scheduled | maintenance.updated | maintenance.completed |
                                     maintenance.changed | postmortem.published
      event                          the kind in words: "New incident", "Resolved", ...
      incident.title, incident.url   what customers see, and the incident's page
      incident.id, incident.is_maintenance
      incident.status, incident.status_label      e.g. identified, "Identified"
      incident.impact_label          e.g. "Major impact", "Maintenance"
      incident.window                maintenance only: "8 Dec 2026, 22:00 CET – 02:00 CET", else none
      incident.components            list of {id, name, status, status_label} as of this message
      update                         the new update, or none (changed window, postmortem):
        update.status, update.status_label, update.at (time with its zone),
        update.message (plain text), update.changes (list of {name, old_label, new_label})
      previous_window                maintenance.changed: the window before the change, else none
      postmortem                     postmortem.published: {url, published}, else none

    Only public data ever reaches a template: internal incidents, roles, timelines and notes never do.
-#}
{% block subject %}[{{ page.name }}] {% if update %}{{ update.status_label }}{% else %}{{ event }}{% endif %}: {{ incident.title }}{% endblock %}

{% block body %}
{{ incident.title }}
{% if update %}

{{ update.status_label }} - {{ update.at }}

{{ update.message }}
{% elif kind == "maintenance.changed" %}

The maintenance window has changed{% if previous_window %} (it was {{ previous_window }}){% endif %}.
{% elif postmortem %}

We have published the postmortem of this incident: what happened, why, and what we are
changing so that it does not happen again.

Read it at {{ postmortem.url }}
{% endif %}
{% if incident.window %}

Maintenance window: {{ incident.window }}
{% endif %}
{% if incident.components %}

{{ "Components" if incident.is_maintenance else "Affected components" }}:
{% for component in incident.components %}
  - {{ component.name }}: {{ component.status_label }}
{% endfor %}
{% endif %}

Details and all updates: {{ incident.url }}

--
{{ page.name }} - {{ page.url }}
You receive this message because you subscribed to notifications of {{ page.name }}.
{% endblock %}
"""

DEFAULT_TEMPLATES["slack"] = """\
{#- Slack notification (incoming webhook): a header, then one section in Slack's mrkdwn.

    `title` is plain text (at most 150 characters are shown); `message` is mrkdwn: *bold*,
    _italic_, <URL|link text>. Values are escaped for Slack (&, <, >) automatically.
    The variables are those of email.jinja (see its header); `statusgen notify --dry-run`
    shows the result.
-#}
{% block title %}{% if update %}{{ update.status_label }}{% else %}{{ event }}{% endif %}: {{ incident.title }}{% endblock %}

{% block message %}
{% if update %}
*{{ update.status_label }}* - {{ update.at }}
{{ update.message }}
{% elif kind == "maintenance.changed" %}
*The maintenance window has changed*{% if previous_window %} (it was {{ previous_window }}){% endif %}.
{% elif postmortem %}
*Postmortem published.* What happened, why, and what we are changing: <{{ postmortem.url }}|read the postmortem>
{% endif %}
{% if incident.window %}
*Window:* {{ incident.window }}
{% endif %}
{% if incident.components %}
*{{ "Components" if incident.is_maintenance else "Affected" }}:* {% for component in incident.components %}{{ component.name }} ({{ component.status_label | lower }}){{ ", " if not loop.last }}{% endfor %}

{% endif %}
<{{ incident.url }}|View on {{ page.name }}>
{% endblock %}
"""

DEFAULT_TEMPLATES["teams"] = """\
{#- Microsoft Teams notification (incoming webhook or Workflows): an Adaptive Card with a bold
    title and one text block in Markdown (**bold**, _italic_, [link text](URL), "- " lists).
    The variables are those of email.jinja (see its header); `statusgen notify --dry-run`
    shows the result.
-#}
{% block title %}{% if update %}{{ update.status_label }}{% else %}{{ event }}{% endif %}: {{ incident.title }}{% endblock %}

{% block message %}
{% if update %}
**{{ update.status_label }}** - {{ update.at }}

{{ update.message }}
{% elif kind == "maintenance.changed" %}
**The maintenance window has changed**{% if previous_window %} (it was {{ previous_window }}){% endif %}.
{% elif postmortem %}
**Postmortem published.** What happened, why, and what we are changing: [read the postmortem]({{ postmortem.url }})
{% endif %}
{% if incident.window %}

**Window:** {{ incident.window }}
{% endif %}
{% if incident.components %}

**{{ "Components" if incident.is_maintenance else "Affected" }}:**

{% for component in incident.components %}
- {{ component.name }}: {{ component.status_label }}
{% endfor %}
{% endif %}

[View on {{ page.name }}]({{ incident.url }})
{% endblock %}
"""
