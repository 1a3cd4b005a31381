"""Escalation: an urgent alert nobody acknowledged in time goes to the office's escalation
address, once; the signed link in the email acknowledges it, and only a genuine link does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts.ack import ack_url, acknowledge, secret_key, token, verify
from monitor.alerts.dispatch import Dispatcher
from monitor.alerts.jobs import escalate
from monitor.cli import cli
from monitor.config.models import Config, Office
from monitor.storage.db import make_engine, make_sessionmaker, transaction
from monitor.storage.migrate import upgrade
from monitor.storage.models import Alert
from tests.alerts.flagged import (
    DUCPHO,
    FOREIGN,
    LOCAL,
    SOURCES,
    ack_link,
    at,
    flag,
    kinds,
    make_dispatcher,
    office,
    rows,
    setup_sources,
    text_of,
)
from tests.alerts.smtp import SmtpServer

FLAGGED = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)  # 09:00 in Vietnam
POLICE = office(
    "congan",
    name="Công an phường Đức Phổ",
    emails=("tructhongtin@congan-ducpho.example.org",),
    escalation_email="truc-ban@congan-ducpho.example.org",
)


@pytest.fixture(autouse=True)
def no_configured_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Links are signed with the key kept in the test's data folder, not one from the shell."""
    monkeypatch.delenv("MONITOR_SECRET_KEY", raising=False)
    monkeypatch.delenv("MONITOR_PUBLIC_URL", raising=False)


def config_of(*offices: Office) -> Config:
    return Config(path="<test>", localities=(DUCPHO,), sources=SOURCES, offices=offices)


def flag_urgent(factory: sessionmaker[Session], config: Config, when: datetime = FLAGGED) -> int:
    """A sure sovereignty call in the foreign press: urgent, sent at once to every office."""
    story = flag(
        factory,
        config,
        "tau-ca",
        when,
        topics=["sovereignty"],
        scores={"sovereignty": 0.95},
        source=FOREIGN,
    )
    alerts = rows(factory, Alert.story_id == story, Alert.kind == "alert")
    assert {(a.severity, a.status) for a in alerts} == {("urgent", "pending")}
    return alerts[-1].id  # the alert of the last office configured


def run_escalation(factory: sessionmaker[Session], config: Config, now: datetime) -> list[Alert]:
    with transaction(factory) as session:
        return escalate(session, config, now)


async def send_urgent(
    factory: sessionmaker[Session], smtp_server: SmtpServer, tmp_path: Path
) -> tuple[Config, int, Dispatcher]:
    """An urgent alert to the police, sent at FLAGGED: ``(config, alert id, dispatcher)``."""
    config = config_of(POLICE)
    setup_sources(factory, config)
    alert_id = flag_urgent(factory, config)
    d = make_dispatcher(factory, config, smtp_server.channel(), tmp_path, at(FLAGGED))
    assert (await d.run_once()).sent == 1
    return config, alert_id, d


async def test_an_unacknowledged_urgent_alert_goes_to_the_escalation_address_once(
    factory: sessionmaker[Session], smtp_server: SmtpServer, tmp_path: Path
) -> None:
    """The escalation job runs every minute; the superior must get one message per alert."""
    config, alert_id, d = await send_urgent(factory, smtp_server, tmp_path)
    assert POLICE.escalate_after_minutes == 30
    assert run_escalation(factory, config, FLAGGED + timedelta(minutes=29)) == []
    made = run_escalation(factory, config, FLAGGED + timedelta(minutes=30))
    assert [(e.kind, e.parent_id, e.recipients) for e in made] == [
        ("escalation", alert_id, ["truc-ban@congan-ducpho.example.org"])
    ]
    for later in (31, 45, 120, 24 * 60):
        assert run_escalation(factory, config, FLAGGED + timedelta(minutes=later)) == []
    assert len(rows(factory, Alert.kind == "escalation")) == 1
    (original,) = rows(factory, Alert.id == alert_id)
    assert original.escalated_at == FLAGGED + timedelta(minutes=30)

    d.clock = at(FLAGGED + timedelta(minutes=31))
    assert (await d.run_once()).sent == 1
    first, second = smtp_server.received
    assert first.rcpt_tos == ("tructhongtin@congan-ducpho.example.org",)
    assert second.rcpt_tos == ("truc-ban@congan-ducpho.example.org",)
    assert second.message["X-Monitor-Kind"] == "escalation"
    assert str(second.message["Subject"]).startswith("[CHUYỂN CẤP] [KHẨN] ")
    assert "xua đuổi ở Hoàng Sa" in str(second.message["Subject"])
    assert second.message["Message-ID"] != first.message["Message-ID"]
    assert "chưa được xác nhận trong thời hạn" in text_of(second)
    # The superior's link acknowledges the original alert, the one nobody answered.
    assert ack_link(second) == ack_link(first)
    assert ack_link(first)[0] == alert_id


