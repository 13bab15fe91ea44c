"""The knowledge base built for real: MkDocs in strict mode on the demo, links, other engines."""

from __future__ import annotations

import importlib.util
import posixpath
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import tools
from conftest import INCIDENT_ID, NOW, NOW_ISO, MakeSite
from tools import REPO

from statusgen.cli import main
from statusgen.errors import StatusgenError
from statusgen.kb import build_knowledge_base, staging_dir
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
