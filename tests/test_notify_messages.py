"""Messages: the organization's templates, escaping, and nothing internal in any of them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import (
    CONFIG,
    CONFIG_TEXT,
    INCIDENT,
    INCIDENT_TEXT,
    NOW,
    POSTMORTEM,
    POSTMORTEM_TEXT,
    UPCOMING,
    UPCOMING_TEXT,
    MakeSite,
)
from notify_helpers import commit, init_repo, with_notifications

from statusgen.errors import StatusgenError
from statusgen.notify import notify
from statusgen.notify.defaults import DEFAULT_TEMPLATES
from statusgen.validate import validate_site

pytestmark = pytest.mark.timeout(60)

REPO = Path(__file__).resolve().parent.parent
ENV = {"SLACK": "https://hooks.slack.example/T/B/X", "TEAMS": "https://teams.example/webhook"}
CHANNELS = """
notifications:
  email:
    - host: smtp.example.com
      from: Example Status <status@example.com>
      to: [list@example.com]
  webhooks:
    - url: https://hooks.example.com/in
  slack:
    - url_env: SLACK
  teams:
    - url_env: TEAMS
"""


def dry_run(root: Path, since: str) -> str:
    result = validate_site(root, now=NOW)
    assert result.site is not None, result.problems
    lines: list[str] = []
    notify(result.site, since, now=NOW, dry_run=True, environ=ENV, out=lines.append, log=lambda _: None)
    return "\n".join(lines)


def site_with_new_incident(tmp_path: Path, make_site: MakeSite, incident: str = INCIDENT_TEXT) -> tuple[Path, str]:
    root = make_site(tmp_path, {CONFIG: with_notifications(CONFIG_TEXT, CHANNELS), INCIDENT: None})
    first = init_repo(root)
    (root / INCIDENT).parent.mkdir(parents=True, exist_ok=True)
    (root / INCIDENT).write_text(incident, encoding="utf-8")
    return root, first


def test_the_shipped_templates_are_the_built_in_defaults() -> None:
    for name, source in DEFAULT_TEMPLATES.items():
        assert (REPO / f"content/templates/notifications/{name}.jinja").read_text(encoding="utf-8") == source


def test_an_edited_template_is_used(tmp_path: Path, make_site: MakeSite) -> None:
    root, first = site_with_new_incident(tmp_path, make_site)
    (root / "content/templates/notifications").mkdir(parents=True)
    (root / "content/templates/notifications/email.jinja").write_text(
        "{% block subject %}{{ event }} / {{ incident.title }}{% endblock %}\n"
        "{% block body %}Hello subscribers: {{ incident.status_label }}.{% endblock %}\n",
        encoding="utf-8",
    )
    out = dry_run(root, first)
    assert "Subject: New incident / Elevated error rates on the API" in out
    assert "Hello subscribers: Investigating." in out
    assert "Subject: Resolved / Elevated error rates on the API" in out
    assert '"type": "header"' in out  # the other channels keep the built-in templates


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{% block subject %}{{ incident.title }{% endblock %}{% block body %}{% endblock %}", ":1: unexpected '}'"),
        ("{% block subject %}x{% endblock %}\n{% block body %}\n{{ incident.severity }}{% endblock %}", ":3: "),
        ("{% block subject %}x{% endblock %}", "no {% block body %}"),
        ("{% block subject %}{{ ''.__class__.__mro__ }}{% endblock %}{% block body %}{% endblock %}", "unsafe"),
    ],
)
def test_a_broken_template_is_reported_with_its_line_and_nothing_is_sent(
    tmp_path: Path, make_site: MakeSite, source: str, message: str
) -> None:
    root, first = site_with_new_incident(tmp_path, make_site)
    (root / "content/templates/notifications").mkdir(parents=True)
    (root / "content/templates/notifications/email.jinja").write_text(source, encoding="utf-8")
    with pytest.raises(StatusgenError) as raised:
        dry_run(root, first)
    assert str(raised.value.message).startswith("content/templates/notifications/email.jinja")
    assert message in raised.value.message


def test_nothing_internal_reaches_any_message(tmp_path: Path, make_site: MakeSite) -> None:
    marked = (
        INCIDENT_TEXT.replace("Priya Raman", "MARKER-ROLE")
        .replace("Internal notes:", "MARKER-NOTES")
        .replace("tags: [database]", "tags: [marker-tag]")
        .replace("escalation: L2", "escalation: L4")
    )
    root, first = site_with_new_incident(tmp_path, make_site, marked)
    internal = marked.replace("visibility: public", "visibility: internal").replace("Elevated", "MARKER-TITLE")
    other = root / "incidents/2026/2026-11-22-internal-drill/incident.md"
    other.parent.mkdir(parents=True)
    other.write_text(internal, encoding="utf-8")
    out = dry_run(root, first)
    assert "Elevated error rates on the API" in out
    for marker in ("MARKER", "marker-tag", "SEV-3", "L4", "2026-11-22-internal-drill", "13:55", "14:02"):
        assert marker not in out, marker


def test_chat_text_is_escaped_and_links_stay_links(tmp_path: Path, make_site: MakeSite) -> None:
    hostile = INCIDENT_TEXT.replace(
        "title: Elevated error rates on the API", "title: 'Errors <!channel> & <https://evil.example|click>'"
    )
    root, first = site_with_new_incident(tmp_path, make_site, hostile)
    out = dry_run(root, first)
    slack = json.loads(out.split("=== slack #1")[1].split("--- 1:")[1].split("\n\n", 1)[1].split("\n--- 2:")[0])
    section = slack["blocks"][1]["text"]["text"]
    assert "<!channel>" not in section and "&lt;!channel&gt;" not in section  # the title is not in the section
    assert slack["blocks"][0]["text"]["text"] == "Investigating: Errors <!channel> & <https://evil.example|click>"
    assert section.endswith("<https://status.example.com/incidents/2026-11-20-api-errors/|View on Example Status>")
    message = INCIDENT_TEXT.replace(
        "We are investigating elevated error rates on the API.", "Users see <b>errors</b> & <!here> timeouts."
    )
    root2, first2 = site_with_new_incident(tmp_path / "two", make_site, message)
    out2 = dry_run(root2, first2)
    slack2 = json.loads(out2.split("=== slack #1")[1].split("--- 1:")[1].split("\n\n", 1)[1].split("\n--- 2:")[0])
    text = slack2["blocks"][1]["text"]["text"]
    assert "&amp; &lt;!here&gt;" in text and "<!here>" not in text


def test_a_rescheduled_maintenance_window_says_what_it_was(tmp_path: Path, make_site: MakeSite) -> None:
    root = make_site(tmp_path, {CONFIG: with_notifications(CONFIG_TEXT, CHANNELS), UPCOMING: UPCOMING_TEXT})
    first = init_repo(root)
    (root / UPCOMING).write_text(UPCOMING_TEXT.replace("04:00:00Z", "06:00:00Z"), encoding="utf-8")
    out = dry_run(root, first)
    assert "Subject: [Example Status] Maintenance changed: Database upgrade" in out
    assert "The maintenance window has changed (it was 5 Dec 2026, 03:00 CET – 05:00 CET)." in out
    assert "Maintenance window: 5 Dec 2026, 03:00 CET – 07:00 CET" in out
    assert "  - Database: Under maintenance" in out


def test_a_published_postmortem_links_to_it(tmp_path: Path, make_site: MakeSite) -> None:
    root = make_site(tmp_path, {CONFIG: with_notifications(CONFIG_TEXT, CHANNELS)})
    first = init_repo(root)
    (root / POSTMORTEM).write_text(POSTMORTEM_TEXT, encoding="utf-8")
    commit(root, "publish the postmortem")
    out = dry_run(root, first)
    assert "[Example Status] Postmortem published: Elevated error rates on the API\n" in out  # folded
    assert "Read it at https://status.example.com/incidents/2026-11-20-api-errors/#h-pm" in out
    webhook = json.loads(out.split("=== webhook #1")[1].split("--- 1:")[1].split("\n\n", 1)[1].split("\n===")[0])
    assert webhook["incident"]["postmortem_published_at"] == "2026-11-21T00:00:00.000+01:00"
    assert webhook["incident"]["postmortem_body"].startswith("Executive Summary")
