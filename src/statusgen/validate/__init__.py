"""``statusgen validate``: every file of a site, checked in layers, all problems at once.

The layers run in order — file (YAML syntax) → schema → references → consistency → report
template → policy — and each returns problems instead of raising. A file that fails the first
two layers is left out of the later ones, whose messages would only be noise.
"""

from __future__ import annotations

import datetime as dt
import functools
import multiprocessing
import os
import re
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from ..config import CONFIG_FILE, Config
from ..errors import NotASiteError
from ..loader import load_markdown, load_yaml_file, parse_markdown
from ..model import Incident, Postmortem
from ..problems import Problem
from .consistency import check_consistency
from .policy import check_policy
from .references import check_config_references, check_incident_references
from .schema import SLUG, check_config, check_incident, check_postmortem
from .template import check_postmortem_sections, load_template_sections

__all__ = ["Site", "ValidationResult", "check_incident_text", "validate_site", "INCIDENTS_DIR", "RUNBOOKS_DIR"]

INCIDENTS_DIR = "incidents"
RUNBOOKS_DIR = "content/runbooks"
INCIDENT_FILE = "incident.md"
POSTMORTEM_FILE = "postmortem.md"
_INCIDENT_ID = re.compile(r"(\d{4})-(\d{2})-(\d{2})-(.+)")


@dataclass(frozen=True)
class Site:
    """A validated site: what the generators build from."""

    root: Path
    config: Config
    incidents: tuple[Incident, ...]
    """Incidents and maintenance that passed the file and schema layers, by id."""
    runbooks: frozenset[str]
    template_sections: tuple[str, ...]


@dataclass(frozen=True)
class ValidationResult:
    problems: list[Problem]
    """Sorted by path, line and column."""
    files: int
    """How many files were checked."""
    site: Site | None
    """None when ``statusgen.yml`` itself is unusable."""


def _incident_folders(root: Path) -> tuple[list[str], list[Problem]]:
    """Folders ``incidents/<YYYY>/<id>`` holding an incident or postmortem, sorted.

    Incident files anywhere else under ``incidents/`` are reported as misplaced.
    """
    folders: list[str] = []
    problems: list[Problem] = []
    base = root / INCIDENTS_DIR
    for directory, subdirectories, files in os.walk(base):
        subdirectories.sort()
        relative = Path(directory).relative_to(root).as_posix()
        # a directory or a link named like an incident file is reported, not skipped
        names = {INCIDENT_FILE, POSTMORTEM_FILE} & {*files, *subdirectories}
        if not names:
            continue
        if relative.count("/") == 2:
            folders.append(relative)
        else:
            for name in sorted(names):
                problems.append(
                    Problem.at(
                        f"{relative}/{name}",
                        (1, 1),
                        "SG107",
                        f"misplaced: incident files live in {INCIDENTS_DIR}/<YYYY>/<YYYY-MM-DD-slug>/; "
                        "move its folder there",
                    )
                )
    return sorted(folders), problems


def _check_folder_name(folder: str) -> str | None:
    """What is wrong with ``incidents/<year>/<id>``, or None."""
    _, year, incident_id = folder.split("/")
    match = _INCIDENT_ID.fullmatch(incident_id)
    if not match or not SLUG.fullmatch(match.group(4)):
        return (
            f"the folder name '{incident_id}' is not an incident id; "
            "name it YYYY-MM-DD-slug (lowercase letters, digits and hyphens)"
        )
    try:
        dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return f"the folder name '{incident_id}' does not start with a real date"
    if year != match.group(1):
        return (
            f"the incident '{incident_id}' is in the year folder '{year}'; move it to {INCIDENTS_DIR}/{match.group(1)}/"
        )
    return None


def _runbook_ids(root: Path) -> frozenset[str]:
    folder = root / RUNBOOKS_DIR
    if not folder.is_dir():
        return frozenset()
    return frozenset(
        entry.stem for entry in folder.iterdir() if entry.suffix == ".md" and entry.stem != "index" and entry.is_file()
    )


