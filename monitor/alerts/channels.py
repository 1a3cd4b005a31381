"""Delivery channels: an SMTP server, a folder of .eml files, a webhook.

One interface for all: ``async def deliver(message) -> str`` returns a short receipt ("smtp 250
2.0.0 Ok: queued as 4F1A", the .eml path, "webhook 204") or raises ``DeliveryError``; and
``describe()`` says in one line, Vietnamese then English, where messages go (for the start-up log
and the "send a test alert" page). It is async because the webhook goes through the guarded
``Fetcher``, which is; SMTP runs the blocking ``smtplib`` in a worker thread and the .eml writer
its file I/O, so neither blocks the event loop. A synchronous caller delivers one message with
``asyncio.run(channel.deliver(message))``.

``DeliveryError.permanent`` says whether trying the same message again can help without someone
changing something: a 5xx refusal from the mail server (unknown recipient, wrong password), a
webhook's 4xx, a blocked webhook address or an invalid certificate are permanent; no connection,
a timeout, a 4xx from the mail server (greylisting, mailbox busy) or a webhook's 5xx/429 are not.

An email carries ``OutgoingMessage.message_id`` as its Message-ID, so a resend after a crash can be
recognised as the same mail by the receiving side.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.policy
import email.utils
import os
import smtplib
import socket
import ssl
import tempfile
from datetime import UTC, datetime
from email.header import Header
from email.headerregistry import BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, cast
from urllib.parse import urlsplit

from monitor import settings
from monitor.alerts.render import DEFAULT_DOMAIN
from monitor.alerts.views import OutgoingMessage
from monitor.net.client import Fetcher
from monitor.net.errors import FetchError
from monitor.settings import SettingsError
from monitor.timefmt import LOCAL_ZONE

if TYPE_CHECKING:
    from typing_extensions import Buffer

SmtpTls = Literal["none", "starttls", "ssl"]

DEFAULT_SENDER = f"Media Monitor <monitor@{DEFAULT_DOMAIN}>"


class _EncodedSubject(UnstructuredHeader, BaseHeader):
    """A Subject folded by the older ``email.header`` encoder, which keeps every space.

    The policy folder of Python 3.11 (CPython gh-92081, fixed in 3.12.5 and 3.13, whose fix
    needed another in 2026, gh-144156) can write the space between two words as the folding
    whitespace between two encoded-words, which RFC 2047 tells mail clients to ignore: "ở Đức
    Phổ là sai sự thật" arrived as "ở Đức Phổlà sai sự thật", in about one long Vietnamese
    subject in five. The older encoder writes the spaces inside the encoded-words.
    """

    def fold(self, *, policy: email.policy.Policy) -> str:
        value = str(self)
        if value.isascii():
            return super().fold(policy=policy)
        encoded = Header(
            value, "utf-8", maxlinelen=policy.max_line_length, header_name=self.name
        ).encode(linesep=policy.linesep)
        return f"{self.name}: {encoded}{policy.linesep}"


_HEADERS = HeaderRegistry()
_HEADERS.map_to_type("subject", _EncodedSubject)
# Content-Transfer-Encoding picked from 7bit, quoted-printable and base64 only: an 8bit body needs
# 8BITMIME from every relay on the way, which old intranet relays do not always offer.
MAIL_POLICY = email.policy.SMTP.clone(cte_type="7bit", header_factory=_HEADERS)
_TLS_WORDS: dict[SmtpTls, tuple[str, str]] = {
    "none": ("không mã hóa", "unencrypted"),
    "starttls": ("STARTTLS", "STARTTLS"),
    "ssl": ("TLS trực tiếp", "implicit TLS"),
}


class DeliveryError(Exception):
    """A message that did not reach its channel; ``user_message`` says why in plain words.

    ``permanent`` marks failures that retrying will not fix until someone changes a setting or an
    address; ``retry_after`` is the delay in seconds the receiving side asked for, if any.
    """

    def __init__(
        self, message: str, permanent: bool = False, *, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.user_message = message
        self.permanent = permanent
        self.retry_after = retry_after


class Channel(Protocol):
    """What the dispatcher needs from a channel."""

    async def deliver(self, message: OutgoingMessage) -> str: ...

    def describe(self) -> str: ...


def build_email(
    message: OutgoingMessage, sender: str | None, *, date: datetime | None = None
) -> EmailMessage:
    """Return ``message`` as an email: text and HTML alternatives in UTF-8, stable Message-ID.

    ``date`` (default: now) is written in Vietnam time. Raises ``ValueError`` for a header value
    with a line break or an address that cannot be written.
    """
    mail = EmailMessage(policy=MAIL_POLICY)
    mail["From"] = sender or DEFAULT_SENDER
    if message.recipients:
        mail["To"] = ", ".join(message.recipients)
    mail["Subject"] = message.subject
    mail["Date"] = email.utils.format_datetime((date or datetime.now(UTC)).astimezone(LOCAL_ZONE))
    mail["Message-ID"] = message.message_id
    # RFC 3834: tells out-of-office responders and mailing lists not to answer or loop.
    mail["Auto-Submitted"] = "auto-generated"
    for name, value in message.headers.items():
        del mail[name]
        mail[name] = value
    mail.set_content(message.text, subtype="plain", charset="utf-8")
    mail.add_alternative(message.html, subtype="html", charset="utf-8")
    return mail


# ---------------------------------------------------------------------------------------------
# SMTP.
# ---------------------------------------------------------------------------------------------


class _SMTP(smtplib.SMTP):
    """``smtplib.SMTP`` that keeps the server's answer to DATA (it carries the queue id)."""

    data_reply: tuple[int, bytes] | None = None

    def data(self, msg: Buffer | str) -> tuple[int, bytes]:
        reply = super().data(msg)
        self.data_reply = reply
        return reply


