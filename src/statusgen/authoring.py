"""Authoring: create incident files and add updates the way a careful person would.

Edits are made on the text, not by re-dumping YAML: the new lines are inserted where they
belong (found with the YAML node marks) and every other byte of the file — comments, key
order, quoting, line endings, a BOM — stays as it was. Every result is validated before
anything is written, and files are never overwritten.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import os
import re
import tempfile
import unicodedata
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .config import CONFIG_FILE
from .errors import StatusgenError
from .loader import load_yaml_file, parse_markdown
from .model import ComponentStatus, IncidentStatus, IncidentType, MaintenanceStatus, Severity, Visibility
from .problems import Level, Problem
from .validate import INCIDENTS_DIR, RUNBOOKS_DIR, check_incident_text
from .validate.schema import SLUG, check_postmortem
from .validate.template import TEMPLATE_PATH, check_postmortem_sections, level2_sections

__all__ = [
    "AuthoringError",
    "Written",
    "append_update",
    "create_incident",
    "create_maintenance",
    "create_postmortem",
    "create_runbook",
    "find_incident",
    "resolve_incident",
    "slugify",
]

RUNBOOK_TEMPLATE = "content/templates/runbook.md"
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class AuthoringError(StatusgenError):
    """The command cannot write what was asked; ``problems`` say why, when there are any."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


@dataclass(frozen=True)
class Written:
    path: str
    """POSIX path relative to the site root."""
    warnings: tuple[Problem, ...] = ()
    """Policy warnings about the result (it was written)."""


# --- naming ----------------------------------------------------------------------------------


