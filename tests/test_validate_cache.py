"""A folder is checked again only when something it depends on changed; the cache never
changes what validate reports, and a cache file someone else could have written is ignored."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import (
    INCIDENT,
    INCIDENT_TEXT,
    NOW,
    POSTMORTEM,
    POSTMORTEM_TEXT,
    RUNBOOK,
    TEMPLATE,
    TEMPLATE_TEXT,
    MakeSite,
)

import statusgen.cache
import statusgen.loader as loader
import statusgen.validate as validate
from statusgen.cache import cache_folder
from statusgen.validate import ValidationResult, validate_site

SECOND = "incidents/2026/2026-11-10-web-errors/incident.md"
BROKEN = "incidents/2026/2026-11-12-web-outage/incident.md"


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """The folders validate parses and checks (instead of taking from the cache)."""
    monkeypatch.setenv("STATUSGEN_CACHE_DIR", str(tmp_path / "cache"))
    folders: list[str] = []
    real = validate._check_folder

    def spy(folder: str, *args: object) -> object:
        folders.append(folder)
        return real(folder, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(validate, "_check_folder", spy)
    return folders


def site(make_site: MakeSite, root: Path) -> Path:
    return make_site(
        root,
        {
            SECOND: INCIDENT_TEXT.replace("2026-11-20", "2026-11-10"),
            BROKEN: INCIDENT_TEXT.replace("2026-11-20", "2026-11-12").replace("SEV-3", "SEV-9"),
        },
    )


def same(one: ValidationResult, other: ValidationResult) -> None:
    assert one.problems == other.problems
    assert one.files == other.files
    assert one.site is not None and other.site is not None
    assert one.site.incidents == other.site.incidents


def folder(path: str) -> str:
    return path.rsplit("/", 1)[0]


def test_an_unchanged_site_is_not_checked_again(make_site: MakeSite, tmp_path: Path, checked: list[str]) -> None:
    root = site(make_site, tmp_path / "site")
    first = validate_site(root, now=NOW)
    assert sorted(checked) == sorted({folder(INCIDENT), folder(SECOND), folder(BROKEN)})
    assert [p.code for p in first.problems] == ["SG204"]

    checked.clear()
    second = validate_site(root, now=NOW)
    assert checked == []
    same(second, first)


def test_a_changed_incident_alone_is_checked_again(make_site: MakeSite, tmp_path: Path, checked: list[str]) -> None:
    root = site(make_site, tmp_path / "site")
    validate_site(root, now=NOW)
    checked.clear()
    path = root / SECOND
    path.write_text(path.read_text(encoding="utf-8").replace("SEV-3", "SEV-2"), encoding="utf-8")

    warm = validate_site(root, now=NOW)
    assert checked == [folder(SECOND)]
    os.environ["STATUSGEN_NO_CACHE"] = "1"
    try:
        same(warm, validate_site(root, now=NOW))
    finally:
        del os.environ["STATUSGEN_NO_CACHE"]
    assert warm.site is not None
    assert {i.id: i.severity for i in warm.site.incidents}["2026-11-10-web-errors"] == "SEV-2"


def test_a_new_report_template_checks_every_postmortem_again(
    make_site: MakeSite, tmp_path: Path, checked: list[str]
) -> None:
    root = site(make_site, tmp_path / "site")
    (root / POSTMORTEM).write_text(POSTMORTEM_TEXT, encoding="utf-8")
    first = validate_site(root, now=NOW)
    assert not [p for p in first.problems if p.path == POSTMORTEM]
    validate_site(root, now=NOW)  # this process has now seen every file unchanged
    checked.clear()
    (root / TEMPLATE).write_text(TEMPLATE_TEXT.replace("## Lessons Learned", "## Lessons Learnt"), encoding="utf-8")

    second = validate_site(root, now=NOW)
    assert folder(POSTMORTEM) in checked
    assert any(p.path == POSTMORTEM and "Lessons Learnt" in p.message for p in second.problems)


def test_a_corrupt_cache_is_ignored_and_replaced(make_site: MakeSite, tmp_path: Path, checked: list[str]) -> None:
    root = site(make_site, tmp_path / "site")
    first = validate_site(root, now=NOW)
    shards = list((cache_folder(root) or Path("/nonexistent")).glob("*.pickle"))
    assert shards
    for shard in shards:
        shard.write_bytes(b"not a pickle")
    checked.clear()

    same(validate_site(root, now=NOW), first)
    assert len(checked) == 3
    checked.clear()
    validate_site(root, now=NOW)
    assert checked == []


def test_a_cache_file_others_can_write_is_not_loaded(make_site: MakeSite, tmp_path: Path, checked: list[str]) -> None:
    root = site(make_site, tmp_path / "site")
    validate_site(root, now=NOW)
    folder_of_cache = cache_folder(root)
    assert folder_of_cache is not None
    for shard in folder_of_cache.glob("*.pickle"):
        shard.chmod(0o666)
    checked.clear()
    validate_site(root, now=NOW)
    assert len(checked) == 3


def test_the_cache_lives_outside_the_site_and_can_be_turned_off(
    make_site: MakeSite, tmp_path: Path, checked: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = site(make_site, tmp_path / "site")
    validate_site(root, now=NOW)
    location = cache_folder(root)
    assert location is not None and location.is_dir()
    assert not location.resolve().is_relative_to(root.resolve())
    assert not [path for path in root.rglob("*") if path.suffix == ".pickle"]

    monkeypatch.setenv("STATUSGEN_NO_CACHE", "1")
    assert cache_folder(root) is None
    checked.clear()
    validate_site(root, now=NOW)
    assert len(checked) == 3


def test_a_removed_incident_leaves_the_cache(make_site: MakeSite, tmp_path: Path, checked: list[str]) -> None:
    root = site(make_site, tmp_path / "site")
    validate_site(root, now=NOW)
    (root / BROKEN).unlink()
    (root / BROKEN).parent.rmdir()
    result = validate_site(root, now=NOW)
    assert not result.problems
    location = cache_folder(root)
    assert location is not None
    assert b"2026-11-12-web-outage" not in b"".join(path.read_bytes() for path in location.glob("*.pickle"))


def test_shards_written_by_worker_processes_are_used_by_the_next_run(
    make_site: MakeSite, tmp_path: Path, checked: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    months = {
        f"incidents/2026/2026-{month:02d}-20-api-errors-{month}/incident.md": INCIDENT_TEXT.replace(
            "2026-11-20", f"2026-{month:02d}-20"
        )
        for month in range(1, 11)
    }
    root = make_site(tmp_path / "site", months)
    monkeypatch.setattr(validate, "_PARALLEL_FROM", 2)
    first = validate_site(root, now=NOW)
    assert checked == []  # checked in the workers, not here
    location = cache_folder(root)
    assert location is not None and len(list(location.glob("*.pickle"))) == 11

    second = validate_site(root, now=NOW)
    assert checked == []
    same(second, first)
    os.environ["STATUSGEN_NO_CACHE"] = "1"
    monkeypatch.setattr(validate, "_PARALLEL_FROM", 10**9)
    try:
        same(validate_site(root, now=NOW), first)
        assert sorted(checked) == sorted({folder(path) for path in [*months, INCIDENT]})
    finally:
        del os.environ["STATUSGEN_NO_CACHE"]


def test_the_cache_key_covers_all_the_code_that_validates() -> None:
    """A result is reused only while the code that made it is unchanged: the modules
    ``import statusgen.validate`` loads must be exactly those the cache's key hashes."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, statusgen.validate; print(*sorted(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    package = Path(statusgen.cache.__file__).parent
    origins = [importlib.util.find_spec(name) for name in loaded if name.split(".")[0] == "statusgen"]
    names = {Path(spec.origin).relative_to(package).as_posix() for spec in origins if spec and spec.origin}
    assert names == set(statusgen.cache.VALIDATION_MODULES)