class _SMTP_SSL(_SMTP, smtplib.SMTP_SSL):
    """``smtplib.SMTP_SSL`` that keeps the server's answer to DATA."""


class SmtpChannel:
    """Email through a mail server, with STARTTLS or implicit TLS and an optional login."""

    def __init__(
        self,
        host: str,
        port: int,
        tls: SmtpTls,
        user: str | None,
        password: str | None,
        sender: str,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if tls not in _TLS_WORDS:
            raise ValueError(f"tls must be one of {', '.join(_TLS_WORDS)} (got {tls!r})")
        self.host = host
        self.port = port
        self.tls = tls
        self.user = user
        self.password = password
        self.sender = sender
        self.timeout = timeout
        self.ssl_context = ssl_context

    @classmethod
    def from_settings(cls) -> SmtpChannel | None:
        """Return the channel MONITOR_SMTP_* describe, or None when MONITOR_SMTP_HOST is unset.

        Raises ``SettingsError`` for settings that cannot work together.
        """
        host = settings.get("MONITOR_SMTP_HOST")
        if host is None:
            return None
        tls = cast(SmtpTls, settings.get("MONITOR_SMTP_TLS") or "starttls")
        user = settings.get("MONITOR_SMTP_USER")
        password = settings.get("MONITOR_SMTP_PASSWORD")
        if user is not None and password is None:
            raise SettingsError(
                "MONITOR_SMTP_USER is set but MONITOR_SMTP_PASSWORD (or "
                "MONITOR_SMTP_PASSWORD_FILE) is not"
            )
        if password is not None and user is None:
            raise SettingsError("MONITOR_SMTP_PASSWORD is set but MONITOR_SMTP_USER is not")
        sender = settings.get("MONITOR_SMTP_FROM")
        if sender is None:
            if user is None or "@" not in user:
                raise SettingsError(
                    "MONITOR_SMTP_FROM must be set when MONITOR_SMTP_HOST is: "
                    "the sender address of alert emails"
                )
            sender = user
        if "@" not in email.utils.parseaddr(sender)[1]:
            raise SettingsError(f"MONITOR_SMTP_FROM is not an email address (got {sender!r})")
        return cls(host, settings.smtp_port(), tls, user, password, sender)

    def describe(self) -> str:
        vi_tls, en_tls = _TLS_WORDS[self.tls]
        vi_login = f", đăng nhập {self.user}" if self.user else ""
        en_login = f", login {self.user}" if self.user else ""
        where = f"{self.host}:{self.port}"
        return (
            f"Thư gửi qua máy chủ SMTP {where} ({vi_tls}{vi_login}), người gửi {self.sender} · "
            f"Email through SMTP server {where} ({en_tls}{en_login}), from {self.sender}"
        )

    async def deliver(self, message: OutgoingMessage) -> str:
        """Send ``message`` to all its recipients; return "smtp 250 <server's words>"."""
        return await asyncio.to_thread(self._send, message)

    def _send(self, message: OutgoingMessage) -> str:
        if not message.recipients:
            raise DeliveryError("the message has no recipients", permanent=True)
        try:
            mail = build_email(message, self.sender)
        except ValueError as exc:
            raise DeliveryError(f"the message cannot be written as email: {exc}", True) from exc
        envelope_from = email.utils.parseaddr(self.sender)[1]
        try:
            with self._connect() as smtp:
                smtp.ehlo()
                if self.tls == "starttls":
                    smtp.starttls(context=self._context())
                    smtp.ehlo()
                if self.user:
                    smtp.login(self.user, self.password or "")
                refused = smtp.send_message(
                    mail, from_addr=envelope_from, to_addrs=list(message.recipients)
                )
                code, words = smtp.data_reply or (250, b"")
        except (smtplib.SMTPException, OSError, UnicodeError) as exc:
            raise self._error(exc) from exc
        receipt = f"smtp {code} {words.decode('utf-8', 'replace')}".strip()[:120]
        if refused:
            # Some recipients got it: failing now would resend to them. Say who did not.
            lost = ", ".join(f"{a} ({c})" for a, (c, _) in refused.items())
            receipt += f"; refused: {lost}"
        return receipt

    def _connect(self) -> _SMTP:
        if self.tls == "ssl":
            return _SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self._context())
        return _SMTP(self.host, self.port, timeout=self.timeout)

    def _context(self) -> ssl.SSLContext:
        return self.ssl_context or ssl.create_default_context()

    def _error(self, exc: BaseException) -> DeliveryError:
        """Say what went wrong with the mail server, and whether trying again can help."""
        where = f"{self.host}:{self.port}"
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            codes = [code for code, _ in exc.recipients.values()]
            who = ", ".join(
                f"{address} ({code} {_words(text)})"
                for address, (code, text) in exc.recipients.items()
            )
            return DeliveryError(
                f"the mail server {where} refused every recipient: {who}",
                permanent=bool(codes) and all(code >= 500 for code in codes),
            )
        if isinstance(exc, smtplib.SMTPSenderRefused):
            return DeliveryError(
                f"the mail server {where} refused the sender {exc.sender} "
                f"({exc.smtp_code} {_words(exc.smtp_error)}); check MONITOR_SMTP_FROM",
                permanent=exc.smtp_code >= 500,
            )
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return DeliveryError(
                f"the mail server {where} refused the login of {self.user} "
                f"({exc.smtp_code} {_words(exc.smtp_error)}); check MONITOR_SMTP_USER and "
                "MONITOR_SMTP_PASSWORD",
                permanent=exc.smtp_code >= 500,
            )
        if isinstance(exc, smtplib.SMTPResponseException):
            return DeliveryError(
                f"the mail server {where} answered {exc.smtp_code} {_words(exc.smtp_error)}",
                permanent=exc.smtp_code >= 500,
            )
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            return DeliveryError(
                f"the mail server {where} cannot do what we asked ({exc}); check "
                "MONITOR_SMTP_TLS and MONITOR_SMTP_USER",
                permanent=True,
            )
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            return DeliveryError(f"the mail server {where} closed the connection ({exc})")
        if isinstance(exc, ssl.SSLCertVerificationError):
            return DeliveryError(
                f"the TLS certificate of {self.host} is not valid ({exc.verify_message})",
                permanent=True,
            )
        if isinstance(exc, ssl.SSLError):
            return DeliveryError(
                f"TLS with {where} failed ({exc.reason or exc}); check MONITOR_SMTP_TLS and "
                "MONITOR_SMTP_PORT"
            )
        if isinstance(exc, ConnectionRefusedError):
            return DeliveryError(
                f"{self.host} refused the connection on port {self.port} "
                "(no mail server there, or it is down)"
            )
        if isinstance(exc, TimeoutError):
            return DeliveryError(
                f"no answer from the mail server {where} within {self.timeout:g} s"
            )
        if isinstance(exc, socket.gaierror):
            return DeliveryError(f"cannot resolve the mail server's name {self.host} ({exc})")
        if isinstance(exc, UnicodeError):
            # smtplib sends logins and plain addresses as ASCII only.
            return DeliveryError(
                f"cannot send through {where}: a user name, password or address has characters "
                f"the mail protocol cannot carry here ({exc})",
                permanent=True,
            )
        if isinstance(exc, OSError):
            return DeliveryError(f"cannot talk to the mail server {where}: {exc.strerror or exc}")
        return DeliveryError(f"sending through {where} failed ({type(exc).__name__}: {exc})")