async def test_an_alert_acknowledged_through_its_email_link_is_not_escalated(
    factory: sessionmaker[Session], smtp_server: SmtpServer, tmp_path: Path
) -> None:
    """The link in the message is the acknowledgement: verified, it stops the escalation."""
    config, alert_id, _ = await send_urgent(factory, smtp_server, tmp_path)
    (received,) = smtp_server.received
    linked_id, given = ack_link(received)
    assert linked_id == alert_id
    assert verify(linked_id, given, secret_key(tmp_path))
    with transaction(factory) as session:
        assert acknowledge(session, linked_id, FLAGGED + timedelta(minutes=12))
    assert run_escalation(factory, config, FLAGGED + timedelta(minutes=30)) == []
    assert run_escalation(factory, config, FLAGGED + timedelta(hours=5)) == []
    (alert,) = rows(factory, Alert.id == alert_id)
    assert alert.acked_at == FLAGGED + timedelta(minutes=12) and alert.escalated_at is None


async def test_the_escalation_clock_starts_when_the_alert_was_sent(
    sqlite_factory: sessionmaker[Session], smtp_server: SmtpServer, tmp_path: Path
) -> None:
    """An alert held up by a mail outage was not seen by anyone yet: the office gets its full
    escalate_after from the moment it was delivered, and nothing escalates while unsent."""
    hourly = office("congan", escalation_email="truc-ban@example.org", escalate_after_minutes=60)
    config = config_of(hourly)
    setup_sources(sqlite_factory, config)
    flag_urgent(sqlite_factory, config)
    smtp_server.stop()
    d = make_dispatcher(sqlite_factory, config, smtp_server.channel(), tmp_path, at(FLAGGED))
    assert (await d.run_once()).retried == 1
    assert run_escalation(sqlite_factory, config, FLAGGED + timedelta(minutes=90)) == []
    smtp_server.start()
    delivered = FLAGGED + timedelta(minutes=90)
    d.clock = at(delivered)
    assert (await d.run_once()).sent == 1
    assert run_escalation(sqlite_factory, config, delivered + timedelta(minutes=59)) == []
    assert len(run_escalation(sqlite_factory, config, delivered + timedelta(minutes=60))) == 1


def test_normal_alerts_and_offices_without_an_escalation_address_never_escalate(
    sqlite_factory: sessionmaker[Session],
) -> None:
    """Escalation is for urgent news only, and only where someone above is named."""
    alone = office("vhtt", min_severity="normal")  # no escalation_email
    watched = office("congan", min_severity="normal", escalation_email="truc-ban@example.org")
    config = config_of(alone, watched)
    setup_sources(sqlite_factory, config)
    flag(sqlite_factory, config, "sap-cau", FLAGGED, topics=["distortion"], source=LOCAL)
    flag_urgent(sqlite_factory, config)
    with transaction(sqlite_factory) as session:
        for row in session.query(Alert):
            row.status, row.sent_at = "sent", FLAGGED
    made = run_escalation(sqlite_factory, config, FLAGGED + timedelta(hours=3))
    assert [(e.office_id, e.severity) for e in made] == [("congan", "urgent")]
    (about,) = rows(sqlite_factory, Alert.id == made[0].parent_id)
    assert about.severity == "urgent"


def test_acknowledging_the_escalation_acknowledges_the_alert_it_is_about(
    sqlite_factory: sessionmaker[Session],
) -> None:
    """Whoever answers, the original and its escalation are both settled."""
    config = config_of(POLICE)
    setup_sources(sqlite_factory, config)
    alert_id = flag_urgent(sqlite_factory, config)
    with transaction(sqlite_factory) as session:
        row = session.get(Alert, alert_id)
        assert row is not None
        row.status, row.sent_at = "sent", FLAGGED
    (made,) = run_escalation(sqlite_factory, config, FLAGGED + timedelta(minutes=30))
    acked = FLAGGED + timedelta(minutes=40)
    with transaction(sqlite_factory) as session:
        assert acknowledge(session, made.id, acked)
        assert not acknowledge(session, 999_999, acked)  # unknown: said so, nothing changed
    assert {a.id: a.acked_at for a in rows(sqlite_factory)} == {alert_id: acked, made.id: acked}


# --- the signed link --------------------------------------------------------------------------


def test_a_token_is_valid_only_for_its_own_alert_and_key(tmp_path: Path) -> None:
    """The link needs no login, so it must not be guessable or reusable for another alert."""
    key = secret_key(tmp_path)
    assert secret_key(tmp_path) == key  # kept in the data folder: links survive a restart
    genuine = token(42, key)
    assert verify(42, genuine, key)
    assert ack_url(42, key) == f"http://localhost:8080/ack/42/{genuine}"
    assert not verify(43, genuine, key)  # another alert's link
    assert not verify(42, token(42, b"another installation's key"), key)
    assert not verify(42, genuine[:-1] + ("0" if genuine[-1] != "0" else "1"), key)
    assert not verify(42, genuine[:16], key)
    assert not verify(42, "", key)


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """`monitor` against a database and data folder of this test; yields the config file."""
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    monkeypatch.setenv("MONITOR_DATABASE_URL", url)
    monkeypatch.setenv("MONITOR_DATA_DIR", str(tmp_path))
    path = tmp_path / "sources.yaml"
    path.write_text(
        "localities:\n"
        "  - {id: ducpho, name: Đức Phổ, province: Quảng Ngãi}\n"
        "offices:\n"
        "  - id: congan\n"
        "    name: Công an phường Đức Phổ\n"
        "    emails: [tructhongtin@congan-ducpho.example.org]\n"
        "    topics: [sovereignty]\n"
        "    escalation_email: truc-ban@congan-ducpho.example.org\n",
        encoding="utf-8",
    )
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield path


