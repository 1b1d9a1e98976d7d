"""Sending a short e-mail through SMTP: STARTTLS or TLS, a timeout, never blocking a page.

Notifications (:mod:`cop.community.notify`) are optional: without ``COP_SMTP_URL`` nothing
is sent and nothing else changes. When it is set, a message is sent *after* the thing it
tells about has been stored, by :func:`send_later` in a background thread, so a slow or
broken mail server never loses a submission and never keeps a page waiting: a failure is
logged (host, port and the error; never the password) and that is all.

The transport is the standard library's ``smtplib``: ``smtp://host:587`` upgrades the
connection with STARTTLS before logging in (and refuses to go on when the server does not
offer it), ``smtps://host:465`` speaks TLS from the first byte; certificates are checked
against the system's authorities (or ``COP_SMTP_CA_FILE``). Settings: see
:class:`cop.core.config.MailSettings`.

Examples
--------
>>> m = Message(("a@example.nl",), "Nieuw\\r\\nBcc: x@evil.example", "Tekst")
>>> build_email(m, "cop@example.nl")["Subject"]
'Nieuw Bcc: x@evil.example'
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from cop.core.config import MailSettings

__all__ = ["Delivery", "MailError", "Message", "build_email", "send", "send_later"]

log = logging.getLogger(__name__)

# Header values are one line: a line break in a subject would let a text start new headers.
_HEADER_BREAKS = re.compile(r"[\r\n\t\x00-\x1f\x7f]+")
MAX_SUBJECT = 200
# Python's header folding at 78 characters moves a long subject to a continuation line
# that some readers show with a leading space; RFC 5322 allows lines of 998 characters.
_POLICY = email_policy.default.clone(max_line_length=998)


class MailError(RuntimeError):
    """A message could not be delivered (server unreachable, refused, TLS or login failed)."""


@dataclass(frozen=True)
class Message:
    """One plain-text e-mail to one or more addresses (sent as one message)."""

    to: tuple[str, ...]
    subject: str
    body: str


def build_email(message: Message, sender: str) -> EmailMessage:
    """The message as an RFC 5322 e-mail: UTF-8 plain text, one-line subject."""
    email = EmailMessage(policy=_POLICY)
    email["From"] = sender
    email["To"] = ", ".join(message.to)
    email["Subject"] = _HEADER_BREAKS.sub(" ", message.subject).strip()[:MAX_SUBJECT]
    email["Date"] = formatdate(localtime=False, usegmt=True)
    email["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    email.set_content(message.body)
    return email


def _tls_context(settings: MailSettings) -> ssl.SSLContext:
    cafile = str(settings.ca_file) if settings.ca_file else None
    return ssl.create_default_context(cafile=cafile)


def send(message: Message, settings: MailSettings) -> None:
    """Deliver ``message`` now; raise :class:`MailError` when that fails.

    Every network step is bounded by ``settings.timeout`` (connecting and each reply).
    """
    if not message.to:
        raise ValueError("a message needs at least one recipient")
    email = build_email(message, settings.sender)
    try:
        if settings.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host,
                settings.port,
                timeout=settings.timeout,
                context=_tls_context(settings),
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with client:
            if settings.security == "starttls":
                client.ehlo()
                if not client.has_extn("starttls"):
                    raise MailError(f"{settings.host}:{settings.port} does not offer STARTTLS")
                client.starttls(context=_tls_context(settings))
                client.ehlo()
            if settings.username:
                client.login(settings.username, settings.password or "")
            refused = client.send_message(email, settings.sender, list(message.to))
    except (smtplib.SMTPException, OSError) as exc:  # OSError: refused, timeout, TLS
        raise MailError(f"{settings.host}:{settings.port}: {type(exc).__name__}: {exc}") from exc
    if refused:
        raise MailError(f"{settings.host}:{settings.port} refused {sorted(refused)}")


@dataclass
class Delivery:
    """A message on its way in a background thread; tests and scripts can :meth:`wait`."""

    messages: tuple[Message, ...]
    thread: threading.Thread | None = None
    delivered: list[Message] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the thread; ``True`` when every message was delivered."""
        if self.thread is not None:
            self.thread.join(timeout)
            if self.thread.is_alive():
                return False
        return len(self.delivered) == len(self.messages) and not self.errors


def send_later(messages: Sequence[Message], settings: MailSettings) -> Delivery:
    """Send ``messages`` one after the other in a daemon thread; return at once.

    A message that fails is logged as a warning and the next one is still tried; nothing
    is raised to the caller (who has already stored what the message is about).
    """
    delivery = Delivery(tuple(messages))

    def run() -> None:
        for message in delivery.messages:
            try:
                send(message, settings)
            except MailError as exc:
                delivery.errors.append(str(exc))
                log.warning(
                    "e-mail %r to %d address(es) not sent: %s",
                    message.subject,
                    len(message.to),
                    exc,
                )
            else:
                delivery.delivered.append(message)
                log.info("e-mail %r sent to %d address(es)", message.subject, len(message.to))

    delivery.thread = threading.Thread(target=run, name="cop-mail", daemon=True)
    delivery.thread.start()
    return delivery
