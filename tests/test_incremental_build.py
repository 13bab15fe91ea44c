"""Incremental public builds: unchanged files are never rewritten, one changed incident
rewrites only the pages that show it, and the result equals a cold build byte for byte."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import tools
from conftest import NOW

import statusgen.public
import statusgen.public.memo
from statusgen.build import PUBLIC_DIR, build_sites
from statusgen.kb import CONTENT_DIR, stage_tree, staging_dir
from statusgen.kb.engine import load_site_config, read_tree
from statusgen.model import Incident
from statusgen.output import SPARE, write_tree
from statusgen.public import (
    MANIFEST,
    PublicMemo,
    machine,
    read_manifest,
    render_public_changes,
    render_public_site,
)
from statusgen.public.feeds import FeedRenderer
from statusgen.public.keys import CODE_MODULES, code_key
from statusgen.public.memo import settled
from statusgen.public.pages import IncidentView, _Builder, make_environment
from statusgen.public.view import public_view
from statusgen.validate import validate_site

CHANGED_ID = "2026-06-23-ci-runner-queue-delays"
CHANGED = f"incidents/2026/{CHANGED_ID}/incident.md"
OLD_TEXT = "We are investigating"


def demo_site(folder: Path) -> Path:
    folder.mkdir()
    for name in ("statusgen.yml", "incidents", "content", "overrides"):
        source = tools.REPO / name
        if source.is_dir():
            shutil.copytree(source, folder / name)
        else:
            shutil.copy2(source, folder / name)
    return folder


def public_build(root: Path, out: Path) -> Path:
    result = validate_site(root, now=NOW)
    assert result.site is not None and not [p for p in result.problems if p.level.value == "error"]
    build_sites(result.site, now=NOW, out=out, public=True, kb=False)
    return out / PUBLIC_DIR


def identities(public: Path) -> dict[str, tuple[int, int]]:
    """Relative path → (inode, mtime) of every file: what a rewrite would change."""
    found = {}
    for directory, _, names in os.walk(public):
        for name in names:
            path = Path(directory, name)
            info = path.stat()
            found[path.relative_to(public).as_posix()] = (info.st_ino, info.st_mtime_ns)
    return found


def contents(public: Path) -> dict[str, str]:
    return {
        path.relative_to(public).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(public.rglob("*"))
        if path.is_file()
    }


def test_a_second_build_with_no_change_rewrites_no_file(tmp_path: Path) -> None:
    root = demo_site(tmp_path / "site")
    public = public_build(root, tmp_path / "out")
    before = identities(public)
    assert len(before) > 50 and MANIFEST in before
    assert identities(public_build(root, tmp_path / "out")) == before


def test_one_changed_incident_rewrites_only_the_pages_that_show_it(tmp_path: Path) -> None:
    root = demo_site(tmp_path / "site")
    public = public_build(root, tmp_path / "out")
    before = identities(public)

    text = (root / CHANGED).read_text(encoding="utf-8")
    assert text.count(OLD_TEXT) == 1
    (root / CHANGED).write_text(text.replace(OLD_TEXT, "We are looking into"), encoding="utf-8")
    after = identities(public_build(root, tmp_path / "out"))

    assert after.keys() == before.keys()
    rewritten = {path for path in after if after[path] != before[path]}
    showing = {
        path
        for path in after
        if CHANGED_ID in (public / path).read_text(encoding="utf-8", errors="replace") or path == MANIFEST
    }
    assert f"incidents/{CHANGED_ID}/index.html" in rewritten
    assert rewritten <= showing, sorted(rewritten - showing)
    assert not any(path.startswith("incidents/") and CHANGED_ID not in path for path in rewritten)
    assert len(rewritten) < len(after) // 4


def test_an_incremental_build_equals_a_cold_build(tmp_path: Path) -> None:
    root = demo_site(tmp_path / "site")
    public_build(root, tmp_path / "incremental")
    text = (root / CHANGED).read_text(encoding="utf-8")
    (root / CHANGED).write_text(text.replace(OLD_TEXT, "We are looking into"), encoding="utf-8")
    (root / "incidents/2026/2026-06-09-dashboard-login-loop").rename(root / "incidents/2026/2026-06-09-dashboard-gone")
    incremental = public_build(root, tmp_path / "incremental")
    cold = public_build(root, tmp_path / "cold")
    assert contents(incremental) == contents(cold)


def test_a_damaged_manifest_means_a_full_build(tmp_path: Path) -> None:
    root = demo_site(tmp_path / "site")
    public = public_build(root, tmp_path / "out")
    expected = contents(public)
    (public / MANIFEST).write_text("{not json", encoding="utf-8")
    (public / f"incidents/{CHANGED_ID}/index.html").write_text("tampered", encoding="utf-8")
    assert contents(public_build(root, tmp_path / "out")) == expected


def test_the_staged_knowledge_base_rewrites_only_changed_pages(tmp_path: Path) -> None:
    root = demo_site(tmp_path / "site")
    staged = staging_dir(tmp_path / "out" / "internal")

    def stage() -> dict[str, tuple[int, int]]:
        result = validate_site(root, now=NOW)
        assert result.site is not None
        files = stage_tree(
            result.site, NOW, content=read_tree(root / CONTENT_DIR), mkdocs_config=load_site_config(root), overrides={}
        )
        write_tree(staged, files)
        return identities(staged)

    first = stage()
    assert stage() == first
    text = (root / CHANGED).read_text(encoding="utf-8")
    (root / CHANGED).write_text(text.replace(OLD_TEXT, "We are looking into"), encoding="utf-8")
    third = stage()
    rewritten = {path for path in third if third[path] != first.get(path)}
    assert any(CHANGED_ID in path for path in rewritten), sorted(rewritten)  # its page
    assert len(rewritten) <= 3, sorted(rewritten)  # and at most the pages that quote its updates


def test_a_damaged_spare_tree_does_not_reach_the_output(tmp_path: Path) -> None:
    """The tree before the current one stays beside it and the next build is written over it:
    whatever a killed build (or anyone) left in it, the result equals a cold build."""
    root = demo_site(tmp_path / "site")
    public_build(root, tmp_path / "out")
    public = public_build(root, tmp_path / "out")
    spare = tmp_path / "out" / f"{SPARE}{PUBLIC_DIR}"
    assert contents(spare) == contents(public)
    (spare / "stray.html").write_text("left behind", encoding="utf-8")
    (spare / "incidents/extra/deep").mkdir(parents=True)
    (spare / "incidents/extra/deep/index.html").write_text("left behind", encoding="utf-8")
    page = spare / f"incidents/{CHANGED_ID}/index.html"
    page.unlink()
    page.mkdir()  # a folder where a page goes
    shutil.rmtree(spare / "history")
    (spare / "history").write_text("a file where a folder goes", encoding="utf-8")
    (spare / "style.css").unlink()
    (spare / "style.css").symlink_to(tmp_path / "site" / "statusgen.yml")
    expected = contents(public)
    text = (root / CHANGED).read_text(encoding="utf-8")
    (root / CHANGED).write_text(text.replace(OLD_TEXT, "We are looking into"), encoding="utf-8")
    incremental = contents(public_build(root, tmp_path / "out"))
    cold = contents(public_build(root, tmp_path / "cold"))
    assert incremental == cold and incremental != expected
    assert not (public / "stray.html").exists() and not (public / "incidents/extra").exists()
    assert not any(path.is_symlink() for path in public.rglob("*"))


def test_machine_outputs_are_rendered_only_when_what_they_show_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Feeds, API and calendar are keyed like the pages: by the latest entries they hold (and
    the few totals the API shows), so a change far in the past leaves them alone."""
    root = demo_site(tmp_path / "site")
    config = root / "statusgen.yml"
    config.write_text(config.read_text(encoding="utf-8") + "\nfeeds:\n  entries: 2\n", encoding="utf-8")
    public_build(root, tmp_path / "out")
    rendered: list[str] = []

    def recording(name: str, render: Callable[..., dict[str, bytes]]) -> Callable[..., dict[str, bytes]]:
        def record(*args: object) -> dict[str, bytes]:
            files = render(*args)
            rendered.extend(path for path in files if name != "feeds" or path.endswith(".atom"))
            return files

        return record

    monkeypatch.setattr(machine, "render_api", recording("api", machine.render_api))
    monkeypatch.setattr(machine, "render_calendar", recording("calendar", machine.render_calendar))
    monkeypatch.setattr(FeedRenderer, "render", recording("feeds", FeedRenderer.render))
    public_build(root, tmp_path / "out")
    assert rendered == []

    text = (root / CHANGED).read_text(encoding="utf-8")
    (root / CHANGED).write_text(text.replace(OLD_TEXT, "We are looking into"), encoding="utf-8")
    incremental = public_build(root, tmp_path / "out")
    assert "api/v2/incidents.json" in rendered  # it lists the 50 latest incidents
    assert "history.atom" not in rendered and "maintenance.ics" not in rendered
    monkeypatch.undo()
    assert contents(incremental) == contents(public_build(root, tmp_path / "cold"))