def slugify(title: str, limit: int = 60) -> str:
    """``Elevated error rates on the API`` → ``elevated-error-rates-on-the-api``."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    return slug or "incident"


def _local_day(moment: dt.datetime, root: Path) -> dt.date:
    document, _ = load_yaml_file(root, CONFIG_FILE)
    zone_name = document.data.get("time_zone") if document and isinstance(document.data, dict) else None
    try:
        return moment.astimezone(zoneinfo.ZoneInfo(str(zone_name))).date()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return moment.astimezone(dt.UTC).date()


def _new_incident_folder(root: Path, day: dt.date, title: str) -> str:
    base = f"{day.isoformat()}-{slugify(title)}"
    taken = {path.name for path in (root / INCIDENTS_DIR).glob("*/*") if path.is_dir()}
    candidate, counter = base, 2
    while candidate in taken:
        candidate, counter = f"{base}-{counter}", counter + 1
    return f"{INCIDENTS_DIR}/{day.year}/{candidate}"


def find_incident(root: Path, incident_id: str) -> str:
    """The path of ``incident.md`` for an id, or an error naming the nearest ids."""
    if SLUG.fullmatch(incident_id):
        matches = sorted((root / INCIDENTS_DIR).glob(f"*/{incident_id}/incident.md"))
        if len(matches) == 1:
            return matches[0].relative_to(root).as_posix()
    known = sorted(path.parent.name for path in (root / INCIDENTS_DIR).glob("*/*/incident.md"))
    close = [name for name in known if incident_id in name][:3]
    hint = f" Did you mean {', '.join(close)}?" if close else " `ls incidents/*/` lists them."
    raise AuthoringError(f"no incident '{incident_id}' in {INCIDENTS_DIR}/<YYYY>/.{hint}")


# --- YAML text ---------------------------------------------------------------------------------


def format_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _scalar(text: str) -> str:
    """One YAML scalar on one line, quoted only when it must be."""
    dumped: str = yaml.safe_dump(text, allow_unicode=True, width=10**9)
    dumped = dumped.removesuffix("...\n").rstrip("\n")
    return dumped if "\n" not in dumped else json.dumps(text, ensure_ascii=False)


def _message(message: str, indent: str) -> list[str]:
    text = message.strip("\n")
    if "\n" not in text:
        return [f"{indent}message: {_scalar(text)}"]
    if text[:1] in (" ", "\t"):
        return [f"{indent}message: {json.dumps(text, ensure_ascii=False)}"]
    return [f"{indent}message: |", *(f"{indent}  {line}" if line.strip() else "" for line in text.splitlines())]


def _update_lines(
    first: str,
    rest: str,
    at: dt.datetime,
    status: str,
    message: str,
    components: Mapping[str, str],
) -> list[str]:
    lines = [f"{first}at: {format_time(at)}", f"{rest}status: {status}"]
    if components:
        lines.append(f"{rest}components:")
        lines += [f"{rest}  {component}: {value}" for component, value in components.items()]
    return lines + _message(message, rest)


@dataclass(frozen=True)
class _Source:
    """An incident file's text split so the frontmatter can be edited in place."""

    head: str
    """The BOM, if any, and the opening ``---`` line."""
    frontmatter: str
    tail: str
    """The closing ``---`` line and the Markdown body."""
    newline: str

    @classmethod
    def read(cls, path: Path) -> _Source:
        raw = path.read_bytes()
        bom = "\ufeff" if raw.startswith(codecs.BOM_UTF8) else ""
        text = raw.decode("utf-8-sig")
        lines = text.splitlines(keepends=True)
        closing = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
        if not lines or lines[0].rstrip() != "---" or closing is None:
            raise AuthoringError(f"{path.name} has no frontmatter between '---' lines; run statusgen validate")
        newline = "\r\n" if lines[0].endswith("\r\n") else "\n"
        return cls(bom + lines[0], "".join(lines[1:closing]), "".join(lines[closing:]), newline)

    def text(self) -> str:
        return self.head.removeprefix("\ufeff") + self.frontmatter + self.tail

    def encoded(self) -> bytes:
        return (self.head + self.frontmatter + self.tail).encode("utf-8")

    def root(self) -> yaml.MappingNode:
        node = yaml.compose(self.frontmatter, Loader=_Loader)
        if not isinstance(node, yaml.MappingNode):
            raise AuthoringError("the frontmatter is not a mapping; run statusgen validate")
        return node

    def insert_lines(self, offset: int, lines: Sequence[str]) -> _Source:
        block = "".join(line + self.newline for line in lines)
        text = self.frontmatter
        if offset == len(text) and text and not text.endswith("\n"):
            block = self.newline + block
        return _Source(self.head, text[:offset] + block + text[offset:], self.tail, self.newline)

    def replace_span(self, start: int, end: int, replacement: str) -> _Source:
        text = self.frontmatter
        return _Source(self.head, text[:start] + replacement + text[end:], self.tail, self.newline)

    def end_of_content(self, node: yaml.Node) -> int:
        """Offset just after the last line holding ``node``'s content (trailing blank and
        comment lines are left where they are)."""
        lines = self.frontmatter.splitlines(keepends=True)
        last = node.end_mark.line - (1 if node.end_mark.column == 0 else 0)
        last = min(last, len(lines) - 1)
        while last > node.start_mark.line and (not lines[last].strip() or lines[last].lstrip().startswith("#")):
            last -= 1
        return sum(len(line) for line in lines[: last + 1])

    def line_of(self, node: yaml.Node) -> str:
        return self.frontmatter.splitlines()[node.start_mark.line]


def _value(mapping: yaml.MappingNode, key: str) -> yaml.Node | None:
    for key_node, value_node in mapping.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            node: yaml.Node = value_node
            return node
    return None


def _append_update(source: _Source, lines_for: Any) -> _Source:
    """Add an entry at the end of ``updates`` (creating the key if needed)."""
    root = source.root()
    updates = _value(root, "updates")
    if updates is None or (isinstance(updates, yaml.ScalarNode) and updates.value == ""):
        if updates is not None:
            raise AuthoringError("'updates:' is empty; remove the line or add an update by hand")
        return source.insert_lines(source.end_of_content(root), ["updates:", *lines_for("  - ", "    ")])
    if not isinstance(updates, yaml.SequenceNode):
        raise AuthoringError("'updates' is not a list; run statusgen validate")
    if updates.flow_style or not updates.value:
        raise AuthoringError("'updates' is written as a flow list ([...]); write it as a block list to add updates")
    last = updates.value[-1]
    column = last.start_mark.column
    first = source.line_of(last)[:column]
    if "-" not in first:
        raise AuthoringError("cannot tell the layout of 'updates'; add the update by hand")
    return source.insert_lines(source.end_of_content(last), lines_for(first, " " * column))


