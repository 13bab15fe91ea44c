"""Nothing internal reaches the public site, and nothing hostile comes out executable.

The leak fixture plants a unique marker in every internal field that can carry text: roles,
tags, runbook ids, working notes, an internal incident (id, title, updates), a draft
postmortem, a published but internal postmortem, and the private parts of a public one
(authors, reviewers, action items). Timeline moments and escalation levels cannot carry a
string; the public status is computed without them (see ``statusgen.timeline``).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

from conftest import (
    INCIDENT,
    INCIDENT_ID,
    INCIDENT_TEXT,
    MAINTENANCE,
    MAINTENANCE_TEXT,
    NOW,
    POSTMORTEM,
    POSTMORTEM_TEXT,
    MakeSite,
)

from statusgen.public import render_public_site
from statusgen.validate import validate_site

MARKERS = {
    "incident_commander": "Zqleak Commander",
    "operations_lead": "Zqleak Opslead",
    "communications_lead": "Zqleak Commslead",
    "scribe": "Zqleak Scribe",
    "tag": "zqleak-tag",
    "runbook": "zqleak-runbook",
    "notes": "Zqleak working notes",
    "maintenance_role": "Zqleak Maintlead",
    "maintenance_notes": "Zqleak maintenance notes",
    "internal_id": "zqleak-internal",
    "internal_title": "Zqleak internal title",
    "internal_update": "Zqleak internal update",
    "internal_role": "Zqleak Internal Commander",
    "draft_body": "Zqleak draft body",
    "draft_author": "Zqleak Draft Author",
    "draft_action": "Zqleak draft action",
    "private_pm_body": "Zqleak private postmortem body",
    "private_pm_author": "Zqleak Private Author",
    "public_pm_author": "Zqleak Public Author",
    "public_pm_reviewer": "Zqleak Public Reviewer",
    "action_title": "Zqleak action title",
    "action_owner": "Zqleak Action Owner",
    "action_link": "zqleak-tracker",
}

INTERNAL_ID = f"2026-11-22-{MARKERS['internal_id']}"
DRAFT_ID = "2026-11-10-queue-delays"
PRIVATE_PM_ID = "2026-11-12-login-errors"


def _incident(title: str, day: str, extra: str = "") -> str:
    """A resolved public incident on ``day`` (the base incident moved)."""
    text = INCIDENT_TEXT.replace("2026-11-20", day).replace("Elevated error rates on the API", title)
    return text.replace("roles:\n", f"roles:\n{extra}") if extra else text


def _postmortem(body_marker: str, author: str, *, status: str = "published", visibility: str = "public") -> str:
    text = POSTMORTEM_TEXT.replace("status: published", f"status: {status}")
    text = text.replace("visibility: public", f"visibility: {visibility}")
    text = text.replace("authors: [Priya Raman]", f"authors: [{author}]")
    return text.replace("## Executive Summary\n", f"## Executive Summary\n\n{body_marker}.\n")


def leaky_site(make_site: MakeSite, root: Path) -> Path:
    base = (
        INCIDENT_TEXT.replace("Priya Raman", MARKERS["incident_commander"])
        .replace("Ana Souza", f"{MARKERS['communications_lead']}\n  operations_lead: {MARKERS['operations_lead']}")
        .replace("roles:\n", f"roles:\n  scribe: {MARKERS['scribe']}\n")
        .replace("runbooks: [database-failover]", f"runbooks: [database-failover, {MARKERS['runbook']}]")
        .replace("tags: [database]", f"tags: [database, {MARKERS['tag']}]")
        .replace("Internal notes:", f"{MARKERS['notes']}:")
    )
    public_pm = (
        POSTMORTEM_TEXT.replace("authors: [Priya Raman]", f"authors: [{MARKERS['public_pm_author']}]")
        .replace("reviewers: [Jonas Weber]", f"reviewers: [{MARKERS['public_pm_reviewer']}]")
        .replace("Alert on data disk usage above 80 percent", MARKERS["action_title"])
        .replace("owner: Jonas Weber", f"owner: {MARKERS['action_owner']}")
        .replace("tracker.example.com", f"{MARKERS['action_link']}.example.com")
    )
    maintenance = MAINTENANCE_TEXT.replace(
        "updates:\n", f"roles:\n  operations_lead: {MARKERS['maintenance_role']}\nupdates:\n"
    ).replace("---\n", "---\n", 1)
    maintenance = maintenance.rstrip("\n") + f"\n{MARKERS['maintenance_notes']}\n"
    internal = _incident(MARKERS["internal_title"], "2026-11-22").replace("visibility: public", "visibility: internal")
    internal = internal.replace("We are investigating elevated error rates on the API.", MARKERS["internal_update"])
    internal = internal.replace("Priya Raman", MARKERS["internal_role"])
    draft = _postmortem(MARKERS["draft_body"], MARKERS["draft_author"], status="draft")
    draft = draft.replace("Document the failover drill", MARKERS["draft_action"])
    files = {
        INCIDENT: base,
        POSTMORTEM: public_pm,
        MAINTENANCE: maintenance,
        f"content/runbooks/{MARKERS['runbook']}.md": "# A runbook\n\nSteps.\n",
        f"incidents/2026/{INTERNAL_ID}/incident.md": internal,
        f"incidents/2026/{DRAFT_ID}/incident.md": _incident("Queue delays", "2026-11-10"),
        f"incidents/2026/{DRAFT_ID}/postmortem.md": draft,
        f"incidents/2026/{PRIVATE_PM_ID}/incident.md": _incident("Login errors", "2026-11-12"),
        f"incidents/2026/{PRIVATE_PM_ID}/postmortem.md": _postmortem(
            MARKERS["private_pm_body"], MARKERS["private_pm_author"], visibility="internal"
        ),
    }
    return make_site(root, files)


def build(root: Path) -> dict[str, bytes]:
    result = validate_site(root, now=NOW)
    errors = [p for p in result.problems if p.level.value == "error"]
    assert not errors, errors
    assert result.site is not None
    return render_public_site(result.site, NOW)


def test_the_fixture_plants_every_marker_in_the_model(tmp_path: Path, make_site: MakeSite) -> None:
    """Guards the leak test itself: each marker really is in the validated site."""
    result = validate_site(leaky_site(make_site, tmp_path), now=NOW)
    assert result.site is not None
    model = repr(result.site.incidents)
    for name, marker in MARKERS.items():
        assert marker in model, name


def test_no_internal_marker_in_any_public_file(tmp_path: Path, make_site: MakeSite) -> None:
    files = build(leaky_site(make_site, tmp_path))
    # The public parts are there, so the test looks at real output.
    assert f"incidents/{INCIDENT_ID}/index.html" in files
    assert b"A log rotation job had been disabled" in files[f"incidents/{INCIDENT_ID}/index.html"]
    assert any(path.startswith("api/") for path in files), "the API is part of the public output"
    leaks = [
        (path, name)
        for path, content in files.items()
        for name, marker in MARKERS.items()
        if marker.lower().encode() in content.lower()
    ]
    assert not leaks
    assert not [path for path in files if "zqleak" in path.lower()]


def test_internal_incident_id_appears_nowhere(tmp_path: Path, make_site: MakeSite) -> None:
    files = build(leaky_site(make_site, tmp_path))
    assert not [path for path, content in files.items() if INTERNAL_ID.encode() in content or INTERNAL_ID in path]
    # Draft and internal postmortems: their incidents are public, their reports are not.
    for incident_id in (DRAFT_ID, PRIVATE_PM_ID):
        page = files[f"incidents/{incident_id}/index.html"]
        assert b"Postmortem" not in page and b"Executive Summary" not in page


# --- XSS ------------------------------------------------------------------------------------------

HOSTILE_TITLE = "Errors <script>alert('t')</script> \"><svg onload=alert('s')> <img src=x onerror=alert('i')>"
HOSTILE_MESSAGES = [
    "<script>alert('m1')</script> Still investigating.",
    "<img src=x onerror=alert('m2')> Image.",
    "[a link](javascript:alert('m3'))",
    '<a href="javascript:alert(\'m4\')">click</a> and <a href="JaVaScRiPt:alert(1)">again</a>',
    '"><svg onload=alert(\'m5\')><iframe src="javascript:alert(1)"></iframe>',
    "<style>body{display:none}</style><div onclick=\"alert('m6')\">x</div>",
]


def hostile_site(make_site: MakeSite, root: Path) -> Path:
    text = INCIDENT_TEXT.replace("title: Elevated error rates on the API", "title: " + json.dumps(HOSTILE_TITLE))
    messages = iter(HOSTILE_MESSAGES)
    for original in (
        "We are investigating elevated error rates on the API.",
        "A failing database primary is being replaced.",
        "A fix has been deployed and we are monitoring the results.",
        "Error rates are back to normal. This incident is resolved.",
    ):
        text = text.replace(original, json.dumps(next(messages)))
    maintenance = MAINTENANCE_TEXT.replace("The upgrade has started.", json.dumps(next(messages)))
    maintenance = maintenance.replace("title: Database upgrade", "title: " + json.dumps(HOSTILE_TITLE + " upgrade"))
    maintenance = maintenance.replace("The upgrade is complete.", json.dumps(next(messages)))
    return make_site(root, {INCIDENT: text, MAINTENANCE: maintenance})


_BAD_SCHEMES = ("javascript:", "vbscript:", "data:text")


class _Active(HTMLParser):
    """Collects what a browser would execute in an HTML document or fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed", "style"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag}[{name}]")
            url = "".join((value or "").split()).lower()
            if name in ("href", "src", "action", "formaction", "xlink:href") and url.startswith(_BAD_SCHEMES):
                self.found.append(f"{tag}[{name}={value}]")


