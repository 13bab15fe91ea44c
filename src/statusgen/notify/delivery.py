"""Sending: HTTP POST with urllib, email with smtplib, retries with exponential backoff.

Every delivery is tried, whatever happened to the others. A temporary failure — a connection
error or timeout, HTTP 408, 429 or 5xx, an SMTP 4xx reply — is retried after ``backoff``
seconds, then twice that, and so on, up to ``attempts`` tries (a ``Retry-After`` of up to a
minute is honoured). Anything else fails at once: retrying a 404 or a rejected login only
delays the report. Redirects are not followed: a webhook must be configured with its final URL.
"""

from __future__ import annotations

import http.client
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .. import __version__
from ..config import SmtpSecurity
from .channels import Delivery, HttpPost, Mail

__all__ = ["Outcome", "PermanentFailure", "TemporaryFailure", "deliver_one", "post", "send_mail"]

MAX_RETRY_AFTER = 60.0
"""The longest ``Retry-After`` honoured, in seconds."""


class TemporaryFailure(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentFailure(Exception):
    pass


@dataclass(frozen=True)
class Outcome:
    delivery: Delivery
    delivered: bool
    tries: int
    detail: str
    """``HTTP 200``, ``250 accepted``, or why it failed."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _retry_after(value: str | None) -> float | None:
    try:
        return min(float(value), MAX_RETRY_AFTER) if value else None
    except ValueError:
        return None  # an HTTP date: the exponential backoff is good enough


def post(request: HttpPost, timeout: float) -> str:
    """POST the body; the response's status on success."""
    assert request.url is not None
    opener = urllib.request.build_opener(_NoRedirect)
    outgoing = urllib.request.Request(
        request.url,
        data=request.body,
        method="POST",
        headers={"Content-Type": request.content_type, "User-Agent": f"statusgen/{__version__}"},
    )
    try:
        with opener.open(outgoing, timeout=timeout) as response:
            response.read(1 << 16)
            return f"HTTP {response.status}"
    except urllib.error.HTTPError as error:
        with error:
            reason = f"HTTP {error.code} {error.reason}".strip()
            if error.code in (408, 429) or error.code >= 500:
                raise TemporaryFailure(reason, _retry_after(error.headers.get("Retry-After"))) from None
            if 300 <= error.code < 400:
                raise PermanentFailure(f"{reason}: redirected; configure the final URL") from None
            raise PermanentFailure(reason) from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, ssl.SSLCertVerificationError):
            raise PermanentFailure(f"TLS certificate not trusted: {error.reason.verify_message}") from None
        raise TemporaryFailure(f"cannot connect: {error.reason}") from None
    except (OSError, http.client.HTTPException) as error:
        raise TemporaryFailure(f"connection failed: {error or type(error).__name__}") from None


def send_mail(mail: Mail, password: str | None, timeout: float, context: ssl.SSLContext | None = None) -> str:
    """Send one message over SMTP; the server's reply on success."""
    context = context or ssl.create_default_context()
    try:
        smtp: smtplib.SMTP
        if mail.security is SmtpSecurity.TLS:
            smtp = smtplib.SMTP_SSL(mail.host, mail.port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(mail.host, mail.port, timeout=timeout)
        with smtp:
            smtp.ehlo()
            if mail.security is SmtpSecurity.STARTTLS:
                smtp.starttls(context=context)
                smtp.ehlo()
            if mail.username is not None:
                smtp.login(mail.username, password or "")
            if mail.fallback is None:
                smtp.sendmail(mail.sender, [mail.recipient], mail.message)
            elif smtp.has_extn("8bitmime"):
                smtp.sendmail(mail.sender, [mail.recipient], mail.message, mail_options=["BODY=8BITMIME"])
            else:
                smtp.sendmail(mail.sender, [mail.recipient], mail.fallback)
        return "accepted"
    except smtplib.SMTPRecipientsRefused as error:
        code, reply = next(iter(error.recipients.values()))
        reason = f"SMTP {code} {reply.decode(errors='replace')}"
        raise (TemporaryFailure(reason) if 400 <= code < 500 else PermanentFailure(reason)) from None
    except smtplib.SMTPResponseException as error:
        message = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        reason = f"SMTP {error.smtp_code} {message}"
        raise (TemporaryFailure(reason) if 400 <= error.smtp_code < 500 else PermanentFailure(reason)) from None
    except smtplib.SMTPNotSupportedError as error:
        raise PermanentFailure(f"the server does not support it: {error}") from None
    except ssl.SSLCertVerificationError as error:
        raise PermanentFailure(f"TLS certificate not trusted: {error.verify_message}") from None
    except (OSError, smtplib.SMTPException) as error:
        raise TemporaryFailure(f"connection failed: {error or type(error).__name__}") from None


def deliver_one(
    delivery: Delivery,
    *,
    attempts: int,
    backoff: float,
    timeout: float,
    environ: Mapping[str, str],
    sleep: Callable[[float], None],
    smtp_context: ssl.SSLContext | None = None,
) -> Outcome:
    """Try one delivery until it succeeds, fails permanently, or runs out of tries."""
    if delivery.problem is not None:
        return Outcome(delivery, False, 0, delivery.problem)
    request = delivery.request
    password = None
    if isinstance(request, Mail) and request.password_env is not None:
        password = environ.get(request.password_env)
        if not password:
            return Outcome(delivery, False, 0, f"the environment variable {request.password_env} is not set")
    reason = ""
    for attempt in range(1, attempts + 1):
        try:
            if isinstance(request, Mail):
                detail = send_mail(request, password, timeout, smtp_context)
            else:
                detail = post(request, timeout)
            return Outcome(delivery, True, attempt, detail)
        except PermanentFailure as error:
            return Outcome(delivery, False, attempt, str(error))
        except TemporaryFailure as error:
            reason = str(error)
            if attempt < attempts:
                sleep(max(backoff * 2 ** (attempt - 1), error.retry_after or 0.0))
    return Outcome(delivery, False, attempts, f"{reason} (gave up after {attempts} tries)")
