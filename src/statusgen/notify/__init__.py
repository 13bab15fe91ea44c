"""``statusgen notify``: tell subscribers what changed since a git revision.

One function, read top to bottom::

    the site now (validated)  ┐
    the incident files at REV ┴→ changes.detect_changes → notices
    notices × templates       → messages.Renderer        → texts and payloads
    notices × channels        → channels.plan_deliveries → deliveries (deduplicated)
    deliveries                → delivery.deliver_one     → outcomes → summary

Nothing is sent before every message of the run has been rendered, so a broken template
sends nothing. Secrets come only from environment variables.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from ..validate import INCIDENTS_DIR, Site
from .changes import Changes, Notice, NoticeKind, detect_changes, parse_incidents
from .channels import ChannelPlan, Delivery, plan_deliveries
from .defaults import DEFAULT_TEMPLATES
from .delivery import Outcome, deliver_one
from .git import files_at
from .messages import TEMPLATE_BLOCKS, Renderer, Template

__all__ = [
    "ChannelPlan",
    "Delivery",
    "Notice",
    "NoticeKind",
    "NotifyResult",
    "Outcome",
    "load_templates",
    "notify",
]


@dataclass(frozen=True)
class NotifyResult:
    changes: Changes
    plans: tuple[ChannelPlan, ...]
    outcomes: tuple[Outcome, ...]
    """Empty on a dry run or when notifications are off."""

    @property
    def failed(self) -> tuple[Outcome, ...]:
        return tuple(outcome for outcome in self.outcomes if not outcome.delivered)


def load_templates(root: Path, folder: str) -> dict[str, Template]:
    """``<folder>/<channel>.jinja`` of the site, else the built-in template."""
    templates = {}
    for name in TEMPLATE_BLOCKS:
        relpath = f"{folder}/{name}.jinja"
        path = root / relpath
        if path.is_file():
            try:
                source = path.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as error:
                raise UsageError(f"{relpath}: cannot be read ({error}); save it as UTF-8") from None
            templates[name] = Template(name, relpath, source)
        else:
            templates[name] = Template(name, f"built-in {name}.jinja", DEFAULT_TEMPLATES[name])
    return templates


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def notify(
    site: Site,
    since: str,
    *,
    now: dt.datetime,
    dry_run: bool = False,
    environ: Mapping[str, str] | None = None,
    out: Callable[[str], None] = print,
    log: Callable[[str], None] = print,
    sleep: Callable[[float], None] = time.sleep,
) -> NotifyResult:
    """Find what changed between ``since`` and the working tree of ``site`` and send it to
    every configured channel (``dry_run``: print it instead). ``out`` gets the dry run's
    messages, ``log`` progress and the summary."""
    environ = dict(os.environ) if environ is None else environ
    settings = site.config.notifications

    previous = parse_incidents(files_at(site.root, since, INCIDENTS_DIR))
    changes = detect_changes(previous, site.incidents, now)
    log(f"statusgen: {_plural(len(changes.notices), 'notice')} since {since}")
    for notice in changes.notices:
        log(f"  {notice.describe()}")
    for line in changes.quiet:
        log(f"  not announced (notify: false): {line}")
    for line in changes.held:
        log(f"  not announced yet (dated after now, not on the public site): {line}")

    renderer = Renderer(site, load_templates(site.root, settings.templates), now)
    plans = tuple(plan_deliveries(settings, changes.notices, renderer, environ, now))
    if not plans:
        log("statusgen: no notification channels in statusgen.yml (see README, Notifications): nothing sent")
        return NotifyResult(changes, plans, ())
    if dry_run:
        _print_plans(plans, settings.enabled, out)
        return NotifyResult(changes, plans, ())
    if not settings.enabled:
        log("statusgen: notifications are off (notifications.enabled: false in statusgen.yml): nothing sent")
        return NotifyResult(changes, plans, ())

    outcomes = []
    for plan in plans:
        for delivery in plan.deliveries:
            if delivery.duplicate_of is not None:
                continue
            outcome = deliver_one(
                delivery,
                attempts=settings.attempts,
                backoff=settings.backoff,
                timeout=settings.timeout,
                environ=environ,
                sleep=sleep,
            )
            outcomes.append(outcome)
            state = "sent" if outcome.delivered else "FAILED"
            tries = f", {outcome.tries} tries" if outcome.tries > 1 else ""
            log(f"statusgen: {state} {plan.label} → {delivery.destination}: {delivery.what} ({outcome.detail}{tries})")
    result = NotifyResult(changes, plans, tuple(outcomes))
    _summary(result, log)
    return result


def _print_plans(plans: tuple[ChannelPlan, ...], enabled: bool, out: Callable[[str], None]) -> None:
    if not enabled:
        out("(notifications.enabled is false: a real run sends nothing)\n")
    for plan in plans:
        fresh = [d for d in plan.deliveries if d.duplicate_of is None]
        out(f"=== {plan.label}: {plan.description} — {_plural(len(fresh), 'message')} ===")
        problems = sorted({d.problem for d in plan.deliveries if d.problem})
        for problem in problems:
            out(f"!!! would fail: {problem}")
        for number, delivery in enumerate(plan.deliveries, 1):
            if delivery.duplicate_of is not None:
                out(f"--- {number}: {delivery.what}: already sent to {delivery.destination} by {delivery.duplicate_of}")
                continue
            out(f"--- {number}: {delivery.what} → {delivery.destination} ---")
            out(delivery.preview.rstrip("\n"))
        out("")


def _summary(result: NotifyResult, log: Callable[[str], None]) -> None:
    sent = len(result.outcomes) - len(result.failed)
    duplicates = sum(d.duplicate_of is not None for plan in result.plans for d in plan.deliveries)
    parts = [f"{_plural(sent, 'message')} delivered", f"{len(result.failed)} failed"]
    if duplicates:
        parts.append(f"{duplicates} duplicate{'s' * (duplicates != 1)} not sent again")
    log(f"statusgen: notify: {', '.join(parts)}")
    for plan in result.plans:
        mine = [o for o in result.outcomes if o.delivery.channel == plan.label]
        bad = [o for o in mine if not o.delivered]
        if mine:
            log(f"  {plan.label} ({plan.description}): {len(mine) - len(bad)} of {len(mine)} delivered")
        for outcome in bad:
            log(f"    not delivered to {outcome.delivery.destination}: {outcome.delivery.what}: {outcome.detail}")
