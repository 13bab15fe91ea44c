"""``statusgen validate``: every file of a site, checked in layers, all problems at once.

The layers run in order — file (YAML syntax) → schema → references → consistency → report
template → policy — and each returns problems instead of raising. A file that fails the first
two layers is left out of the later ones, whose messages would only be noise.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import hashlib
import multiprocessing
import os
import pickle
import re
import stat
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..cache import FolderCache, Shard, ShardSeen, Verdicts, cache_folder, shard_of
from ..config import CONFIG_FILE, Config
from ..errors import NotASiteError
from ..loader import (
    file_identity,
    load_yaml_file,
    parse_markdown,
    parse_yaml,
    read_text,
    read_text_with_identity,
    settled,
)
from ..model import Incident, Postmortem
from ..parallel import worker_count
from ..problems import Problem
from .consistency import check_consistency
from .policy import FOREVER, check_policy, policy_holds_until
from .references import check_config_references, check_incident_references
from .schema import SLUG, check_config, check_incident, check_postmortem
from .template import check_postmortem_sections, load_template_sections

__all__ = [
    "Site",
    "ValidationResult",
    "check_incident_text",
    "validate_site",
    "without_cycle_collection",
    "INCIDENTS_DIR",
    "RUNBOOKS_DIR",
]

INCIDENTS_DIR = "incidents"
RUNBOOKS_DIR = "content/runbooks"
INCIDENT_FILE = "incident.md"
POSTMORTEM_FILE = "postmortem.md"
_INCIDENT_ID = re.compile(r"(\d{4})-(\d{2})-(\d{2})-(.+)")
_USUAL_ID = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}-[a-z0-9]+(?:-[a-z0-9]+)*").fullmatch
"""An id whose slug is a :data:`~statusgen.validate.schema.SLUG` (the date is checked apart)."""


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


def _incident_candidates(
    root: Path, dirty: frozenset[str] | None = None, watched: bool = False
) -> tuple[list[tuple[str, str]], list[Problem], set[str], bool, frozenset[str] | None]:
    """The folders ``incidents/<YYYY>/<name>`` (each as its path and its path from the site), not
    yet looked into; incident files misplaced above them; the folders found to be no links; and
    whether this process lists the site's folders from memory (:data:`_LISTINGS`), with the
    folders a watcher saw change (``dirty``, None when it does not: see :func:`validate_site`).

    Only ``incidents/`` and its year folders are listed here: what each candidate holds, and
    anything below it, is looked at with the rest of its work (:func:`_read_folders`).
    """
    top = os.fspath(root)
    start = f"{top}/{INCIDENTS_DIR}"
    plain: set[str] = set()
    with contextlib.suppress(OSError):
        if not os.path.islink(start):
            plain.add(start)
    # Remembered from a process's second walk of a site on, or its first for a watching caller: a
    # command that walks it once does not pay for the folders' times.
    walked_before = _WALKED[:1] == [start]
    remember = watched or walked_before
    _WALKED[:] = [start]
    if _LISTINGS and not walked_before:
        _LISTINGS.clear()  # one site at a time
        _LISTED.clear()
    if not remember:
        dirty = None
    _, problems, found_plain, years = _walk([(start, INCIDENTS_DIR)], remember=remember, dirty=dirty, only_top=True)
    plain |= found_plain
    _, found, found_plain, candidates = _walk(years, remember=remember, dirty=dirty, only_top=True)
    plain |= found_plain
    return sorted(candidates), problems + found, plain, remember, dirty


_Walk = tuple[list[tuple[str, frozenset[str]]], list[Problem], set[str], list[tuple[str, str]]]


def _walk(
    pending: list[tuple[str, str]], *, remember: bool, dirty: frozenset[str] | None = None, only_top: bool = False
) -> _Walk:
    """Walk down from the (path, path from the site) folders of ``pending``, or with
    ``only_top`` list just those: the incident folders found, each with the incident files it
    holds (as a file, folder or link); the misplaced incident files; the folders, and the incident
    folders' regular files, found to be no links; and (``only_top``) the subfolders not walked.
    ``dirty``: see :func:`_listing`."""
    folders: list[tuple[str, frozenset[str]]] = []
    problems: list[Problem] = []
    plain: set[str] = set()
    below: list[tuple[str, str]] = []
    pending = list(pending)
    while pending:
        directory, relative = pending.pop()
        listing = _listing(directory, remember=remember, trusted=dirty is not None and relative not in dirty)
        if listing is None:
            continue
        entries, subdirectories, regular = listing
        # a directory or a link named like an incident file is reported, not skipped
        names = _INCIDENT_NAMES & entries
        if names:
            if relative.count("/") == 2:
                folders.append((relative, names))
                for name in regular:
                    plain.add(f"{directory}/{name}")
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
        for name in subdirectories:
            plain.add(f"{directory}/{name}")
            (below if only_top else pending).append((f"{directory}/{name}", f"{relative}/{name}"))
    return folders, problems, plain, below


_INCIDENT_NAMES = frozenset({INCIDENT_FILE, POSTMORTEM_FILE})
_Listing = tuple[frozenset[str], tuple[str, ...], frozenset[str]]
"""A folder's entries, its subfolders (not links), and its incident files that are regular files."""
_LISTED: dict[_Listing, _Listing] = {}
_WALKED: list[str] = []
"""The ``incidents`` folder of the site this process walked last."""
_LISTINGS: dict[str, tuple[tuple[int, int, int, int], _Listing]] = {}
"""Directories under ``incidents/`` this process listed: by path, their device, inode,
modification and change times then, and their listing (:func:`_listing`): a directory's times
change whenever an entry is added, removed or renamed."""


