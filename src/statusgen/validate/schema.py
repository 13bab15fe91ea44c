"""The schema layer: types, allowed values, required and unknown fields, time zones.

Each file's data is checked against a small declarative schema. A check returns the value
converted to its model type, or ``INVALID`` after recording a located problem; so one pass
both validates and builds the model objects the later layers work on.
"""

from __future__ import annotations

import datetime as dt
import difflib
import email.utils
import functools
import re
import zoneinfo
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

from ..config import (
    DEFAULT_POLICY,
    SMTP_PORTS,
    ChatChannel,
    Component,
    Config,
    EmailChannel,
    Feeds,
    Group,
    Notifications,
    SeverityPolicy,
    SmtpSecurity,
    WebhookChannel,
)
from ..loader import Document, KeyPath
from ..model import (
    TIMELINE_MOMENTS,
    ActionItem,
    ActionStatus,
    ComponentStatus,
    Escalation,
    Incident,
    IncidentStatus,
    IncidentType,
    MaintenanceStatus,
    Postmortem,
    PostmortemStatus,
    Roles,
    Schedule,
    Severity,
    Timeline,
    Update,
    Visibility,
)
from ..problems import Level, Problem

__all__ = ["check_config", "check_incident", "check_postmortem", "SLUG"]

SLUG: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class _Invalid:
    def __repr__(self) -> str:
        return "INVALID"


INVALID: Final = _Invalid()


class _Slow:
    def __repr__(self) -> str:
        return "SLOW"


SLOW: Final = _Slow()
"""What :meth:`Field.quick` says of a value it cannot vouch for: check it the thorough way."""


class Checker:
    """Collects the problems of one document."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.problems: list[Problem] = []

    def at_value(self, path: KeyPath, code: str, message: str) -> _Invalid:
        line, column = self.document.where.value(path)
        self.problems.append(Problem(self.document.path, line, column, Level.ERROR, code, message))
        return INVALID

    def at_key(self, path: KeyPath, code: str, message: str) -> _Invalid:
        line, column = self.document.where.key(path)
        self.problems.append(Problem(self.document.path, line, column, Level.ERROR, code, message))
        return INVALID


def describe(path: KeyPath) -> str:
    """``('updates', 2, 'status')`` → ``updates[2].status``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "the frontmatter"


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, dt.datetime):
        return "a time"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"'{value}'"


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


class Field(ABC):
    """A value check: return the converted value, or INVALID after a problem."""

    @abstractmethod
    def check(self, c: Checker, value: Any, path: KeyPath) -> Any: ...

    def quick(self, value: Any) -> Any:
        """What :meth:`check` returns for a ``value`` it finds no problem with, or SLOW.

        The shortcut for the usual valid value, without a checker or a path: it never reports,
        and says SLOW whenever :meth:`check` might report or convert differently.
        """
        return SLOW


_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
"""Characters no page, feed or e-mail can carry: C0/C1 controls (tab and line breaks aside),
lone surrogates and non-characters. YAML lets them in through escapes in quoted strings."""


@dataclass(frozen=True)
class Text(Field):
    required_text: bool = True

    def quick(self, value: Any) -> Any:
        if (
            value.__class__ is str
            and ((value and not value.isspace()) or not self.required_text)
            # printable plain ASCII (a one-line text, usually) needs no search
            and ((value.isascii() and value.isprintable()) or not _UNPRINTABLE.search(value))
        ):
            return value
        return SLOW

    def check(self, c: Checker, value: Any, path: KeyPath) -> Any:
        if value.__class__ is str and (value.strip() or not self.required_text) and not _UNPRINTABLE.search(value):
            return value  # the usual case, in short
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            if value is None and self.required_text:
                return c.at_value(path, "SG207", f"{describe(path)} is empty; write some text")
            if value is None:
                return ""
            return c.at_value(path, "SG203", f"{describe(path)} must be text, not {_kind(value)}")
        text = str(value)
        if self.required_text and not text.strip():
            return c.at_value(path, "SG207", f"{describe(path)} is empty; write some text")
        if (bad := _UNPRINTABLE.search(text)) is not None:
            return c.at_value(
                path,
                "SG206",
                f"{describe(path)} contains the control character U+{ord(bad.group()):04X} "
                f"(character {bad.start() + 1}); remove it",
            )
        return text


