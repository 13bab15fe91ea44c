"""Real receivers for the notification tests, on 127.0.0.1 only, started and stopped by the
tests: an SMTP server (aiosmtpd) and an HTTP server (http.server) that record what arrives and
can be told to fail. Plus a throwaway git repository holding a ``make_site`` site."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from click.testing import CliRunner, Result

from statusgen.cli import main

WAIT = 10.0
"""Every wait in these tests is bounded by this many seconds."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Mailbox:
    """What the SMTP server received; ``failures`` temporary refusals (451) come first."""

    messages: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    failures: int = 0
    attempts: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        self.attempts += 1
        if self.failures > 0:
            self.failures -= 1
            return "451 4.3.0 Try again later"
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 2.0.0 Accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for _, recipients, message in self.messages if address in recipients]


class SmtpServer:
    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port, ready_timeout=WAIT)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class HttpReceiver:
    """Records every POST by path. ``script[path]`` is a list of status codes answered in turn
    (then 200); a path in ``always`` answers its code every time."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.script: dict[str, list[int]] = {}
        self.always: dict[str, int] = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with receiver.lock:
                    if self.path in receiver.always:
                        code = receiver.always[self.path]
                    elif receiver.script.get(self.path):
                        code = receiver.script[self.path].pop(0)
                    else:
                        code = 200
                    if code < 300:
                        receiver.requests.append(Received(self.path, dict(self.headers), body))
                self.send_response(code)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def at(self, path: str) -> list[Received]:
        return [request for request in self.requests if request.path == path]

    def __enter__(self) -> HttpReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(WAIT)


# --- a site in a git repository ------------------------------------------------------------


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        timeout=WAIT * 3,
    )
    return done.stdout.strip()


def commit(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)
    return git(root, "rev-parse", "HEAD")


def init_repo(root: Path) -> str:
    git(root, "init", "-q", "-b", "main")
    return commit(root, "site")


def cli(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


NEW_ID = "2026-11-28-login-failures-on-the-dashboard"
"""The incident the scenario opens, posts two updates to and resolves."""


def incident_lifecycle(root: Path) -> str:
    """Commit the base site, then open an incident, post two updates and resolve it, one commit
    each, with the authoring commands. Returns the first commit."""
    first = init_repo(root)
    steps = [
        (
            "new",
            "incident",
            "--title",
            "Login failures on the dashboard",
            "--severity",
            "SEV-2",
            "--component",
            "dashboard=partial_outage",
            "--message",
            "Some customers cannot log in to the dashboard. We are investigating.",
            "--now",
            "2026-11-28T10:00:00Z",
        ),
        (
            "update",
            NEW_ID,
            "--status",
            "identified",
            "--component",
            "dashboard=major_outage",
            "--message",
            "A faulty session store node rejects logins. We are replacing it.",
            "--now",
            "2026-11-28T10:20:00Z",
        ),
        (
            "update",
            NEW_ID,
            "--status",
            "monitoring",
            "--component",
            "dashboard=operational",
            "--message",
            "The node was replaced and logins work again. We are monitoring.",
            "--now",
            "2026-11-28T10:40:00Z",
        ),
        ("resolve", NEW_ID, "--now", "2026-11-28T11:00:00Z"),
    ]
    for step in steps:
        result = cli(*step, "--root", str(root))
        assert result.exit_code == 0, result.output
        commit(root, " ".join(step[:2]))
    return first


def with_notifications(config: str, block: str) -> str:
    """The configuration text with a ``notifications:`` block appended."""
    return config.rstrip("\n") + "\n" + block.strip("\n") + "\n"
