"""Notices × configured channels → the deliveries of one run, each with exactly what it sends.

Pure apart from reading environment variables (passed in): secrets are looked up here, once,
and never printed — a URL taken from a variable is shown as ``$NAME``.

A delivery is one message to one destination: one email per recipient address, one POST
per webhook payload. Its dedupe identity is ``(destination, message key)``; a delivery whose
identity an earlier one has (the same list address in two email channels, the same URL twice)
is marked as a duplicate and never sent.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import email.utils
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from urllib.parse import urlsplit

from ..config import ChatChannel, EmailChannel, Notifications, SmtpSecurity, WebhookChannel
from .changes import Notice, NoticeKind
from .messages import Renderer, dump_json

__all__ = ["ChannelPlan", "Delivery", "HttpPost", "Mail", "plan_deliveries"]


@dataclass(frozen=True)
class HttpPost:
    url: str | None = field(repr=False)
    """Where to POST; None when its environment variable is not set."""
    body: bytes
    content_type: str = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Mail:
    host: str
    port: int
    security: SmtpSecurity
    username: str | None
    password_env: str | None
    sender: str
    """The envelope sender (the bare address of ``from``)."""
    recipient: str
    message: bytes
    """The RFC 5322 message as sent (CRLF line ends); UTF-8 text goes as 8bit."""
    fallback: bytes | None = None
    """The same message in quoted-printable, for a server without 8BITMIME (None: all ASCII)."""


@dataclass(frozen=True)
class Delivery:
    channel: str
    """The channel's label, e.g. ``email #1``."""
    destination: str
    """Shown to people: an address, a URL, or ``$NAME`` for a URL that is a secret."""
    key: str
    """The message's key: the same message has the same key on every channel."""
    identity: str = field(repr=False)
    """The destination for deduplication (the real URL or the address)."""
    what: str
    """One line about the message, for logs."""
    request: HttpPost | Mail
    preview: str
    """Exactly what is sent, as text (``--dry-run``)."""
    problem: str | None = None
    """Why it cannot be tried at all (a variable that is not set)."""
    duplicate_of: str | None = None
    """The channel that already sends this message to this destination."""


@dataclass(frozen=True)
class ChannelPlan:
    label: str
    """``email #1``, ``webhook #2``, ``slack #1``, ``teams #1``."""
    description: str
    """Where it goes, without secrets."""
    deliveries: tuple[Delivery, ...]


def _relevant(notice: Notice, components: Sequence[str]) -> bool:
    return not components or bool(notice.components & set(components))