def _set_resolved(source: _Source, moment: dt.datetime) -> _Source:
    root = source.root()
    timeline = _value(root, "timeline")
    stamp = format_time(moment)
    if timeline is None:
        return source.insert_lines(source.end_of_content(root), ["timeline:", f"  resolved: {stamp}"])
    if not isinstance(timeline, yaml.MappingNode) or timeline.flow_style or not timeline.value:
        raise AuthoringError("'timeline' is not a block mapping; add 'resolved:' to it by hand")
    resolved = _value(timeline, "resolved")
    if resolved is not None:
        return source.replace_span(resolved.start_mark.index, resolved.end_mark.index, stamp)
    indent = " " * timeline.value[0][0].start_mark.column
    return source.insert_lines(source.end_of_content(timeline), [f"{indent}resolved: {stamp}"])


# --- checks and writes -----------------------------------------------------------------------------


def _checked(root: Path, relpath: str, text: str, now: dt.datetime) -> tuple[Problem, ...]:
    problems = check_incident_text(root, relpath, text, now=now)
    errors = [p for p in problems if p.level is Level.ERROR]
    if errors:
        raise AuthoringError(f"nothing written: {relpath} would not be valid", errors)
    return tuple(problems)


def _write_new(root: Path, relpath: str, content: bytes) -> None:
    target = root / relpath
    if os.path.lexists(target):
        raise AuthoringError(f"{relpath} exists already; statusgen never overwrites a file")
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "xb") as handle:  # exclusive: a racing writer loses, never clobbers
        handle.write(content)