def _listing(directory: str, *, remember: bool, trusted: bool = False) -> _Listing | None:
    """The names in ``directory``, those that are folders (not links), and the incident files
    that are regular files (not links: :func:`~statusgen.loader.read_text` opens them without
    looking first); None if it cannot be listed (as :func:`os.walk` skips it). With
    ``remember``, from :data:`_LISTINGS` if the folder's times are as they were — or without
    looking at them when the listing is ``trusted`` (a watcher saw nothing change below the
    folder)."""
    info = None
    if remember:
        if trusted and (known := _LISTINGS.get(directory)) is not None:
            return known[1]
        try:
            info = os.stat(directory)
        except OSError:
            return None
        identity = (info.st_dev, info.st_ino, info.st_mtime_ns, info.st_ctime_ns)
        known = _LISTINGS.get(directory)
        if known is not None and known[0] == identity:
            return known[1]
    names: list[str] = []
    subdirectories: list[str] = []
    regular: list[str] = []
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                names.append(entry.name)
                with contextlib.suppress(OSError):
                    if entry.is_dir(follow_symlinks=False):
                        subdirectories.append(entry.name)
                    elif entry.name in _INCIDENT_NAMES and entry.is_file(follow_symlinks=False):
                        regular.append(entry.name)
    except OSError:
        return None
    listing = (frozenset(names), tuple(sorted(subdirectories, reverse=True)), frozenset(regular))
    listing = _LISTED.setdefault(listing, listing)  # most folders hold the same one or two files
    if info is not None:
        if settled(max(info.st_mtime_ns, info.st_ctime_ns)):
            _LISTINGS[directory] = (identity, listing)
        else:
            _LISTINGS.pop(directory, None)
    return listing


@functools.lru_cache(maxsize=1 << 18)
def _check_folder_name(folder: str) -> str | None:
    """What is wrong with ``incidents/<year>/<id>``, or None."""
    _, year, incident_id = folder.split("/")
    if _USUAL_ID(incident_id) and incident_id[:4] == year:  # the usual name, checked in one go
        with contextlib.suppress(ValueError):
            dt.date.fromisoformat(incident_id[:10])
            return None
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


def validate_site(
    root: Path,
    *,
    now: dt.datetime,
    problems_only: bool = False,
    changed: Collection[str] | None = None,
    watched: bool = False,
) -> ValidationResult:
    """Check every file of the site at ``root``; ``now`` decides what is overdue.

    ``problems_only``: the caller needs no :class:`Site` (``statusgen validate``), so worker
    processes check each incident completely and send back only its problems, not the incident
    (whose transfer is a fifth of a cold run's work); the result's ``site`` is then None.

    ``changed``: from a caller that watches the site's files (``statusgen serve``), the paths
    (``/``-joined, from ``root``) of every file added, removed or changed in any way (size,
    times, inode) since a moment before this process's previous call for the same site began.
    The incident folders holding none of them are then not looked at again where this process
    remembers them — a watcher that has just looked at every file need not have it done twice.

    ``watched``: the caller watches the site's files and will tell what changed next time, as
    ``statusgen serve`` does from its first build on. Worker processes then send back what they
    saw of each folder they listed and file they read, for this process to remember: a later
    call told what changed looks again at those alone.
    """
    if not (root / CONFIG_FILE).is_file():
        raise NotASiteError(f"{root} has no {CONFIG_FILE}; run statusgen in a site folder or pass --root")
    with without_cycle_collection():
        return _validate_site(root, now, problems_only, changed, watched)