@dataclass(frozen=True)
class Choice(Field):
    enum: type[StrEnum]
    allowed: tuple[str, ...] = ()

    @functools.cached_property
    def _members(self) -> dict[str, StrEnum]:
        return {member.value: member for member in self.enum if not self.allowed or member.value in self.allowed}

    def quick(self, value: Any) -> Any:
        return self._members.get(value, SLOW) if value.__class__ is str else SLOW

    def check(self, c: Checker, value: Any, path: KeyPath) -> Any:
        member = self._members.get(value) if isinstance(value, str) else None
        if member is not None:
            return member
        allowed = list(self.allowed or [member.value for member in self.enum])
        hint = _suggest(value, allowed) if isinstance(value, str) else ""
        return c.at_value(
            path, "SG204", f"{describe(path)} must be one of {', '.join(allowed)}, not {_kind(value)}{hint}"
        )


@dataclass(frozen=True)
class Moment(Field):
    """A time-zone-aware date and time."""

    def quick(self, value: Any) -> Any:
        return value if value.__class__ is dt.datetime and value.utcoffset() is not None else SLOW

    def check(self, c: Checker, value: Any, path: KeyPath) -> Any:
        if isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value.strip())
            except ValueError:
                return c.at_value(
                    path, "SG206", f"{describe(path)}: '{value}' is not an ISO 8601 time like 2026-11-20T14:15:00Z"
                )
        if isinstance(value, dt.datetime):
            if value.tzinfo is None or value.utcoffset() is None:
                return c.at_value(
                    path,
                    "SG205",
                    f"{describe(path)}: {value.isoformat()} has no time zone; add Z (UTC) or an offset like +01:00",
                )
            return value
        if isinstance(value, dt.date):
            return c.at_value(
                path, "SG206", f"{describe(path)} needs a time of day and a zone, like {value.isoformat()}T14:15:00Z"
            )
        return c.at_value(
            path, "SG203", f"{describe(path)} must be a time like 2026-11-20T14:15:00Z, not {_kind(value)}"
        )


@dataclass(frozen=True)
class Day(Field):
    def quick(self, value: Any) -> Any:
        return value if value.__class__ is dt.date else SLOW

    def check(self, c: Checker, value: Any, path: KeyPath) -> Any:
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                return c.at_value(path, "SG206", f"{describe(path)}: '{value}' is not a date like 2026-12-15")
        if isinstance(value, dt.datetime):
            return c.at_value(
                path, "SG206", f"{describe(path)} is a date, write it without a time: {value.date().isoformat()}"
            )
        if isinstance(value, dt.date):
            return value
        return c.at_value(path, "SG203", f"{describe(path)} must be a date like 2026-12-15, not {_kind(value)}")


_DURATION = re.compile(r"(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?")


@dataclass(frozen=True)
class Duration(Field):
    def check(self, c: Checker, value: Any, path: KeyPath) -> Any:
        if value is None:
            return None
        match = _DURATION.fullmatch(value.strip()) if isinstance(value, str) else None
        if not match or not any(match.groups()):
            return c.at_value(
                path,
                "SG206",
                f"{describe(path)}: write a duration like 15m, 1h, 1h30m or 2d (or null), not {_kind(value)}",
            )
        days, hours, minutes = (int(group or 0) for group in match.groups())
        return dt.timedelta(days=days, hours=hours, minutes=minutes)


@dataclass(frozen=True)
class Flag(Field):
    def quick(self, value: Any) -> Any:
        return value if value.__class__ is bool else SLOW

    def check(self, c: Checker, value: Any, path: KeyPath) -> Any:
        if isinstance(value, bool):
            return value
        return c.at_value(path, "SG203", f"{describe(path)} must be true or false, not {_kind(value)}")


@dataclass(frozen=True)
class Slug(Field):
    def quick(self, value: Any) -> Any:
        return value if value.__class__ is str and SLUG.fullmatch(value) else SLOW

    def check(self, c: Checker, value: Any, path: KeyPath) -> Any:
        if isinstance(value, str) and SLUG.fullmatch(value):
            return value
        return c.at_value(
            path, "SG206", f"{describe(path)}: {_kind(value)} is not an id; use lowercase letters, digits and hyphens"
        )