def validate_site(root: Path, *, now: dt.datetime) -> ValidationResult:
    """Check every file of the site at ``root``; ``now`` decides what is overdue."""
    if not (root / CONFIG_FILE).is_file():
        raise NotASiteError(f"{root} has no {CONFIG_FILE}; run statusgen in a site folder or pass --root")
    problems: list[Problem] = []
    files = 1

    config: Config | None = None
    config_document, found = load_yaml_file(root, CONFIG_FILE)
    problems += found
    if config_document is not None:
        config, found = check_config(config_document)
        problems += found
        if config is not None:
            problems += check_config_references(config)

    template, found = load_template_sections(root)
    problems += found
    runbooks = _runbook_ids(root)

    folders, found = _incident_folders(root)
    problems += found
    first_folder_of: dict[str, str] = {}
    incidents: list[Incident] = []
    unjudged: set[str] = set()  # a postmortem exists but is unreadable: policy cannot judge it
    readable: list[tuple[str, bool, bool]] = []  # folder, usable, has a postmortem
    for folder in folders:
        incident_id = folder.rsplit("/", 1)[1]
        incident_path = f"{folder}/{INCIDENT_FILE}"
        postmortem_path = f"{folder}/{POSTMORTEM_FILE}"
        has_incident = os.path.lexists(root / incident_path)
        has_postmortem = os.path.lexists(root / postmortem_path)
        files += has_incident + has_postmortem
        if not has_incident:
            problems.append(
                Problem.at(postmortem_path, (1, 1), "SG305", f"a postmortem without an incident: add {incident_path}")
            )
            continue
        usable = True
        if (folder_problem := _check_folder_name(folder)) is not None:
            problems.append(Problem.at(incident_path, (1, 1), "SG107", folder_problem))
            usable = False
        if incident_id in first_folder_of:
            problems.append(
                Problem.at(
                    incident_path,
                    (1, 1),
                    "SG303",
                    f"duplicate incident id '{incident_id}': {first_folder_of[incident_id]} has it too; rename one",
                )
            )
            usable = False
        first_folder_of.setdefault(incident_id, folder)

        readable.append((folder, usable, has_postmortem))

    # Reading and checking the files is most of the work, and each folder stands alone.
    for (folder, usable, _), (incident, found, unreadable) in zip(
        readable, _read_folders(root, readable, template), strict=True
    ):
        problems += found
        if unreadable:
            unjudged.add(folder.rsplit("/", 1)[1])
        if incident is not None and usable:
            incidents.append(incident)

    for incident in incidents:
        if config is not None:
            problems += check_incident_references(incident, config, runbooks)
        problems += check_consistency(incident)
        if config is not None and incident.id not in unjudged:
            problems += check_policy(incident, config, now)

    site = None
    if config is not None:
        site = Site(root, config, tuple(incidents), runbooks, template)
    return ValidationResult(sorted(problems), files, site)


def _load_postmortem(root: Path, relpath: str, template: tuple[str, ...]) -> tuple[Postmortem | None, list[Problem]]:
    document, problems = load_markdown(root, relpath)
    if document is None:
        return None, problems
    postmortem, found = check_postmortem(document)
    problems += found
    if postmortem is not None and template:
        problems += check_postmortem_sections(postmortem, document.body_line, template)
    return postmortem, problems


_FolderResult = tuple[Incident | None, list[Problem], bool]
"""The folder's incident (with its postmortem), its problems, and whether a postmortem exists
that could not be read."""
_PARALLEL_FROM = 400
"""Below this many folders, starting worker processes costs more than it saves."""


def _read_folder(root: Path, folder: str, has_postmortem: bool, template: tuple[str, ...]) -> _FolderResult:
    incident_id = folder.rsplit("/", 1)[1]
    incident: Incident | None = None
    document, problems = load_markdown(root, f"{folder}/{INCIDENT_FILE}")
    if document is not None:
        incident, found = check_incident(document, incident_id)
        problems += found
    unreadable = False
    if has_postmortem:
        postmortem, found = _load_postmortem(root, f"{folder}/{POSTMORTEM_FILE}", template)
        problems += found
        if postmortem is None:
            unreadable = True
        elif incident is not None:
            incident = replace(incident, postmortem=postmortem)
    return incident, problems, unreadable


def _read_chunk(root: Path, template: tuple[str, ...], chunk: list[tuple[str, bool, bool]]) -> list[_FolderResult]:
    return [_read_folder(root, folder, has_postmortem, template) for folder, _, has_postmortem in chunk]


def _read_folders(root: Path, folders: list[tuple[str, bool, bool]], template: tuple[str, ...]) -> list[_FolderResult]:
    """Every folder read and checked, in order: on several CPUs, by forked worker processes.

    Fork only: it needs no re-import and nothing of the caller's state to be picklable. Not from a
    process that runs threads (``statusgen serve``), where forking is unsafe.
    """
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if (
        len(folders) < _PARALLEL_FROM
        or cpus < 2
        or threading.active_count() > 1
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return _read_chunk(root, template, folders)
    size = max(50, len(folders) // (cpus * 8))
    chunks = [folders[start : start + size] for start in range(0, len(folders), size)]
    with multiprocessing.get_context("fork").Pool(min(cpus, 8)) as pool:
        parts = pool.map(functools.partial(_read_chunk, root, template), chunks)
    return [result for part in parts for result in part]


def check_incident_text(root: Path, relpath: str, text: str, *, now: dt.datetime) -> list[Problem]:
    """Problems of one incident file's would-be ``text`` in the context of the site at
    ``root`` — what the authoring commands check before they write anything."""
    config_document, problems = load_yaml_file(root, CONFIG_FILE)
    config = None
    if config_document is not None:
        config, found = check_config(config_document)
        problems += found
    document, found = parse_markdown(text, relpath)
    problems += found
    if document is None or config is None:
        return sorted(problems)
    incident, found = check_incident(document, relpath.rsplit("/", 2)[-2])
    problems += found
    if incident is not None:
        problems += check_incident_references(incident, config, _runbook_ids(root))
        problems += check_consistency(incident)
        problems += check_policy(incident, config, now)
    return sorted(problems)