async def test_the_ack_command_refuses_a_forged_link_and_accepts_the_emailed_one(
    cli_env: Path, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    """A refused token leaves the alert unacknowledged; the token from the email, signed with
    the key the service keeps in its data folder, acknowledges it and stops the escalation."""
    engine = make_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
    factory = make_sessionmaker(engine)
    config, alert_id, _ = await send_urgent(factory, smtp_server, tmp_path)
    (received,) = smtp_server.received
    linked_id, genuine = ack_link(received)

    def ack(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, ["--config", str(cli_env), "alerts", "ack", *args])
        return result.exit_code, result.output

    forged = token(alert_id, b"guessed key")
    code, output = ack(str(alert_id), forged)
    assert code == 2 and "the token does not match this alert" in output
    code, output = ack(str(alert_id + 1), genuine)  # a genuine token, moved to another id
    assert code == 2 and "the token does not match this alert" in output
    (alert,) = rows(factory, Alert.id == alert_id)
    assert alert.acked_at is None

    code, output = ack(str(linked_id), genuine)
    assert code == 0, output
    assert f"alert {alert_id} acknowledged" in output
    (alert,) = rows(factory, Alert.id == alert_id)
    assert alert.acked_at is not None
    assert run_escalation(factory, config, FLAGGED + timedelta(hours=1)) == []
    engine.dispose()


async def fold_an_urgent_alert(
    factory: sessionmaker[Session], smtp_server: SmtpServer, tmp_path: Path
) -> tuple[Config, int, datetime]:
    """Two normal alerts use a busy office's hourly allowance of two; the urgent alert that
    follows is folded into a summary, which is sent. ``(config, urgent alert id, its time)``."""
    busy = office("congan", min_severity="normal", max_per_hour=2, escalation_email="truc@x.org")
    config = config_of(busy)
    setup_sources(factory, config)
    for report in ("sap-cau", "ton-giao"):
        flag(
            factory,
            config,
            report,
            FLAGGED,
            topics=["distortion"],
            scores={"distortion": 0.6},
            source=LOCAL,
        )
    d = make_dispatcher(factory, config, smtp_server.channel(), tmp_path, at(FLAGGED))
    assert (await d.run_once()).sent == 2
    urgent_at = FLAGGED + timedelta(minutes=10)
    urgent = flag_urgent(factory, config, urgent_at)
    d.clock = at(urgent_at)
    assert (await d.run_once()).summarised == 1
    await d.run_once()  # the summary row goes out on the pass after it is made
    (folded,) = rows(factory, Alert.id == urgent)
    assert folded.status == "summarised"
    assert kinds(smtp_server.received)[-1] == "summary"
    return config, urgent, urgent_at


async def test_an_urgent_alert_delivered_inside_a_summary_is_still_escalated(
    sqlite_factory: sessionmaker[Session], smtp_server: SmtpServer, tmp_path: Path
) -> None:
    """Unacknowledged in the summary that carried it, it reaches the escalation address."""
    config, _urgent, urgent_at = await fold_an_urgent_alert(sqlite_factory, smtp_server, tmp_path)
    made = run_escalation(sqlite_factory, config, urgent_at + timedelta(hours=1))
    assert [e.recipients for e in made] == [["truc@x.org"]]


async def test_the_summary_link_acknowledges_the_urgent_alerts_it_holds(
    sqlite_factory: sessionmaker[Session], smtp_server: SmtpServer, tmp_path: Path
) -> None:
    """The summary that carries an urgent alert has its own signed link; followed, it
    acknowledges everything folded into it, so nothing is escalated."""
    config, urgent, urgent_at = await fold_an_urgent_alert(sqlite_factory, smtp_server, tmp_path)
    linked_id, given = ack_link(smtp_server.received[-1])
    assert linked_id != urgent  # the summary's own id
    assert verify(linked_id, given, secret_key(tmp_path))
    with transaction(sqlite_factory) as session:
        assert acknowledge(session, linked_id, urgent_at + timedelta(minutes=5))
    assert run_escalation(sqlite_factory, config, urgent_at + timedelta(hours=1)) == []
    (folded,) = rows(sqlite_factory, Alert.id == urgent)
    assert folded.acked_at == urgent_at + timedelta(minutes=5)