def test_a_long_lived_process_reuses_what_it_already_read(
    make_site: MakeSite, tmp_path: Path, checked: list[str]
) -> None:
    root = site(make_site, tmp_path / "site")
    validate_site(root, now=NOW)
    second = validate_site(root, now=NOW)
    third = validate_site(root, now=NOW)
    assert second.site is not None and third.site is not None
    assert all(a is b for a, b in zip(second.site.incidents, third.site.incidents, strict=True))

    path = root / SECOND
    path.write_text(path.read_text(encoding="utf-8").replace("SEV-3", "SEV-2"), encoding="utf-8")
    fourth = validate_site(root, now=NOW)
    assert fourth.site is not None
    assert {i.id: i.severity for i in fourth.site.incidents}["2026-11-10-web-errors"] == "SEV-2"


def test_a_long_lived_process_sees_new_and_misplaced_files(
    make_site: MakeSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "SETTLED_NS", -(10**18))  # trusted at once: folder listings are remembered
    root = site(make_site, tmp_path / "site")
    validate_site(root, now=NOW)
    validate_site(root, now=NOW)  # remembered from the second walk on

    added = root / "incidents/2026/2026-11-21-queue-delays/incident.md"
    added.parent.mkdir()
    added.write_text(INCIDENT_TEXT.replace("2026-11-20", "2026-11-21"), encoding="utf-8")
    misplaced = root / "incidents/2026/2026-11-20-api-errors/old/incident.md"
    misplaced.parent.mkdir()
    misplaced.write_text(INCIDENT_TEXT, encoding="utf-8")

    result = validate_site(root, now=NOW)
    assert result.site is not None
    assert "2026-11-21-queue-delays" in {incident.id for incident in result.site.incidents}
    assert [(p.path, p.code) for p in result.problems if p.code == "SG107"] == [
        ("incidents/2026/2026-11-20-api-errors/old/incident.md", "SG107")
    ]

    misplaced.unlink()
    added.unlink()
    result = validate_site(root, now=NOW)
    assert result.site is not None
    assert "2026-11-21-queue-delays" not in {incident.id for incident in result.site.incidents}
    assert not [p for p in result.problems if p.code == "SG107"]


