"""The knowledge base built for real: MkDocs in strict mode on the demo, links, other engines."""

from __future__ import annotations

import importlib.util
import os
import posixpath
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import tools
from conftest import INCIDENT_ID, INCIDENT_TEXT, NOW, NOW_ISO, MakeSite
from tools import REPO

import statusgen.kb.pages as kb_pages
from statusgen.cli import main
from statusgen.errors import StatusgenError
from statusgen.kb import build_knowledge_base, stage_tree, staging_dir, write_staged_tree
from statusgen.kb.engine import read_tree
from statusgen.parallel import Forked, worker_count
from statusgen.validate import Site, validate_site


def site_of(root: Path) -> Site:
    result = validate_site(root, now=NOW)
    assert result.site is not None
    return result.site


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Site, Path]:
    """The repository's demo site, built once into a temporary folder."""
    out = tmp_path_factory.mktemp("kb") / "internal"
    site = site_of(REPO)
    build_knowledge_base(site, NOW, out)
    return site, out


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        for name in ("href", "src"):
            if values.get(name) is not None and tag in ("a", "link", "script", "img"):
                self.links.append(str(values[name]))


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _target(site: Path, page: Path, href: str) -> tuple[Path, str] | None:
    """The file an internal link points at and its fragment; None for external links."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith("//"):
        return None
    base = page.relative_to(site).parent.as_posix()
    if parts.path.startswith("/"):  # 404.html is served at any depth, so it links from the root
        base = "."
    path = (
        posixpath.normpath(posixpath.join(base, unquote(parts.path).lstrip("/")))
        if parts.path
        else page.relative_to(site)
    )
    target = site / path
    if target.is_dir():
        target = target / "index.html"
    return target, parts.fragment


def test_demo_builds_strict_without_a_warning(tmp_path: Path) -> None:
    # The command a user runs, on a copy of the repository's site files.
    from click.testing import CliRunner

    result = CliRunner().invoke(
        main, ["build", "--kb-only", "--root", str(REPO), "--out", str(tmp_path), "--now", NOW_ISO]
    )
    assert result.exit_code == 0, result.output
    assert "WARNING" not in result.output
    assert (tmp_path / "internal" / "index.html").is_file()
    assert not (tmp_path / "public").exists()


def test_every_incident_and_runbook_page_is_there(demo: tuple[Site, Path]) -> None:
    site, out = demo
    assert len(site.incidents) >= 15
    for incident in site.incidents:
        page = out / "incidents" / incident.id[:4] / incident.id / "index.html"
        assert page.is_file(), incident.id
        assert incident.title.replace("&", "&amp;") in page.read_text(encoding="utf-8")
    assert site.runbooks
    for runbook in site.runbooks:
        html = (out / "runbooks" / runbook / "index.html").read_text(encoding="utf-8")
        assert "Incidents that used this runbook" in html
    for index in [
        "incidents",
        "incidents/by-year",
        "incidents/tags",
        "action-items",
        "metrics",
        "incidents/postmortems",
    ]:
        assert (out / index / "index.html").is_file(), index
    assert (out / "metrics" / "incidents-per-month.svg").is_file()


def test_every_internal_link_resolves(demo: tuple[Site, Path]) -> None:
    _, out = demo
    pages = sorted(out.rglob("*.html"))
    parsed = {page: _parse(page) for page in pages}
    broken = []
    checked = 0
    for page, links in parsed.items():
        for href in links.links:
            found = _target(out, page, href)
            if found is None:
                continue
            target, fragment = found
            checked += 1
            if not target.is_file():
                broken.append(f"{page.relative_to(out)}: {href}")
            elif fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else _parse(target).ids
                if fragment not in ids:
                    broken.append(f"{page.relative_to(out)}: {href} (no #{fragment})")
    assert checked > 1000
    assert broken == []


def test_incident_pages_stay_out_of_the_navigation(demo: tuple[Site, Path]) -> None:
    site, out = demo
    # A handbook page links to no incident in its text: every link it has comes from the theme.
    html = (out / "handbook" / "roles" / "index.html").read_text(encoding="utf-8")
    assert 'class="md-nav md-nav--primary' in html
    assert "incidents/by-year/" in html and "metrics/" in html
    assert not any(incident.id in html for incident in site.incidents)
    assert (out / "incidents" / "2026" / "index.html").is_file()
    assert "incidents/2026/" not in html  # the per-year lists are reached from "By year"


def test_no_network_resources(demo: tuple[Site, Path]) -> None:
    _, out = demo
    for page in [out / "index.html", out / "metrics" / "index.html"]:
        for href in _parse(page).links:
            if href.startswith(("http:", "https:", "//")):
                assert not href.endswith((".js", ".css", ".svg", ".woff2")), href
    assert (out / "assets" / "javascripts" / "sortable-tables.js").is_file()


def test_failed_build_leaves_the_previous_site(tmp_path: Path, make_site: MakeSite) -> None:
    root = make_site(tmp_path / "site")
    out = tmp_path / "out" / "internal"
    build_knowledge_base(site_of(root), NOW, out)
    before = (out / "index.html").read_bytes()
    (root / "content" / "handbook").mkdir(parents=True)
    (root / "content" / "handbook" / "index.md").write_text("# Handbook\n\nSee [nowhere](missing.md).\n")
    with pytest.raises(StatusgenError, match="missing.md"):
        build_knowledge_base(site_of(root), NOW, out)
    assert (out / "index.html").read_bytes() == before
    assert not (out / "handbook").exists()
    assert not [p.name for p in out.parent.iterdir() if p.name.startswith(".statusgen-")]  # no leftovers


def test_tags_are_limited_to_known_values(tmp_path: Path, make_site: MakeSite) -> None:
    page = "content/handbook/databases.md"
    root = make_site(tmp_path / "site", {page: "---\ntags: [database]\n---\n# Databases\n"})
    build_knowledge_base(site_of(root), NOW, tmp_path / "ok")  # `database` is an incident's tag
    (root / page).write_text("---\ntags: [databsae]\n---\n# Databases\n")
    with pytest.raises(StatusgenError, match="databsae"):
        build_knowledge_base(site_of(root), NOW, tmp_path / "typo")


def test_build_is_deterministic(tmp_path: Path, make_site: MakeSite) -> None:
    site = site_of(make_site(tmp_path / "site"))
    trees = []
    for name in ("one", "two"):
        out = tmp_path / name / "internal"
        build_knowledge_base(site, NOW, out)
        trees.append({p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    assert trees[0].keys() == trees[1].keys()
    assert [k for k in trees[0] if trees[0][k] != trees[1][k]] == []


def test_staged_tree_builds_with_properdocs(demo: tuple[Site, Path], tmp_path: Path) -> None:
    if importlib.util.find_spec("properdocs") is None:
        tools.missing("properdocs", "pip install -e '.[test]'")
    _, out = demo
    staged = staging_dir(out)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "properdocs",
            "build",
            "--strict",
            "-f",
            str(staged / "mkdocs.yml"),
            "-d",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "WARNING" not in run.stderr
    page = tmp_path / "incidents" / "2026" / "2026-10-27-dashboard-billing-page-errors" / "index.html"
    assert "Postmortem draft" in page.read_text(encoding="utf-8")


def test_staged_tree_builds_with_zensical(demo: tuple[Site, Path], tmp_path: Path) -> None:
    if importlib.util.find_spec("zensical") is None:
        tools.missing("zensical", "pip install -e '.[test]'")
    _, out = demo
    copy = tmp_path / "staged"
    subprocess.run(["cp", "-r", str(staging_dir(out)), str(copy)], check=True)
    run = subprocess.run(
        [sys.executable, "-m", "zensical", "build", "--strict", "-f", str(copy / "mkdocs.yml")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=copy,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    page = copy / "site" / "incidents" / "2026" / "2026-10-27-dashboard-billing-page-errors" / "index.html"
    html = page.read_text(encoding="utf-8")
    assert "Postmortem draft" in html and "Action items" in html
    assert (copy / "site" / "metrics" / "compliance.svg").is_file()


def test_site_without_mkdocs_yml_gets_the_default_config(tmp_path: Path, make_site: MakeSite) -> None:
    out = tmp_path / "out" / "internal"
    build_knowledge_base(site_of(make_site(tmp_path / "site")), NOW, out)
    page = out / "incidents" / "2026" / INCIDENT_ID / "index.html"
    assert "Elevated error rates on the API" in page.read_text(encoding="utf-8")


# --- the staged tree written as it is made ------------------------------------------------------

MONTHS = {
    f"incidents/2026/2026-{month:02d}-20-api-errors-{month}/incident.md": INCIDENT_TEXT.replace(
        "2026-11-20", f"2026-{month:02d}-20"
    )
    for month in range(1, 12)
}
NOTES = "Internal notes: the primary's data disk filled up overnight."
SHADOWED = "content/incidents/2026/2026-03-20-api-errors-3.md"
"""A content file where an incident page goes: the generated page wins."""
OVERRIDES = {"main.html": b"{% extends 'base.html' %}\n"}


def in_workers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Incident pages rendered by worker processes even for a few incidents; the number of
    processes each staging started."""
    started: list[int] = []

    def forked(work, items, processes):  # type: ignore[no-untyped-def]
        started.append(processes)
        return Forked(work, items, processes)

    monkeypatch.setattr(kb_pages, "_PARALLEL_FROM", 2)
    monkeypatch.setattr(kb_pages, "Forked", forked)
    return started


