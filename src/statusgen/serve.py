"""``statusgen serve``: preview both sites on 127.0.0.1, rebuilt whenever a source changes.

The public site is served at ``/`` and the knowledge base at ``/internal/``. Sources are
polled (no platform-specific watcher needed); a change triggers validation and a rebuild of
the public site into a private folder, then a rebuild of the knowledge base by a
``statusgen build --kb-only`` process of its own: MkDocs takes half a minute for 1,000
incidents, and the public preview neither waits for it nor shares a CPU with it. While the site
has errors, every page shows them instead, and the terminal prints them — the server keeps
running.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .build import INTERNAL_DIR, PUBLIC_DIR, build_sites
from .problems import Level, Problem
from .validate import Site, validate_site

__all__ = ["PreviewServer", "WATCHED"]

WATCHED = ("statusgen.yml", "mkdocs.yml", "incidents", "content", "overrides")
"""What a change to rebuilds on, relative to the site root."""

Snapshot = dict[str, tuple[int, int, int, int]]


def snapshot(root: Path) -> Snapshot:
    """Modification time, size, inode and change time of every watched file (a link to a file
    counts as the file; links to folders are not followed). One ``stat`` per file: polled twice
    a second, a history of 10,000 incidents costs a tenth of a second, not seconds."""
    state: Snapshot = {}
    top = os.fspath(root)
    for name in WATCHED:
        path = os.path.join(top, name)
        try:
            info = os.stat(path)
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode):
            state[name] = (info.st_mtime_ns, info.st_size, info.st_ino, info.st_ctime_ns)
        elif stat.S_ISDIR(info.st_mode):
            _snapshot_folder(path, name + "/", state)
    return state


def _snapshot_folder(path: str, relative: str, state: Snapshot) -> None:
    try:
        entries = list(os.scandir(path))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                _snapshot_folder(entry.path, relative + entry.name + "/", state)
                continue
            info = entry.stat()
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode):
            state[relative + entry.name] = (info.st_mtime_ns, info.st_size, info.st_ino, info.st_ctime_ns)


def _leave_signals_to_the_main_thread() -> None:
    """Block Ctrl-C and termination in the calling (non-main) thread, so that the kernel hands
    them to the main thread. Python runs signal handlers only there, and (3.11, on Linux) a
    signal that lands in another thread does not interrupt the main thread's wait: it is
    handled only when the main thread next notices, which an idle server may put off."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})


_NOT_YET = (
    b'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">'
    b"<title>statusgen: building the knowledge base</title></head><body><h1>The knowledge base is being built</h1>"
    b"<p>MkDocs is at work; this page reloads every 5 seconds until it is ready.</p></body></html>"
)


def _in_knowledge_base(path: str) -> str | None:
    """The path within the knowledge base that a request's ``path`` asks for; None if it asks
    for the public site."""
    prefix = f"/{INTERNAL_DIR}"
    if path == prefix or path.startswith((prefix + "/", prefix + "?")):
        rest = path[len(prefix) :]
        return rest if rest.startswith("/") else "/" + rest
    return None


def changes(before: Snapshot, after: Snapshot) -> set[str]:
    """The files added, removed or changed from one snapshot to the next."""
    return {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}