def _words(text: bytes | str) -> str:
    decoded = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return " ".join(decoded.split())


# ---------------------------------------------------------------------------------------------
# .eml files.
# ---------------------------------------------------------------------------------------------


class EmlFolderChannel:
    """Write each message as ``<folder>/<alert id>-<kind>.eml``: the mail that would be sent.

    The fallback when no mail server is set; any mail client opens the files. Writing is atomic
    (a temporary file, then a rename), and writing the same alert again replaces its file.
    """

    def __init__(self, folder: Path, sender: str | None = None) -> None:
        self.folder = Path(folder)
        self.sender = sender

    def describe(self) -> str:
        return (
            f"Không có MONITOR_SMTP_HOST: thư được ghi thành tệp .eml trong {self.folder} · "
            f"No MONITOR_SMTP_HOST: emails are written as .eml files in {self.folder}"
        )

    def path_for(self, message: OutgoingMessage) -> Path:
        return self.folder / f"{message.alert_id}-{message.kind}.eml"

    async def deliver(self, message: OutgoingMessage) -> str:
        """Write ``message``; return the path of its file."""
        return await asyncio.to_thread(self._write, message)

    def _write(self, message: OutgoingMessage) -> str:
        try:
            data = build_email(message, self.sender).as_bytes()
        except ValueError as exc:
            raise DeliveryError(f"the message cannot be written as email: {exc}", True) from exc
        path = self.path_for(message)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _write_atomically(path, data)
        except OSError as exc:
            raise DeliveryError(
                f"cannot write {path} ({exc.strerror or exc})",
                permanent=isinstance(exc, PermissionError),
            ) from exc
        return str(path)


