"""The command line: thin click commands that call plain functions."""

from __future__ import annotations

import datetime as dt
import gc
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import click

from . import __version__
from .authoring import (
    AuthoringError,
    Written,
    append_update,
    create_incident,
    create_maintenance,
    create_postmortem,
    create_runbook,
    resolve_incident,
)
from .config import CONFIG_FILE
from .errors import ProblemsFound, StatusgenError, UsageError
from .model import IncidentStatus, Severity, Visibility
from .problems import count_levels, format_problems
from .validate import ValidationResult, validate_site, without_cycle_collection

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
    result = _validate_for_good(root, resolve_now(now), problems_only=True)
    _report(result, output_format, strict)


def _validate_for_good(root: Path, moment: dt.datetime, *, problems_only: bool = False) -> ValidationResult:
    """``validate_site`` for a command whose model lives until it ends: what was read is frozen
    for the cycle collector before it runs again, so it never walks those objects (not even
    the collection at exit)."""
    with without_cycle_collection():
        result = validate_site(root, now=moment, problems_only=problems_only)
        gc.freeze()
    return result


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
    progress = _progress()
    progress("validating")
    result = _validate_for_good(root, moment)
    _report(result, "text", strict)
    assert result.site is not None  # an unusable statusgen.yml is an error, reported above
    from .build import build_sites  # imported by the commands that build: `validate` starts faster

    written = build_sites(
        result.site, now=moment, out=out or root / "site", public=not kb_only, kb=not public_only, progress=progress
    )
    progress("done")
    for directory in written:
        click.echo(f"statusgen: built {directory}", err=True)


def _progress() -> Callable[[str], None]:
    """Step names with the time since the start, on a terminal only (logs stay quiet)."""
    if not sys.stderr.isatty():
        return lambda step: None
    start = time.monotonic()

    def show(step: str) -> None:
        click.echo(f"statusgen: [{time.monotonic() - start:6.1f} s] {step}", err=True)

    return show


def _ask(value: str | None, option: str, prompt: str, **kwargs: object) -> str:
    """The option's value; in a terminal, prompt for a missing one; else a usage error."""
    if value is not None:
        return value
    if sys.stdin.isatty():
        answer: str = click.prompt(prompt, **kwargs)  # type: ignore[arg-type]
        return answer
    raise UsageError(f"missing {option}; pass it (or run in a terminal to be asked)")


def _component_pairs(pairs: tuple[str, ...]) -> dict[str, str]:
    result: dict[str, str] = {}
    for pair in pairs:
        component, sep, status = pair.partition("=")
        if not sep or not component or not status:
            raise UsageError(f"--component '{pair}': write it as ID=STATUS, e.g. api=partial_outage")
        result[component.strip()] = status.strip()
    return result


def _done(root: Path, written: Written, next_step: str) -> None:
    for problem in written.warnings:
        click.echo(str(problem), err=True)
    click.echo(f"statusgen: wrote {root / written.path}", err=True)
    click.echo(f"next: {next_step}", err=True)


def _authoring(call: Callable[[], Written]) -> Written:
    try:
        return call()
    except AuthoringError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        raise


_COMMIT_HINT = "review it, then commit and open a pull request: git add {path} && git commit -m '{what}'"


@main.group()
def new() -> None:
    """Create an incident, maintenance, postmortem or runbook."""


@new.command("incident")
@_root_option
@click.option("--title", help="What customers see, e.g. 'Elevated error rates on the API'.")
@click.option("--severity", type=click.Choice([s.value for s in Severity]), help="SEV-1 (critical) … SEV-4 (low).")
@click.option("--component", "components", multiple=True, metavar="ID=STATUS", help="An affected component.")
@click.option("--message", help="The first public update (Markdown).")
@click.option(
    "--status",
    type=click.Choice([s.value for s in IncidentStatus if s is not IncidentStatus.RESOLVED]),
    default=IncidentStatus.INVESTIGATING.value,
    show_default=True,
)
@click.option("--internal", is_flag=True, help="Keep the incident off the public site.")
@_now_option
def new_incident(
    root: Path,
    title: str | None,
    severity: str | None,
    components: tuple[str, ...],
    message: str | None,
    status: str,
    internal: bool,
    now: str | None,
) -> None:
    """Open an incident with its first public update."""
    title = _ask(title, "--title", "Title (what customers see)")
    severity = _ask(severity, "--severity", "Severity", type=click.Choice([s.value for s in Severity]))
    if not components and sys.stdin.isatty():
        answer = click.prompt("Affected components (ID=STATUS, comma-separated; empty for none)", default="")
        components = tuple(part for part in (p.strip() for p in answer.split(",")) if part)
    message = _ask(message, "--message", "First update for customers")
    written = _authoring(
        lambda: create_incident(
            root,
            title=title,
            severity=Severity(severity),
            message=message,
            now=resolve_now(now),
            components=_component_pairs(components),
            status=IncidentStatus(status),
            visibility=Visibility.INTERNAL if internal else Visibility.PUBLIC,
        )
    )
    incident_id = written.path.split("/")[-2]
    _done(
        root,
        written,
        f"post updates with `statusgen update {incident_id} --status identified --message ...`; "
        + _COMMIT_HINT.format(path=written.path, what=f"Open incident {incident_id}"),
    )


