"""Quiet hours: normal alerts wait for the end of the office's night, urgent ones go at once;
the hours are Vietnam time and may span midnight (which is 17:00 UTC, mid-window)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts.dispatch import quiet_until
from monitor.alerts.jobs import escalate, make_digests
from monitor.config.models import Config, Office
from monitor.storage.db import transaction
from monitor.storage.models import Alert
from tests.alerts.flagged import (
    DUCPHO,
    FOREIGN,
    LOCAL,
    SOURCES,
    at,
    flag,
    kinds,
    make_dispatcher,
    office,
    rows,
    setup_sources,
)
from tests.alerts.smtp import SmtpServer

NIGHT = office("vhtt", min_severity="normal", quiet_hours=("22:00", "06:00"))


def vn(day: int, hour: int, minute: int = 0) -> datetime:
    """``day/11/2026 hour:minute`` in Vietnam (UTC+7, no daylight saving), as a UTC time."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC) - timedelta(hours=7)


# --- when an office is quiet --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "until"),
    [
        (vn(22, 21, 59), None),
        (vn(22, 22, 0), vn(23, 6, 0)),
        (vn(22, 23, 30), vn(23, 6, 0)),
        (vn(23, 0, 0), vn(23, 6, 0)),  # midnight in Vietnam, 17:00 UTC on the 22nd
        (vn(23, 0, 30), vn(23, 6, 0)),
        (vn(23, 5, 59), vn(23, 6, 0)),
        (vn(23, 6, 0), None),
        (vn(23, 12, 0), None),
    ],
    ids=["21:59", "22:00", "23:30", "00:00", "00:30", "05:59", "06:00", "12:00"],
)
def test_quiet_hours_across_midnight_end_at_the_next_morning(
    now: datetime, until: datetime | None
) -> None:
    """22:00-06:00 is one night: from 22:00 on the 22nd to 06:00 on the 23rd, Vietnam time,
    whichever UTC day each half falls on."""
    assert quiet_until(NIGHT, now) == until


@pytest.mark.parametrize(
    ("now", "until"),
    [(vn(22, 11, 59), None), (vn(22, 12, 15), vn(22, 13, 30)), (vn(22, 13, 30), None)],
    ids=["11:59", "12:15", "13:30"],
)
def test_quiet_hours_within_one_day(now: datetime, until: datetime | None) -> None:
    """A lunch break (12:00-13:30) is quiet hours too; they need not span midnight."""
    lunch = office("vhtt", quiet_hours=("12:00", "13:30"))
    assert quiet_until(lunch, now) == until


def test_an_office_without_quiet_hours_is_never_quiet() -> None:
    assert quiet_until(office("vhtt"), vn(23, 2, 0)) is None


# --- what the dispatcher does with them ---------------------------------------------------------


def config_of(*offices: Office) -> Config:
    return Config(path="<test>", localities=(DUCPHO,), sources=SOURCES, offices=offices)


def flag_normal(factory: sessionmaker[Session], config: Config, report: str, now: datetime) -> int:
    """A local paper, a topic the model is not sure of: normal severity."""
    story = flag(
        factory,
        config,
        report,
        now,
        topics=["distortion"],
        scores={"distortion": 0.6},
        source=LOCAL,
    )
    (alert,) = rows(factory, Alert.story_id == story)
    assert (alert.severity, alert.status) == ("normal", "pending")
    return alert.id


def flag_urgent(factory: sessionmaker[Session], config: Config, now: datetime) -> int:
    """A sure sovereignty call in the foreign press: urgent."""
    story = flag(
        factory,
        config,
        "tau-ca",
        now,
        topics=["sovereignty"],
        scores={"sovereignty": 0.95},
        source=FOREIGN,
    )
    (alert,) = rows(factory, Alert.story_id == story)
    assert (alert.severity, alert.status) == ("urgent", "pending")
    return alert.id


def alert_ids(server: SmtpServer) -> list[int]:
    return [int(str(r.message["X-Monitor-Alert-Id"])) for r in server.received]