def _write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that readers see the old file or the new, never half."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    # The rename is durable only once the folder itself is on disk.
    with contextlib.suppress(OSError):
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


# ---------------------------------------------------------------------------------------------
# Webhooks.
# ---------------------------------------------------------------------------------------------


class WebhookChannel:
    """POST ``OutgoingMessage.payload`` as JSON through the guarded ``Fetcher``.

    Private and loopback addresses are refused unless ``allow_private`` (an intranet endpoint).
    """

    def __init__(
        self, url: str, fetcher: Fetcher, allow_private: bool = False, timeout: float = 15.0
    ) -> None:
        self.url = url
        self.fetcher = fetcher
        self.allow_private = allow_private
        self.timeout = timeout

    def describe(self) -> str:
        # Only the origin: webhook paths often carry a secret token.
        origin = _origin(self.url)
        return f"Webhook: gửi JSON đến {origin} · Webhook: JSON POSTed to {origin}"

    async def deliver(self, message: OutgoingMessage) -> str:
        """POST the message's payload; return "webhook <status>"."""
        payload = message.payload or {
            "alert_id": message.alert_id,
            "kind": message.kind,
            "subject": message.subject,
            "text": message.text,
        }
        try:
            status = await self.fetcher.post_json(
                self.url, payload, allow_private=self.allow_private, timeout=self.timeout
            )
        except FetchError as exc:
            raise DeliveryError(
                f"webhook {_origin(self.url)}: {exc.user_message}",
                permanent=exc.permanent,
                retry_after=exc.retry_after,
            ) from exc
        return f"webhook {status}"


def _origin(url: str) -> str:
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(invalid address)"
    return f"{parts.scheme}://{host}{port}"


def channel_for_settings(outbox_folder: Path) -> SmtpChannel | EmlFolderChannel:
    """Return the SMTP channel if MONITOR_SMTP_HOST is set, else .eml files in ``outbox_folder``."""
    return SmtpChannel.from_settings() or EmlFolderChannel(
        outbox_folder, sender=settings.get("MONITOR_SMTP_FROM")
    )