@new.command("maintenance")
@_root_option
@click.option("--title", help="What customers see, e.g. 'Database upgrade'.")
@click.option("--start", help="Window start, ISO 8601 with a zone.")
@click.option("--end", help="Window end, ISO 8601 with a zone.")
@click.option("--component", "components", multiple=True, metavar="ID", help="A component under maintenance.")
@click.option("--message", help="The announcement (Markdown).")
@_now_option
def new_maintenance(
    root: Path,
    title: str | None,
    start: str | None,
    end: str | None,
    components: tuple[str, ...],
    message: str | None,
    now: str | None,
) -> None:
    """Announce a scheduled maintenance window."""
    title = _ask(title, "--title", "Title (what customers see)")
    start_time = _moment(_ask(start, "--start", "Start (e.g. 2026-12-08T22:00:00+01:00)"), "--start")
    end_time = _moment(_ask(end, "--end", "End (e.g. 2026-12-09T02:00:00+01:00)"), "--end")
    message = _ask(message, "--message", "Announcement for customers")
    written = _authoring(
        lambda: create_maintenance(
            root,
            title=title,
            start=start_time,
            end=end_time,
            message=message,
            now=resolve_now(now),
            components=components,
        )
    )
    _done(root, written, _COMMIT_HINT.format(path=written.path, what=f"Announce maintenance {title}"))


def _moment(value: str, option: str) -> dt.datetime:
    try:
        return resolve_now(value, {})
    except UsageError:
        raise UsageError(f"{option}: '{value}' is not a time-zone-aware ISO 8601 time") from None


@new.command("postmortem")
@click.argument("incident_id")
@_root_option
@click.option("--author", "authors", multiple=True, help="An author (repeat for several).")
@_now_option
def new_postmortem(incident_id: str, root: Path, authors: tuple[str, ...], now: str | None) -> None:
    """Start a draft postmortem from the report template, prefilled with the timeline."""
    if not authors:
        authors = (_ask(None, "--author", "Author"),)
    written = _authoring(lambda: create_postmortem(root, incident_id, authors=authors, now=resolve_now(now)))
    _done(
        root,
        written,
        "write each section (sections still empty are warnings while it is a draft); "
        + _COMMIT_HINT.format(path=written.path, what=f"Draft postmortem for {incident_id}"),
    )


@new.command("runbook")
@_root_option
@click.option("--title", help="E.g. 'Database failover'.")
def new_runbook(root: Path, title: str | None) -> None:
    """Start a runbook from the runbook template."""
    title = _ask(title, "--title", "Runbook title")
    written = _authoring(lambda: create_runbook(root, title=title))
    runbook_id = Path(written.path).stem
    _done(
        root,
        written,
        f"write the steps; reference it from incidents as `runbooks: [{runbook_id}]`; "
        + _COMMIT_HINT.format(path=written.path, what=f"Add runbook {runbook_id}"),
    )


@main.command()
@click.argument("incident_id")
@_root_option
@click.option(
    "--status",
    help="investigating | identified | monitoring | resolved (maintenance: scheduled | "
    "in_progress | verifying | completed).",
)
@click.option("--message", help="What customers read (Markdown).")
@click.option("--component", "components", multiple=True, metavar="ID=STATUS", help="A component status change.")
@_now_option
def update(
    incident_id: str, root: Path, status: str | None, message: str | None, components: tuple[str, ...], now: str | None
) -> None:
    """Append a public status update to an incident or maintenance."""
    status = _ask(status, "--status", "Status")
    message = _ask(message, "--message", "Update for customers")
    written = _authoring(
        lambda: append_update(
            root,
            incident_id,
            status=status,
            message=message,
            now=resolve_now(now),
            components=_component_pairs(components),
        )
    )
    _done(root, written, _COMMIT_HINT.format(path=written.path, what=f"Update {incident_id}: {status}"))


@main.command()
@click.argument("incident_id")
@_root_option
@click.option("--message", help="The closing update (default: a standard resolution notice).")
@_now_option
def resolve(incident_id: str, root: Path, message: str | None, now: str | None) -> None:
    """Resolve an incident (or complete a maintenance): closing update, resolved time,
    components back to operational."""
    written = _authoring(lambda: resolve_incident(root, incident_id, message=message, now=resolve_now(now)))
    _done(root, written, _COMMIT_HINT.format(path=written.path, what=f"Resolve {incident_id}"))


@main.command()
@_root_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, help="Port to listen on (0: any free port).")
def serve(root: Path, host: str, port: int) -> None:
    """Preview both sites locally (public at /, knowledge base at /internal/), rebuilding
    when incidents, content, configuration or overrides change."""
    if not (root / CONFIG_FILE).is_file():
        raise UsageError(f"{root} has no {CONFIG_FILE}; run statusgen in a site folder or pass --root")
    from .serve import PreviewServer

    try:
        server = PreviewServer(root, host=host, port=port, log=lambda line: click.echo(line, err=True))
    except OSError as error:
        raise UsageError(f"cannot listen on {host}:{port}: {error.strerror}; pass another --port") from None
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("statusgen: stopped", err=True)


@main.command()
@_root_option
@click.option("--since", required=True, metavar="REV", help="The git revision to compare with, e.g. HEAD~1.")
@click.option("--dry-run", is_flag=True, help="Print exactly what each channel would be sent; send nothing.")
@_now_option
def notify(root: Path, since: str, dry_run: bool, now: str | None) -> None:
    """Tell subscribers (email, webhooks, Slack, Teams) about new incidents, updates,
    resolutions, maintenance and published postmortems since the git revision REV.

    Exit status: 0 all delivered, 1 something was not delivered (or problems), 2 usage error.
    """
    moment = resolve_now(now)
    result = validate_site(root, now=moment)
    _report(result, "text", strict=False)
    assert result.site is not None
    from .notify import notify as send_notifications

    outcome = send_notifications(
        result.site,
        since,
        now=moment,
        dry_run=dry_run,
        out=click.echo,
        log=lambda line: click.echo(line, err=True),
    )
    if outcome.failed:
        count = len(outcome.failed)
        raise StatusgenError(f"{count} message{'s' * (count != 1)} not delivered; see above")