async def test_normal_alerts_wait_for_the_morning_and_urgent_ones_go_through(
    factory: sessionmaker[Session], smtp_server: SmtpServer, tmp_path: Path
) -> None:
    """Nobody should be woken for a normal alert, and nobody may sleep through an urgent one:
    at 23:00 only the urgent alert is sent; the normal ones (one from before midnight, one from
    after) are all sent at 06:00, not a minute earlier."""
    config = config_of(NIGHT)
    setup_sources(factory, config)
    evening = vn(22, 23, 0)
    normal = flag_normal(factory, config, "sap-cau", evening)
    urgent = flag_urgent(factory, config, evening)
    d = make_dispatcher(factory, config, smtp_server.channel(), tmp_path, at(evening))
    first = await d.run_once()
    assert (first.sent, first.held) == (1, 1), first.errors
    assert alert_ids(smtp_server) == [urgent]
    assert smtp_server.received[0].message["X-Monitor-Severity"] == "urgent"

    small_hours = vn(23, 2, 0)  # 19:00 UTC on the 22nd
    later = flag_normal(factory, config, "ton-giao", small_hours)
    d.clock = at(small_hours)
    assert ((await d.run_once()).sent, len(smtp_server.received)) == (0, 1)
    (held,) = rows(factory, Alert.id == later)
    assert held.next_attempt_at == vn(23, 6, 0)

    d.clock = at(vn(23, 5, 59))
    assert (await d.run_once()).sent == 0
    d.clock = at(vn(23, 6, 0))
    morning = await d.run_once()
    assert (morning.sent, morning.held) == (2, 0), morning.errors
    assert alert_ids(smtp_server) == [urgent, normal, later]
    assert {a.status for a in rows(factory)} == {"sent"}


async def test_escalations_and_the_digest_are_not_held_by_quiet_hours(
    sqlite_factory: sessionmaker[Session], smtp_server: SmtpServer, tmp_path: Path
) -> None:
    """An escalation exists because an urgent alert went unanswered, and a digest comes at the
    time the office asked for: neither waits for the end of quiet hours."""
    early = office(
        "congan",
        min_severity="normal",
        quiet_hours=("22:00", "08:00"),
        escalation_email="truc-ban@example.org",
    )
    config = config_of(early)
    setup_sources(sqlite_factory, config)
    night = vn(23, 1, 0)
    flag_urgent(sqlite_factory, config, night)
    d = make_dispatcher(sqlite_factory, config, smtp_server.channel(), tmp_path, at(night))
    assert (await d.run_once()).sent == 1
    late = night + timedelta(minutes=30)
    with transaction(sqlite_factory) as session:
        assert len(escalate(session, config, late)) == 1
    d.clock = at(late)
    assert (await d.run_once()).sent == 1
    digest_time = vn(23, 7, 30)  # within quiet hours, which end at 08:00
    with transaction(sqlite_factory) as session:
        assert len(make_digests(session, config, digest_time)) == 1
    d.clock = at(digest_time)
    result = await d.run_once()
    assert (result.sent, result.held) == (1, 0)
    assert kinds(smtp_server.received) == ["alert", "escalation", "digest"]


async def test_the_night_backlog_does_not_flood_the_office_at_the_end_of_quiet_hours(
    sqlite_factory: sessionmaker[Session], smtp_server: SmtpServer, tmp_path: Path
) -> None:
    """Alerts held all night are due together at 06:00; the hourly limit still applies, so the
    excess arrives as one summary instead of a burst of mails."""
    limited = office("vhtt", min_severity="normal", quiet_hours=("22:00", "06:00"), max_per_hour=3)
    config = config_of(limited)
    setup_sources(sqlite_factory, config)
    held = [
        flag_normal(sqlite_factory, config, report, vn(23, 1, n))
        for n, report in enumerate(["sap-cau", "ton-giao", "da-ba-dau", "bao", "tau-ca"])
    ]
    d = make_dispatcher(sqlite_factory, config, smtp_server.channel(), tmp_path, at(vn(23, 1, 5)))
    assert (await d.run_once()).held == 5
    d.clock = at(vn(23, 6, 0))
    morning = await d.run_once()
    assert (morning.sent, morning.summarised) == (4, 2), morning.errors
    assert sorted(kinds(smtp_server.received)) == ["alert", "alert", "alert", "summary"]
    (summary,) = [r for r in smtp_server.received if r.message["X-Monitor-Kind"] == "summary"]
    carried = [int(i) for i in str(summary.message["X-Monitor-Summarised"]).split(",")]
    singles = [
        int(str(r.message["X-Monitor-Alert-Id"]))
        for r in smtp_server.received
        if r.message["X-Monitor-Kind"] == "alert"
    ]
    assert sorted(singles + carried) == held
