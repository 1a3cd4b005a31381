"""The page an acknowledgement link opens: a real server, the link taken from a real email.

Opening the link must not acknowledge (mail gateways open every link); the button does, and
a forged link is refused.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor.storage.db import transaction
from monitor.storage.models import Alert
from monitor.web.app import create_app
from monitor.web.server import bind, make_server, parse_listen
from tests.alerts.flagged import ack_link, at, make_dispatcher, rows, setup_sources, text_of
from tests.alerts.smtp import SmtpServer
from tests.alerts.test_escalation import FLAGGED, POLICE, config_of, flag_urgent, run_escalation

ACKED = FLAGGED + timedelta(minutes=7)


@pytest.fixture
async def web(sqlite_factory: sessionmaker[Session], tmp_path: Path) -> AsyncIterator[str]:
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = make_server(create_app(sqlite_factory, tmp_path, clock=at(ACKED)), "127.0.0.1", port)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await serving


async def test_the_emailed_link_opens_a_page_and_only_its_button_acknowledges(
    sqlite_factory: sessionmaker[Session],
    smtp_server: SmtpServer,
    tmp_path: Path,
    web: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MONITOR_PUBLIC_URL", web)
    config = config_of(POLICE)
    setup_sources(sqlite_factory, config)
    alert_id = flag_urgent(sqlite_factory, config)
    await make_dispatcher(
        sqlite_factory, config, smtp_server.channel(), tmp_path, at(FLAGGED)
    ).run_once()
    (received,) = smtp_server.received
    linked_id, given = ack_link(received)
    link = f"{web}/ack/{linked_id}/{given}"
    assert link in text_of(received)

    async with httpx.AsyncClient() as client:
        page = await client.get(link)  # what a mail gateway's scanner does
        assert page.status_code == 200
        assert "Xác nhận đã nhận" in page.text and '<form method="post">' in page.text
        assert "Tàu cá Đức Phổ" in page.text  # what is being acknowledged
        (alert,) = rows(sqlite_factory, Alert.id == alert_id)
        assert alert.acked_at is None

        done = await client.post(link)
        assert done.status_code == 200
        assert "Đã xác nhận" in done.text and "giờ Việt Nam" in done.text
        (alert,) = rows(sqlite_factory, Alert.id == alert_id)
        assert alert.acked_at == ACKED

        again = await client.get(link)
        assert "Đã xác nhận trước đó" in again.text
    assert run_escalation(sqlite_factory, config, FLAGGED + timedelta(hours=2)) == []


@pytest.mark.parametrize(
    "path",
    [
        "/ack/1/" + "0" * 32,
        "/ack/abc/" + "0" * 32,
        "/ack/999999/whatever",
        "/ack/1/%C3%A9",  # not ASCII
        "/ack/" + "9" * 40 + "/" + "0" * 32,  # an id no database holds
        "/ack/%D9%A3/" + "0" * 32,  # an Arabic-Indic digit
    ],
)
async def test_a_forged_or_unknown_link_is_refused_and_changes_nothing(
    sqlite_factory: sessionmaker[Session], web: str, path: str
) -> None:
    with transaction(sqlite_factory) as session:
        session.add(Alert(kind="alert", office_id="congan", severity="urgent", status="sent"))
    async with httpx.AsyncClient() as client:
        for method in ("GET", "POST"):
            response = await client.request(method, web + path)
            assert response.status_code == 403
            assert "Không xác nhận được" in response.text
    assert all(a.acked_at is None for a in rows(sqlite_factory))


@pytest.mark.parametrize(
    ("value", "expected"),
    [("127.0.0.1:8080", ("127.0.0.1", 8080)), (":9000", ("127.0.0.1", 9000)), ("off", None)],
)
def test_the_listen_setting_is_host_and_port_or_off(
    value: str, expected: tuple[str, int] | None
) -> None:
    assert parse_listen(value) == expected


@pytest.mark.parametrize("value", ["8080", "localhost:", "host:99999", "host:http"])
def test_a_wrong_listen_setting_says_what_is_expected(value: str) -> None:
    with pytest.raises(ValueError, match="HOST:PORT or off"):
        parse_listen(value)


def test_a_taken_port_is_a_clear_error() -> None:
    taken = bind("127.0.0.1", 0)
    try:
        with pytest.raises(OSError, match="MONITOR_WEB_LISTEN"):
            bind("127.0.0.1", taken.getsockname()[1])
    finally:
        taken.close()
