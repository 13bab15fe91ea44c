"""Builds are atomic under SIGKILL and safe when two run at once; templates never run user text."""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import INCIDENT, INCIDENT_TEXT, NOW, NOW_ISO, MakeSite

import statusgen.output as output
from statusgen.build import build_sites
from statusgen.output import SPARE, TreeMemory
from statusgen.public import PublicMemo, render_public_site
from statusgen.public.pages import make_environment
from statusgen.validate import validate_site


def tree(folder: Path) -> dict[str, str]:
    """Relative path → content hash of every file below ``folder``."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def build(root: Path, out: Path, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "statusgen", "build", "--root", str(root), "--out", str(out), "--now", NOW_ISO, *extra],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def finished(process: subprocess.Popen[bytes]) -> None:
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr.decode()


def leftovers(out: Path) -> list[str]:
    """Temporary folders beside the output; the spare tree (the one before, written over by the
    next build) is meant to stay."""
    return sorted(
        path.name
        for path in out.iterdir()
        if path.name.startswith(".statusgen-") and path.is_dir() and not path.name.startswith(SPARE)
    )


def test_sigkill_at_any_point_leaves_a_complete_site(make_site: MakeSite, tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    out = root / "site"
    finished(build(root, out))
    old = {name: tree(out / name) for name in ("public", "internal")}

    (root / INCIDENT).write_text(INCIDENT_TEXT.replace("Elevated error rates on the API", "Slow API"))
    reference = tmp_path / "reference"
    finished(build(root, reference))
    new = {name: tree(reference / name) for name in ("public", "internal")}
    assert new["public"] != old["public"]

    for delay in (0.05, 0.2, 0.4, 0.7, 1.0, 1.5, 2.0, 3.0):
        process = build(root, out)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        for name in ("public", "internal"):
            current = tree(out / name)
            assert current in (old[name], new[name]), f"{name} is partial after SIGKILL at {delay} s"

    finished(build(root, out))
    assert {name: tree(out / name) for name in ("public", "internal")} == new
    assert leftovers(out) == []  # the next build cleared what the killed ones left


def test_two_builds_at_once_do_not_corrupt_the_output(make_site: MakeSite, tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    reference = tmp_path / "reference"
    finished(build(root, reference))
    out = root / "site"
    first, second = build(root, out), build(root, out)
    finished(first)
    finished(second)
    for name in ("public", "internal"):
        assert tree(out / name) == tree(reference / name)
    assert leftovers(out) == []


def test_a_failed_build_leaves_no_temporary_directory(make_site: MakeSite, tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    out = root / "site"
    finished(build(root, out, "--public-only"))
    before = tree(out / "public")
    (root / INCIDENT).write_text(INCIDENT_TEXT.replace("severity: SEV-3", "severity: SEV-5"))
    process = build(root, out, "--public-only")
    process.communicate(timeout=120)
    assert process.returncode == 1
    assert tree(out / "public") == before
    assert leftovers(out) == []


def test_a_process_that_knows_its_output_trees_builds_what_a_new_process_builds(
    make_site: MakeSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``statusgen serve`` alone writes into its output folder: it knows both trees there from
    its own builds and neither lists the spare nor looks up the current tree's files, yet every
    build is the tree a new process builds; after a build that failed half way, it looks again."""
    root = make_site(tmp_path / "site")
    surveys: list[Path] = []
    real_survey = output._survey
    monkeypatch.setattr(output, "_survey", lambda folder: surveys.append(folder) or real_survey(folder))
    memo = PublicMemo(output=TreeMemory())
    out = tmp_path / "out"
    second = root / INCIDENT.replace("2026-11-20-api-errors", "2026-11-21-queue-delays")

    def check(step: str) -> None:
        site = validate_site(root, now=NOW).site
        assert site is not None
        before = tree(out / "public") if (out / "public").exists() else None
        build_sites(site, now=NOW, out=out, kb=False, memo=memo)
        cold = tmp_path / f"cold-{step}"
        build_sites(site, now=NOW, out=cold, kb=False)
        assert tree(out / "public") == tree(cold / "public"), step
        if before is not None:
            assert tree(out / f"{SPARE}public") == before, step  # the tree it replaced, as it was

    for step in ("first", "spare made", "spare written over"):
        check(step)
    (root / INCIDENT).write_text(INCIDENT_TEXT.replace("Elevated error rates on the API", "Slow API"))
    check("edited")
    second.parent.mkdir()
    second.write_text(INCIDENT_TEXT.replace("2026-11-20", "2026-11-21"))
    check("added")
    shutil.rmtree(second.parent)
    check("removed")
    assert surveys == []

    real_write = output.TreeWriter.write
    calls = iter(range(10**6))

    def fail_half_way(writer: output.TreeWriter, relpath: str, content: bytes) -> None:
        if next(calls) == 5:
            raise OSError("disk full")
        real_write(writer, relpath, content)

    monkeypatch.setattr(output.TreeWriter, "write", fail_half_way)
    (root / INCIDENT).write_text(INCIDENT_TEXT.replace("Elevated error rates on the API", "API errors"))
    site = validate_site(root, now=NOW).site
    assert site is not None
    with pytest.raises(OSError, match="disk full"):
        build_sites(site, now=NOW, out=out, kb=False, memo=memo)
    monkeypatch.setattr(output.TreeWriter, "write", real_write)
    check("after a failed build")
    # the spare, half written by the failed build; then the tree that build replaced, unknown
    # since the failure, now the spare: surveyed then, not by the next build
    assert surveys == [out / f"{SPARE}public"] * 2
    (root / INCIDENT).write_text(INCIDENT_TEXT)
    check("after that")
    assert len(surveys) == 2


