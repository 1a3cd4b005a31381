"""Real SMTP servers on 127.0.0.1 for tests (aiosmtpd), with TLS certificates from a trustme CA.

Fixtures (tests/alerts/conftest.py imports them; another test folder can do the same):

- ``smtp_ca``: a session-wide ``trustme.CA``; its certificates name ``localhost`` and 127.0.0.1.
- ``smtp_server``: plain SMTP, no login. Yields a running ``SmtpServer``.
- ``smtp_tls_server``: STARTTLS required, then login required (``SMTP_USER``/``SMTP_PASSWORD``).
- ``smtp_ssl_server``: implicit TLS (like port 465), login required.
- ``smtp_server_factory``: ``make(tls="none"|"starttls"|"ssl", users={...} | None, port=None,
  start=True)`` for any other combination; every server it made is stopped after the test.

An ``SmtpServer`` keeps what it received in ``.received`` (``Received``: envelope sender and
recipients, raw bytes, the parsed message, the login, whether TLS was on). ``.stop()`` closes the
listening socket (connections are then refused), ``.start()`` listens again on the same port and
``.restart()`` does both: "mail server down, then back" without changing the channel's settings.
``.channel()`` builds an ``SmtpChannel`` that trusts the test CA and logs in when it should.
``.handler.reject_rcpt[address] = "550 5.1.1 ..."`` refuses a recipient; ``.handler.data_reply =
"451 ..."`` refuses every message at DATA.
"""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Literal

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServerProtocol
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from monitor.alerts.channels import SmtpChannel

Tls = Literal["none", "starttls", "ssl"]

SMTP_USER = "canhbao"
SMTP_PASSWORD = "mat-khau-thu-42"  # smtplib sends logins as ASCII only
SENDER = "Media Monitor <monitor@ducpho.example.org>"