@dataclass(frozen=True)
class Url(Field):
    def quick(self, value: Any) -> Any:
        if value.__class__ is str:
            parts = urlsplit(value.strip())
            if parts.scheme in ("http", "https") and parts.netloc:
                return value.strip()
        return SLOW

    def check(self, c: Checker, value: Any, path: KeyPath) -> Any:
        if isinstance(value, str):
            parts = urlsplit(value.strip())
            if parts.scheme in ("http", "https") and parts.netloc:
                return value.strip()
        return c.at_value(path, "SG206", f"{describe(path)}: {_kind(value)} is not an http(s) URL")


@dataclass(frozen=True)
class TimeZone(Field):
    def check(self, c: Checker, value: Any, path: KeyPath) -> Any:
        if isinstance(value, str):
            try:
                zoneinfo.ZoneInfo(value)
                return value
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                pass
        return c.at_value(
            path, "SG206", f"{describe(path)}: {_kind(value)} is not an IANA time zone such as Europe/Berlin or UTC"
        )


@dataclass(frozen=True)
class ListOf(Field):
    item: Field
    nonempty: bool = False

    def check(self, c: Checker, value: Any, path: KeyPath) -> Any:
        if not isinstance(value, list):
            return c.at_value(path, "SG203", f"{describe(path)} must be a list, not {_kind(value)}")
        if self.nonempty and not value:
            return c.at_value(path, "SG207", f"{describe(path)} is empty; add at least one item")
        quick, check = self.item.quick, self.item.check
        items = [quick(item) for item in value]
        if SLOW in items:
            items = [
                check(c, item, (*path, index)) if quick_item is SLOW else quick_item
                for index, (item, quick_item) in enumerate(zip(value, items, strict=True))
            ]
        return INVALID if INVALID in items else items

    def quick(self, value: Any) -> Any:
        if value.__class__ is not list or (self.nonempty and not value):
            return SLOW
        quick = self.item.quick
        items = [quick(item) for item in value]
        return SLOW if SLOW in items else items


@dataclass(frozen=True)
class MapOf(Field):
    value: Field

    def check(self, c: Checker, value: Any, path: KeyPath) -> Any:
        if not isinstance(value, dict):
            return c.at_value(path, "SG203", f"{describe(path)} must be a mapping (key: value), not {_kind(value)}")
        checked = {key: self.value.check(c, item, (*path, key)) for key, item in value.items()}
        return INVALID if INVALID in checked.values() else checked

    def quick(self, value: Any) -> Any:
        if value.__class__ is not dict:
            return SLOW
        quick = self.value.quick
        checked = {key: quick(item) for key, item in value.items()}
        return SLOW if SLOW in checked.values() else checked


@dataclass(frozen=True)
class Record(Field):
    fields: Mapping[str, Field]
    required: frozenset[str] = frozenset()
    misplaced: Mapping[str, str] = field(default_factory=dict)
    """Fields that exist elsewhere but not here, with the reason (SG208)."""

    def check(self, c: Checker, value: Any, path: KeyPath) -> Any:
        if not isinstance(value, dict):
            return c.at_value(path, "SG203", f"{describe(path)} must be a mapping of fields, not {_kind(value)}")
        result: dict[str, Any] = {}
        valid = True
        fields = self.fields
        quick_of = self._quick_of
        for key, item in value.items():
            quick = quick_of.get(key)
            if quick is not None and item is not None:  # the usual case, in short
                checked = quick(item)
                if checked is SLOW:
                    checked = fields[key].check(c, item, (*path, key))
                    if checked is INVALID:
                        valid = False
                result[key] = checked
                continue
            child = (*path, key)
            if key in self.misplaced:
                c.at_key(child, "SG208", self.misplaced[key])
                valid = False
            elif key not in self.fields:
                hint = _suggest(key, list(self.fields)) or f"; known fields: {', '.join(self.fields)}"
                c.at_key(child, "SG202", f"unknown field '{describe(child)}'{hint}")
                valid = False
            elif item is None and key not in self.required and not isinstance(self.fields[key], Duration):
                continue  # an empty optional field is an absent one
            else:
                result[key] = self.fields[key].check(c, item, child)
                valid = valid and result[key] is not INVALID
        if not self.required <= value.keys():
            for name in self.fields:
                if name in self.required and name not in value:
                    c.at_value(path, "SG201", f"missing required field '{describe((*path, name))}'")
                    valid = False
        return result if valid else INVALID

    @functools.cached_property
    def _quick_of(self) -> dict[str, Any]:
        """The shortcut of each field that is not misplaced here."""
        return {key: known.quick for key, known in self.fields.items() if key not in self.misplaced}

    def quick(self, value: Any) -> Any:
        if value.__class__ is not dict:
            return SLOW
        quick_of = self._quick_of
        result: dict[str, Any] = {}
        for key, item in value.items():
            quick = quick_of.get(key)
            if quick is None or item is None:
                return SLOW  # unknown, misplaced or empty: the thorough check says which
            checked = result[key] = quick(item)
            if checked is SLOW:
                return SLOW
        if not self.required <= result.keys():
            return SLOW
        return result