def write_staged(root: Path, folder: Path) -> None:
    content = read_tree(root / "content")
    write_staged_tree(folder, site_of(root), NOW, content=content, mkdocs_config=None, overrides=OVERRIDES)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def identities(folder: Path) -> dict[str, tuple[int, int]]:
    """Relative path → (inode, mtime) of every file: what a rewrite would change."""
    found = {}
    for path in tree(folder):
        info = os.stat(folder / path)
        found[path] = (info.st_ino, info.st_mtime_ns)
    return found


def test_the_written_staged_tree_is_what_stage_tree_returns(
    tmp_path: Path, make_site: MakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_site(tmp_path / "site", {**MONTHS, SHADOWED: "# Shadowed\n", "content/handbook/logo.png": b"\x89PNG"})
    site = site_of(root)
    in_memory = stage_tree(site, NOW, content=read_tree(root / "content"), mkdocs_config=None, overrides=OVERRIDES)
    started = in_workers(monkeypatch)
    folder = tmp_path / "out" / ".internal-src"
    write_staged(root, folder)
    assert started == [worker_count(len(site.incidents), least=2)] and started[0] > 0
    assert tree(folder) == in_memory
    assert in_memory["docs/incidents/2026/2026-03-20-api-errors-3.md"].startswith(b"---\ntitle: Elevated")
    assert in_memory["docs/handbook/logo.png"] == b"\x89PNG"
    assert in_memory["overrides/main.html"] == OVERRIDES["main.html"]
    assert sorted(p.name for p in folder.parent.iterdir()) == [".internal-src", ".statusgen.lock"]  # no leftovers


def test_writing_the_staged_tree_again_rewrites_only_changed_files(
    tmp_path: Path, make_site: MakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_site(tmp_path / "site", MONTHS)
    started = in_workers(monkeypatch)
    folder = tmp_path / "out" / ".internal-src"
    write_staged(root, folder)
    first = identities(folder)
    write_staged(root, folder)
    assert identities(folder) == first
    changed = "incidents/2026/2026-05-20-api-errors-5/incident.md"
    (root / changed).write_text(MONTHS[changed].replace(NOTES, "Internal notes: a full disk."), encoding="utf-8")
    write_staged(root, folder)
    third = identities(folder)
    assert third.keys() == first.keys()
    assert [path for path in third if third[path] != first[path]] == ["docs/incidents/2026/2026-05-20-api-errors-5.md"]
    assert len(started) == 3 and min(started) > 0


def test_a_failed_staging_leaves_the_previous_staged_tree(
    tmp_path: Path, make_site: MakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_site(tmp_path / "site", MONTHS)
    started = in_workers(monkeypatch)
    folder = tmp_path / "out" / ".internal-src"
    write_staged(root, folder)
    before, files = identities(folder), tree(folder)
    for path, text in MONTHS.items():  # every page would change: the workers write new files
        (root / path).write_text(text.replace(NOTES, "Internal notes: a full disk."), encoding="utf-8")
    real = kb_pages.render_incident_page

    def failing(incident, ctx):  # type: ignore[no-untyped-def]
        if incident.id == "2026-07-20-api-errors-7":
            raise ValueError("a page that cannot be rendered")
        return real(incident, ctx)

    monkeypatch.setattr(kb_pages, "render_incident_page", failing)
    with pytest.raises(RuntimeError, match="a page that cannot be rendered"):
        write_staged(root, folder)
    assert len(started) == 2 and started[1] > 0  # the failure was in a worker process
    assert identities(folder) == before and tree(folder) == files
    assert sorted(p.name for p in folder.parent.iterdir()) == [".internal-src", ".statusgen.lock"]