@pytest.mark.parametrize("payload", ["{{ 7 * 7 }}", "{% for x in range(3) %}loop{% endfor %}", "${7*7} #{7*7}"])
def test_user_text_is_never_run_as_a_template(make_site: MakeSite, tmp_path: Path, payload: str) -> None:
    text = INCIDENT_TEXT.replace("title: Elevated error rates on the API", f"title: {json.dumps(payload)}").replace(
        "We are investigating elevated error rates on the API.", json.dumps(payload)
    )
    root = make_site(tmp_path / "site", {INCIDENT: text})
    site = validate_site(root, now=NOW).site
    assert site is not None
    files = render_public_site(site, NOW)
    page = files["incidents/2026-11-20-api-errors/index.html"].decode()
    title = re.search(r"<title>(.*?)</title>", page, re.DOTALL)
    assert title is not None and payload in html.unescape(title.group(1))  # shown literally, not run
    assert payload in html.unescape(re.sub(r"<[^>]+>", "", page.split("</header>", 1)[-1]))


def test_templates_autoescape_and_undefined_names_fail() -> None:
    environment = make_environment(None)
    assert environment.autoescape is True
    rendered = environment.from_string("{{ text }}").render(text="<script>alert(1)</script>")
    assert rendered == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_a_build_leaves_no_reference_cycle_holding_its_pages(make_site: MakeSite, tmp_path: Path) -> None:
    """``statusgen serve`` builds again and again in one process: what a build made must go
    when it is done (by reference counting), not wait for a full collection of the cycle
    collector, which a process holding a long history starts only rarely (its memory grew by
    about 10 MB per rebuild at 10,000 incidents)."""
    import gc

    from statusgen.public.keys import PageKeys
    from statusgen.public.pages import PublicPages

    site = validate_site(make_site(tmp_path / "site"), now=NOW).site
    assert site is not None
    memo = PublicMemo(output=TreeMemory())
    gc.collect()
    gc.disable()
    try:
        for _ in range(2):
            build_sites(site, now=NOW, out=tmp_path / "out", kb=False, memo=memo)
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        left = {type(thing).__name__ for thing in gc.garbage}
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert not left & {PublicPages.__name__, PageKeys.__name__, output.TreeWriter.__name__}, left