@dataclass(frozen=True)
class Integer(Field):
    low: int
    high: int

    def check(self, c: Checker, value: Any, path: KeyPath) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            return c.at_value(path, "SG203", f"{describe(path)} must be a whole number, not {_kind(value)}")
        if not self.low <= value <= self.high:
            between = f"between {self.low} and {self.high}"
            return c.at_value(path, "SG204", f"{describe(path)} must be {between}, not {value}")
        return value


_SECONDS = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m)")


@dataclass(frozen=True)
class Seconds(Field):
    """A short duration in seconds: ``2s``, ``500ms``, ``1m`` or a bare number of seconds."""

    def check(self, c: Checker, value: Any, path: KeyPath) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            return float(value)
        match = _SECONDS.fullmatch(value.strip()) if isinstance(value, str) else None
        if match is None:
            return c.at_value(
                path, "SG206", f"{describe(path)}: write a duration like 2s, 500ms or 1m, not {_kind(value)}"
            )
        number, unit = float(match.group(1)), match.group(2)
        return number / 1000 if unit == "ms" else number * 60 if unit == "m" else number


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class EnvName(Field):
    """The name of an environment variable (which holds a secret)."""

    def check(self, c: Checker, value: Any, path: KeyPath) -> Any:
        if isinstance(value, str) and _ENV_NAME.fullmatch(value):
            return value
        return c.at_value(
            path,
            "SG206",
            f"{describe(path)}: {_kind(value)} is not an environment variable name like SMTP_PASSWORD",
        )


@dataclass(frozen=True)
class Address(Field):
    """An email address, optionally with a display name: ``Status <status@example.com>``."""

    def check(self, c: Checker, value: Any, path: KeyPath) -> Any:
        if isinstance(value, str):
            _, address = email.utils.parseaddr(value.strip())
            local, at, domain = address.rpartition("@")
            if at and local and "." in domain and not any(char.isspace() for char in address):
                return value.strip()
        return c.at_value(path, "SG206", f"{describe(path)}: {_kind(value)} is not an email address")


_SECRET_QUERY = re.compile(r"(?i).*(token|key|secret|sig|signature|password|passwd|auth|code).*")


@dataclass(frozen=True)
class PublicUrl(Url):
    """An http(s) URL written in the repository: no password and no token in it."""

    def quick(self, value: Any) -> Any:
        return SLOW  # (rare: only in statusgen.yml)

    def check(self, c: Checker, value: Any, path: KeyPath) -> Any:
        url = super().check(c, value, path)
        if url is INVALID:
            return url
        parts = urlsplit(url)
        names = [name for name, _ in parse_qsl(parts.query, keep_blank_values=True)]
        if parts.password is not None or any(_SECRET_QUERY.fullmatch(name) for name in names):
            return c.at_value(
                path,
                "SG209",
                f"{describe(path)} carries a credential, which must not be in the repository; put the URL in a "
                "CI secret and name its environment variable with 'url_env' instead",
            )
        return url


@dataclass(frozen=True)
class Secretless(Field):
    """A record in which some keys would hold a secret: each is refused (SG209) with a hint to
    name an environment variable instead."""

    record: Record
    secrets: Mapping[str, str]

    def check(self, c: Checker, value: Any, path: KeyPath) -> Any:
        if not isinstance(value, dict):
            return self.record.check(c, value, path)
        found = [key for key in value if key in self.secrets]
        for key in found:
            c.at_key((*path, key), "SG209", self.secrets[key])
        before = len(c.problems)
        result = self.record.check(c, {k: v for k, v in value.items() if k not in found}, path)
        if found:  # "missing url_env" would only repeat the advice just given
            c.problems[before:] = [p for p in c.problems[before:] if p.code != "SG201"]
        return INVALID if found else result


# --- schemas ---------------------------------------------------------------------------------