@dataclass(frozen=True)
class Received:
    """One message as the server accepted it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    message: EmailMessage
    login: str | None  # the user that logged in, None without AUTH
    tls: bool  # whether the session was encrypted (STARTTLS or implicit TLS)


class RecordingHandler:
    """An aiosmtpd handler that keeps every message and can refuse on demand."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.reject_rcpt: dict[str, str] = {}  # lower-case address -> reply, e.g. "550 5.1.1 ..."
        self.data_reply: str | None = None  # when set, every DATA gets this reply instead of 250

    async def handle_RCPT(
        self,
        server: SMTPServerProtocol,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        reply = self.reject_rcpt.get(address.lower())
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(
        self, server: SMTPServerProtocol, session: Session, envelope: Envelope
    ) -> str:
        if self.data_reply is not None:
            return self.data_reply
        raw = envelope.original_content or envelope.content or b""
        assert isinstance(raw, bytes)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        transport = server.transport
        self.received.append(
            Received(
                mail_from=envelope.mail_from or "",
                rcpt_tos=tuple(envelope.rcpt_tos),
                raw=raw,
                message=message,
                login=session.auth_data if isinstance(session.auth_data, str) else None,
                tls=transport is not None and transport.get_extra_info("ssl_object") is not None,
            )
        )
        return f"250 2.0.0 Ok: queued as T{len(self.received)}"


def _authenticator(users: dict[str, str]) -> Callable[..., AuthResult]:
    def authenticate(
        server: SMTPServerProtocol,
        session: Session,
        envelope: Envelope,
        mechanism: str,
        auth_data: Any,
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", "replace")
        if users.get(login) != auth_data.password.decode("utf-8", "replace"):
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=login)

    return authenticate


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (nothing stops another process from taking it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class SmtpServer:
    """An aiosmtpd server on ``host:port`` that can be stopped and started again on that port."""

    def __init__(
        self,
        *,
        tls: Tls = "none",
        users: dict[str, str] | None = None,
        ca: trustme.CA | None = None,
        host: str = "127.0.0.1",
        port: int | None = None,
    ) -> None:
        if tls != "none" and ca is None:
            raise ValueError("a TLS server needs the CA that issues its certificate")
        self.tls = tls
        self.users = users
        self.ca = ca
        self.host = host
        self.port = port or free_port(host)
        self.handler = RecordingHandler()
        self._server_context: ssl.SSLContext | None = None
        if ca is not None and tls != "none":
            self._server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ca.issue_cert("localhost", "127.0.0.1").configure_cert(self._server_context)
        self._controller: Controller | None = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        """Listen on ``self.port``; returns once the server answers."""
        if self._controller is not None:
            return
        options: dict[str, Any] = {"server_hostname": "mail.test", "ready_timeout": 5.0}
        if self.tls == "starttls":
            options.update(tls_context=self._server_context, require_starttls=True)
        elif self.tls == "ssl":
            options.update(ssl_context=self._server_context)
        if self.users is not None:
            # aiosmtpd counts only STARTTLS as TLS; an implicit-TLS session is encrypted anyway.
            options.update(
                authenticator=_authenticator(self.users),
                auth_required=True,
                auth_require_tls=self.tls == "starttls",
            )
        # asyncio listens with SO_REUSEADDR, so the same port is free again right after stop().
        controller = Controller(self.handler, hostname=self.host, port=self.port, **options)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        """Stop listening; connections to the port are refused until ``start()``."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts the test CA only, checking names as usual."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if self.ca is not None:
            self.ca.configure_trust(context)
        return context

    def channel(
        self,
        *,
        sender: str = SENDER,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 5.0,
        ssl_context: ssl.SSLContext | None = None,
        host: str | None = None,
    ) -> SmtpChannel:
        """An ``SmtpChannel`` for this server: its TLS mode, the test CA, its login if any."""
        if user is None and self.users:
            user, password = next(iter(self.users.items()))
        return SmtpChannel(
            host or self.host,
            self.port,
            self.tls,
            user,
            password,
            sender,
            timeout=timeout,
            ssl_context=ssl_context or (self.client_context() if self.tls != "none" else None),
        )

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        """Wait until ``count`` messages arrived (for senders that run in the background)."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} messages, got {len(self.received)}")
            time.sleep(0.02)
        return self.received


ServerFactory = Callable[..., SmtpServer]


@pytest.fixture(scope="session")
def smtp_ca() -> trustme.CA:
    """A private CA for the test mail servers' certificates."""
    return trustme.CA()


@pytest.fixture
def smtp_server_factory(smtp_ca: trustme.CA) -> Iterator[ServerFactory]:
    """``make(tls=..., users=..., port=..., start=True)``; all servers stop after the test."""
    made: list[SmtpServer] = []
    lock = threading.Lock()

    def make(
        *,
        tls: Tls = "none",
        users: dict[str, str] | None = None,
        port: int | None = None,
        start: bool = True,
    ) -> SmtpServer:
        server = SmtpServer(tls=tls, users=users, ca=smtp_ca, port=port)
        with lock:
            made.append(server)
        if start:
            server.start()
        return server

    yield make
    for server in made:
        server.stop()


@pytest.fixture
def smtp_server(smtp_server_factory: ServerFactory) -> SmtpServer:
    """Plain SMTP on 127.0.0.1, no TLS, no login."""
    return smtp_server_factory()


@pytest.fixture
def smtp_tls_server(smtp_server_factory: ServerFactory) -> SmtpServer:
    """STARTTLS required (certificate from ``smtp_ca``), then login as SMTP_USER/SMTP_PASSWORD."""
    return smtp_server_factory(tls="starttls", users={SMTP_USER: SMTP_PASSWORD})


@pytest.fixture
def smtp_ssl_server(smtp_server_factory: ServerFactory) -> SmtpServer:
    """Implicit TLS (certificate from ``smtp_ca``), then login as SMTP_USER/SMTP_PASSWORD."""
    return smtp_server_factory(tls="ssl", users={SMTP_USER: SMTP_PASSWORD})
