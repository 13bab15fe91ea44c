"""Hostile and broken input never crashes, hangs or escapes: it is accepted or reported.

Property tests feed the loader and the validator random bytes, random YAML and structurally
valid incidents with random values; pathological files each get a test of their own, run in a
child process with bounded time and memory.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import CONFIG, INCIDENT, INCIDENT_TEXT, NOW, NOW_ISO, write_site
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statusgen.kb import stage_tree
from statusgen.problems import Level
from statusgen.public import render_public_site
from statusgen.validate import validate_site

KNOWN_PATHS = {CONFIG, INCIDENT, "content/templates/postmortem.md"}
PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


_SCRATCH = Path(tempfile.mkdtemp(prefix="statusgen-prop-"))


@pytest.fixture(scope="module", autouse=True)
def _remove_scratch() -> Iterator[None]:
    yield
    shutil.rmtree(_SCRATCH, ignore_errors=True)


def site_with(incident: str | bytes) -> Path:
    """The base site with this incident file, rewritten in one scratch folder per run."""
    return write_site(_SCRATCH, {INCIDENT: incident})


def assert_located(root: Path) -> list[Any]:
    """Validation returns (never raises) and every problem names a real file and place."""
    result = validate_site(root, now=NOW)
    for problem in result.problems:
        assert (root / problem.path).exists() or os.path.islink(root / problem.path), problem
        assert problem.line >= 1 and problem.column >= 1, problem
        assert problem.code.startswith("SG") and problem.message, problem
    return result.problems


@PROPERTY
@given(st.binary(max_size=2000))
def test_random_bytes(data: bytes) -> None:
    assert_located(site_with(data))


@PROPERTY
@given(st.binary(max_size=1000))
def test_random_bytes_after_a_frontmatter_fence(data: bytes) -> None:
    assert_located(site_with(b"---\n" + data + b"\n---\n"))


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
    | st.dates().map(str) | st.datetimes().map(lambda d: d.isoformat()),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=25,
)  # fmt: skip


@PROPERTY
@given(st.dictionaries(st.text(max_size=15), yaml_values, max_size=8))
def test_random_yaml(data: dict[str, Any]) -> None:
    frontmatter = yaml.safe_dump(data, allow_unicode=True)
    assert_located(site_with(f"---\n{frontmatter}---\nnotes\n"))


FIELDS: dict[str, Any] = {
    "title": st.one_of(st.text(max_size=40), st.integers(), st.none()),
    "type": st.sampled_from(["incident", "maintenance", "outage", None]),
    "severity": st.sampled_from(["SEV-1", "SEV-2", "SEV-3", "SEV-4", "SEV-9", 1]),
    "visibility": st.sampled_from(["public", "internal", "secret"]),
    "components": st.dictionaries(
        st.sampled_from(["api", "dashboard", "database", "nope"]),
        st.sampled_from(["partial_outage", "major_outage", "operational", "broken"]),
        max_size=3,
    ),
    "timeline": st.dictionaries(
        st.sampled_from(["started", "detected", "acknowledged", "declared", "mitigated", "resolved", "ended"]),
        st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2027, 1, 1), timezones=st.just(dt.UTC))
        | st.datetimes(max_value=dt.datetime(2027, 1, 1)),
        max_size=6,
    ),
    "scheduled": st.fixed_dictionaries(
        {"start": st.datetimes(timezones=st.just(dt.UTC)), "end": st.datetimes(timezones=st.just(dt.UTC))}
    ),
    "runbooks": st.lists(st.sampled_from(["database-failover", "../../etc/passwd", "Nope"]), max_size=3),
    "updates": st.lists(
        st.fixed_dictionaries(
            {
                "at": st.datetimes(min_value=dt.datetime(2025, 1, 1), timezones=st.just(dt.UTC)),
                "status": st.sampled_from(["investigating", "identified", "resolved", "scheduled", "completed"]),
                "message": st.text(max_size=200),
            },
            optional={"components": st.dictionaries(st.sampled_from(["api", "x"]), st.sampled_from(["operational"]))},
        ),
        max_size=6,
    ),
}


@PROPERTY
@given(st.fixed_dictionaries({}, optional=FIELDS))
def test_structurally_valid_incidents_with_random_values(data: dict[str, Any]) -> None:
    frontmatter = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    problems = assert_located(site_with(f"---\n{frontmatter}---\nnotes\n"))
    if not [p for p in problems if p.level is Level.ERROR]:  # accepted: in the model, and it renders
        site = validate_site(_SCRATCH, now=NOW).site
        assert site is not None and any(i.path == INCIDENT for i in site.incidents)
        assert "index.html" in render_public_site(site, NOW)
        staged = stage_tree(site, NOW, content={}, mkdocs_config=None, overrides={})
        assert any(path.startswith("docs/") for path in staged)


@PROPERTY
@given(st.data())
def test_edits_of_a_valid_incident(data: st.DataObject) -> None:
    text = INCIDENT_TEXT
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(text)))
        if data.draw(st.booleans()):
            insert = data.draw(st.sampled_from(["\n", ":", "- ", "  ", "{", "]", "'", "&a ", "*a", "!!x "]))
            text = text[:position] + insert + text[position:]
        else:
            text = text[:position] + text[position + data.draw(st.integers(1, 20)) :]
    assert_located(site_with(text))


# --- pathological files, each in a child process with bounded time and memory -------------------

LIMIT_SECONDS = 120
LIMIT_BYTES = 2 * 1024**3


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_BYTES, LIMIT_BYTES))


def run_bounded(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "statusgen", *args, "--root", str(root), "--now", NOW_ISO],
        capture_output=True,
        text=True,
        timeout=LIMIT_SECONDS,
        preexec_fn=_limits,
        stdin=subprocess.DEVNULL,
    )


def incident_with_updates(count: int, message: str) -> str:
    updates = "".join(
        f"  - at: 2026-11-20T{14 + minute // 60:02d}:{minute % 60:02d}:00Z\n"
        f"    status: identified\n    message: {message}\n"
        for minute in range(count)
    )
    return (
        textwrap.dedent(
            """\
        ---
        title: Many updates
        severity: SEV-3
        visibility: public
        components: {api: degraded_performance}
        updates:
        """
        )
        + updates
        + "---\n"
    )


def test_a_five_megabyte_update_message_validates_and_builds(tmp_path: Path) -> None:
    message = "'" + ("All systems are being checked. " * 170_000) + "'"
    root = write_site(tmp_path / "site", {INCIDENT: incident_with_updates(1, message)})
    result = run_bounded(root, "validate")
    assert result.returncode == 0, result.stdout + result.stderr
    result = run_bounded(root, "build", "--public-only")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (root / "site/public/incidents/2026-11-20-api-errors/index.html").stat().st_size > 5_000_000


def test_ten_thousand_updates_in_one_incident(tmp_path: Path) -> None:
    # one update a minute over ~7 days; SEV-3 cadence is 1 h so no gap warnings
    updates = "".join(
        f"  - at: {(dt.datetime(2026, 11, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=n)).isoformat()}\n"
        f"    status: identified\n    message: Still working on it ({n}).\n"
        for n in range(10_000)
    )
    text = "---\ntitle: Long one\nseverity: SEV-3\nvisibility: public\ncomponents: {api: degraded_performance}\n"
    root = write_site(tmp_path / "site", {INCIDENT: text + "updates:\n" + updates + "---\n"})
    result = run_bounded(root, "validate")
    assert result.returncode == 0, result.stdout + result.stderr
    result = run_bounded(root, "build", "--public-only")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("content", "code"),
    [
        pytest.param(b"", "SG102", id="empty-file"),
        pytest.param(b"\xff\xfe---\n", "SG101", id="invalid-utf8"),
        pytest.param("x: " + "[" * 100_000 + "]" * 100_000, "SG102", id="deep-nesting-no-fence"),
        pytest.param("---\nx: " + "[" * 100_000 + "]" * 100_000 + "\n---\n", "SG106", id="deep-nesting"),
        pytest.param(
            "---\n"
            + 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
            + "".join(
                f"l{n}: &l{n} [" + ", ".join([f"*{'a' if n == 1 else f'l{n - 1}'}"] * 9) + "]\n" for n in range(1, 10)
            )
            + "title: *l9\n---\n",
            "SG202",
            id="billion-laughs",
        ),
    ],
)
def test_pathological_files_are_reported(tmp_path: Path, content: str | bytes, code: str) -> None:
    root = write_site(tmp_path / "site", {INCIDENT: content})
    result = run_bounded(root, "validate")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{INCIDENT}:" in result.stdout and f" {code}: " in result.stdout
    assert "Traceback" not in result.stderr


def test_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", {INCIDENT: "\ufeff" + INCIDENT_TEXT.replace("\n", "\r\n")})
    assert run_bounded(root, "validate").returncode == 0


def test_a_directory_where_a_file_belongs(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", {INCIDENT: None})
    (root / INCIDENT).mkdir(parents=True)
    problems = validate_site(root, now=NOW).problems
    assert [(p.path, p.code) for p in problems] == [(INCIDENT, "SG101")]
    assert "not a regular file" in problems[0].message


def test_a_dangling_symlink(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", {INCIDENT: None})
    (root / INCIDENT).parent.mkdir(parents=True)
    (root / INCIDENT).symlink_to(root / "nowhere.md")
    problems = validate_site(root, now=NOW).problems
    assert [(p.path, p.code, p.message) for p in problems] == [
        (INCIDENT, "SG101", "is a link to nothing; point it at a file or remove it")
    ]


def test_a_symlink_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text(INCIDENT_TEXT.replace("Elevated error rates", "SECRET-OUTSIDE"), encoding="utf-8")
    root = write_site(tmp_path / "site", {INCIDENT: None})
    (root / INCIDENT).parent.mkdir(parents=True)
    (root / INCIDENT).symlink_to(secret)
    result = validate_site(root, now=NOW)
    assert [(p.path, p.code) for p in result.problems] == [(INCIDENT, "SG101")]
    assert result.site is not None and not result.site.incidents


def test_a_symlink_loop(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", {INCIDENT: None})
    (root / INCIDENT).parent.mkdir(parents=True)
    (root / INCIDENT).symlink_to(root / INCIDENT)
    problems = validate_site(root, now=NOW).problems
    assert [(p.path, p.code) for p in problems] == [(INCIDENT, "SG101")]


def test_an_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_site(tmp_path / "site")
    target = root / INCIDENT
    if os.geteuid() == 0:  # root opens anything: make opening it fail the way a permission error does
        real = os.open

        def open_file(path: str, flags: int, *args: int) -> int:
            if Path(path) == target:
                raise PermissionError(13, "Permission denied", path)
            return real(path, flags, *args)

        monkeypatch.setattr(os, "open", open_file)
    else:
        target.chmod(0)
    problems = validate_site(root, now=NOW).problems
    assert [(p.path, p.code, p.message) for p in problems] == [
        (INCIDENT, "SG101", "cannot be read (Permission denied); check its permissions")
    ]


def test_names_with_spaces_and_non_ascii(tmp_path: Path) -> None:
    root = write_site(tmp_path / "my sites" / "ünïcode status")
    assert validate_site(root, now=NOW).problems == []
    bad = "incidents/2026/2026-11-21-café outage/incident.md"
    (root / bad).parent.mkdir(parents=True)
    (root / bad).write_text(INCIDENT_TEXT, encoding="utf-8")
    problems = validate_site(root, now=NOW).problems
    assert [(p.path, p.code) for p in problems] == [(bad, "SG107")]


@pytest.mark.parametrize(
    "runbook", ["../../../etc/passwd", "/etc/passwd", "database-failover/../../x", "%2e%2e"], ids=str
)
def test_runbook_ids_cannot_escape(tmp_path: Path, runbook: str) -> None:
    text = INCIDENT_TEXT.replace("runbooks: [database-failover]", f"runbooks: ['{runbook}']")
    root = write_site(tmp_path / "site", {INCIDENT: text})
    assert [p.code for p in validate_site(root, now=NOW).problems] == ["SG206"]


def test_component_ids_cannot_escape(tmp_path: Path) -> None:
    config = (write_site(tmp_path / "base") / CONFIG).read_text().replace("id: api", "id: ../../api")
    root = write_site(tmp_path / "site", {CONFIG: config})
    assert "SG206" in {p.code for p in validate_site(root, now=NOW).problems}


@PROPERTY
@given(title=st.text(min_size=1, max_size=80), message=st.text(min_size=1, max_size=400))
def test_any_title_and_message_text_is_accepted_and_rendered(title: str, message: str) -> None:
    """Whatever a person types as a title or an update renders, on every output."""
    quoted_title, quoted_message = (json.dumps(value, ensure_ascii=False) for value in (title, message))
    text = INCIDENT_TEXT.replace("title: Elevated error rates on the API", f"title: {quoted_title}").replace(
        "message: We are investigating elevated error rates on the API.", f"message: {quoted_message}"
    )
    problems = assert_located(site_with(text))
    if any(p.level is Level.ERROR for p in problems):  # only blank or unprintable text may be refused
        unprintable = any(
            (unicodedata.category(char) in ("Cc", "Cs") and char not in "\t\n\r") or char in "\ufffe\uffff"
            for char in title + message
        )
        assert not title.strip() or not message.strip() or unprintable, problems
        return
    site = validate_site(_SCRATCH, now=NOW).site
    assert site is not None
    files = render_public_site(site, NOW)
    assert "incidents/2026-11-20-api-errors/index.html" in files
    stage_tree(site, NOW, content={}, mkdocs_config=None, overrides={})


def test_a_control_character_escaped_into_a_message_is_reported(tmp_path: Path) -> None:
    text = INCIDENT_TEXT.replace(
        "message: We are investigating elevated error rates on the API.",
        'message: "Colour codes from a terminal: \\e[31mred\\e[0m"',
    )
    root = write_site(tmp_path / "site", {INCIDENT: text})
    problems = validate_site(root, now=NOW).problems
    assert [(p.code, p.line) for p in problems] == [("SG206", 24)]
    assert "control character U+001B (character 31)" in problems[0].message


def test_a_knowledge_base_page_linked_out_of_the_site_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "runner-secrets.md"
    secret.write_text("MARKER-FROM-THE-BUILD-MACHINE\n", encoding="utf-8")
    root = write_site(tmp_path / "site")
    (root / "content/leak.md").symlink_to(secret)
    result = run_bounded(root, "build", "--kb-only")
    assert result.returncode == 1
    assert "content/leak.md: a link to a file outside the site; copy the file in instead" in result.stderr
    assert "Traceback" not in result.stderr
    built = root / "site"
    assert not any("MARKER-FROM-THE-BUILD-MACHINE" in path.read_text(errors="ignore")
                   for path in built.rglob("*") if path.is_file())  # fmt: skip


@pytest.mark.parametrize("name", ["home.html", "style.css"])
def test_a_public_override_linked_out_of_the_site_is_refused(tmp_path: Path, name: str) -> None:
    secret = tmp_path / "runner-secrets.txt"
    secret.write_text("MARKER-FROM-THE-BUILD-MACHINE\n", encoding="utf-8")
    root = write_site(tmp_path / "site")
    (root / "overrides/public").mkdir(parents=True)
    (root / "overrides/public" / name).symlink_to(secret)
    result = run_bounded(root, "build", "--public-only")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"overrides/public/{name}: a link to a file outside the site" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (root / "site/public").exists()