_ACTIVE_STATUSES = tuple(s.value for s in ComponentStatus if s is not ComponentStatus.OPERATIONAL)
_TIMELINE = Record({name: Moment() for name in TIMELINE_MOMENTS})
_ROLES = Record({name: Text() for name in ("incident_commander", "operations_lead", "communications_lead", "scribe")})


def _incident_record(kind: IncidentType) -> Record:
    statuses = IncidentStatus if kind is IncidentType.INCIDENT else MaintenanceStatus
    update = Record(
        {
            "at": Moment(),
            "status": Choice(statuses),
            "message": Text(),
            "components": MapOf(Choice(ComponentStatus)),
            "notify": Flag(),
        },
        required=frozenset({"at", "status", "message"}),
    )
    fields: dict[str, Field] = {
        "title": Text(),
        "type": Choice(IncidentType),
        "severity": Choice(Severity),
        "visibility": Choice(Visibility),
        "scheduled": Record({"start": Moment(), "end": Moment()}, required=frozenset({"start", "end"})),
        "components": MapOf(Choice(ComponentStatus, _ACTIVE_STATUSES)),
        "timeline": _TIMELINE,
        "roles": _ROLES,
        "escalation": Choice(Escalation),
        "runbooks": ListOf(Slug()),
        "tags": ListOf(Text()),
        "updates": ListOf(update, nonempty=True),
    }
    if kind is IncidentType.INCIDENT:
        required = {"title", "severity", "visibility"}
        misplaced = {"scheduled": "'scheduled' belongs to maintenance; set 'type: maintenance' or remove it"}
    else:
        required = {"title", "visibility", "scheduled"}
        misplaced = {"severity": "maintenance has no severity; remove it (or set 'type: incident')"}
    return Record(fields, frozenset(required), misplaced)


_RECORDS = {kind: _incident_record(kind) for kind in IncidentType}

_POSTMORTEM = Record(
    {
        "status": Choice(PostmortemStatus),
        "visibility": Choice(Visibility),
        "authors": ListOf(Text(), nonempty=True),
        "reviewers": ListOf(Text()),
        "published": Day(),
        "action_items": ListOf(
            Record(
                {"title": Text(), "owner": Text(), "due": Day(), "status": Choice(ActionStatus), "link": Url()},
                required=frozenset({"title", "owner", "due"}),
            )
        ),
    },
    required=frozenset({"status", "authors"}),
)

_POLICY_FIELDS = Record(
    {
        "response_target": Duration(),
        "initial_update": Duration(),
        "update_cadence": Duration(),
        "resolution_notice": Duration(),
        "postmortem_required": Flag(),
        "postmortem_deadline": Duration(),
    }
)

_NO_SECRET = (
    "statusgen.yml is committed, so it must not hold secrets: store the {what} as a CI secret and name "
    "its environment variable with '{field}' (e.g. {field}: {example})"
)
_SECRET_KEYS = ("password", "token", "secret", "api_key")


def _secrets(what: str, field: str, example: str, *, url: bool = False) -> dict[str, str]:
    """Keys that would hold a literal secret → the located advice to use ``field`` instead."""
    keys = (*_SECRET_KEYS, "url") if url else _SECRET_KEYS
    return {key: _NO_SECRET.format(what=what, field=field, example=example) for key in keys}


def _chat_channel(app: str, env: str) -> Secretless:
    return Secretless(
        Record({"url_env": EnvName(), "components": ListOf(Slug())}, required=frozenset({"url_env"})),
        _secrets(f"{app} incoming-webhook URL (anyone who has it can post)", "url_env", env, url=True),
    )


_NOTIFICATIONS = Record(
    {
        "enabled": Flag(),
        "templates": Text(),
        "retry": Record({"attempts": Integer(1, 10), "backoff": Seconds(), "timeout": Seconds()}),
        "email": ListOf(
            Secretless(
                Record(
                    {
                        "host": Text(),
                        "port": Integer(1, 65535),
                        "security": Choice(SmtpSecurity),
                        "username": Text(),
                        "password_env": EnvName(),
                        "from": Address(),
                        "to": ListOf(Address(), nonempty=True),
                        "components": ListOf(Slug()),
                    },
                    required=frozenset({"host", "from", "to"}),
                ),
                _secrets("password", "password_env", "SMTP_PASSWORD"),
            )
        ),
        "webhooks": ListOf(
            Secretless(
                Record({"url": PublicUrl(), "url_env": EnvName(), "components": ListOf(Slug())}),
                _secrets("whole URL, with its credential,", "url_env", "STATUS_WEBHOOK_URL"),
            )
        ),
        "slack": ListOf(_chat_channel("Slack", "SLACK_WEBHOOK_URL")),
        "teams": ListOf(_chat_channel("Teams", "TEAMS_WEBHOOK_URL")),
    }
)

