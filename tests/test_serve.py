"""`statusgen serve`: a real server on a free port, fetched over HTTP, rebuilt on change."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

import pytest
from conftest import INCIDENT, INCIDENT_TEXT, MakeSite

DEADLINE = 90.0


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", errors="replace")


def wait_for(condition: Callable[[], bool], what: str, deadline: float = DEADLINE) -> None:
    """Poll, bounded: the server rebuilds on its own schedule."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out after {deadline:.0f} s waiting for {what}")


def ctrl_c_as_in_a_terminal() -> None:
    """Ctrl-C as a terminal's foreground program gets it: a test run started in the background
    by a shell without job control (as some CI runners do) has it ignored, and a server started
    from there would inherit that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def signal_masks(pid: int) -> list[str]:
    """Each thread's blocked, ignored and caught signals (Linux), for a failure's message."""
    found = []
    for status in sorted(Path(f"/proc/{pid}/task").glob("*/status")):
        with suppress(OSError):
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
            found.append(" ".join(f"{k}={fields[k].strip()}" for k in ("Name", "SigBlk", "SigIgn", "SigCgt")))
    return found


def test_serve_previews_both_sites_and_rebuilds_on_change(make_site: MakeSite, tmp_path: Path) -> None:
    root = make_site(tmp_path / "site")
    before = set(Path(tempfile.gettempdir()).glob("statusgen-serve-*"))
    server = subprocess.Popen(
        [sys.executable, "-X", "faulthandler", "-m", "statusgen", "serve", "--root", str(root), "--port", "0"],
        preexec_fn=ctrl_c_as_in_a_terminal,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(server.stderr.readline, "")), daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        wait_for(lambda: any("serving the public site on" in line for line in lines), "the server to start")
        match = re.search(r"on (http://127\.0\.0\.1:\d+/) and", "".join(lines))
        assert match is not None, lines
        base = match.group(1)

        status, home = fetch(base)
        assert status == 200 and "Elevated error rates on the API" in home
        (output,) = set(Path(tempfile.gettempdir()).glob("statusgen-serve-*")) - before
        # a spare public tree for the first rebuild to write over, as later rebuilds do
        wait_for(lambda: (output / "p" / ".statusgen-spare-public").is_dir(), "the spare tree")
        status, internal = fetch(base + "internal/")  # built by a process of its own, maybe not yet
        assert status == 200 or (status == 503 and "knowledge base is being built" in internal), internal
        wait_for(lambda: fetch(base + "internal/")[0] == 200, "the knowledge base")
        assert "<html" in fetch(base + "internal/")[1]

        incident = root / INCIDENT
        incident.write_text(INCIDENT_TEXT.replace("Elevated error rates on the API", "Slow API responses"))
        wait_for(lambda: "Slow API responses" in fetch(base + "incidents/2026-11-20-api-errors/")[1], "the new title")
        # the knowledge base follows, built by a process of its own
        wait_for(
            lambda: "Slow API responses" in fetch(base + "internal/incidents/2026/2026-11-20-api-errors/")[1],
            "the new title in the knowledge base",
        )
        assert any("knowledge base rebuilt" in line for line in lines)

        incident.write_text(INCIDENT_TEXT.replace("severity: SEV-3", "severity: SEV-5"))
        wait_for(lambda: fetch(base)[0] == 503, "the problems page")
        status, page = fetch(base + "internal/")
        assert status == 503 and "SG204" in page and INCIDENT in page
        assert any("SG204" in line for line in lines)  # and in the terminal
        assert server.poll() is None  # the server did not exit

        incident.write_text(INCIDENT_TEXT)
        wait_for(lambda: fetch(base)[0] == 200, "the site to come back")
    finally:
        masks = signal_masks(server.pid)
        server.send_signal(signal.SIGINT)
        try:
            code = server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.send_signal(signal.SIGABRT)  # faulthandler prints every thread's stack
            server.wait(timeout=10)
            reader.join(timeout=5)
            raise AssertionError(
                f"the server did not stop within 20 s of Ctrl-C (signal masks: {masks}; "
                f"this process: {signal_masks(os.getpid())}):\n" + "".join(lines)
            ) from None
        finally:
            if server.poll() is None:
                server.kill()
    assert code == 0, lines
    assert any("stopped" in line for line in lines)
    assert set(Path(tempfile.gettempdir()).glob("statusgen-serve-*")) <= before  # its build folder is gone


def test_the_watcher_sees_a_change_to_any_watched_file_and_nothing_else(tmp_path: Path) -> None:
    from statusgen.serve import snapshot

    deep = tmp_path / "incidents" / "2026" / "2026-11-20-api-errors"
    deep.mkdir(parents=True)
    (deep / "incident.md").write_text("a")
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "page.md").write_text("b")
    (tmp_path / "content" / "linked.md").symlink_to(tmp_path / "content" / "page.md")
    (tmp_path / "statusgen.yml").write_text("c")
    (tmp_path / "site").mkdir()
    before = snapshot(tmp_path)
    assert sorted(before) == [
        "content/linked.md",
        "content/page.md",
        "incidents/2026/2026-11-20-api-errors/incident.md",
        "statusgen.yml",
    ]

    (tmp_path / "site" / "index.html").write_text("output is not watched")
    assert snapshot(tmp_path) == before
    os.utime(deep / "incident.md", ns=(0, 10**9))
    touched = snapshot(tmp_path)
    assert touched != before
    (deep / "postmortem.md").write_text("d")
    added = snapshot(tmp_path)
    assert set(added) - set(touched) == {"incidents/2026/2026-11-20-api-errors/postmortem.md"}
    (tmp_path / "content" / "page.md").write_text("longer")
    assert snapshot(tmp_path)["content/linked.md"] != added["content/linked.md"]


def test_a_change_seen_while_the_site_could_not_be_validated_is_not_forgotten(
    make_site: MakeSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Validation trusts the watcher for what it saw unchanged: the changes it saw while
    validation failed (here: no statusgen.yml for a moment) count for the next one."""
    import statusgen.loader as loader
    from statusgen.serve import PreviewServer, changes, snapshot

    monkeypatch.setattr(loader, "SETTLED_NS", -(10**18))  # every memory trusted at once
    root = make_site(tmp_path / "site")
    server = PreviewServer(root, port=0, log=lambda line: None)
    try:
        watched = snapshot(root)
        server.rebuild()
        server.rebuild(set())  # a second look: from now on validate remembers every folder
        config = root / "statusgen.yml"
        kept = config.read_bytes()
        config.unlink()
        (root / INCIDENT).write_text(INCIDENT_TEXT.replace("Elevated error rates on the API", "Slow API"))
        current = snapshot(root)
        server.rebuild(changes(watched, current))
        assert server.failure is not None and "statusgen.yml" in server.failure
        config.write_bytes(kept)
        watched, current = current, snapshot(root)
        server.rebuild(changes(watched, current))  # only statusgen.yml changed since the last look

        assert server.failure is None and not server.problems
        page = server.public_dir / "incidents" / "2026-11-20-api-errors" / "index.html"
        assert "Slow API" in page.read_text(encoding="utf-8")
    finally:
        server.httpd.server_close()
        shutil.rmtree(server.output, ignore_errors=True)


