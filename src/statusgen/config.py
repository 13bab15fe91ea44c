"""Typed site configuration: what ``statusgen.yml`` says, with the handbook's defaults."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from .loader import SourceMap
from .model import Severity

__all__ = [
    "ChatChannel",
    "Component",
    "Config",
    "DEFAULT_POLICY",
    "EmailChannel",
    "Feeds",
    "Group",
    "Notifications",
    "SeverityPolicy",
    "SMTP_PORTS",
    "SmtpSecurity",
    "WebhookChannel",
    "CONFIG_FILE",
]

CONFIG_FILE = "statusgen.yml"


@dataclass(frozen=True)
class Group:
    id: str
    """Stable identifier, referenced by components."""
    name: str
    """Display name."""
    description: str = ""


@dataclass(frozen=True)
class Component:
    id: str
    """Stable identifier used in incidents, feeds and the API."""
    name: str
    """Display name."""
    description: str = ""
    group: str | None = None
    """Id of the group this component is shown in, if any."""
    show_uptime: bool = True
    """Whether the public page shows the 90-day uptime bar."""
    start_date: dt.date | None = None
    """Uptime is not counted before this date."""


@dataclass(frozen=True)
class SeverityPolicy:
    """The response targets of one severity. ``None`` switches a target off."""

    response_target: dt.timedelta | None
    """Longest time from ``detected`` to ``acknowledged``."""
    initial_update: dt.timedelta | None
    """Longest time from ``declared`` to the first public update."""
    update_cadence: dt.timedelta | None
    """Longest gap between public updates while the incident is active."""
    resolution_notice: dt.timedelta | None
    """Longest time from ``resolved`` to the public ``resolved`` update."""
    postmortem_required: bool
    """Whether a postmortem must be published."""
    postmortem_deadline: dt.timedelta | None
    """Longest time from ``resolved`` to the postmortem's publication."""


def _minutes(n: int) -> dt.timedelta:
    return dt.timedelta(minutes=n)


DEFAULT_POLICY: Mapping[Severity, SeverityPolicy] = {
    Severity.SEV1: SeverityPolicy(_minutes(15), _minutes(15), _minutes(30), _minutes(15), True, _minutes(48 * 60)),
    Severity.SEV2: SeverityPolicy(_minutes(30), _minutes(15), _minutes(30), _minutes(15), True, _minutes(48 * 60)),
    Severity.SEV3: SeverityPolicy(_minutes(60), _minutes(15), _minutes(60), _minutes(15), False, _minutes(48 * 60)),
    Severity.SEV4: SeverityPolicy(_minutes(240), _minutes(15), None, _minutes(15), False, _minutes(48 * 60)),
}
"""From the incident-response handbook: response within 15 min / 30 min / 1 h / 4 h, updates
every 30 minutes for major incidents, first update and resolution notice within 15 minutes,
report within 48 hours."""


class SmtpSecurity(StrEnum):
    """How the SMTP connection is protected."""

    STARTTLS = "starttls"
    """Connect in plain text, then upgrade with STARTTLS (port 587); refuse a server without it."""
    TLS = "tls"
    """TLS from the first byte, "implicit TLS" (port 465)."""
    NONE = "none"
    """No encryption at all: only for a local test server."""


SMTP_PORTS: Mapping[SmtpSecurity, int] = {SmtpSecurity.STARTTLS: 587, SmtpSecurity.TLS: 465, SmtpSecurity.NONE: 25}
"""The port used when ``port`` is not set."""


