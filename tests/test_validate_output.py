"""`statusgen validate` as CI and people see it: output formats, exit codes, --strict, --now."""

from __future__ import annotations

import calendar
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import (
    INCIDENT,
    INCIDENT_TEXT,
    NOW,
    NOW_ISO,
    POSTMORTEM,
    POSTMORTEM_TEXT,
    loc,
    write_site,
)

from statusgen.cli import main
from statusgen.validate import validate_site

REPO = Path(__file__).resolve().parent.parent

LINE = re.compile(
    r"^(?P<path>[^\s:][^:]*):(?P<line>[1-9]\d*):(?P<column>[1-9]\d*): "
    r"(?P<level>error|warning) (?P<code>SG[1-6]\d\d): (?P<message>\S.*)$"
)
README_EXAMPLE = (
    "incidents/2026/2026-11-20-api-errors/incident.md:4:11: error SG204: "
    "severity must be one of SEV-1, SEV-2, SEV-3, SEV-4, not 'SEV-5'"
)

SEV5 = INCIDENT_TEXT.replace("severity: SEV-3\n", "severity: SEV-5\n")
# An open action item due 2026-11-27: overdue at NOW (a warning), not on 2026-11-26.
OVERDUE = POSTMORTEM_TEXT.replace("    due: 2026-12-15\n", "    due: 2026-11-27\n")
OVERDUE_POS = loc(OVERDUE, "2026-11-27")


def validate(root: Path, *args: str, now: str | None = NOW_ISO, **kwargs: object) -> Result:
    argv = ["validate", "--root", str(root)]
    if now is not None:
        argv += ["--now", now]
    result = CliRunner().invoke(main, [*argv, *args], **kwargs)  # type: ignore[arg-type]
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def error_site(tmp_path: Path) -> Path:
    return write_site(tmp_path / "errors", {INCIDENT: SEV5})


@pytest.fixture
def warning_site(tmp_path: Path) -> Path:
    return write_site(tmp_path / "warnings", {POSTMORTEM: OVERDUE})


@pytest.fixture
def clean_site(tmp_path: Path) -> Path:
    return write_site(tmp_path / "clean", {POSTMORTEM: POSTMORTEM_TEXT})


# ---- text ----------------------------------------------------------------------------------


def test_text_format_matches_the_readme_example(error_site: Path) -> None:
    result = validate(error_site)
    assert result.exit_code == 1
    [line] = result.stdout.splitlines()
    assert line.startswith(README_EXAMPLE), line  # a hint may follow the README's message


def test_text_lines_have_the_documented_shape(tmp_path: Path) -> None:
    # An error in the incident, an error and a warning in the postmortem.
    broken = {INCIDENT: SEV5, POSTMORTEM: OVERDUE.replace("    owner: Ana Souza\n", "")}
    root = write_site(tmp_path / "site", broken)
    result = validate(root)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) >= 2
    for line in lines:
        assert LINE.match(line), line
    assert result.stderr.strip(), "the summary goes to stderr"
    assert not LINE.match(result.stderr.strip().splitlines()[-1])


def test_clean_site_prints_only_a_summary(clean_site: Path) -> None:
    result = validate(clean_site)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr.strip()


def test_warnings_are_printed_and_do_not_fail(warning_site: Path) -> None:
    result = validate(warning_site)
    assert result.exit_code == 0
    [line] = result.stdout.splitlines()
    match = LINE.match(line)
    assert match and match["level"] == "warning" and match["code"] == "SG606"
    assert (match["path"], int(match["line"]), int(match["column"])) == (POSTMORTEM, *OVERDUE_POS)


# ---- github --------------------------------------------------------------------------------


def test_github_format_prints_error_annotations(error_site: Path) -> None:
    result = validate(error_site, "--format", "github")
    assert result.exit_code == 1
    [line] = result.stdout.splitlines()
    assert line.startswith(f"::error file={INCIDENT},line=4,col=11,title=SG204::"), line
    assert "SEV-5" in line


def test_github_format_prints_warning_annotations(warning_site: Path) -> None:
    result = validate(warning_site, "--format", "github")
    assert result.exit_code == 0
    [line] = result.stdout.splitlines()
    line_no, column = OVERDUE_POS
    assert line.startswith(f"::warning file={POSTMORTEM},line={line_no},col={column},title=SG606::")


