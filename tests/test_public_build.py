"""The public build as a whole: deterministic, atomic, and at home under a sub-path."""

from __future__ import annotations

import hashlib
import posixpath
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import tools
from click.testing import CliRunner
from conftest import (
    CONFIG,
    CONFIG_TEXT,
    MAINTENANCE,
    MAINTENANCE_TEXT,
    NOW,
    NOW_ISO,
    POSTMORTEM,
    POSTMORTEM_TEXT,
    MakeSite,
)

import statusgen.output
import statusgen.public
from statusgen.build import build_sites
from statusgen.cli import main
from statusgen.output import LOCK_FILE, SPARE
from statusgen.public import MANIFEST
from statusgen.validate import validate_site


def tree(root: Path) -> dict[str, str]:
    """Relative path → sha256 of every file under ``root``."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def leftovers(out: Path) -> list[str]:
    """Temporary directories a build left beside its output (the lock file and the spare tree
    are meant to stay)."""
    return sorted(entry.name for entry in out.iterdir() if entry.name not in ("public", LOCK_FILE, SPARE + "public"))


def cli_build(root: Path, out: Path, now: str = NOW_ISO) -> None:
    result = CliRunner().invoke(main, ["build", "--public-only", "--now", now, "--root", str(root), "--out", str(out)])
    assert result.exit_code == 0, result.output


def test_two_builds_with_the_same_now_are_byte_identical(tmp_path: Path) -> None:
    cli_build(tools.REPO, tmp_path / "one")
    cli_build(tools.REPO, tmp_path / "two")
    first, second = tree(tmp_path / "one" / "public"), tree(tmp_path / "two" / "public")
    assert len(first) > 50
    assert first == second


def test_a_later_now_changes_the_home_page(tmp_path: Path) -> None:
    cli_build(tools.REPO, tmp_path / "one")
    cli_build(tools.REPO, tmp_path / "two", now="2026-11-30T12:00:00Z")
    home = (tmp_path / "one/public/index.html").read_bytes(), (tmp_path / "two/public/index.html").read_bytes()
    assert home[0] != home[1]


@pytest.mark.parametrize("renderer", ["machine_parts", "render_sitemap"])
def test_a_failing_renderer_leaves_the_previous_site_untouched(
    tmp_path: Path, make_site: MakeSite, monkeypatch: pytest.MonkeyPatch, renderer: str
) -> None:
    root = make_site(tmp_path / "site")
    out = tmp_path / "out"
    cli_build(root, out)
    before = tree(out / "public")

    def broken(*args: object, **kwargs: object) -> dict[str, bytes]:
        raise RuntimeError("renderer failed halfway")

    monkeypatch.setattr(statusgen.public, renderer, broken)
    site = validate_site(root, now=NOW).site
    assert site is not None
    with pytest.raises(RuntimeError, match="halfway"):
        build_sites(site, now=NOW, out=out, kb=False)
    assert tree(out / "public") == before
    assert leftovers(out) == []


def test_a_write_failing_halfway_leaves_the_previous_site_untouched(
    tmp_path: Path, make_site: MakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_site(tmp_path / "site", {MAINTENANCE: MAINTENANCE_TEXT})
    out = tmp_path / "out"
    cli_build(root, out, now="2026-11-20T12:00:00Z")
    before = tree(out / "public")

    original = statusgen.output._write_file
    written: list[str] = []

    def flaky(path: str, data: bytes) -> None:
        if len(written) == 10:
            raise OSError("disk full")
        written.append(path)
        original(path, data)

    monkeypatch.setattr(statusgen.output, "_write_file", flaky)
    site = validate_site(root, now=NOW).site
    assert site is not None
    with pytest.raises(OSError, match="disk full"):
        build_sites(site, now=NOW, out=out, kb=False)
    monkeypatch.undo()
    assert len(written) == 10
    assert tree(out / "public") == before
    assert leftovers(out) == []


def test_worker_processes_write_the_same_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cli_build(tools.REPO, tmp_path / "one")
    monkeypatch.setattr(statusgen.public, "worker_count", lambda items, least: 3)
    cli_build(tools.REPO, tmp_path / "two")  # a first build: the workers key their months (the manifest's keys)
    assert tree(tmp_path / "one" / "public") == tree(tmp_path / "two" / "public")
    cli_build(tools.REPO, tmp_path / "two", now="2026-11-30T12:00:00Z")
    cli_build(tools.REPO, tmp_path / "two")  # written over the spare, which has the previous tree
    assert tree(tmp_path / "one" / "public") == tree(tmp_path / "two" / "public")


def test_a_failing_worker_process_leaves_the_previous_site_untouched(
    tmp_path: Path, make_site: MakeSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_site(tmp_path / "site", {MAINTENANCE: MAINTENANCE_TEXT})
    out = tmp_path / "out"
    cli_build(root, out)
    (out / "public" / MANIFEST).unlink()  # every month to render again, by the workers
    before = tree(out / "public")
    monkeypatch.setattr(statusgen.public, "worker_count", lambda items, least: 2)

    def broken(self: statusgen.public.PublicPages, index: int) -> object:
        raise RuntimeError("a month failed in its worker")

    monkeypatch.setattr(statusgen.public.PublicPages, "month", broken)
    site = validate_site(root, now=NOW).site
    assert site is not None
    with pytest.raises(RuntimeError, match="a month failed in its worker"):
        build_sites(site, now=NOW, out=out, kb=False)
    assert tree(out / "public") == before
    assert leftovers(out) == []


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.urls.append(value)


def test_every_link_resolves_under_a_sub_path_base_url(tmp_path: Path, make_site: MakeSite) -> None:
    config = CONFIG_TEXT.replace("https://status.example.com/", "https://org.github.io/status/")
    root = make_site(tmp_path / "site", {CONFIG: config, MAINTENANCE: MAINTENANCE_TEXT, POSTMORTEM: POSTMORTEM_TEXT})
    cli_build(root, tmp_path / "out")
    public = tmp_path / "out" / "public"
    files = {path.relative_to(public).as_posix() for path in public.rglob("*") if path.is_file()}
    pages = sorted(path for path in files if path.endswith(".html"))
    assert len(pages) > 8
    checked = 0
    for page in pages:
        parser = Links()
        parser.feed((public / page).read_text(encoding="utf-8"))
        for url in parser.urls:
            parts = urlsplit(url)
            if parts.scheme in ("data", "mailto") or url.startswith("#"):
                continue
            if parts.scheme in ("http", "https"):
                # Absolute links to our own site (canonical) carry the sub-path.
                if parts.netloc == "org.github.io":
                    assert parts.path.startswith("/status/"), (page, url)
                continue
            if parts.path.startswith("/"):
                # Only 404.html, served at any depth, links from the base path.
                assert page == "404.html" and parts.path.startswith("/status/"), (page, url)
                target = parts.path.removeprefix("/status/")
            else:
                target = posixpath.normpath(posixpath.join(posixpath.dirname(page), parts.path))
                assert not target.startswith(".."), (page, url)
                target = "" if target == "." else target + ("/" if parts.path.endswith("/") else "")
            if target == "" or target.endswith("/"):
                target += "index.html"
            assert target in files, (page, url, target)
            checked += 1
    assert checked > 100
