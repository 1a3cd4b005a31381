"""Channels against real servers: aiosmtpd (plain, STARTTLS, implicit TLS), a folder, HTTP."""

from __future__ import annotations

import email
import email.policy
import json
import ssl
import threading
import time
import unicodedata
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from monitor.alerts.channels import (
    DeliveryError,
    EmlFolderChannel,
    SmtpChannel,
    WebhookChannel,
    build_email,
    channel_for_settings,
)
from monitor.alerts.render import render_alert, render_test
from monitor.alerts.views import Highlight, ItemView, OutgoingMessage, StoryView, TopicView
from monitor.net.client import Fetcher
from monitor.settings import SettingsError
from tests.alerts.smtp import SENDER, SMTP_PASSWORD, SMTP_USER, ServerFactory, SmtpServer, free_port

RECIPIENTS = ("vanhoa@ducpho.example.org", "lanhdao@ducpho.example.org")
TITLE = "Ngư dân Đức Phổ bị tàu lạ xua đuổi gần quần đảo Hoàng Sa"


def message(
    alert_id: int = 42, recipients: tuple[str, ...] = RECIPIENTS, title: str = TITLE
) -> OutgoingMessage:
    start = title.index("Đức Phổ")
    lead = ItemView(
        item_id=1,
        title=title,
        url="https://baoquangngai.vn/ngu-dan-duc-pho-123.htm",
        outlet="Báo Quảng Ngãi",
        foreign=False,
        published_at=datetime(2026, 11, 22, 0, 5, tzinfo=UTC),
        highlights=(Highlight("title", start, start + len("Đức Phổ"), "Đức Phổ"),),
    )
    story = StoryView(
        story_id=7,
        lead=lead,
        item_count=3,
        outlets=("Báo Quảng Ngãi", "VnExpress"),
        severity="urgent",
        reasons=("Nhiều nguồn đưa tin trong 2 giờ",),
        topics=(TopicView("sovereignty", "Chủ quyền", 0.9, ("tàu lạ", "Hoàng Sa")),),
        localities=("Đức Phổ",),
    )
    return render_alert(
        alert_id,
        "alert",
        "vhtt-ducpho",
        "Phòng Văn hóa và Thông tin thị xã Đức Phổ",
        recipients,
        story,
        ack_url="https://monitor.example.org/ack/42/abc",
        sender=SENDER,
    )


def parts(mail: EmailMessage) -> dict[str, str]:
    """content type -> decoded text, line endings normalised."""
    assert mail.get_content_type() == "multipart/alternative"
    found: dict[str, str] = {}
    for part in mail.iter_parts():
        assert isinstance(part, EmailMessage)
        assert part.get_content_charset() == "utf-8"
        found[part.get_content_type()] = part.get_content().replace("\r\n", "\n")
    return found


def assert_same_mail(mail: EmailMessage, sent: OutgoingMessage) -> None:
    assert mail["Subject"] == sent.subject
    assert unicodedata.is_normalized("NFC", str(mail["Subject"]))
    assert mail["Message-ID"] == sent.message_id
    assert [str(a.addr_spec) for a in mail["To"].addresses] == list(sent.recipients)
    for name, value in sent.headers.items():
        assert mail[name] == value
    assert mail["Auto-Submitted"] == "auto-generated"
    bodies = parts(mail)
    assert set(bodies) == {"text/plain", "text/html"}
    assert bodies["text/plain"] == sent.text
    assert bodies["text/html"] == sent.html
    assert "«Đức Phổ»" in bodies["text/plain"]
    assert "<mark>Đức Phổ</mark>" in bodies["text/html"]


# --- build_email ------------------------------------------------------------------------------


def test_build_email_headers_and_parts() -> None:
    sent = message()
    mail = build_email(sent, SENDER, date=datetime(2026, 11, 22, 0, 6, tzinfo=UTC))
    assert mail["From"] == SENDER
    assert mail["Date"] == "Sun, 22 Nov 2026 07:06:00 +0700"
    raw = mail.as_bytes()
    # Headers travel as ASCII (RFC 2047 words), bodies as quoted-printable or base64: no 8bit.
    head, _, _ = raw.partition(b"\r\n\r\n")
    assert head.isascii()
    assert raw.isascii()
    assert b"=?utf-8?" in head
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert_same_mail(parsed, sent)


def test_build_email_without_sender_uses_the_default() -> None:
    mail = build_email(message(), None)
    assert mail["From"].addresses[0].addr_spec == "monitor@media-monitor.local"


# --- SMTP -------------------------------------------------------------------------------------