@contextlib.contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused for the duration.

    Reading a long history makes millions of objects that all live on; the collector would
    walk them again and again as they accumulate (40 % of a cached validate of 10,000
    incidents), and there are no reference cycles to find among them. Reference counting
    frees everything else as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if gc.get_freeze_count() == 0:
                # What was made meanwhile goes straight to the oldest generation (freezing and
                # unfreezing only moves lists): else the first allocation after enable() has the
                # youngest generation's collection walk all of it (0.2 s after 10,000 incidents).
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def _dirty_folders(changed: Collection[str]) -> frozenset[str]:
    """Every folder (from the site's top) that holds one of the ``changed`` paths, at any depth."""
    dirty: set[str] = set()
    for path in changed:
        folder = path.rpartition("/")[0]
        while folder and folder not in dirty:
            dirty.add(folder)
            folder = folder.rpartition("/")[0]
    return frozenset(dirty)


def _validate_site(
    root: Path, now: dt.datetime, problems_only: bool, changed: Collection[str] | None, watched: bool
) -> ValidationResult:
    problems: list[Problem] = []
    files = 1

    config: Config | None = None
    config_text, found = read_text(root, CONFIG_FILE)
    problems += found
    if config_text is not None:
        config_document, found = parse_yaml(config_text, CONFIG_FILE)
        problems += found
        if config_document is not None:
            config, found = check_config(config_document)
            problems += found
            if config is not None:
                problems += check_config_references(config)

    template, found = load_template_sections(root)
    problems += found
    runbooks = _runbook_ids(root)

    dirty = None if changed is None else _dirty_folders(changed)
    candidates, found, plain_folders, remember, dirty = _incident_candidates(root, dirty, watched)
    problems += found
    # Looking into the folders, reading and checking their files is most of the work, and each
    # folder stands alone. Asked for problems only, each folder is judged as if its id were its
    # own, by workers that cannot see the others: see below.
    judge = None
    if problems_only:
        judge = _Judge(config, runbooks, now, _judge_context(config_text if config is not None else None, runbooks))
    folders, found, results = _read_folders(
        root, candidates, template, plain_folders, judge, remember=remember, dirty=dirty, watched=watched
    )
    problems += found

    first_folder_of: dict[str, str] = {}
    incidents: list[Incident] = []
    policed: list[Incident] = []  # not those whose postmortem exists but is unreadable: policy cannot judge them
    for folder, names in folders:
        incident_id = folder.rsplit("/", 1)[1]
        incident_path = f"{folder}/{INCIDENT_FILE}"
        postmortem_path = f"{folder}/{POSTMORTEM_FILE}"
        has_incident = INCIDENT_FILE in names
        has_postmortem = POSTMORTEM_FILE in names
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
            if usable and judge is not None and results[folder][0] is None:
                # A worker may have judged it as usable: only a folder of another year, named
                # wrongly, has its id. Checked again here, it has its own problems only.
                incident_file = read_text(root, incident_path, plain_folders)
                postmortem_file = read_text(root, postmortem_path, plain_folders) if has_postmortem else None
                results[folder] = _check_folder(folder, template, incident_file, postmortem_file)
            usable = False
        first_folder_of.setdefault(incident_id, folder)

        incident, found, unreadable, inconsistent = results[folder]
        problems += found
        if incident is not None and usable:
            incidents.append(incident)
            problems += inconsistent
            if not unreadable:
                policed.append(incident)

    problems += _referenced(incidents, config, runbooks)
    if config is not None:
        problems += _policy(policed, config, now)

    site = None
    if config is not None and not problems_only:
        site = Site(root, config, tuple(incidents), runbooks, template)
    return ValidationResult(sorted(problems), files, site)


@dataclass(frozen=True)
class _Judge:
    """What a worker asked for problems only (``statusgen validate``) finds of a folder beyond
    its files: see :meth:`verdict`."""

    config: Config | None
    runbooks: frozenset[str]
    now: dt.datetime
    context: bytes
    """What the verdicts depend on besides the folders' files (:func:`_judge_context`)."""

    def verdict(self, folder: str, result: _FolderResult) -> tuple[_FolderResult, dt.datetime]:
        """A folder's result with every problem :func:`_validate_site` finds of it (references and
        policy included) and no incident, and the moment before which that holds (policy
        depends on the clock). A folder whose name is no incident id is unusable; one whose id
        another folder has too is not known to be, and :func:`_validate_site` checks it again."""
        incident, problems, unreadable, inconsistent = result
        if incident is None or _check_folder_name(folder) is not None:
            return (None, problems, unreadable, []), FOREVER
        problems = [*problems, *inconsistent]
        until = FOREVER
        if self.config is not None:
            problems += check_incident_references(incident, self.config, self.runbooks)
            if not unreadable:
                problems += check_policy(incident, self.config, self.now)
                until = policy_holds_until(incident, self.config, self.now)
        return (None, problems, unreadable, []), until