class PreviewServer:
    """Build, watch, serve. ``run()`` blocks until ``stop()`` (or Ctrl-C)."""

    def __init__(
        self,
        root: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        log: Callable[[str], None] = print,
        interval: float = 0.5,
    ) -> None:
        self.root = root
        self.log = log
        self.interval = interval
        self.output = Path(tempfile.mkdtemp(prefix="statusgen-serve-"))
        self.public_dir = self.output / "p" / PUBLIC_DIR
        self.kb_dir = self.output / "k" / INTERNAL_DIR
        self.problems: list[Problem] = []
        self.failure: str | None = None
        self.kb_failure: str | None = None
        self._kb_wanted: dt.datetime | None = None
        """The moment the knowledge base is to be built as of next (None: it is up to date)."""
        self._kb_event = threading.Event()
        self._kb_process: subprocess.Popen[str] | None = None
        self._built: tuple[Site, dt.datetime] | None = None
        """What a build that looked at everything (the first) was made of, until
        :meth:`prepare_for_edits` builds it again."""
        from .output import TreeMemory
        from .public import PublicMemo  # here: `statusgen validate` imports this module, not the renderers

        self.memo = PublicMemo(output=TreeMemory())
        """What each public build remembers for the next: a rebuild after one edit does little
        more than the edit asks for. The output folder is this process's alone: the memo may
        know its trees without looking at them."""
        self._changed: set[str] | None = None
        """What the watcher saw change since before the last validation began that completed
        (None: not watched yet, so validation looks at everything)."""
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer((host, port), self._handler())
        self.httpd.daemon_threads = True

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}/"

    def rebuild(self, changed: set[str] | None = None) -> None:
        """Validate and build the public site, then ask the knowledge-base thread for a new
        knowledge base; remember the problems to show instead of the pages. ``changed``: what
        the watcher saw change since its previous look (see :func:`validate_site`)."""
        now = dt.datetime.now(dt.UTC)
        if changed is None:
            self._changed = None
        elif self._changed is not None:
            self._changed |= changed
        try:
            result = validate_site(self.root, now=now, changed=self._changed, watched=True)
            self._changed = set()
            errors = [p for p in result.problems if p.level is Level.ERROR]
            if not errors and result.site is not None:
                build_sites(result.site, now=now, out=self.public_dir.parent, kb=False, memo=self.memo)
                self._built = (result.site, now) if changed is None else None
                with self._lock:
                    self._kb_wanted = now
                self._kb_event.set()
            with self._lock:
                self.problems, self.failure = errors, None
            for problem in result.problems:
                self.log(str(problem))
            self.log(f"statusgen: {'not rebuilt: fix the errors above' if errors else 'rebuilt'} at {now:%H:%M:%S}")
        except Exception as error:  # the preview must survive anything a build can raise
            with self._lock:
                self.problems, self.failure = [], f"{type(error).__name__}: {error}"
            if not self._stopping.is_set():  # (not what stopping pulled from under it)
                self.log(f"statusgen: build failed: {self.failure}")

    def prepare_for_edits(self) -> None:
        """Build the public site once more from what the first build validated, as of its
        moment: nothing changed, so no page is rendered again, but this process then knows what
        every page shows (the first build's worker processes worked that out for themselves)
        and the site has a spare tree for the next build to write over — so the first save is
        rebuilt as fast as the later ones (at 10,000 incidents, else 1.5–2.4 s instead of
        about 0.8 s). Done while nothing has changed yet, without delaying the preview; a
        build that fails here only leaves that first rebuild slower."""
        built, self._built = self._built, None
        if built is None:
            return
        try:
            build_sites(built[0], now=built[1], out=self.public_dir.parent, kb=False, memo=self.memo)
        except Exception as error:  # noqa: BLE001 - the preview goes on without it
            self.log(f"statusgen: could not prepare for faster rebuilds: {type(error).__name__}: {error}")

    def build_knowledge_base(self) -> None:
        """Build the knowledge base whenever asked, as of the latest moment asked for, by a
        ``statusgen build --kb-only`` process (stopped with the server)."""
        _leave_signals_to_the_main_thread()
        while True:
            self._kb_event.wait()
            self._kb_event.clear()
            with self._lock:
                now, self._kb_wanted = self._kb_wanted, None
            if self._stopping.is_set():
                return
            if now is None:
                continue
            command = [sys.executable, "-m", "statusgen", "build", "--kb-only", "--root", str(self.root)]
            command += ["--out", str(self.kb_dir.parent), "--now", now.isoformat().replace("+00:00", "Z")]
            with self._lock:
                if self._stopping.is_set():
                    return
                self._kb_process = subprocess.Popen(
                    command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
                )
            output, _ = self._kb_process.communicate()
            code = self._kb_process.returncode
            if self._stopping.is_set():
                return
            with self._lock:
                self.kb_failure = None if code == 0 else f"the knowledge base did not build:\n{output.strip()}"
            self.log("statusgen: knowledge base rebuilt" if code == 0 else f"statusgen: {self.kb_failure}")

    def watch(self, state: Snapshot) -> None:
        """Rebuild on every change from ``state`` on (a snapshot taken before the last rebuild),
        once prepared for the first one (:meth:`prepare_for_edits`)."""
        _leave_signals_to_the_main_thread()
        self.prepare_for_edits()
        while not self._stopping.wait(self.interval):
            current = snapshot(self.root)
            if current != state:
                changed = changes(state, current)
                state = current
                self.rebuild(changed)

    def run(self) -> None:
        state = snapshot(self.root)  # before the first build: what changes while it runs is seen
        self.rebuild()
        watcher = threading.Thread(target=self.watch, args=(state,), name="statusgen-watch", daemon=True)
        watcher.start()
        builder = threading.Thread(target=self.build_knowledge_base, name="statusgen-kb", daemon=True)
        builder.start()
        self.log(f"statusgen: serving the public site on {self.url} and the knowledge base on {self.url}internal/")
        try:
            self.httpd.serve_forever(poll_interval=0.2)
        finally:
            self._stop_knowledge_base()
            watcher.join(timeout=5)
            builder.join(timeout=5)
            self.httpd.server_close()
            shutil.rmtree(self.output, ignore_errors=True)

    def stop(self) -> None:
        self._stop_knowledge_base()
        self.httpd.shutdown()

    def _stop_knowledge_base(self) -> None:
        with self._lock:
            self._stopping.set()
            process = self._kb_process
        self._kb_event.set()
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()

    def problems_page(self) -> bytes | None:
        with self._lock:
            problems = list(self.problems)
            failures = [failure for failure in (self.failure, self.kb_failure) if failure is not None]
        if not problems and not failures:
            return None
        items = "".join(f"<li><code>{html.escape(str(p))}</code></li>" for p in problems)
        items += "".join(f"<li><code>{html.escape(failure)}</code></li>" for failure in failures)
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>statusgen: problems</title>'
            "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
            "code{white-space:pre-wrap}li{margin:.5rem 0}</style></head><body>"
            "<h1>The site has problems</h1><p>Fix them and save: this page reloads into the site when they are "
            f"gone (refresh).</p><ul>{items}</ul></body></html>"
        ).encode()

    def _handler(self) -> type[SimpleHTTPRequestHandler]:
        server = self

        class Handler(SimpleHTTPRequestHandler):
            def setup(self) -> None:
                _leave_signals_to_the_main_thread()  # each request has a thread of its own
                super().setup()

            def translate_path(self, path: str) -> str:
                inside = _in_knowledge_base(path)
                self.directory = str(server.public_dir if inside is None else server.kb_dir)
                return super().translate_path(path if inside is None else inside)

            def send_head(self) -> Any:
                page = server.problems_page()
                if page is None and _in_knowledge_base(self.path) is not None and not server.kb_dir.is_dir():
                    page = _NOT_YET
                if page is None:
                    return super().send_head()
                self.send_response(HTTPStatus.SERVICE_UNAVAILABLE)
                self.send_header("Retry-After", "5")
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                return io.BytesIO(page)

            def end_headers(self) -> None:
                self.send_header("Cache-Control", "no-store")
                super().end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return None

        return Handler
