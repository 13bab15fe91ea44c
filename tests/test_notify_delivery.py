"""statusgen notify against real receivers on 127.0.0.1: an SMTP server (aiosmtpd) and an HTTP
server standing in for a Statuspage webhook receiver, Slack and Teams."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
from conftest import CONFIG, CONFIG_TEXT, NOW_ISO, MakeSite
from notify_helpers import (
    NEW_ID,
    HttpReceiver,
    SmtpServer,
    cli,
    commit,
    incident_lifecycle,
    init_repo,
    with_notifications,
)
from statuspage_webhook_schema import COMPONENT_WEBHOOK, INCIDENT_WEBHOOK

pytestmark = pytest.mark.timeout(120)

LIST = "status-announce@lists.example.com"
DASHBOARD_LIST = "dashboard-users@lists.example.com"


def channels(smtp: SmtpServer, http: HttpReceiver, *, webhook: str = "/hook", attempts: int = 3) -> str:
    return f"""
notifications:
  retry:
    attempts: {attempts}
    backoff: 10ms
    timeout: 5s
  email:
    - host: 127.0.0.1
      port: {smtp.port}
      security: none
      from: Example Status <status@example.com>
      to: [{LIST}]
    - host: 127.0.0.1
      port: {smtp.port}
      security: none
      from: Example Status <status@example.com>
      to: [{DASHBOARD_LIST}, {LIST}]
      components: [dashboard]
  webhooks:
    - url: {http.url(webhook)}
  slack:
    - url_env: TEST_SLACK_URL
  teams:
    - url_env: TEST_TEAMS_URL