def _judge_context(config_text: str | None, runbooks: frozenset[str]) -> bytes:
    """The verdicts' context: the text of the configuration (None when it is unusable) and the
    runbooks' ids."""
    digest = hashlib.blake2b(b"-" if config_text is None else b"+" + config_text.encode("utf-8", "surrogatepass"))
    for runbook in sorted(runbooks):
        digest.update(b"\0" + runbook.encode("utf-8", "surrogatepass"))
    return digest.digest()


_CHECKED: dict[int, tuple[Incident, list[Problem]]] = {}
"""What :func:`_referenced` found, by the incident's identity (each kept alive by its entry,
so that no other object can take its id): a long-lived process checks again only the incidents
that changed (reading a folder again makes a new object)."""
_CHECKED_WITH: list[tuple[Config | None, frozenset[str]]] = []


def _referenced(incidents: list[Incident], config: Config | None, runbooks: frozenset[str]) -> list[Problem]:
    """The reference problems of ``incidents``: what depends on nothing that changes between
    two runs in one process but the incident, the configuration and the runbooks."""
    if [(config, runbooks)] != _CHECKED_WITH:
        _CHECKED.clear()
        _CHECKED_WITH[:] = [(config, runbooks)]
    checked: dict[int, tuple[Incident, list[Problem]]] = {}
    problems: list[Problem] = []
    for incident in incidents:
        known = _CHECKED.get(id(incident))
        if known is None or known[0] is not incident:
            known = (incident, check_incident_references(incident, config, runbooks) if config is not None else [])
        checked[id(incident)] = known
        problems += known[1]
    _CHECKED.clear()
    _CHECKED.update(checked)
    return problems


_POLICED: dict[int, tuple[Incident, dt.datetime, dt.datetime, list[Problem]]] = {}
"""What :func:`_policy` found, by the incident's identity (kept alive by its entry): the incident,
the moments from and before which the problems hold (:func:`policy_holds_until`), the problems."""
_POLICED_WITH: list[Config] = []


def _policy(incidents: list[Incident], config: Config, now: dt.datetime) -> list[Problem]:
    """The policy problems of ``incidents`` at ``now``; a long-lived process checks again only
    the incidents that changed or whose verdict may have changed with the time."""
    if [config] != _POLICED_WITH:
        _POLICED.clear()
        _POLICED_WITH[:] = [config]
    known: dict[int, tuple[Incident, dt.datetime, dt.datetime, list[Problem]]] = {}
    problems: list[Problem] = []
    for incident in incidents:
        entry = _POLICED.get(id(incident))
        if entry is None or entry[0] is not incident or not entry[1] <= now < entry[2]:
            entry = (incident, now, policy_holds_until(incident, config, now), check_policy(incident, config, now))
        known[id(incident)] = entry
        problems += entry[3]
    _POLICED.clear()
    _POLICED.update(known)
    return problems


_Read = tuple[str | None, list[Problem]]
"""A file's text, or the problems that kept it from being read."""
_FolderResult = tuple[Incident | None, list[Problem], bool, list[Problem]]
"""The folder's incident (with its postmortem), its problems, whether a postmortem exists
that could not be read, and the incident's consistency problems (reported only if the folder is
usable: see :func:`_validate_site`)."""
_PARALLEL_FROM = 400
"""Below this many folders to check, starting worker processes costs more than it saves."""