def test_an_edit_within_one_tick_of_the_file_system_clock_is_seen(
    make_site: MakeSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """File systems stamp times from a coarse clock (FAT: 2 s, HFS+: 1 s, Linux: a few ms): an
    edit of the same size right after a read can leave every time as it was."""
    frozen = time.time_ns()
    real = validate._identity

    def clock_did_not_tick(*args: object) -> tuple[int, ...] | None:
        identity = real(*args)  # type: ignore[arg-type]
        return None if identity is None else (*identity[:3], frozen, frozen)

    monkeypatch.setattr(validate, "_identity", clock_did_not_tick)
    root = site(make_site, tmp_path / "site")
    validate_site(root, now=NOW)
    validate_site(root, now=NOW)
    path = root / SECOND
    before = path.read_text(encoding="utf-8")
    path.write_text(before.replace("SEV-3", "SEV-2"), encoding="utf-8")  # the same size

    result = validate_site(root, now=NOW)
    assert result.site is not None
    assert {i.id: i.severity for i in result.site.incidents}["2026-11-10-web-errors"] == "SEV-2"


def test_unchanged_incidents_are_checked_against_a_changed_configuration(make_site: MakeSite, tmp_path: Path) -> None:
    root = site(make_site, tmp_path / "site")
    validate_site(root, now=NOW)
    assert not [p for p in validate_site(root, now=NOW).problems if p.code.startswith("SG3")]

    config = root / "statusgen.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("  - id: api\n    name: Public API\n    group: platform\n", ""), encoding="utf-8")
    unknown = [p for p in validate_site(root, now=NOW).problems if "'api'" in p.message]
    assert {p.path for p in unknown} >= {INCIDENT, SECOND}

    config.write_text(text, encoding="utf-8")
    assert not [p for p in validate_site(root, now=NOW).problems if "'api'" in p.message]


def test_validate_keeps_verdicts_while_the_clock_allows(
    make_site: MakeSite, tmp_path: Path, checked: list[str]
) -> None:
    """``statusgen validate`` keeps each folder's verdicts (policy included) and checks nothing
    again while they hold: not once an open action item has come due, nor at a moment before
    the one they were made at."""
    root = site(make_site, tmp_path / "site")
    (root / POSTMORTEM).write_text(POSTMORTEM_TEXT, encoding="utf-8")  # an open action item due 2026-12-15
    first = validate_site(root, now=NOW, problems_only=True)
    assert len(checked) == 3
    assert not [p for p in first.problems if p.code == "SG606"]

    checked.clear()
    assert validate_site(root, now=NOW + dt.timedelta(days=10), problems_only=True).problems == first.problems
    assert checked == []

    overdue = validate_site(root, now=NOW + dt.timedelta(days=18), problems_only=True)
    assert [p.path for p in overdue.problems if p.code == "SG606"] == [POSTMORTEM]
    assert folder(POSTMORTEM) in checked  # the month is read again: its shard holds verdicts alone

    checked.clear()
    assert validate_site(root, now=NOW, problems_only=True).problems == first.problems
    assert folder(POSTMORTEM) in checked


def test_kept_verdicts_are_judged_again_against_a_changed_configuration_or_runbooks(
    make_site: MakeSite, tmp_path: Path, checked: list[str]
) -> None:
    root = site(make_site, tmp_path / "site")
    first = validate_site(root, now=NOW, problems_only=True)
    assert not [p for p in first.problems if p.code.startswith("SG3")]

    config = root / "statusgen.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("  - id: api\n    name: Public API\n    group: platform\n", ""), encoding="utf-8")
    unknown = [p for p in validate_site(root, now=NOW, problems_only=True).problems if "'api'" in p.message]
    assert {p.path for p in unknown} >= {INCIDENT, SECOND}
    config.write_text(text, encoding="utf-8")
    assert validate_site(root, now=NOW, problems_only=True).problems == first.problems

    runbook = (root / RUNBOOK).read_text(encoding="utf-8")
    (root / RUNBOOK).unlink()
    missing = [p for p in validate_site(root, now=NOW, problems_only=True).problems if p.code == "SG302"]
    assert {p.path for p in missing} >= {INCIDENT, SECOND}
    (root / RUNBOOK).write_text(runbook, encoding="utf-8")
    assert validate_site(root, now=NOW, problems_only=True).problems == first.problems


def test_validate_and_build_share_the_cache(
    make_site: MakeSite, tmp_path: Path, checked: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build after ``statusgen validate`` checks again what validate kept verdicts of alone, and
    keeps them; validate after a build judges the build's results once and keeps the verdicts."""
    root = site(make_site, tmp_path / "site")
    monkeypatch.setenv("STATUSGEN_NO_CACHE", "1")
    expected = validate_site(root, now=NOW)
    monkeypatch.delenv("STATUSGEN_NO_CACHE")
    unpickled: list[str] = []
    real_results = statusgen.cache.FolderCache.results

    def results(self: statusgen.cache.FolderCache, name: str, shard: statusgen.cache.Shard) -> object:
        unpickled.append(name)
        return real_results(self, name, shard)

    monkeypatch.setattr(statusgen.cache.FolderCache, "results", results)

    problems = validate_site(root, now=NOW, problems_only=True)
    assert problems.problems == expected.problems
    checked.clear()
    same(validate_site(root, now=NOW), expected)  # the build needs what validate did not keep
    assert len(checked) == 3
    checked.clear()
    assert validate_site(root, now=NOW, problems_only=True).problems == expected.problems
    assert checked == [] and unpickled == []  # the build kept validate's verdicts

    monkeypatch.setattr(validate, "_WALKED", [])  # as a new process
    statusgen.cache._LOADED.clear()
    for shard in (cache_folder(root) or Path("/nonexistent")).glob("*.pickle"):
        shard.unlink()
    same(validate_site(root, now=NOW), expected)  # a build before any validate: results alone
    checked.clear()
    assert validate_site(root, now=NOW, problems_only=True).problems == expected.problems
    assert checked == [] and unpickled == ["2026-11"]  # judged from the build's results
    assert validate_site(root, now=NOW, problems_only=True).problems == expected.problems
    assert checked == [] and unpickled == ["2026-11"]  # from the verdicts kept with them


def test_a_watchers_word_spares_looking_at_the_folders_it_saw_unchanged(
    make_site: MakeSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``statusgen serve`` has just looked at every file to notice the save: validate then looks
    again only at the folders holding what changed."""
    monkeypatch.setattr(loader, "SETTLED_NS", -(10**18))  # trusted at once
    root = site(make_site, tmp_path / "site")
    validate_site(root, now=NOW)
    validate_site(root, now=NOW)
    looked: list[str] = []
    real = validate._identity

    def spy(root: Path, top: str, relpath: str, *args: object) -> tuple[int, ...] | None:
        looked.append(relpath)
        return real(root, top, relpath, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(validate, "_identity", spy)
    path = root / SECOND
    path.write_text(path.read_text(encoding="utf-8").replace("SEV-3", "SEV-2"), encoding="utf-8")

    result = validate_site(root, now=NOW, changed={SECOND})
    assert looked == [SECOND]
    assert result.site is not None
    assert {i.id: i.severity for i in result.site.incidents}["2026-11-10-web-errors"] == "SEV-2"
    assert validate_site(root, now=NOW, changed=set()).problems == result.problems


def test_serves_first_build_remembers_the_files_though_workers_check_them(
    make_site: MakeSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new ``statusgen serve`` (``watched``) remembers every folder, file and cache shard its
    first build saw, also those that worker processes saw: its first edit then has validate look
    again at what changed alone."""
    monkeypatch.setattr(loader, "SETTLED_NS", -(10**18))  # trusted at once
    monkeypatch.setattr(validate, "_PARALLEL_FROM", 2)
    months = {
        f"incidents/2026/2026-{month:02d}-20-api-errors-{month}/incident.md": INCIDENT_TEXT.replace(
            "2026-11-20", f"2026-{month:02d}-20"
        )
        for month in range(1, 11)
    }
    root = make_site(tmp_path / "site", {SECOND: INCIDENT_TEXT.replace("2026-11-20", "2026-11-10"), **months})
    monkeypatch.setenv("STATUSGEN_CACHE_DIR", str(tmp_path / "cache"))
    real, real_scandir, real_loads = validate._identity, os.scandir, pickle.loads
    for cache in ("empty", "full"):  # workers check every folder, then take every shard from the cache
        monkeypatch.setattr(validate, "_WALKED", [])  # a new process: nothing remembered
        monkeypatch.setattr(validate, "_SEEN", {})
        monkeypatch.setattr(validate, "_LISTINGS", {})
        first = validate_site(root, now=NOW, watched=True)
        looked: list[str] = []
        monkeypatch.setattr(validate, "_identity", lambda root, top, relpath, *args: looked.append(relpath))  # noqa: B023
        monkeypatch.setattr(os, "scandir", lambda path: looked.append(path) or real_scandir(path))  # noqa: B023
        monkeypatch.setattr(pickle, "loads", lambda data: looked.append("a shard") or real_loads(data))  # noqa: B023
        result = validate_site(root, now=NOW, changed=set(), watched=True)  # the watcher saw nothing change
        monkeypatch.setattr(validate, "_identity", real)
        monkeypatch.setattr(os, "scandir", real_scandir)
        monkeypatch.setattr(pickle, "loads", real_loads)
        # no file, folder or shard looked at again (but the cache's own folder)
        assert looked == [cache_folder(root)], cache
        assert result.problems == first.problems
        assert first.site is not None and result.site is not None
        assert result.site.incidents == first.site.incidents


def test_with_a_watchers_word_validate_finds_what_looking_at_everything_finds(
    make_site: MakeSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from statusgen.serve import changes, snapshot

    monkeypatch.setattr(loader, "SETTLED_NS", -(10**18))  # every memory trusted at once: the strictest case
    root = site(make_site, tmp_path / "site")
    watched = snapshot(root)
    validate_site(root, now=NOW)
    validate_site(root, now=NOW)
    new_folder = root / "incidents/2026/2026-11-21-queue-delays"
    replaced = root / INCIDENT

    def replace_keeping_size_and_times() -> None:  # as `mv` of a copy made with `cp -p`
        info = replaced.stat()
        copy = replaced.with_name("copy")
        copy.write_text(replaced.read_text(encoding="utf-8").replace("SEV-3", "SEV-4"), encoding="utf-8")
        os.utime(copy, ns=(info.st_atime_ns, info.st_mtime_ns))
        copy.replace(replaced)

    edits = [
        lambda: (root / SECOND).write_text(INCIDENT_TEXT.replace("2026-11-20", "2026-11-10").replace("SEV-3", "SEV-1")),
        lambda: (root / folder(SECOND) / "postmortem.md").write_text(POSTMORTEM_TEXT),
        lambda: (new_folder.mkdir(), (new_folder / "incident.md").write_text(INCIDENT_TEXT)),
        lambda: (root / folder(INCIDENT) / "old").mkdir(),
        lambda: (root / folder(INCIDENT) / "old" / "incident.md").write_text(INCIDENT_TEXT),
        replace_keeping_size_and_times,
        lambda: (root / BROKEN).unlink(),
        lambda: (new_folder / "incident.md").rename(new_folder / "postmortem.md"),
    ]
    for edit in edits:
        edit()
        current = snapshot(root)
        told = validate_site(root, now=NOW, changed=changes(watched, current))
        watched = current
        looked = validate_site(root, now=NOW)
        assert told.problems == looked.problems
        assert told.site is not None and looked.site is not None
        assert told.site.incidents == looked.site.incidents


def test_a_file_seen_changing_is_never_taken_on_a_watchers_word_from_before(
    make_site: MakeSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that changed too recently to be remembered is looked at again by every later
    validate, even when the watcher has nothing new to say about it."""
    monkeypatch.setattr(loader, "SETTLED_NS", -(10**18))
    root = site(make_site, tmp_path / "site")
    validate_site(root, now=NOW)
    validate_site(root, now=NOW)  # remembers every file
    path = root / SECOND
    path.write_text(path.read_text(encoding="utf-8").replace("SEV-3", "SEV-2"), encoding="utf-8")
    monkeypatch.setattr(loader, "SETTLED_NS", 10**18)  # from now on nothing is old enough to remember
    validate_site(root, now=NOW, changed={SECOND})

    result = validate_site(root, now=NOW, changed=set())
    assert result.site is not None
    assert {i.id: i.severity for i in result.site.incidents}["2026-11-10-web-errors"] == "SEV-2"