def _env_url(name: str, environ: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(URL, problem) from the variable ``name``."""
    value = environ.get(name, "").strip()
    if not value:
        return None, f"the environment variable {name} is not set (it should hold the URL)"
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None, f"the environment variable {name} does not hold an http(s) URL"
    return value, None


_ID_UNSAFE = re.compile(r"[^A-Za-z0-9.\-]")


def compose_email(
    channel: EmailChannel,
    recipient: str,
    subject: str,
    body: str,
    notice: Notice,
    now: dt.datetime,
    page_id: str,
    transfer_encoding: str = "8bit",
) -> EmailMessage:
    """The email for one recipient. Its Message-ID is stable, and every message about one
    incident refers to the first one, so mail programs thread them."""
    message = EmailMessage(policy=email.policy.SMTP)
    domain = email.utils.parseaddr(channel.sender)[1].rpartition("@")[2] or "statusgen.invalid"
    thread = f"<{_ID_UNSAFE.sub('-', notice.incident.id)}.{page_id}@{domain}>"
    message["Subject"] = subject
    message["From"] = channel.sender
    message["To"] = recipient
    message["Date"] = email.utils.format_datetime(now.astimezone(dt.UTC))
    if notice.kind in (NoticeKind.INCIDENT_CREATED, NoticeKind.MAINTENANCE_SCHEDULED):
        message["Message-ID"] = thread
    else:
        message["Message-ID"] = f"<{_ID_UNSAFE.sub('-', notice.key)}.{page_id}@{domain}>"
        message["In-Reply-To"] = thread
        message["References"] = thread
    message["Auto-Submitted"] = "auto-generated"
    # The text goes as written (7bit or 8bit UTF-8), so it reads the same in --dry-run and in
    # a mail program's source view.
    plain = body.isascii() and all(len(line) <= 900 for line in body.splitlines())
    message.set_content(body, cte="7bit" if plain else transfer_encoding)
    return message


def plan_deliveries(
    notifications: Notifications,
    notices: Sequence[Notice],
    renderer: Renderer,
    environ: Mapping[str, str],
    now: dt.datetime,
) -> list[ChannelPlan]:
    """Every channel's deliveries, in configuration order, each channel's oldest first."""
    plans: list[ChannelPlan] = []
    for index, channel in enumerate(notifications.email, 1):
        plans.append(_email_plan(f"email #{index}", channel, notices, renderer, now))
    for index, webhook in enumerate(notifications.webhooks, 1):
        plans.append(_webhook_plan(f"webhook #{index}", webhook, notices, renderer, environ))
    for app, channels in (("slack", notifications.slack), ("teams", notifications.teams)):
        for index, chat in enumerate(channels, 1):
            plans.append(_chat_plan(app, f"{app} #{index}", chat, notices, renderer, environ))
    return _mark_duplicates(plans)


def _email_plan(
    label: str, channel: EmailChannel, notices: Sequence[Notice], renderer: Renderer, now: dt.datetime
) -> ChannelPlan:
    deliveries = []
    sender = email.utils.parseaddr(channel.sender)[1]
    for notice in notices:
        if not _relevant(notice, channel.components):
            continue
        subject, body = renderer.email(notice)
        for recipient in channel.to:
            address = email.utils.parseaddr(recipient)[1]
            message = compose_email(channel, recipient, subject, body, notice, now, renderer.page_id)
            fallback = None
            if message["Content-Transfer-Encoding"] == "8bit":
                fallback = compose_email(
                    channel, recipient, subject, body, notice, now, renderer.page_id, "quoted-printable"
                ).as_bytes()
            request = Mail(
                channel.host,
                channel.port,
                channel.security,
                channel.username,
                channel.password_env,
                sender,
                address,
                message.as_bytes(),
                fallback,
            )
            preview = message.as_bytes().decode("utf-8", errors="replace").replace("\r\n", "\n")
            deliveries.append(
                Delivery(
                    label,
                    address,
                    f"{notice.key}/email",
                    f"mailto:{address.lower()}",
                    f"{notice.describe()}: {subject}",
                    request,
                    preview,
                )
            )
    login = f", login {channel.username} with ${channel.password_env}" if channel.username else ""
    description = f"SMTP {channel.host}:{channel.port} ({channel.security.value}{login}) to {', '.join(channel.to)}"
    return ChannelPlan(label, description + _filter_note(channel.components), tuple(deliveries))


def _filter_note(components: Sequence[str]) -> str:
    return f"; only incidents of {', '.join(components)}" if components else ""


def _webhook_plan(
    label: str, webhook: WebhookChannel, notices: Sequence[Notice], renderer: Renderer, environ: Mapping[str, str]
) -> ChannelPlan:
    if webhook.url_env is not None:
        url, problem = _env_url(webhook.url_env, environ)
        shown = f"${webhook.url_env}"
    else:
        url, problem, shown = webhook.url, None, webhook.url or ""
    deliveries = []
    for notice in notices:
        if not _relevant(notice, webhook.components):
            continue
        for suffix, payload in renderer.webhooks(notice):
            component = suffix.removeprefix("component/") if suffix.startswith("component/") else None
            if component is not None and webhook.components and component not in webhook.components:
                continue
            body = dump_json(payload)
            shape = "incident" if suffix == "incident" else "component_update"
            deliveries.append(
                Delivery(
                    label,
                    shown,
                    f"{notice.key}/webhook/{suffix}",
                    url or shown,
                    f"{notice.describe()}: {shape}" + (f" {suffix.split('/', 1)[1]}" if "/" in suffix else ""),
                    HttpPost(url, body),
                    f"POST {shown}\nContent-Type: application/json; charset=utf-8\n\n{body.decode('utf-8')}",
                    problem,
                )
            )
    return ChannelPlan(label, f"Statuspage webhooks to {shown}" + _filter_note(webhook.components), tuple(deliveries))


def _chat_plan(
    app: str,
    label: str,
    chat: ChatChannel,
    notices: Sequence[Notice],
    renderer: Renderer,
    environ: Mapping[str, str],
) -> ChannelPlan:
    url, problem = _env_url(chat.url_env, environ)
    shown = f"${chat.url_env}"
    deliveries = []
    for notice in notices:
        if not _relevant(notice, chat.components):
            continue
        payload = renderer.slack(notice) if app == "slack" else renderer.teams(notice)
        body = dump_json(payload)
        deliveries.append(
            Delivery(
                label,
                shown,
                f"{notice.key}/{app}",
                url or shown,
                f"{notice.describe()}: {payload['text'] if app == 'slack' else payload['summary']}",
                HttpPost(url, body),
                f"POST {shown}\nContent-Type: application/json; charset=utf-8\n\n{body.decode('utf-8')}",
                problem,
            )
        )
    name = "Slack" if app == "slack" else "Microsoft Teams"
    return ChannelPlan(label, f"{name} incoming webhook {shown}" + _filter_note(chat.components), tuple(deliveries))


def _mark_duplicates(plans: list[ChannelPlan]) -> list[ChannelPlan]:
    first: dict[tuple[str, str], str] = {}
    result = []
    for plan in plans:
        deliveries = []
        for delivery in plan.deliveries:
            identity = (delivery.identity, delivery.key)
            if identity in first:
                delivery = replace(delivery, duplicate_of=first[identity])
            else:
                first[identity] = plan.label
            deliveries.append(delivery)
        result.append(replace(plan, deliveries=tuple(deliveries)))
    return result