def _check_folder(
    folder: str, template: tuple[str, ...], incident_file: _Read, postmortem_file: _Read | None
) -> _FolderResult:
    """Parse and check one folder's files, read by the caller (the postmortem first: the
    incident is made with it)."""
    unreadable = False
    postmortem: Postmortem | None = None
    postmortem_problems: list[Problem] = []
    if postmortem_file is not None:
        text, postmortem_problems = postmortem_file[0], list(postmortem_file[1])
        if text is not None:
            document, found = parse_markdown(text, f"{folder}/{POSTMORTEM_FILE}")
            postmortem_problems += found
            if document is not None:
                postmortem, found = check_postmortem(document)
                postmortem_problems += found
                if postmortem is not None and template:
                    postmortem_problems += check_postmortem_sections(postmortem, document.body_line, template)
        unreadable = postmortem is None
    text, problems = incident_file[0], list(incident_file[1])
    incident: Incident | None = None
    if text is not None:
        document, found = parse_markdown(text, f"{folder}/{INCIDENT_FILE}")
        problems += found
        if document is not None:
            incident, found = check_incident(document, folder.rsplit("/", 1)[1], postmortem)
            problems += found
    problems += postmortem_problems
    return incident, problems, unreadable, [] if incident is None else check_consistency(incident)


_Found = list[tuple[str, frozenset[str]]]
"""Incident folders found by a walk, each with the incident files it holds."""
_Task = tuple[str, list[tuple[str, str]], _Walk | None]
"""A shard to look into, read and check (:func:`_read_shard`): its name, its candidate folders
(each as its path and its path from the site), and what walking them found if that is done."""
_Context = tuple[Path, FolderCache, tuple[str, ...], set[str], _Judge | None, bool, frozenset[str] | None, bool]
"""What every task needs: the site, its cache, the template, the folders known to be no links, the
judge, whether listings are remembered, the folders a watcher saw change, and whether the caller
watches the site (see :func:`validate_site`)."""
_Done = tuple[_Found, list[Problem], dict[str, _FolderResult] | None, bytes | None, "_Remembered"]
"""A task's incident folders, the misplaced files found below them, their results, as they are
or (from a worker) pickled, and what a watching caller is to remember of what was seen."""


def _read_folders(
    root: Path,
    candidates: list[tuple[str, str]],
    template: tuple[str, ...],
    plain_folders: set[str],
    judge: _Judge | None = None,
    *,
    remember: bool = False,
    dirty: frozenset[str] | None = None,
    watched: bool = False,
) -> tuple[_Found, list[Problem], dict[str, _FolderResult]]:
    """The incident folders among ``candidates`` (sorted), the misplaced incident files found
    below them, and each incident folder's result.

    The candidates are taken a cache shard (a month) at a time (:mod:`statusgen.cache`): each is
    looked into, then a shard whose every folder's files are as cached is loaded whole; the others
    are read and checked again — folder by folder where something changed. On a large site forked
    worker processes do all of that on several CPUs, from the first shard on. With a ``judge``,
    each folder's verdict (:meth:`_Judge.verdict`) stands for its result, and the cache keeps
    verdicts alone (:class:`~statusgen.cache.Verdicts`). A process that walked
    the site before lists folders from what it remembers (``remember``). Told by a watcher what
    changed (``dirty``, see :func:`validate_site`), it looks into the folders itself first, without
    looking again at the files of folders not ``dirty``, and leaves only the shards that changed
    to workers. For a caller that ``watched`` the site, what was seen of every file read and
    folder listed, by this process or a worker, is remembered (:data:`_SEEN`, :data:`_LISTINGS`).
    """
    cache = FolderCache(cache_folder(root), template)
    shards: dict[str, list[tuple[str, str]]] = {}
    for candidate in candidates:
        shards.setdefault(shard_of(candidate[1]), []).append(candidate)
    folders: _Found = []
    problems: list[Problem] = []
    results: dict[str, _FolderResult] = {}
    kept: list[str] = []
    tasks: list[_Task] = []
    for name, members in shards.items():
        walk = None
        if dirty is not None:  # a watcher's word: what this process remembers is most of it
            walk = _walk(members, remember=remember, dirty=dirty)
            plain_folders |= walk[2]
            readable = _readable(walk[0])
            stored = cache.load(name) if readable else None
            if (
                stored is not None
                and _all_cached(stored, readable, _known_keys(cache, root, readable, plain_folders, dirty))
                and (cached := _from_cache(cache, name, stored, judge, in_worker=False)) is not None
            ):
                folders += walk[0]
                problems += walk[1]
                results.update(_unpickled(cached))
                kept.append(name)
                continue
        tasks.append((name, members, walk))
    context: _Context = (root, cache, template, plain_folders, judge, remember, dirty, watched)
    for (name, _, _), (found, walk_problems, checked, payload, (seen, listings, shard)) in zip(
        tasks, _read_shards(context, tasks), strict=True
    ):
        folders += found
        problems += walk_problems
        _remember_seen(os.fspath(root), seen)
        _LISTINGS.update(listings)
        if payload is not None:
            checked = pickle.loads(payload)  # noqa: S301 - made by a worker just now
            if shard is not None and judge is None:
                cache.adopt(name, shard, checked)
        if checked:
            results.update(checked)
            kept.append(name)
    cache.keep_only(kept)
    return sorted(folders), problems, results


