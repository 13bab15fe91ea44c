"""E-mail over STARTTLS and implicit TLS, with a login, against a real SMTP server on 127.0.0.1
using a self-signed certificate made for the test; an untrusted certificate is refused."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from notify_helpers import WAIT, Mailbox, free_port
from tools import missing

from statusgen.config import SmtpSecurity
from statusgen.notify.channels import Mail
from statusgen.notify.delivery import PermanentFailure, send_mail

MESSAGE = b"From: status@example.com\r\nTo: ops@example.com\r\nSubject: TLS check\r\n\r\nHello over TLS.\r\n"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        missing("openssl", "apt-get install openssl")
    assert openssl is not None
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and data.login == b"status" and data.password == b"s3cret"
    return AuthResult(success=ok, handled=False)


def _server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def _client_context(cert: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(cert))
    return context


@pytest.fixture(params=[SmtpSecurity.STARTTLS, SmtpSecurity.TLS], ids=["starttls", "tls"])
def server(request: pytest.FixtureRequest, certificate: tuple[Path, Path]) -> Iterator[tuple[Mailbox, int, Any]]:
    security: SmtpSecurity = request.param
    cert, key = certificate
    mailbox, port = Mailbox(), free_port()
    options: dict[str, Any] = {"authenticator": _authenticate}
    if security is SmtpSecurity.STARTTLS:  # no login before the upgrade
        options |= {"tls_context": _server_context(cert, key), "require_starttls": True, "auth_require_tls": True}
    else:  # the whole connection is TLS (aiosmtpd only tracks STARTTLS, hence no auth_require_tls)
        options |= {"ssl_context": _server_context(cert, key), "auth_require_tls": False}
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, ready_timeout=WAIT, **options)
    controller.start()
    try:
        yield mailbox, port, security
    finally:
        controller.stop()


def _mail(port: int, security: SmtpSecurity) -> Mail:
    return Mail(
        "127.0.0.1", port, security, "status", "SMTP_PASSWORD", "status@example.com", "ops@example.com", MESSAGE
    )


def test_mail_is_delivered_over_tls_with_a_login(
    server: tuple[Mailbox, int, Any], certificate: tuple[Path, Path]
) -> None:
    mailbox, port, security = server
    assert send_mail(_mail(port, security), "s3cret", WAIT, _client_context(certificate[0])) == "accepted"
    assert [message["Subject"] for _, _, message in mailbox.messages] == ["TLS check"]


def test_an_untrusted_certificate_is_refused(server: tuple[Mailbox, int, Any]) -> None:
    mailbox, port, security = server
    with pytest.raises(PermanentFailure, match="not trusted"):
        send_mail(_mail(port, security), "s3cret", WAIT, ssl.create_default_context())
    assert mailbox.messages == []