def test_github_format_keeps_one_annotation_per_line(tmp_path: Path) -> None:
    # A message may quote user text; a newline in it must not break the annotation.
    root = write_site(
        tmp_path / "site", {INCIDENT: INCIDENT_TEXT.replace("severity: SEV-3\n", 'severity: "SEV-5\\nSEV-1"\n')}
    )
    result = validate(root, "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines and all(line.startswith("::error ") for line in lines), lines


# ---- json ----------------------------------------------------------------------------------


def test_json_format(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site", {INCIDENT: SEV5, POSTMORTEM: OVERDUE})
    result = validate(root, "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert set(report) >= {"problems", "errors", "warnings", "files"}
    for problem in report["problems"]:
        assert set(problem) >= {"path", "line", "column", "level", "code", "message"}
    assert {(p["path"], p["line"], p["column"], p["level"], p["code"]) for p in report["problems"]} >= {
        (INCIDENT, 4, 11, "error", "SG204")
    }
    assert report["errors"] == sum(p["level"] == "error" for p in report["problems"]) >= 1
    assert report["warnings"] == sum(p["level"] == "warning" for p in report["problems"])
    assert report["files"] == validate_site(root, now=NOW).files >= 3


def test_json_format_on_a_clean_site(clean_site: Path) -> None:
    result = validate(clean_site, "--format", "json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["problems"] == [] and report["errors"] == 0 and report["warnings"] == 0
    assert report["files"] >= 3


def test_json_warning_counts(warning_site: Path) -> None:
    report = json.loads(validate(warning_site, "--format", "json").stdout)
    assert (report["errors"], report["warnings"]) == (0, 1)
    [problem] = report["problems"]
    assert (problem["code"], problem["level"], problem["path"]) == ("SG606", "warning", POSTMORTEM)
    assert (problem["line"], problem["column"]) == OVERDUE_POS


# ---- exit codes, --strict, --now -------------------------------------------------------------


def test_exit_codes(clean_site: Path, warning_site: Path, error_site: Path) -> None:
    assert validate(clean_site).exit_code == 0
    assert validate(warning_site).exit_code == 0
    assert validate(error_site).exit_code == 1


def test_strict_fails_on_warnings(clean_site: Path, warning_site: Path, error_site: Path) -> None:
    assert validate(warning_site, "--strict").exit_code == 1
    assert validate(clean_site, "--strict").exit_code == 0
    assert validate(error_site, "--strict").exit_code == 1


def test_root_without_statusgen_yml_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "incidents").mkdir()
    result = validate(tmp_path)
    assert result.exit_code == 2
    assert "statusgen.yml" in result.output


def test_missing_root_is_a_usage_error(tmp_path: Path) -> None:
    assert validate(tmp_path / "nowhere").exit_code == 2


@pytest.mark.parametrize("bad_now", ["2026-11-29T12:00:00", "yesterday", "2026-13-01T00:00:00Z"])
def test_bad_now_is_a_usage_error(bad_now: str, clean_site: Path) -> None:
    result = validate(clean_site, now=bad_now)
    assert result.exit_code == 2, result.output


def test_unknown_format_is_a_usage_error(clean_site: Path) -> None:
    assert validate(clean_site, "--format", "xml").exit_code == 2


def test_now_decides_what_is_overdue(warning_site: Path) -> None:
    assert "SG606" in validate(warning_site, now="2026-11-29T12:00:00Z").stdout
    assert validate(warning_site, now="2026-11-26T00:00:00Z").stdout == ""
    # Another zone, same moment as NOW.
    assert "SG606" in validate(warning_site, now="2026-11-29T13:00:00+01:00").stdout


def test_source_date_epoch_is_now_without_now(warning_site: Path) -> None:
    epoch = calendar.timegm(NOW.utctimetuple())
    later = validate(warning_site, now=None, env={"SOURCE_DATE_EPOCH": str(epoch)})
    assert "SG606" in later.stdout
    earlier = validate(warning_site, now=None, env={"SOURCE_DATE_EPOCH": str(epoch - 4 * 86400)})
    assert earlier.exit_code == 0 and earlier.stdout == ""


def test_default_root_is_the_current_directory(error_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(error_site)
    result = CliRunner().invoke(main, ["validate", "--now", NOW_ISO])
    assert result.exit_code == 1
    [line] = result.stdout.splitlines()
    assert line.startswith(README_EXAMPLE), line


# ---- the demo site -------------------------------------------------------------------------


def test_demo_repository_validates_clean() -> None:
    assert (REPO / "statusgen.yml").is_file(), REPO
    result = validate_site(REPO, now=NOW)
    assert [str(p) for p in result.problems] == []
    assert result.files >= 2
    cli = validate(REPO)
    assert cli.exit_code == 0, cli.output