def _readable(found: _Found) -> list[tuple[str, bool]]:
    """The folders holding an incident file, each with whether it holds a postmortem too."""
    return [(folder, POSTMORTEM_FILE in names) for folder, names in found if INCIDENT_FILE in names]


def _all_cached(stored: Shard, readable: list[tuple[str, bool]], keys: Iterable[bytes | None]) -> bool:
    """Whether the cache's shard holds exactly the ``readable`` folders, with these keys."""
    return len(stored.keys) == len(readable) and all(
        stored.keys.get(folder) == key for (folder, _), key in zip(readable, keys, strict=True)
    )


_SEEN: dict[tuple[str, str], tuple[tuple[object, ...], bytes | None]] = {}
"""The folders this process read: by (site, folder), the cache's context and the identity of
its files (device, inode, size, modification and change times), and their cache key — so that
a long-lived process (``statusgen serve``) does not read and hash every file again to learn
that nothing changed."""


def _known_key(
    cache: FolderCache,
    root: Path,
    folder: str,
    has_postmortem: bool,
    plain_folders: set[str],
    dirty: frozenset[str] | None = None,
) -> bytes | None:
    """The cache key of a folder's files, from what this process saw of them if they have not
    changed since (by their identity, or by a watcher's word when the folder is not ``dirty``),
    else read."""
    top = os.fspath(root)
    seen = _SEEN.get((top, folder))
    if dirty is not None and folder not in dirty and seen is not None and seen[0][0] == cache.context:
        return seen[1]
    plain = f"{top}/{folder}" in plain_folders
    seen_as: tuple[object, ...] = (
        cache.context,
        _identity(root, top, f"{folder}/{INCIDENT_FILE}", plain, plain_folders),
        _identity(root, top, f"{folder}/{POSTMORTEM_FILE}", plain, plain_folders) if has_postmortem else (),
    )
    if None not in seen_as and seen is not None and seen[0] == seen_as:
        return seen[1]
    key = _key(cache, root, folder, has_postmortem, plain_folders)[0]
    _remember_seen(top, [(folder, seen_as, key)])
    return key


_Seen = list[tuple[str, tuple[object, ...], bytes | None]]
"""Folders, the identity of their files before they were read (:data:`_SEEN`), and their key."""
_Listings = list[tuple[str, tuple[tuple[int, int, int, int], _Listing]]]
"""Entries of :data:`_LISTINGS`."""
_Remembered = tuple[_Seen, _Listings, ShardSeen | None]
"""What a watching caller is to remember of what a task saw: its files, its folders' listings,
and its shard's file as the cache saw it (:meth:`~statusgen.cache.FolderCache.seen`)."""


def _remember_seen(top: str, seen: _Seen) -> None:
    """Keep in :data:`_SEEN` what was seen of these folders of the site at ``top`` — only when
    every identity is known and old enough to be trusted (:func:`~statusgen.loader.settled`)."""
    if seen and _SEEN and next(iter(_SEEN))[0] != top:
        _SEEN.clear()  # one site at a time
    for folder, seen_as, key in seen:
        if None not in seen_as and all(not times or settled(max(times[3:])) for times in seen_as[1:]):  # type: ignore[index]
            _SEEN[(top, folder)] = (seen_as, key)
        else:
            _SEEN.pop((top, folder), None)  # what it knew is out of date: never to be taken on trust


def _identity(root: Path, top: str, relpath: str, plain: bool, plain_folders: set[str]) -> tuple[int, ...] | None:
    """:func:`~statusgen.loader.file_identity`, with a single ``lstat`` for a regular file in a
    folder the walk found to be no link (``plain``); ``top`` is ``root`` as a string."""
    if plain:
        try:
            info = os.lstat(f"{top}/{relpath}")
        except OSError:
            return None
        if stat.S_ISREG(info.st_mode):
            return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns
    return file_identity(root, relpath, plain_folders)