_CONFIG = Record(
    {
        "name": Text(),
        "base_url": Url(),
        "time_zone": TimeZone(),
        "language": Text(),
        "groups": ListOf(
            Record({"id": Slug(), "name": Text(), "description": Text(False)}, required=frozenset({"id", "name"}))
        ),
        "components": ListOf(
            Record(
                {
                    "id": Slug(),
                    "name": Text(),
                    "description": Text(False),
                    "group": Slug(),
                    "show_uptime": Flag(),
                    "start_date": Day(),
                },
                required=frozenset({"id", "name"}),
            ),
            nonempty=True,
        ),
        "policy": Record({severity.value: _POLICY_FIELDS for severity in Severity}),
        "notifications": _NOTIFICATIONS,
        "feeds": Record({"entries": Integer(1, 1000)}),
    },
    required=frozenset({"name", "base_url", "time_zone", "components"}),
)


def _root_mapping(c: Checker, what: str) -> bool:
    if isinstance(c.document.data, dict):
        return True
    c.at_value((), "SG104", f"{what} must be a mapping of fields (key: value), not {_kind(c.document.data)}")
    return False


# --- documents → model -----------------------------------------------------------------------


def check_config(document: Document) -> tuple[Config | None, list[Problem]]:
    c = Checker(document)
    if not _root_mapping(c, "statusgen.yml"):
        return None, c.problems
    data = _CONFIG.check(c, document.data, ())
    if data is INVALID:
        return None, c.problems
    policy = dict(DEFAULT_POLICY)
    for severity, overrides in data.get("policy", {}).items():
        defaults = DEFAULT_POLICY[Severity(severity)]
        policy[Severity(severity)] = SeverityPolicy(
            **{name: overrides.get(name, getattr(defaults, name)) for name in _POLICY_FIELDS.fields}
        )
    notifications = _notifications(c, data.get("notifications", {}), {k["id"] for k in data["components"]})
    if notifications is None:
        return None, c.problems
    base_url = data["base_url"] if data["base_url"].endswith("/") else data["base_url"] + "/"
    config = Config(
        name=data["name"],
        base_url=base_url,
        time_zone=data["time_zone"],
        language=data.get("language", "en"),
        groups=tuple(Group(g["id"], g["name"], g.get("description", "")) for g in data.get("groups", [])),
        components=tuple(
            Component(
                k["id"],
                k["name"],
                k.get("description", ""),
                k.get("group"),
                k.get("show_uptime", True),
                k.get("start_date"),
            )
            for k in data["components"]
        ),
        policy=policy,
        notifications=notifications,
        feeds=Feeds(**data.get("feeds", {})),
        where=document.where,
    )
    return config, c.problems