async def test_email_reaches_the_server(smtp_server: SmtpServer) -> None:
    sent = message()
    receipt = await smtp_server.channel().deliver(sent)
    assert receipt == "smtp 250 2.0.0 Ok: queued as T1"
    [got] = smtp_server.received
    assert got.mail_from == "monitor@ducpho.example.org"
    assert got.rcpt_tos == RECIPIENTS
    assert not got.tls and got.login is None
    assert_same_mail(got.message, sent)


async def test_starttls_and_login_with_the_test_ca(smtp_tls_server: SmtpServer) -> None:
    sent = message()
    receipt = await smtp_tls_server.channel().deliver(sent)
    assert receipt.startswith("smtp 250")
    [got] = smtp_tls_server.received
    assert got.tls
    assert got.login == SMTP_USER
    assert_same_mail(got.message, sent)


async def test_implicit_tls(smtp_ssl_server: SmtpServer) -> None:
    sent = message()
    assert (await smtp_ssl_server.channel().deliver(sent)).startswith("smtp 250")
    [got] = smtp_ssl_server.received
    assert got.tls and got.login == SMTP_USER
    assert_same_mail(got.message, sent)


async def test_wrong_password_is_permanent(smtp_tls_server: SmtpServer) -> None:
    channel = smtp_tls_server.channel(user=SMTP_USER, password="sai")
    with pytest.raises(DeliveryError) as caught:
        await channel.deliver(message())
    assert caught.value.permanent
    assert "535" in caught.value.user_message
    assert "MONITOR_SMTP_PASSWORD" in caught.value.user_message
    assert smtp_tls_server.received == []


async def test_certificate_from_an_unknown_ca_is_refused(smtp_tls_server: SmtpServer) -> None:
    channel = smtp_tls_server.channel(ssl_context=ssl.create_default_context())
    with pytest.raises(DeliveryError) as caught:
        await channel.deliver(message())
    assert caught.value.permanent
    assert "certificate" in caught.value.user_message
    assert smtp_tls_server.received == []


async def test_server_that_requires_starttls_refuses_plain_mail(
    smtp_tls_server: SmtpServer,
) -> None:
    channel = SmtpChannel(
        smtp_tls_server.host, smtp_tls_server.port, "none", None, None, SENDER, timeout=5
    )
    with pytest.raises(DeliveryError) as caught:
        await channel.deliver(message())
    assert caught.value.permanent  # 530 "Must issue a STARTTLS command first"
    assert "530" in caught.value.user_message


async def test_refused_connection_is_transient_and_the_server_can_come_back(
    smtp_server: SmtpServer,
) -> None:
    channel = smtp_server.channel()
    smtp_server.stop()
    with pytest.raises(DeliveryError) as caught:
        await channel.deliver(message())
    assert not caught.value.permanent
    assert f"refused the connection on port {smtp_server.port}" in caught.value.user_message

    smtp_server.start()  # same port: the channel's settings still hold
    assert (await channel.deliver(message())).startswith("smtp 250")
    assert len(smtp_server.received) == 1
    smtp_server.restart()
    assert (await channel.deliver(message())).startswith("smtp 250")
    assert len(smtp_server.received) == 2


async def test_nobody_listening_is_transient() -> None:
    channel = SmtpChannel("127.0.0.1", free_port(), "none", None, None, SENDER, timeout=5)
    with pytest.raises(DeliveryError) as caught:
        await channel.deliver(message())
    assert not caught.value.permanent


async def test_recipient_refused_with_550_is_permanent(smtp_server: SmtpServer) -> None:
    smtp_server.handler.reject_rcpt["ghost@ducpho.example.org"] = "550 5.1.1 No such user"
    with pytest.raises(DeliveryError) as caught:
        await smtp_server.channel().deliver(message(recipients=("ghost@ducpho.example.org",)))
    assert caught.value.permanent
    assert "ghost@ducpho.example.org (550 5.1.1 No such user)" in caught.value.user_message
    assert smtp_server.received == []


async def test_recipient_refused_with_450_is_transient(smtp_server: SmtpServer) -> None:
    smtp_server.handler.reject_rcpt["busy@ducpho.example.org"] = "450 4.2.1 Mailbox busy"
    with pytest.raises(DeliveryError) as caught:
        await smtp_server.channel().deliver(message(recipients=("busy@ducpho.example.org",)))
    assert not caught.value.permanent


async def test_one_refused_recipient_does_not_fail_the_others(smtp_server: SmtpServer) -> None:
    smtp_server.handler.reject_rcpt["ghost@ducpho.example.org"] = "550 5.1.1 No such user"
    receipt = await smtp_server.channel().deliver(
        message(recipients=("vanhoa@ducpho.example.org", "ghost@ducpho.example.org"))
    )
    assert receipt.startswith("smtp 250")
    assert "refused: ghost@ducpho.example.org (550)" in receipt
    [got] = smtp_server.received
    assert got.rcpt_tos == ("vanhoa@ducpho.example.org",)