def _key(
    cache: FolderCache, root: Path, folder: str, has_postmortem: bool, plain_folders: set[str]
) -> tuple[bytes | None, _Read, _Read | None, tuple[object, ...]]:
    """Read a folder's files: the cache key of what was read (None: a file could not be read),
    the files, and what :func:`_known_key` would have seen of them before they were read."""
    text, problems, incident_identity = read_text_with_identity(root, f"{folder}/{INCIDENT_FILE}", plain_folders)
    incident_file: _Read = (text, problems)
    postmortem_file: _Read | None = None
    postmortem_identity: tuple[int, ...] | None = ()
    if has_postmortem:
        text, problems, postmortem_identity = read_text_with_identity(
            root, f"{folder}/{POSTMORTEM_FILE}", plain_folders
        )
        postmortem_file = (text, problems)
    seen_as = (cache.context, incident_identity, postmortem_identity)
    if incident_file[0] is None or (postmortem_file is not None and postmortem_file[0] is None):
        return None, incident_file, postmortem_file, seen_as
    key = cache.key(folder, incident_file[0], None if postmortem_file is None else postmortem_file[0])
    return key, incident_file, postmortem_file, seen_as


def _read_shard(context: _Context, task: _Task, *, in_worker: bool) -> _Done:
    """Look into one shard's candidate folders (unless the task comes walked: then its cache was
    found out of date already), take its results from the cache, or read and check the folders
    that changed and store the shard. A worker sends the results pickled (verdicts, when there
    is a judge), and lists folders afresh: what it would remember dies with it."""
    root, cache, template, plain_folders, judge, remember, dirty, watched = context
    name, members, walk = task
    stale = walk is not None
    listings: _Listings = []
    if walk is None:
        # a worker remembers folders' listings only for a watching caller, to send back
        walk = _walk(members, remember=watched or (remember and not in_worker), dirty=dirty)
        plain_folders |= walk[2]
        if watched and in_worker:
            listings = [(path, _LISTINGS[path]) for path, _ in members if path in _LISTINGS]
    found, walk_problems = walk[0], walk[1]
    readable = _readable(found)
    if not readable:
        return found, walk_problems, {}, None, ([], listings, None)
    stored = cache.load(name)
    reads: list[_FolderRead] | None = None
    if in_worker or stale:  # read once: the files are needed to check a folder whose key changed
        reads = _reads(cache, root, readable, plain_folders)
        keys: Iterable[bytes | None] = (read[1] for read in reads)
    else:  # what this process saw of the files spares reading them
        keys = _known_keys(cache, root, readable, plain_folders, dirty)
    cached = None
    if not stale and stored is not None and _all_cached(stored, readable, keys):
        cached = _from_cache(cache, name, stored, judge, in_worker=in_worker)
    if cached is None:
        if reads is None:
            reads = _reads(cache, root, readable, plain_folders)
        results, payload = _check_shard(cache, template, name, reads, stored, judge)
        cached = payload if in_worker else results
    # what a watching caller is to remember of the files read
    seen: _Seen = [(read[0], read[4], read[1]) for read in reads] if watched and reads is not None else []
    if not in_worker:
        return found, walk_problems, _unpickled(cached), None, (seen, listings, None)
    payload = cached if isinstance(cached, bytes) else _pickled(cached)
    return found, walk_problems, None, payload, (seen, listings, cache.seen(name) if watched else None)


def _from_cache(
    cache: FolderCache, name: str, stored: Shard, judge: _Judge | None, *, in_worker: bool
) -> dict[str, _FolderResult] | bytes | None:
    """The results of a shard whose every folder is as cached, from the shard — pickled for a
    worker where that costs nothing more, and judged with a ``judge`` — or None when it holds no
    results that serve: verdicts alone, made at another time or with another configuration or
    runbooks. Verdicts made of the shard's results are stored with them."""
    holding = _holding(stored, judge)
    if holding is not None:
        return holding.results
    if stored.results is None:
        return None
    if judge is None:
        if in_worker and stored.results:  # as the cache holds them: the parent unpickles them
            return stored.results
        return cache.results(name, stored)
    verdicts, until = _verdicts(judge, cache.results(name, stored))
    payload = _pickled(verdicts)
    if stored.results:  # (not when only this process's memory holds them)
        cache.store(name, Shard(stored.keys, stored.results, Verdicts(judge.context, judge.now, until, payload)))
    return payload if in_worker else verdicts


def _unpickled(results: dict[str, _FolderResult] | bytes) -> dict[str, _FolderResult]:
    return pickle.loads(results) if isinstance(results, bytes) else results  # noqa: S301 - see cache.load


def _holding(stored: Shard | None, judge: _Judge | None) -> Verdicts | None:
    """The verdicts of ``stored`` if they hold for ``judge``."""
    if stored is None or judge is None or stored.verdicts is None:
        return None
    return stored.verdicts if stored.verdicts.hold(judge.context, judge.now) else None