def _replace(root: Path, relpath: str, content: bytes) -> None:
    target = root / relpath
    handle, temporary = tempfile.mkstemp(prefix=".statusgen-", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.chmod(temporary, target.stat().st_mode & 0o777)
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise


def create_incident(
    root: Path,
    *,
    title: str,
    severity: Severity,
    message: str,
    now: dt.datetime,
    components: Mapping[str, str] | None = None,
    status: IncidentStatus = IncidentStatus.INVESTIGATING,
    visibility: Visibility = Visibility.PUBLIC,
) -> Written:
    """Write a new incident with its first update, declared ``now``."""
    folder = _new_incident_folder(root, _local_day(now, root), title)
    relpath = f"{folder}/incident.md"
    lines = [
        "---",
        f"title: {_scalar(title)}",
        "type: incident",
        f"severity: {severity}",
        f"visibility: {visibility}",
        *_components_lines(components or {}),
        "timeline:",
        "  # Add started, detected and acknowledged when known: they feed the response metrics.",
        f"  declared: {format_time(now)}",
        "# roles: {incident_commander: …, operations_lead: …, communications_lead: …, scribe: …}",
        "updates:",
        *_update_lines("  - ", "    ", now, status.value, message, {}),
        "---",
        "Internal working notes go here. They are never published.",
    ]
    text = "\n".join(lines) + "\n"
    warnings = _checked(root, relpath, text, now)
    _write_new(root, relpath, text.encode("utf-8"))
    return Written(relpath, warnings)


def _components_lines(components: Mapping[str, str]) -> list[str]:
    if not components:
        return ["components: {}"]
    return ["components:", *(f"  {component}: {status}" for component, status in components.items())]


def create_maintenance(
    root: Path,
    *,
    title: str,
    start: dt.datetime,
    end: dt.datetime,
    message: str,
    now: dt.datetime,
    components: Sequence[str] = (),
    visibility: Visibility = Visibility.PUBLIC,
) -> Written:
    """Announce a maintenance window (its folder is named after the day it starts)."""
    folder = _new_incident_folder(root, _local_day(start, root), title)
    relpath = f"{folder}/incident.md"
    lines = [
        "---",
        f"title: {_scalar(title)}",
        "type: maintenance",
        f"visibility: {visibility}",
        *_components_lines(dict.fromkeys(components, ComponentStatus.UNDER_MAINTENANCE.value)),
        "scheduled:",
        f"  start: {format_time(start)}",
        f"  end: {format_time(end)}",
        "updates:",
        *_update_lines("  - ", "    ", now, MaintenanceStatus.SCHEDULED.value, message, {}),
        "---",
        "Internal working notes go here. They are never published.",
    ]
    text = "\n".join(lines) + "\n"
    warnings = _checked(root, relpath, text, now)
    _write_new(root, relpath, text.encode("utf-8"))
    return Written(relpath, warnings)


def _kind_of(source: _Source) -> IncidentType:
    node = _value(source.root(), "type")
    if isinstance(node, yaml.ScalarNode) and node.value == IncidentType.MAINTENANCE.value:
        return IncidentType.MAINTENANCE
    return IncidentType.INCIDENT


def append_update(
    root: Path,
    incident_id: str,
    *,
    status: str,
    message: str,
    now: dt.datetime,
    components: Mapping[str, str] | None = None,
) -> Written:
    """Append a public update; ``resolved`` (or ``completed``) closes the incident."""
    if status in (IncidentStatus.RESOLVED.value, MaintenanceStatus.COMPLETED.value):
        return resolve_incident(root, incident_id, message=message, now=now, components=components)
    relpath = find_incident(root, incident_id)
    source = _Source.read(root / relpath)

    def lines(first: str, rest: str) -> list[str]:
        return _update_lines(first, rest, now, status, message, components or {})

    edited = _append_update(source, lines)
    warnings = _checked(root, relpath, edited.text(), now)
    _replace(root, relpath, edited.encoded())
    return Written(relpath, warnings)


def _affected(text: str, relpath: str) -> dict[str, str]:
    """Components the incident leaves in a non-operational status, in order of mention."""
    document, _ = parse_markdown(text, relpath)
    data = document.data if document is not None and isinstance(document.data, dict) else {}
    current: dict[str, str] = {}
    for key, value in (data.get("components") or {}).items():
        current[str(key)] = str(value)
    for update in data.get("updates") or []:
        if isinstance(update, dict) and isinstance(update.get("components"), dict):
            current.update({str(k): str(v) for k, v in update["components"].items()})
    return {component: status for component, status in current.items() if status != ComponentStatus.OPERATIONAL}


def resolve_incident(
    root: Path,
    incident_id: str,
    *,
    now: dt.datetime,
    message: str | None = None,
    components: Mapping[str, str] | None = None,
) -> Written:
    """Post the closing update, record when it was resolved, return components to operational."""
    relpath = find_incident(root, incident_id)
    source = _Source.read(root / relpath)
    maintenance = _kind_of(source) is IncidentType.MAINTENANCE
    if maintenance:
        status = MaintenanceStatus.COMPLETED.value
        message = message or "The scheduled maintenance has been completed."
        closing: Mapping[str, str] = dict(components or {})
    else:
        status = IncidentStatus.RESOLVED.value
        message = message or "This incident has been resolved."
        closing = {component: ComponentStatus.OPERATIONAL.value for component in _affected(source.text(), relpath)}
        closing.update(components or {})

    def lines(first: str, rest: str) -> list[str]:
        return _update_lines(first, rest, now, status, message or "", closing)

    edited = _append_update(source, lines)
    if not maintenance:
        edited = _set_resolved(edited, now)
    warnings = _checked(root, relpath, edited.text(), now)
    _replace(root, relpath, edited.encoded())
    return Written(relpath, warnings)


def create_postmortem(root: Path, incident_id: str, *, authors: Sequence[str], now: dt.datetime) -> Written:
    """A draft postmortem from the report template, its Timeline prefilled from the incident."""
    incident_path = find_incident(root, incident_id)
    relpath = incident_path.rsplit("/", 1)[0] + "/postmortem.md"
    template_file = root / TEMPLATE_PATH
    if not template_file.is_file():
        raise AuthoringError(f"the report template {TEMPLATE_PATH} is missing; restore it first")
    document, problems = parse_markdown((root / incident_path).read_text(encoding="utf-8-sig"), incident_path)
    if document is None or not isinstance(document.data, dict):
        raise AuthoringError(f"{incident_path} cannot be read; run statusgen validate", problems)
    data = document.data
    template = template_file.read_text(encoding="utf-8-sig")
    body = _prefilled_template(template, str(data.get("title", incident_id)), _timeline_rows(data))
    head = [
        "---",
        "status: draft",
        "visibility: internal",
        f"authors: [{', '.join(_scalar(author) for author in authors)}]",
        "reviewers: []",
        "action_items: []",
        "---",
    ]
    text = "\n".join(head) + "\n" + body
    postmortem_document, problems = parse_markdown(text, relpath)
    if postmortem_document is None:
        raise AuthoringError("the report template cannot be used", problems)
    postmortem, problems = check_postmortem(postmortem_document)
    if postmortem is None:
        raise AuthoringError(f"nothing written: {relpath} would not be valid", problems)
    sections = tuple(section.title for section in level2_sections(template))
    warnings = check_postmortem_sections(postmortem, postmortem_document.body_line, sections)
    _write_new(root, relpath, text.encode("utf-8"))
    return Written(relpath, tuple(warnings))


def _timeline_rows(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    rows: list[tuple[dt.datetime, str]] = []
    timeline = data.get("timeline") if isinstance(data.get("timeline"), dict) else {}
    for name, moment in (timeline or {}).items():
        if isinstance(moment, dt.datetime):
            rows.append((moment, f"Incident {name}"))
    for update in data.get("updates") or []:
        if isinstance(update, dict) and isinstance(update.get("at"), dt.datetime):
            summary = " ".join(str(update.get("message", "")).split())
            summary = summary if len(summary) <= 120 else summary[:117] + "…"
            rows.append((update["at"], f"Public update ({update.get('status')}): {summary}"))
    rows.sort(key=lambda row: row[0])
    return [(format_time(moment), event.replace("|", "\\|")) for moment, event in rows]


def _prefilled_template(template: str, title: str, rows: Sequence[tuple[str, str]]) -> str:
    lines = template.splitlines()
    out: list[str] = []
    titled = False
    for line in lines:
        if not titled and line.startswith("# "):
            out.append(f"# Postmortem: {title}")
            titled = True
            continue
        out.append(line)
        if line.strip().casefold() == "## timeline" and rows:
            out += ["", "| Time (UTC) | Event |", "|---|---|", *(f"| {time} | {event} |" for time, event in rows)]
    if not titled:
        out.insert(0, f"# Postmortem: {title}")
    return "\n".join(out) + "\n"


def create_runbook(root: Path, *, title: str) -> Written:
    """A runbook page from the runbook template."""
    relpath = f"{RUNBOOKS_DIR}/{slugify(title)}.md"
    template_file = root / RUNBOOK_TEMPLATE
    if template_file.is_file():
        lines = template_file.read_text(encoding="utf-8-sig").splitlines()
        index = next((i for i, line in enumerate(lines) if line.startswith("# ")), None)
        if index is None:
            lines.insert(0, f"# {title}")
        else:
            lines[index] = f"# {title}"
        text = "\n".join(lines) + "\n"
    else:
        text = f"# {title}\n\n## Purpose\n\n## When to use\n\n## Steps\n\n## Verification\n\n## Rollback\n"
    _write_new(root, relpath, text.encode("utf-8"))
    return Written(relpath)