@dataclass(frozen=True)
class EmailChannel:
    """Email over SMTP to one or more addresses, typically mailing lists that handle
    subscribing and unsubscribing. Each address receives its own copy."""

    host: str
    """SMTP server host name."""
    sender: str
    """``from``: the From address, e.g. ``Example Status <status@example.com>``."""
    to: tuple[str, ...]
    """Recipient addresses."""
    port: int = 587
    """SMTP port; by default 587 for ``starttls``, 465 for ``tls``, 25 for ``none``."""
    security: SmtpSecurity = SmtpSecurity.STARTTLS
    """``starttls`` (default), ``tls`` or ``none``."""
    username: str | None = None
    """Login name, if the server needs one (then ``password_env`` is required)."""
    password_env: str | None = None
    """Name of the environment variable holding the password; never the password itself."""
    components: tuple[str, ...] = ()
    """Only incidents that affect one of these component ids; empty: every incident."""


@dataclass(frozen=True)
class WebhookChannel:
    """An endpoint that receives Statuspage-compatible webhook payloads (``incident`` and
    ``component_update``) as JSON POST requests. Exactly one of ``url`` and ``url_env``."""

    url: str | None = None
    """The endpoint, written in the file (it must not carry credentials)."""
    url_env: str | None = None
    """Name of the environment variable holding the endpoint, for URLs that are secrets."""
    components: tuple[str, ...] = ()
    """Only incidents (and component updates) of these component ids; empty: all."""


@dataclass(frozen=True)
class ChatChannel:
    """A Slack or Microsoft Teams incoming webhook. Its URL is a secret, so it always comes
    from an environment variable."""

    url_env: str
    """Name of the environment variable holding the incoming-webhook URL."""
    components: tuple[str, ...] = ()
    """Only incidents that affect one of these component ids; empty: every incident."""


@dataclass(frozen=True)
class Notifications:
    """``notifications:`` — who ``statusgen notify`` tells about new incidents and updates."""

    enabled: bool = True
    """``false`` keeps every channel quiet (``--dry-run`` still shows what would be sent)."""
    email: tuple[EmailChannel, ...] = ()
    """SMTP destinations."""
    webhooks: tuple[WebhookChannel, ...] = ()
    """Statuspage-compatible webhook endpoints."""
    slack: tuple[ChatChannel, ...] = ()
    """Slack incoming webhooks."""
    teams: tuple[ChatChannel, ...] = ()
    """Microsoft Teams incoming webhooks (or Workflows "when a webhook request is received")."""
    templates: str = "content/templates/notifications"
    """Folder of the message templates (``email.txt``, ``slack.txt``, ``teams.txt``), relative to
    the site; a template missing there is the built-in default."""
    attempts: int = 4
    """``retry.attempts``: tries per message and destination, the first included."""
    backoff: float = 2.0
    """``retry.backoff``: seconds to wait before the second try; doubled before each next one."""
    timeout: float = 10.0
    """``retry.timeout``: seconds one try may take before it counts as a temporary failure."""

    @property
    def channels(self) -> int:
        return len(self.email) + len(self.webhooks) + len(self.slack) + len(self.teams)


@dataclass(frozen=True)
class Feeds:
    """``feeds:`` in ``statusgen.yml``: how much the RSS and Atom feeds hold."""

    entries: int = 50
    """``feeds.entries``: the most recently updated incidents each feed holds (1–1000)."""


@dataclass(frozen=True)
class Config:
    name: str
    """The status page's name, shown in titles and feeds."""
    base_url: str
    """Absolute URL the public site is served from, ending in ``/``; may have a path."""
    time_zone: str
    """IANA time zone name used to display times."""
    language: str = "en"
    """BCP 47 language tag of the pages."""
    groups: tuple[Group, ...] = ()
    """Component groups, in display order."""
    components: tuple[Component, ...] = ()
    """Components, in display order."""
    policy: Mapping[Severity, SeverityPolicy] = field(default_factory=lambda: dict(DEFAULT_POLICY))
    """Response targets per severity."""
    notifications: Notifications = Notifications()
    """Notification channels for ``statusgen notify``; none by default."""
    feeds: Feeds = Feeds()
    """What the public feeds hold."""
    where: SourceMap = field(default_factory=SourceMap, compare=False, repr=False)

    @functools.cached_property
    def component_ids(self) -> frozenset[str]:
        return frozenset(component.id for component in self.components)
