"""The command line: thin click commands that call plain functions."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import click

from . import __version__
from .build import build_sites
from .errors import ProblemsFound, UsageError
from .problems import count_levels, format_problems
from .validate import ValidationResult, validate_site

__all__ = ["main", "resolve_now"]


def resolve_now(value: str | None, environ: dict[str, str] | None = None) -> dt.datetime:
    """``--now``, else ``SOURCE_DATE_EPOCH``, else the current time; always time-zone aware."""
    environ = dict(os.environ) if environ is None else environ
    if value is not None:
        try:
            moment = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise UsageError(f"--now: '{value}' is not an ISO 8601 time like 2026-11-29T12:00:00Z") from None
        if moment.tzinfo is None:
            raise UsageError(f"--now: '{value}' has no time zone; add Z or an offset like +01:00")
        return moment
    if epoch := environ.get("SOURCE_DATE_EPOCH"):
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
        except (ValueError, OverflowError, OSError):
            raise UsageError(f"SOURCE_DATE_EPOCH='{epoch}' is not a number of seconds since 1970") from None
    return dt.datetime.now(dt.UTC)


_root_option = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default="the current directory",
    help="The site folder (where statusgen.yml is).",
)
_now_option = click.option(
    "--now",
    metavar="TIME",
    help="Judge the site as of this time-zone-aware ISO 8601 time (default: SOURCE_DATE_EPOCH, else now).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="statusgen")
def main() -> None:
    """Incident communication that lives in git: a public status page and an internal
    knowledge base from Markdown incident records."""


def _report(result: ValidationResult, output_format: str, strict: bool) -> None:
    """Print the problems and a summary; raise ProblemsFound when the run fails."""
    click.echo(format_problems(result.problems, output_format, files=result.files), nl=False)
    errors, warnings = count_levels(result.problems)
    if errors or warnings:
        summary = f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    else:
        summary = "no problems"
    click.echo(f"statusgen: {summary} in {result.files} files", err=True)
    if errors or (strict and warnings):
        raise ProblemsFound("validation failed")


@main.command()
@_root_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "github", "json"]),
    default="text",
    show_default=True,
    help="text: path:line:col lines; github: workflow annotations; json: one document.",
)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@_now_option
def validate(root: Path, output_format: str, strict: bool, now: str | None) -> None:
    """Check every incident, postmortem and the configuration; report all problems.

    Exit status: 0 clean (warnings allowed unless --strict), 1 problems, 2 usage error.
    """
    result = validate_site(root, now=resolve_now(now))
    _report(result, output_format, strict)


_NOT_YET = "is not part of statusgen {version} yet; see the project's issue tracker"


@main.command()
@_root_option
@click.option("--public-only", is_flag=True, help="Build only the public status page.")
@click.option("--kb-only", is_flag=True, help="Build only the internal knowledge base.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder; the sites go to OUT/public and OUT/internal.  [default: ROOT/site]",
)
@_now_option
def build(root: Path, public_only: bool, kb_only: bool, strict: bool, out: Path | None, now: str | None) -> None:
    """Validate, then build the public status page and the knowledge base.

    Each site is built aside and swapped in only on success: a failed build leaves the
    previous output untouched.
    """
    if public_only and kb_only:
        raise UsageError("--public-only and --kb-only exclude each other; pass at most one")
    moment = resolve_now(now)
    result = validate_site(root, now=moment)
    _report(result, "text", strict)
    assert result.site is not None  # an unusable statusgen.yml is an error, reported above
    written = build_sites(result.site, now=moment, out=out or root / "site", public=not kb_only, kb=not public_only)
    for directory in written:
        click.echo(f"statusgen: built {directory}", err=True)


@main.command()
@click.argument("kind", type=click.Choice(["incident", "maintenance", "postmortem", "runbook"]))
@_root_option
def new(kind: str, root: Path) -> None:
    """Create an incident, maintenance, postmortem or runbook from a template."""
    raise UsageError(f"'statusgen new {kind}' " + _NOT_YET.format(version=__version__))


@main.command()
@click.argument("incident_id")
@click.option("--status", required=True, help="The new update status.")
@click.option("--message", required=True, help="What customers read (Markdown).")
@click.option("--component", "components", multiple=True, metavar="ID=STATUS", help="A component status change.")
@_root_option
def update(incident_id: str, status: str, message: str, components: tuple[str, ...], root: Path) -> None:
    """Append a status update to an incident."""
    raise UsageError("'statusgen update' " + _NOT_YET.format(version=__version__))


@main.command()
@_root_option
def serve(root: Path) -> None:
    """Preview both sites locally, rebuilding on change."""
    raise UsageError("'statusgen serve' " + _NOT_YET.format(version=__version__))