def _notifications(c: Checker, data: dict[str, Any], components: set[str]) -> Notifications | None:
    """The checked ``notifications:`` section as a typed value, after the checks that span
    fields: known components, a login with its password, one URL per webhook, a relative
    templates folder."""
    before = len(c.problems)
    base: KeyPath = ("notifications",)
    for kind in ("email", "webhooks", "slack", "teams"):
        for index, channel in enumerate(data.get(kind, ())):
            for position, component in enumerate(channel.get("components", ())):
                if component not in components:
                    hint = _suggest(component, sorted(components))
                    c.at_value(
                        (*base, kind, index, "components", position),
                        "SG301",
                        f"unknown component '{component}'{hint}; use an id from 'components:'",
                    )
    for index, channel in enumerate(data.get("email", ())):
        path = (*base, "email", index)
        if "username" in channel and "password_env" not in channel:
            c.at_value(path, "SG201", f"missing required field '{describe((*path, 'password_env'))}' for 'username'")
        if "password_env" in channel and "username" not in channel:
            c.at_value(path, "SG201", f"missing required field '{describe((*path, 'username'))}' for 'password_env'")
    for index, channel in enumerate(data.get("webhooks", ())):
        path = (*base, "webhooks", index)
        if "url" in channel and "url_env" in channel:
            c.at_key((*path, "url_env"), "SG208", "give either 'url' or 'url_env', not both")
        elif "url" not in channel and "url_env" not in channel:
            c.at_value(path, "SG201", f"missing required field '{describe((*path, 'url'))}' (or 'url_env')")
    templates = data.get("templates", Notifications.templates)
    if templates.startswith("/") or ".." in templates.split("/"):
        c.at_value((*base, "templates"), "SG206", "notifications.templates must be a folder inside the site")
    if len(c.problems) > before:
        return None
    retry = data.get("retry", {})
    return Notifications(
        enabled=data.get("enabled", True),
        email=tuple(
            EmailChannel(
                host=e["host"],
                sender=e["from"],
                to=tuple(e["to"]),
                port=e.get("port", SMTP_PORTS[e.get("security", SmtpSecurity.STARTTLS)]),
                security=e.get("security", SmtpSecurity.STARTTLS),
                username=e.get("username"),
                password_env=e.get("password_env"),
                components=tuple(e.get("components", ())),
            )
            for e in data.get("email", ())
        ),
        webhooks=tuple(
            WebhookChannel(w.get("url"), w.get("url_env"), tuple(w.get("components", ())))
            for w in data.get("webhooks", ())
        ),
        slack=tuple(ChatChannel(s["url_env"], tuple(s.get("components", ()))) for s in data.get("slack", ())),
        teams=tuple(ChatChannel(t["url_env"], tuple(t.get("components", ()))) for t in data.get("teams", ())),
        templates=templates.rstrip("/"),
        attempts=retry.get("attempts", Notifications.attempts),
        backoff=retry.get("backoff", Notifications.backoff),
        timeout=retry.get("timeout", Notifications.timeout),
    )


def check_incident(
    document: Document, incident_id: str, postmortem: Postmortem | None = None
) -> tuple[Incident | None, list[Problem]]:
    """The incident ``document`` records, with its ``postmortem`` if it has one, and its problems."""
    c = Checker(document)
    if not _root_mapping(c, "the frontmatter"):
        return None, c.problems
    kind = IncidentType.INCIDENT
    if document.data.get("type") == IncidentType.MAINTENANCE.value:
        kind = IncidentType.MAINTENANCE
    record = _RECORDS[kind]
    data = record.quick(document.data)
    if data is SLOW:
        data = record.check(c, document.data, ())
    if data is INVALID:
        return None, c.problems
    if data["visibility"] is Visibility.PUBLIC and "updates" not in data:
        c.at_value((), "SG201", "missing required field 'updates': a public incident needs at least one update")
        return None, c.problems
    timeline = data.get("timeline", {})
    schedule = data.get("scheduled")
    incident = Incident(
        id=incident_id,
        path=document.path,
        title=data["title"],
        type=kind,
        visibility=data["visibility"],
        severity=data.get("severity"),
        components=data.get("components", {}),
        timeline=Timeline(**timeline),
        schedule=Schedule(schedule["start"], schedule["end"]) if schedule else None,
        roles=Roles(**data.get("roles", {})),
        escalation=data.get("escalation"),
        runbooks=tuple(data.get("runbooks", ())),
        tags=tuple(data.get("tags", ())),
        updates=tuple(
            Update(u["at"], u["status"], u["message"], u.get("components", {}), u.get("notify", True))
            for u in data.get("updates", ())
        ),
        notes=document.body,
        postmortem=postmortem,
        where=document.where,
    )
    return incident, c.problems


def check_postmortem(document: Document) -> tuple[Postmortem | None, list[Problem]]:
    c = Checker(document)
    if not _root_mapping(c, "the frontmatter"):
        return None, c.problems
    data = _POSTMORTEM.quick(document.data)
    if data is SLOW:
        data = _POSTMORTEM.check(c, document.data, ())
    if data is INVALID:
        return None, c.problems
    if data["status"] is PostmortemStatus.PUBLISHED and "published" not in data:
        c.at_value((), "SG201", "missing required field 'published': a published postmortem needs its date")
        return None, c.problems
    postmortem = Postmortem(
        path=document.path,
        status=data["status"],
        visibility=data.get("visibility", Visibility.INTERNAL),
        authors=tuple(data["authors"]),
        body=document.body,
        reviewers=tuple(data.get("reviewers", ())),
        published=data.get("published"),
        action_items=tuple(
            ActionItem(a["title"], a["owner"], a["due"], a.get("status", ActionStatus.OPEN), a.get("link"))
            for a in data.get("action_items", ())
        ),
        where=document.where,
    )
    return postmortem, c.problems