async def test_temporary_refusal_at_data_is_transient(smtp_server: SmtpServer) -> None:
    smtp_server.handler.data_reply = "451 4.3.0 Try again later"
    with pytest.raises(DeliveryError) as caught:
        await smtp_server.channel().deliver(message())
    assert not caught.value.permanent
    assert "451" in caught.value.user_message


async def test_no_recipients_is_permanent(smtp_server: SmtpServer) -> None:
    with pytest.raises(DeliveryError) as caught:
        await smtp_server.channel().deliver(message(recipients=()))
    assert caught.value.permanent


async def test_servers_side_by_side(smtp_server_factory: ServerFactory) -> None:
    first, second = smtp_server_factory(), smtp_server_factory()
    await second.channel().deliver(render_test(1, "o", "Phòng thử", ["a@example.org"], sender=None))
    assert first.received == [] and len(second.received) == 1
    assert second.received[0].message["Subject"] == "[THỬ] Kiểm tra kênh gửi cảnh báo"


def test_describe_smtp() -> None:
    channel = SmtpChannel("smtp.example.org", 587, "starttls", "canhbao", "hunter2", SENDER)
    assert channel.describe().startswith(
        "Thư gửi qua máy chủ SMTP smtp.example.org:587 (STARTTLS, đăng nhập canhbao)"
    )
    assert "Email through SMTP server smtp.example.org:587" in channel.describe()
    assert "hunter2" not in channel.describe()


# --- settings -----------------------------------------------------------------------------------