def active_content(html: str) -> list[str]:
    parser = _Active()
    parser.feed(html)
    parser.close()
    return parser.found


def _xml_html_fragments(content: bytes) -> list[str]:
    """Texts of a feed that readers render as HTML: Atom ``type="html"`` elements and RSS
    ``description``/``content:encoded``."""
    tree = ET.fromstring(content)
    fragments = []
    for element in tree.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if element.get("type") in ("html", "xhtml") or tag in ("description", "encoded"):
            fragments.append(element.text or "")
    return fragments


def _json_strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _json_strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _json_strings(item)]
    return []


def test_hostile_titles_and_messages_come_out_inert_in_html(tmp_path: Path, make_site: MakeSite) -> None:
    files = build(hostile_site(make_site, tmp_path))
    pages = {path: content.decode() for path, content in files.items() if path.endswith(".html")}
    assert "Still investigating." in pages[f"incidents/{INCIDENT_ID}/index.html"]
    assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;" in pages["index.html"]  # shown, as text
    for path, html in pages.items():
        assert active_content(html) == [], path
        assert "javascript:" not in html.lower(), path
    for path in ("badge.svg", "components/api/badge.svg"):
        assert active_content(files[path].decode()) == []


def test_hostile_content_is_inert_in_feeds_and_json(tmp_path: Path, make_site: MakeSite) -> None:
    files = build(hostile_site(make_site, tmp_path))
    machine = {path: content for path, content in files.items() if path.endswith((".atom", ".rss", ".json"))}
    assert machine, "feeds and API are part of the public output"
    for path, content in machine.items():
        assert b"javascript:" not in content.lower(), path
        if path.endswith(".json"):
            strings = _json_strings(json.loads(content))
            # Statuspage's fields are plain text that clients escape, so a title that mentions
            # "<script>" is data. Any field that carries rendered Markdown (it has paragraphs)
            # must be inert.
            for string in strings:
                if "<p>" in string or "</p>" in string:
                    assert active_content(string) == [], (path, string)
        else:
            for fragment in _xml_html_fragments(content):
                assert active_content(fragment) == [], (path, fragment)
    ics = files.get("maintenance.ics", b"")
    assert b"javascript:" not in ics.lower()
