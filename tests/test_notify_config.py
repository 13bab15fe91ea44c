"""The `notifications:` section of statusgen.yml: typed, validated with located problems, and
never holding a secret."""

from __future__ import annotations

from pathlib import Path

from conftest import CONFIG, CONFIG_TEXT, NOW, MakeSite, loc
from notify_helpers import with_notifications

from statusgen.config import ChatChannel, EmailChannel, Notifications, SmtpSecurity, WebhookChannel
from statusgen.validate import validate_site

FULL = """
notifications:
  templates: content/templates/mine
  retry:
    attempts: 5
    backoff: 500ms
    timeout: 1m
  email:
    - host: smtp.example.com
      username: status-bot
      password_env: SMTP_PASSWORD
      from: Example Status <status@example.com>
      to: [announce@lists.example.com]
    - host: mail.example.com
      security: tls
      from: status@example.com
      to: [api-users@lists.example.com, "API users <api@lists.example.com>"]
      components: [api]
  webhooks:
    - url: https://hooks.example.com/statuspage
    - url_env: PARTNER_WEBHOOK_URL
      components: [database]
  slack:
    - url_env: SLACK_WEBHOOK_URL
  teams:
    - url_env: TEAMS_WEBHOOK_URL
      components: [api, dashboard]
"""


def problems(root: Path) -> list[str]:
    return [f"{p.line}:{p.column}: {p.code}: {p.message}" for p in validate_site(root, now=NOW).problems]


def test_a_full_section_becomes_typed_settings(tmp_path: Path, make_site: MakeSite) -> None:
    root = make_site(tmp_path, {CONFIG: with_notifications(CONFIG_TEXT, FULL)})
    result = validate_site(root, now=NOW)
    assert result.problems == []
    assert result.site is not None
    assert result.site.config.notifications == Notifications(
        enabled=True,
        email=(
            EmailChannel(
                "smtp.example.com",
                "Example Status <status@example.com>",
                ("announce@lists.example.com",),
                587,
                SmtpSecurity.STARTTLS,
                "status-bot",
                "SMTP_PASSWORD",
            ),
            EmailChannel(
                "mail.example.com",
                "status@example.com",
                ("api-users@lists.example.com", "API users <api@lists.example.com>"),
                465,
                SmtpSecurity.TLS,
                components=("api",),
            ),
        ),
        webhooks=(
            WebhookChannel("https://hooks.example.com/statuspage"),
            WebhookChannel(url_env="PARTNER_WEBHOOK_URL", components=("database",)),
        ),
        slack=(ChatChannel("SLACK_WEBHOOK_URL"),),
        teams=(ChatChannel("TEAMS_WEBHOOK_URL", ("api", "dashboard")),),
        templates="content/templates/mine",
        attempts=5,
        backoff=0.5,
        timeout=60.0,
    )


def test_without_the_section_nothing_is_configured(tmp_path: Path, make_site: MakeSite) -> None:
    result = validate_site(make_site(tmp_path), now=NOW)
    assert result.site is not None
    assert result.site.config.notifications == Notifications()
    assert result.site.config.notifications.channels == 0


def test_literal_secrets_are_refused_where_they_are_written(tmp_path: Path, make_site: MakeSite) -> None:
    block = """
notifications:
  email:
    - host: smtp.example.com
      username: bot
      password: hunter2
      from: status@example.com
      to: [list@example.com]
  webhooks:
    - url: https://hooks.example.com/in?token=abc123
    - url: https://user:pw@hooks.example.com/in
  slack:
    - url: https://hooks.slack.com/services/T000/B000/XXXX
  teams:
    - url_env: TEAMS_WEBHOOK_URL
      secret: abc
"""
    text = with_notifications(CONFIG_TEXT, block)
    found = problems(make_site(tmp_path, {CONFIG: text}))
    codes = [(line.split(": ")[0], line.split(": ")[1]) for line in found]
    assert codes == [
        ("{}:{}".format(*loc(text, "password: hunter2")), "SG209"),
        ("{}:{}".format(*loc(text, "https://hooks.example.com/in?token")), "SG209"),
        ("{}:{}".format(*loc(text, "https://user:pw@")), "SG209"),
        ("{}:{}".format(*loc(text, "url: https://hooks.slack.com")), "SG209"),
        ("{}:{}".format(*loc(text, "secret: abc")), "SG209"),
    ]
    assert "password_env: SMTP_PASSWORD" in found[0]
    assert "url_env" in found[3]
    assert all("hunter2" not in line and "XXXX" not in line for line in found)


def test_mistakes_are_located(tmp_path: Path, make_site: MakeSite) -> None:
    block = """
notifications:
  retry:
    attempts: 0
    backoff: soon
  email:
    - host: smtp.example.com
      security: ssl
      username: bot
      from: not an address
      to: []
      components: [apii]
  webhooks:
    - components: [api]
    - url: https://a.example.com/
      url_env: HOOK
  slack:
    - url_env: 1SLACK
  teams:
    - {}
  sms: []
"""
    text = with_notifications(CONFIG_TEXT, block)
    found = problems(make_site(tmp_path, {CONFIG: text}))
    by_position = {line.split(": ")[0]: line for line in found}

    def at(needle: str, code: str) -> None:
        position = "{}:{}".format(*loc(text, needle))
        assert position in by_position and code in by_position[position], (needle, found)

    at("0\n", "SG204")
    at("soon", "SG206")
    at("ssl", "SG204")
    at("not an address", "SG206")
    at("[]\n      components", "SG207")
    at("1SLACK", "SG206")
    at("sms", "SG202")
    at("{}", "SG201")


def test_references_and_pairs_are_checked(tmp_path: Path, make_site: MakeSite) -> None:
    block = """
notifications:
  email:
    - host: smtp.example.com
      username: bot
      from: status@example.com
      to: [list@example.com]
      components: [apii]
  webhooks:
    - components: [api]
    - url: https://a.example.com/
      url_env: HOOK
"""
    text = with_notifications(CONFIG_TEXT, block)
    found = problems(make_site(tmp_path, {CONFIG: text}))
    assert any(line.startswith("{}:{}: SG301".format(*loc(text, "apii"))) and "'api'" in line for line in found)
    assert any("SG201" in line and "password_env" in line for line in found)
    assert any(line.startswith("{}:{}: SG201".format(*loc(text, "components: [api]\n"))) for line in found)
    assert any(line.startswith("{}:{}: SG208".format(*loc(text, "url_env: HOOK"))) for line in found)


def test_the_demo_configuration_validates_with_its_example_block() -> None:
    repo = Path(__file__).resolve().parent.parent
    result = validate_site(repo, now=NOW)
    assert [p for p in result.problems if p.path == CONFIG] == []
    assert result.site is not None
    assert result.site.config.notifications.enabled is False
    assert result.site.config.notifications.channels >= 4