def test_the_build_key_leaves_out_code_the_public_site_does_not_run() -> None:
    """The knowledge base, the validator and the caches can change without a full re-render;
    and the code is read once per process, so files edited during a run change no key."""
    assert set(CODE_MODULES) == {"public", "config.py", "labels.py", "model.py", "timeline.py"}
    env = make_environment(None)
    assert code_key(env) == code_key(env)


def test_a_long_lived_process_builds_what_a_cold_build_does_whatever_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What one process remembers from build to build (statusgen serve) never shows: after an
    edit, a later or an earlier ``now``, a new configuration or an edited template override, the
    tree equals a cold build of the same sources in a process that remembers nothing."""
    memo = PublicMemo()
    root = demo_site(tmp_path / "site")
    out = tmp_path / "out"
    override = root / "overrides/public/chrome.html"

    def check(now: dt.datetime) -> None:
        result = validate_site(root, now=now)
        assert result.site is not None
        build_sites(result.site, now=now, out=out, public=True, kb=False, memo=memo)
        cold = render_public_site(result.site, now)
        assert contents(out / PUBLIC_DIR) == {path: hashlib.sha256(data).hexdigest() for path, data in cold.items()}

    check(NOW)
    check(NOW)
    text = (root / CHANGED).read_text(encoding="utf-8")
    (root / CHANGED).write_text(text.replace(OLD_TEXT, "We are looking into"), encoding="utf-8")
    check(NOW)
    for later in (dt.timedelta(hours=1), dt.timedelta(days=1), dt.timedelta(days=120), dt.timedelta(days=-400)):
        check(NOW + later)
    config = root / "statusgen.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("time_zone:", "time_zone: UTC\n#"), encoding="utf-8")
    check(NOW)
    config.write_text(
        config.read_text(encoding="utf-8").replace("base_url: https://", "base_url: https://status.example.org/n/ #"),
        encoding="utf-8",
    )
    check(NOW)
    assert "https://status.example.org/n/incidents/" in (out / PUBLIC_DIR / "sitemap.xml").read_text("utf-8")
    source = (tools.REPO / "src/statusgen/public/templates/chrome.html").read_text(encoding="utf-8")
    override.write_text(source.replace("Times are shown in", "Times are given in"), encoding="utf-8")
    check(NOW)
    assert "Times are given in" in (out / PUBLIC_DIR / "index.html").read_text(encoding="utf-8")
    # An edit of the same size, its modification time put back: still a new template.
    before = override.stat()
    override.write_text(source.replace("Times are shown in", "Times are named in"), encoding="utf-8")
    os.utime(override, ns=(before.st_atime_ns, before.st_mtime_ns))
    check(NOW)
    assert "Times are named in" in (out / PUBLIC_DIR / "incidents" / CHANGED_ID / "index.html").read_text("utf-8")
    override.unlink()
    check(NOW)
    (root / "incidents/2026/2026-06-09-dashboard-login-loop").rename(root / "incidents/2026/2026-06-09-dashboard-gone")
    check(NOW)


def test_a_rebuild_of_the_same_incidents_works_out_only_what_time_can_change(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given the same incident objects again (as validate gives them for unchanged folders), a
    build fingerprints only the incidents not settled by its ``now``, and makes no incident view."""
    result = validate_site(tools.REPO, now=NOW)
    assert result.site is not None
    site = result.site
    memo = PublicMemo()
    first = render_public_changes(site, NOW, memo=memo).files
    fingerprinted: list[str] = []
    made: list[str] = []
    original_fingerprint, original_view = statusgen.public.memo.fingerprint, _Builder._incident

    def fingerprint(incident: Incident, now: dt.datetime) -> str:
        fingerprinted.append(incident.id)
        return original_fingerprint(incident, now)

    def view(builder: _Builder, incident: Incident) -> IncidentView:
        made.append(incident.id)
        return original_view(builder, incident)

    monkeypatch.setattr(statusgen.public.memo, "fingerprint", fingerprint)
    monkeypatch.setattr(_Builder, "_incident", view)
    previous = read_manifest(first[MANIFEST].decode("utf-8"))
    again = render_public_changes(site, NOW, previous, lambda path: path in first, memo=memo)
    live = [i.id for i in public_view(site, NOW).incidents if not settled(i, NOW)]
    assert sorted(fingerprinted) == sorted(live) and made == []
    assert {path: again.files.get(path, first[path]) for path in first} == first