def test_serve_prepares_its_first_rebuild_to_be_as_fast_as_the_next(
    make_site: MakeSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before it watches, serve builds its first build's site once more (its first build was
    made by worker processes, whose memories died with them): the first save is then rebuilt
    over a spare tree that the server knows — no folder made, neither tree surveyed — as later
    saves are."""
    import statusgen.output
    import statusgen.public
    from statusgen.build import PUBLIC_DIR
    from statusgen.output import SPARE
    from statusgen.serve import PreviewServer, changes, snapshot

    root = make_site(tmp_path / "site")
    server = PreviewServer(root, port=0, log=lambda line: None)
    try:
        watched = snapshot(root)
        monkeypatch.setattr(statusgen.public, "worker_count", lambda items, least: 2)  # as on a large site
        server.rebuild()
        monkeypatch.undo()
        server.prepare_for_edits()
        assert server._built is None  # the first build's site is not held on to
        assert (server.public_dir.parent / f"{SPARE}{PUBLIC_DIR}").is_dir()

        made: list[str] = []
        real_mkdir = os.mkdir
        monkeypatch.setattr(os, "mkdir", lambda path, *args: made.append(str(path)) or real_mkdir(path, *args))
        monkeypatch.setattr(statusgen.output, "_survey", lambda root: pytest.fail(f"surveyed {root}"))
        (root / INCIDENT).write_text(INCIDENT_TEXT.replace("Elevated error rates on the API", "Slow API"))
        current = snapshot(root)
        server.rebuild(changes(watched, current))

        assert server.failure is None and not server.problems
        assert [path for path in made if "public" in path] == []
        page = server.public_dir / "incidents" / "2026-11-20-api-errors" / "index.html"
        assert "Slow API" in page.read_text(encoding="utf-8")
    finally:
        server.httpd.server_close()
        shutil.rmtree(server.output, ignore_errors=True)


def blocked_signals(thread: threading.Thread) -> int:
    status = Path(f"/proc/self/task/{thread.native_id}/status").read_text()
    return int(re.search(r"^SigBlk:\s*([0-9a-f]+)$", status, re.MULTILINE).group(1), 16)  # type: ignore[union-attr]


def test_ctrl_c_is_left_to_the_main_thread(make_site: MakeSite, tmp_path: Path) -> None:
    """Python runs signal handlers in the main thread only, and a Ctrl-C the kernel hands to
    another thread may never wake it: the watcher and the request threads block it."""
    if not Path("/proc/self/task").is_dir():
        pytest.skip("needs Linux's /proc to read a thread's signal mask")
    from statusgen.serve import PreviewServer

    server = PreviewServer(make_site(tmp_path / "site"), port=0, log=lambda line: None)
    runner = threading.Thread(target=server.run)
    runner.start()
    try:
        wait_for(lambda: any(t.name == "statusgen-watch" for t in threading.enumerate()), "the watcher")
        watcher = next(t for t in threading.enumerate() if t.name == "statusgen-watch")
        assert blocked_signals(watcher) & (1 << (signal.SIGINT - 1))
        masks: list[int] = []
        handler = server.httpd.RequestHandlerClass
        real_handle = handler.handle

        def handle(request: object) -> None:
            masks.append(blocked_signals(threading.current_thread()))
            real_handle(request)  # type: ignore[arg-type]

        handler.handle = handle  # type: ignore[method-assign]
        assert fetch(server.url)[0] == 200
        assert masks and all(mask & (1 << (signal.SIGINT - 1)) for mask in masks)
    finally:
        server.stop()
        runner.join(timeout=30)