"""


def env(http: HttpReceiver) -> dict[str, str]:
    return {"TEST_SLACK_URL": http.url("/slack"), "TEST_TEAMS_URL": http.url("/teams")}


def notify(root: Path, since: str, http: HttpReceiver, *extra: str):  # type: ignore[no-untyped-def]
    return cli("notify", "--root", str(root), "--since", since, "--now", NOW_ISO, *extra, env=env(http))


def test_an_incident_opened_updated_twice_and_resolved_reaches_every_channel(
    tmp_path: Path, make_site: MakeSite
) -> None:
    root = make_site(tmp_path)
    first = incident_lifecycle(root)
    with SmtpServer() as smtp, HttpReceiver() as http:
        (root / CONFIG).write_text(with_notifications(CONFIG_TEXT, channels(smtp, http)), encoding="utf-8")
        result = notify(root, first, http)
        assert result.exit_code == 0, result.output

        # email: four messages, oldest first, each list address once although two channels name it
        subjects = [message["Subject"] for message in smtp.mailbox.to(LIST)]
        assert subjects == [
            "[Example Status] Investigating: Login failures on the dashboard",
            "[Example Status] Identified: Login failures on the dashboard",
            "[Example Status] Monitoring: Login failures on the dashboard",
            "[Example Status] Resolved: Login failures on the dashboard",
        ]
        assert len(smtp.mailbox.to(DASHBOARD_LIST)) == 4
        assert len(smtp.mailbox.messages) == 8
        opening = smtp.mailbox.to(LIST)[0]
        body = opening.get_content()
        assert "Some customers cannot log in to the dashboard. We are investigating." in body
        assert "Dashboard: Partial outage" in body
        assert f"https://status.example.com/incidents/{NEW_ID}/" in body
        assert "28 Nov 2026, 11:00 CET" in body  # the page's time zone, with its name
        assert opening["From"] == "Example Status <status@example.com>"
        # the later messages thread under the first
        assert all(m["In-Reply-To"] == opening["Message-ID"] for m in smtp.mailbox.to(LIST)[1:])
        assert "Dashboard: Operational" in smtp.mailbox.to(LIST)[3].get_content()

        # webhooks: an incident payload per update, a component_update per status change
        payloads = [request.json() for request in http.at("/hook")]
        incidents = [p for p in payloads if "incident" in p]
        components = [p for p in payloads if "component_update" in p]
        assert [p["incident"]["incident_updates"][0]["status"] for p in incidents] == [
            "investigating",
            "identified",
            "monitoring",
            "resolved",
        ]
        assert [(c["component_update"]["old_status"], c["component_update"]["new_status"]) for c in components] == [
            ("operational", "partial_outage"),
            ("partial_outage", "major_outage"),
            ("major_outage", "operational"),
        ]
        for payload in incidents:
            jsonschema.validate(payload, INCIDENT_WEBHOOK)
            assert payload["incident"]["id"] == NEW_ID
        for payload in components:
            jsonschema.validate(payload, COMPONENT_WEBHOOK)
            assert payload["component"]["id"] == payload["component_update"]["component_id"] == "dashboard"
            assert payload["component"]["status"] == payload["component_update"]["new_status"]
        assert incidents[0]["page"]["status_indicator"] == "major"
        assert incidents[-1]["page"] == {
            "id": incidents[0]["page"]["id"],
            "status_indicator": "none",
            "status_description": "All Systems Operational",
        }
        assert http.at("/hook")[0].headers["Content-Type"] == "application/json; charset=utf-8"

        # chat: four readable messages each
        slack = [request.json() for request in http.at("/slack")]
        assert [message["text"] for message in slack] == subjects_without_page(subjects)
        assert slack[0]["blocks"][0]["type"] == "header"
        assert "Some customers cannot log in" in slack[0]["blocks"][1]["text"]["text"]
        assert (
            f"<https://status.example.com/incidents/{NEW_ID}/|View on Example Status>"
            in (slack[0]["blocks"][1]["text"]["text"])
        )
        teams = [request.json() for request in http.at("/teams")]
        assert len(teams) == 4
        card = teams[1]["attachments"][0]
        assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
        assert card["content"]["body"][0]["text"] == "Identified: Login failures on the dashboard"
        assert "A faulty session store node rejects logins." in card["content"]["body"][1]["text"]

    assert "23 messages delivered, 0 failed, 4 duplicates not sent again" in result.stderr


def subjects_without_page(subjects: list[str]) -> list[str]:
    return [subject.removeprefix("[Example Status] ") for subject in subjects]


def test_a_receiver_that_fails_twice_then_succeeds_gets_exactly_one_delivery(
    tmp_path: Path, make_site: MakeSite
) -> None:
    root = make_site(tmp_path)
    init_repo(root)
    result = cli(
        "new", "incident", "--root", str(root), "--title", "Slow API", "--severity", "SEV-3",
        "--message", "We are looking into slow API responses.", "--now", "2026-11-28T10:00:00Z",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with SmtpServer() as smtp, HttpReceiver() as http:
        http.script["/hook"] = [503, 503]
        http.script["/slack"] = [429]
        smtp.mailbox.failures = 2  # 451 twice
        (root / CONFIG).write_text(with_notifications(CONFIG_TEXT, channels(smtp, http)), encoding="utf-8")
        result = notify(root, "HEAD", http)
        assert result.exit_code == 0, result.output
        assert len(http.at("/hook")) == 1
        assert len(http.at("/slack")) == 1
        assert len(http.at("/teams")) == 1
        assert len(smtp.mailbox.to(LIST)) == 1
        assert smtp.mailbox.attempts == 3
    assert "3 tries" in result.stderr


def test_a_permanently_failing_receiver_fails_the_run_while_the_others_deliver(
    tmp_path: Path, make_site: MakeSite
) -> None:
    root = make_site(tmp_path)
    first = incident_lifecycle(root)
    with SmtpServer() as smtp, HttpReceiver() as http:
        http.always["/broken"] = 500
        http.always["/teams"] = 404
        config = channels(smtp, http, webhook="/broken", attempts=2)
        (root / CONFIG).write_text(with_notifications(CONFIG_TEXT, config), encoding="utf-8")
        result = notify(root, first, http)
        assert result.exit_code == 1
        assert http.at("/broken") == [] and http.at("/teams") == []
        assert len(http.at("/slack")) == 4
        assert len(smtp.mailbox.messages) == 8
    assert "11 messages not delivered" in result.output
    assert "HTTP 500" in result.stderr and "gave up after 2 tries" in result.stderr
    assert "HTTP 404" in result.stderr
    assert "teams #1 (Microsoft Teams incoming webhook $TEST_TEAMS_URL): 0 of 4 delivered" in result.stderr
    assert "slack #1 (Slack incoming webhook $TEST_SLACK_URL): 4 of 4 delivered" in result.stderr


def test_a_missing_secret_fails_only_its_channel(tmp_path: Path, make_site: MakeSite) -> None:
    root = make_site(tmp_path)
    first = incident_lifecycle(root)
    with SmtpServer() as smtp, HttpReceiver() as http:
        (root / CONFIG).write_text(with_notifications(CONFIG_TEXT, channels(smtp, http)), encoding="utf-8")
        result = cli("notify", "--root", str(root), "--since", first, "--now", NOW_ISO, env={"TEST_TEAMS_URL": ""})
        assert result.exit_code == 1
        assert http.at("/slack") == [] and http.at("/teams") == []
        assert len(http.at("/hook")) == 7
        assert len(smtp.mailbox.messages) == 8
    assert "the environment variable TEST_SLACK_URL is not set" in result.stderr


def test_an_internal_incident_sends_nothing(tmp_path: Path, make_site: MakeSite) -> None:
    root = make_site(tmp_path)
    first = init_repo(root)
    result = cli(
        "new", "incident", "--root", str(root), "--internal", "--title", "Secret database drill",
        "--severity", "SEV-4", "--component", "database=degraded_performance",
        "--message", "INTERNAL-MARKER drill", "--now", "2026-11-28T10:00:00Z",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    commit(root, "internal incident")
    with SmtpServer() as smtp, HttpReceiver() as http:
        (root / CONFIG).write_text(with_notifications(CONFIG_TEXT, channels(smtp, http)), encoding="utf-8")
        result = notify(root, first, http)
        assert result.exit_code == 0, result.output
        assert http.requests == []
        assert smtp.mailbox.messages == []
    assert "0 notices" in result.stderr
    assert "INTERNAL-MARKER" not in result.output


def test_dry_run_prints_every_channel_and_sends_nothing(tmp_path: Path, make_site: MakeSite) -> None:
    root = make_site(tmp_path)
    first = incident_lifecycle(root)
    with SmtpServer() as smtp, HttpReceiver() as http:
        (root / CONFIG).write_text(with_notifications(CONFIG_TEXT, channels(smtp, http)), encoding="utf-8")
        result = notify(root, first, http, "--dry-run")
        assert result.exit_code == 0, result.output
        assert http.requests == [] and smtp.mailbox.attempts == 0
    out = result.stdout
    assert f"=== email #1: SMTP 127.0.0.1:{smtp.port} (none) to {LIST} — 4 messages ===" in out
    assert "=== email #2:" in out and "only incidents of dashboard — 4 messages ===" in out
    assert f"already sent to {LIST} by email #1" in out
    assert f"=== webhook #1: Statuspage webhooks to {http.url('/hook')} — 7 messages ===" in out
    assert "=== slack #1: Slack incoming webhook $TEST_SLACK_URL — 4 messages ===" in out
    assert "=== teams #1: Microsoft Teams incoming webhook $TEST_TEAMS_URL — 4 messages ===" in out
    assert "Subject: [Example Status] Resolved: Login failures on the dashboard" in out
    assert '"component_update": {' in out
    # secrets from the environment are never printed
    assert http.url("/slack") not in out and http.url("/teams") not in out


def test_the_same_run_twice_sends_the_same_messages_with_the_same_ids(tmp_path: Path, make_site: MakeSite) -> None:
    """Message-IDs and payloads are stable, so a list service or receiver can drop a repeat
    (a re-run CI job) by id."""
    root = make_site(tmp_path)
    first = incident_lifecycle(root)
    with SmtpServer() as smtp, HttpReceiver() as http:
        (root / CONFIG).write_text(with_notifications(CONFIG_TEXT, channels(smtp, http)), encoding="utf-8")
        assert notify(root, first, http).exit_code == 0
        assert notify(root, first, http).exit_code == 0
        ids = [message["Message-ID"] for message in smtp.mailbox.to(LIST)]
        assert ids[:4] == ids[4:] and len(set(ids)) == 4
        bodies = [request.body for request in http.at("/hook")]
        assert bodies[:7] == bodies[7:]