SMTP_VARIABLES = [
    "MONITOR_SMTP_HOST",
    "MONITOR_SMTP_PORT",
    "MONITOR_SMTP_USER",
    "MONITOR_SMTP_PASSWORD",
    "MONITOR_SMTP_PASSWORD_FILE",
    "MONITOR_SMTP_FROM",
    "MONITOR_SMTP_TLS",
]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in SMTP_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_without_smtp_host_mail_goes_to_eml_files(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert SmtpChannel.from_settings() is None
    channel = channel_for_settings(tmp_path / "outbox")
    assert isinstance(channel, EmlFolderChannel)
    assert channel.describe().startswith(
        f"Không có MONITOR_SMTP_HOST: thư được ghi thành tệp .eml trong {tmp_path / 'outbox'}"
    )


def test_smtp_from_settings(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("MONITOR_SMTP_HOST", "smtp.example.org")
    clean_env.setenv("MONITOR_SMTP_FROM", SENDER)
    clean_env.setenv("MONITOR_SMTP_USER", SMTP_USER)
    password_file = tmp_path / "password"
    password_file.write_text(SMTP_PASSWORD + "\n")
    clean_env.setenv("MONITOR_SMTP_PASSWORD_FILE", str(password_file))
    channel = channel_for_settings(tmp_path)
    assert isinstance(channel, SmtpChannel)
    assert (channel.host, channel.port, channel.tls) == ("smtp.example.org", 587, "starttls")
    assert (channel.user, channel.password, channel.sender) == (SMTP_USER, SMTP_PASSWORD, SENDER)
    clean_env.setenv("MONITOR_SMTP_TLS", "SSL")
    again = SmtpChannel.from_settings()
    assert again is not None and (again.port, again.tls) == (465, "ssl")


@pytest.mark.parametrize(
    ("variables", "words"),
    [
        ({}, "MONITOR_SMTP_FROM must be set"),
        ({"MONITOR_SMTP_FROM": "nobody"}, "MONITOR_SMTP_FROM is not an email address"),
        ({"MONITOR_SMTP_FROM": SENDER, "MONITOR_SMTP_USER": "u"}, "MONITOR_SMTP_PASSWORD"),
        ({"MONITOR_SMTP_FROM": SENDER, "MONITOR_SMTP_PASSWORD": "p"}, "MONITOR_SMTP_USER"),
    ],
)
def test_smtp_settings_that_cannot_work_are_refused(
    clean_env: pytest.MonkeyPatch, variables: dict[str, str], words: str
) -> None:
    clean_env.setenv("MONITOR_SMTP_HOST", "smtp.example.org")
    for name, value in variables.items():
        clean_env.setenv(name, value)
    with pytest.raises(SettingsError, match=words):
        SmtpChannel.from_settings()


# --- .eml files ---------------------------------------------------------------------------------


async def test_eml_file_parses_back_to_the_same_message(tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    channel = EmlFolderChannel(folder, sender=SENDER)
    sent = message()
    receipt = await channel.deliver(sent)
    assert receipt == str(folder / "42-alert.eml")
    raw = Path(receipt).read_bytes()
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    assert mail["From"] == SENDER
    assert_same_mail(mail, sent)


async def test_eml_rewrite_replaces_the_file(tmp_path: Path) -> None:
    channel = EmlFolderChannel(tmp_path)
    await channel.deliver(message(title="Bản tin đầu tiên về Đức Phổ"))
    path = Path(await channel.deliver(message(title="Bản tin đã sửa về Đức Phổ")))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["42-alert.eml"]  # no temporary left
    mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert "Bản tin đã sửa về Đức Phổ" in str(mail["Subject"])


async def test_eml_folder_that_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.raises(DeliveryError) as caught:
        await EmlFolderChannel(blocker / "outbox").deliver(message())
    assert "cannot write" in caught.value.user_message


# --- webhooks -----------------------------------------------------------------------------------


@dataclass
class Posted:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookServer:
    url: str
    posts: list[Posted] = field(default_factory=list)
    # path -> (status, headers, delay in seconds)
    answers: dict[str, tuple[int, dict[str, str], float]] = field(default_factory=dict)


@contextmanager
def webhook_server() -> Iterator[WebhookServer]:
    """An HTTP server on 127.0.0.1 that records POSTs and answers 204 unless told otherwise."""
    state = WebhookServer(url="")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            state.posts.append(
                Posted(self.path, dict(self.headers.items()), self.rfile.read(length))
            )
            status, headers, delay = state.answers.get(self.path, (204, {}, 0.0))
            time.sleep(delay)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: object, client_address: object) -> None:
            pass  # the deadline test hangs up on purpose

    httpd = Server(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def hook() -> Iterator[WebhookServer]:
    with webhook_server() as server:
        yield server


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(politeness_delay=0.0, deadline=5.0) as f:
        yield f


async def test_webhook_posts_the_json_payload(hook: WebhookServer, fetcher: Fetcher) -> None:
    sent = message()
    channel = WebhookChannel(f"{hook.url}/hook/s3cret", fetcher, allow_private=True)
    assert await channel.deliver(sent) == "webhook 204"
    [post] = hook.posts
    assert post.path == "/hook/s3cret"
    assert post.headers["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(post.body.decode("utf-8")) == sent.payload
    assert "Ngư dân Đức Phổ" in post.body.decode("utf-8")  # UTF-8, not \u escapes
    assert "s3cret" not in channel.describe()


async def test_webhook_to_a_private_address_is_refused_by_default(
    hook: WebhookServer, fetcher: Fetcher
) -> None:
    channel = WebhookChannel(f"{hook.url}/hook", fetcher)
    with pytest.raises(DeliveryError) as caught:
        await channel.deliver(message())
    assert caught.value.permanent
    assert "refused" in caught.value.user_message
    assert hook.posts == []


@pytest.mark.parametrize(
    ("status", "headers", "permanent", "retry_after"),
    [
        (400, {}, True, None),
        (410, {}, True, None),
        (500, {}, False, None),
        (429, {"Retry-After": "30"}, False, 30.0),
        (302, {"Location": "http://127.0.0.1:1/elsewhere"}, True, None),
    ],
)
async def test_webhook_failures(
    hook: WebhookServer,
    fetcher: Fetcher,
    status: int,
    headers: dict[str, str],
    permanent: bool,
    retry_after: float | None,
) -> None:
    hook.answers["/hook"] = (status, headers, 0.0)
    channel = WebhookChannel(f"{hook.url}/hook", fetcher, allow_private=True)
    with pytest.raises(DeliveryError) as caught:
        await channel.deliver(message())
    assert caught.value.permanent is permanent
    assert caught.value.retry_after == retry_after
    assert f"answered {status}" in caught.value.user_message
    assert [post.path for post in hook.posts] == ["/hook"]  # a redirect is not followed


async def test_webhook_deadline(hook: WebhookServer, fetcher: Fetcher) -> None:
    hook.answers["/slow"] = (204, {}, 2.0)
    channel = WebhookChannel(f"{hook.url}/slow", fetcher, allow_private=True, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(DeliveryError) as caught:
        await channel.deliver(message())
    assert time.monotonic() - started < 1.5
    assert not caught.value.permanent
    assert "within 0.3 s" in caught.value.user_message


async def test_webhook_nobody_listening_is_transient(fetcher: Fetcher) -> None:
    channel = WebhookChannel(f"http://127.0.0.1:{free_port()}/hook", fetcher, allow_private=True)
    with pytest.raises(DeliveryError) as caught:
        await channel.deliver(replace(message(), payload={}))
    assert not caught.value.permanent
