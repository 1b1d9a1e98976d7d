"""A real SMTP server for the notification tests: aiosmtpd on 127.0.0.1 and a free port.

Not a mock: the app's ``smtplib`` client talks SMTP over a socket to it, with STARTTLS,
implicit TLS and AUTH where a test asks for them (a self-signed certificate made with
``openssl`` for ``127.0.0.1``).
"""

from __future__ import annotations

import email
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    """One message as the server got it: envelope sender and recipients, and the e-mail."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Inbox:
    """The aiosmtpd handler: keeps every message it receives, in order."""

    messages: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=default_policy)
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"


@dataclass(frozen=True)
class Credentials:
    """What the server's authenticator accepts."""

    username: str
    password: str

    def __call__(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == self.username
            and auth_data.password.decode() == self.password
        )
        return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def has_openssl() -> bool:
    return shutil.which("openssl") is not None


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1 and localhost, valid for two days."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
            "-keyout", str(key), "-out", str(cert), "-days", "2",
            "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return cert, key


def _server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    return context


@contextmanager
def smtp_server(
    *,
    starttls: tuple[Path, Path] | None = None,
    implicit_tls: tuple[Path, Path] | None = None,
    credentials: Credentials | None = None,
) -> Iterator[tuple[Inbox, Controller]]:
    """Run an SMTP server until the block ends; yields its inbox and controller.

    ``starttls`` (certificate, key): offer STARTTLS and require it before mail;
    ``implicit_tls``: TLS from the first byte (smtps); ``credentials``: require AUTH.
    The port is ``controller.port``; ``controller.stop()`` stops it early.
    """
    inbox = Inbox()
    options: dict[str, object] = {}
    if starttls is not None:
        options.update(tls_context=_server_context(*starttls), require_starttls=True)
    if implicit_tls is not None:
        options["ssl_context"] = _server_context(*implicit_tls)
    if credentials is not None:
        options.update(authenticator=credentials, auth_required=True)
        options["auth_require_tls"] = starttls is not None or implicit_tls is not None
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    try:
        yield inbox, controller
    finally:
        if controller._thread is not None:  # stopped early by the test
            controller.stop()