def _verdicts(judge: _Judge, results: dict[str, _FolderResult]) -> tuple[dict[str, _FolderResult], dt.datetime]:
    """Each folder's verdict, and the moment before which they all hold."""
    verdicts: dict[str, _FolderResult] = {}
    until = FOREVER
    for folder, result in results.items():
        verdicts[folder], holds = judge.verdict(folder, result)
        until = min(until, holds)
    return verdicts, until


def _reads(
    cache: FolderCache, root: Path, readable: list[tuple[str, bool]], plain_folders: set[str]
) -> list[_FolderRead]:
    return [(folder, *_key(cache, root, folder, has_postmortem, plain_folders)) for folder, has_postmortem in readable]


def _known_keys(
    cache: FolderCache,
    root: Path,
    readable: list[tuple[str, bool]],
    plain_folders: set[str],
    dirty: frozenset[str] | None,
) -> Iterator[bytes | None]:
    """The cache keys of the ``readable`` folders, one at a time (:func:`_known_key`)."""
    for folder, has_postmortem in readable:
        yield _known_key(cache, root, folder, has_postmortem, plain_folders, dirty)


def _pickled(value: object) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


_FolderRead = tuple[str, bytes | None, _Read, _Read | None, tuple[object, ...]]
"""A folder, the cache key of its files, the files as read, and what was seen of them (:func:`_key`)."""


def _check_shard(
    cache: FolderCache,
    template: tuple[str, ...],
    name: str,
    reads: list[_FolderRead],
    stored: Shard | None,
    judge: _Judge | None,
) -> tuple[dict[str, _FolderResult], bytes]:
    """Check the folders of one shard (those that changed), store the shard, and return its
    results as they are and pickled: every folder's, also those not cacheable — verdicts, with a
    ``judge``."""
    previous: dict[str, _FolderResult] | None = None
    judged: dict[str, _FolderResult] | None = None
    stored_keys = {} if stored is None else stored.keys
    verdicts = _holding(stored, judge)
    results: dict[str, _FolderResult] = {}
    keys: dict[str, bytes] = {}
    until = FOREVER
    for folder, key, incident_file, postmortem_file, _ in reads:
        unchanged = key is not None and stored_keys.get(folder) == key
        if unchanged and verdicts is not None:
            if judged is None:
                judged = pickle.loads(verdicts.results)  # noqa: S301 - see cache.load
                until = verdicts.until
            results[folder] = judged[folder]
            keys[folder] = stored_keys[folder]
            continue
        if unchanged and stored is not None and stored.results is not None:
            if previous is None:
                previous = cache.results(name, stored)
            result = previous[folder]
        else:
            result = _check_folder(folder, template, incident_file, postmortem_file)
        if judge is not None:
            result, holds = judge.verdict(folder, result)
            until = min(until, holds)
        results[folder] = result
        if key is not None:
            keys[folder] = key
    payload = _pickled(results)
    kept = payload if len(keys) == len(results) else _pickled({folder: results[folder] for folder in keys})
    if not keys:
        cache.store(name, None)
    elif judge is not None:
        cache.store(name, Shard(keys, None, Verdicts(judge.context, judge.now, until, kept)))
    else:
        carried = stored.verdicts if stored is not None and stored_keys == keys else None
        cache.store(name, Shard(keys, kept, carried))
    return results, payload


_TASKS: list[_Task] = []
"""The shards a pool of forked workers looks into and checks (inherited, so never pickled to them)."""
_CONTEXT: list[_Context] = []


def _read_shard_in_worker(index: int) -> _Done:
    return _read_shard(_CONTEXT[0], _TASKS[index], in_worker=True)


def _read_shards(context: _Context, tasks: list[_Task]) -> Iterator[_Done]:
    """What each task found, in order: by forked worker processes when there is enough to do.

    Fork only: it needs no re-import and nothing of the caller's state to be picklable. Not from a
    process that runs threads (``statusgen serve``), where forking is unsafe.
    """
    processes = worker_count(sum(len(members) for _, members, _ in tasks), least=_PARALLEL_FROM)
    if processes == 0 or len(tasks) < 2:
        for task in tasks:
            yield _read_shard(context, task, in_worker=False)
        return
    _TASKS[:] = tasks
    _CONTEXT[:] = [context]
    try:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            yield from pool.imap(_read_shard_in_worker, range(len(tasks)))
    finally:
        _TASKS.clear()
        _CONTEXT.clear()


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
