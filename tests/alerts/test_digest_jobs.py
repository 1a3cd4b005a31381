"""The daily digest: due at the office's time in Vietnam, made once, caught up after downtime
within its grace time, and listing what was flagged for the office since its last digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts.jobs import DIGEST_GRACE, digest_due, make_digests
from monitor.config.models import Config, Office
from monitor.storage.db import transaction
from monitor.storage.models import Alert
from tests.alerts.flagged import (
    DUCPHO,
    LOCAL,
    SOURCES,
    VANNINH,
    at,
    flag,
    make_dispatcher,
    office,
    rows,
    setup_sources,
    text_of,
)
from tests.alerts.smtp import SmtpServer

# 07:30 in Vietnam (UTC+7) on 22/11/2026 is 00:30 UTC the same day.
DIGEST_AT = datetime(2026, 11, 22, 0, 30, tzinfo=UTC)
DEFAULT = office("vhtt")


# --- when a digest is due -----------------------------------------------------------------------


def test_default_digest_is_due_at_0730_vietnam_time_and_not_a_second_before() -> None:
    """Times are stored in UTC but officers think in Vietnam time: 07:30 there is 00:30 UTC."""
    assert DEFAULT.digest_time == "07:30"
    assert digest_due(DEFAULT, DIGEST_AT - timedelta(seconds=1)) is None
    assert digest_due(DEFAULT, DIGEST_AT) == ("2026-11-22", DIGEST_AT)
    assert digest_due(DEFAULT, DIGEST_AT + timedelta(minutes=3)) == ("2026-11-22", DIGEST_AT)


def test_an_office_digest_time_is_read_in_vietnam_time() -> None:
    """18:00 written in sources.yaml is 18:00 in Vietnam, 11:00 UTC."""
    evening = office("vhtt", digest_time="18:00")
    six_pm = datetime(2026, 11, 22, 11, 0, tzinfo=UTC)
    assert digest_due(evening, six_pm - timedelta(minutes=1)) is None
    assert digest_due(evening, six_pm) == ("2026-11-22", six_pm)


def test_the_digest_is_named_after_the_vietnamese_date_when_utc_is_on_another_day() -> None:
    """00:15 in Vietnam on 23/11 is still 22/11 in UTC; the digest belongs to 23/11."""
    early = office("vhtt", digest_time="00:15")
    quarter_past = datetime(2026, 11, 22, 17, 15, tzinfo=UTC)
    assert digest_due(early, quarter_past) == ("2026-11-23", quarter_past)
    late = office("vhtt", digest_time="23:45")
    # 00:05 on 23/11 in Vietnam: the 23:45 digest of 22/11 is late, not tomorrow's.
    assert digest_due(late, datetime(2026, 11, 22, 17, 5, tzinfo=UTC)) == (
        "2026-11-22",
        datetime(2026, 11, 22, 16, 45, tzinfo=UTC),
    )


def test_a_missed_digest_is_still_due_within_its_grace_time_and_not_after() -> None:
    """After downtime the digest of the morning is still worth sending until the grace runs out;
    later, the next day's digest takes over (it covers everything since the last one)."""
    assert DIGEST_GRACE.total_seconds() == 6 * 3600  # "within 6 hours", docs/configuration.md
    within = DIGEST_AT + DIGEST_GRACE - timedelta(minutes=1)
    assert digest_due(DEFAULT, within) == ("2026-11-22", DIGEST_AT)
    assert digest_due(DEFAULT, DIGEST_AT + DIGEST_GRACE + timedelta(minutes=1)) is None


# --- the job: once a day, caught up once ----------------------------------------------------------


def config_of(*offices: Office) -> Config:
    return Config(path="<test>", localities=(DUCPHO, VANNINH), sources=SOURCES, offices=offices)


def run_job(factory: sessionmaker[Session], config: Config, now: datetime) -> list[int]:
    with transaction(factory) as session:
        return [row.id for row in make_digests(session, config, now)]


def digests(factory: sessionmaker[Session]) -> list[Alert]:
    return rows(factory, Alert.kind == "digest")


def test_running_the_digest_job_again_the_same_day_makes_no_second_digest(
    factory: sessionmaker[Session],
) -> None:
    """The scheduler runs the job every minute (and may run it twice after a restart): the
    digest of a day is one row, keyed by office and date."""
    config = config_of(DEFAULT, office("bienphong", digest_time="18:00"))
    assert run_job(factory, config, DIGEST_AT - timedelta(minutes=1)) == []
    first = run_job(factory, config, DIGEST_AT)
    assert len(first) == 1
    for minutes in (0, 1, 2, 59, 180):
        assert run_job(factory, config, DIGEST_AT + timedelta(minutes=minutes)) == []
    (made,) = digests(factory)
    assert (made.office_id, made.dedupe_key) == ("vhtt", "digest:vhtt:2026-11-22")
    assert made.snapshot["until"] == DIGEST_AT.isoformat()
    assert made.recipients == ["vhtt@ducpho.example.org"]
    # The other office's evening digest comes at its own time, once too.
    evening = datetime(2026, 11, 22, 11, 0, tzinfo=UTC)
    assert len(run_job(factory, config, evening)) == 1
    assert run_job(factory, config, evening + timedelta(minutes=1)) == []
    # The next morning: a new digest, starting where the last one ended.
    assert len(run_job(factory, config, DIGEST_AT + timedelta(days=1))) == 1
    mornings = [d for d in digests(factory) if d.office_id == "vhtt"]
    assert [d.snapshot["day"] for d in mornings] == ["2026-11-22", "2026-11-23"]
    assert mornings[1].snapshot["since"] == mornings[0].snapshot["until"]


def test_digest_times_and_quiet_hours_follow_the_schedule_timezone(
    factory: sessionmaker[Session],
) -> None:
    """``schedule.timezone`` is the zone office times are written in (Vietnam by default)."""
    from dataclasses import replace

    from monitor.alerts.dispatch import quiet_until
    from monitor.config.models import Schedule

    config = replace(config_of(DEFAULT), schedule=Schedule(timezone="Asia/Tokyo"))
    tokyo_0730 = datetime(2026, 11, 21, 22, 30, tzinfo=UTC)  # UTC+9
    assert run_job(factory, config, tokyo_0730 - timedelta(minutes=1)) == []
    assert len(run_job(factory, config, tokyo_0730)) == 1
    night = office("vhtt", quiet_hours=("22:00", "06:00"))
    assert quiet_until(night, tokyo_0730 - timedelta(hours=3), ZoneInfo("Asia/Tokyo")) == (
        tokyo_0730 - timedelta(hours=1, minutes=30)
    )


def test_the_database_refuses_a_second_digest_for_the_same_office_and_day(
    factory: sessionmaker[Session],
) -> None:
    """Two schedulers racing past the check in make_digest still cannot both write a digest."""
    config = config_of(DEFAULT)
    run_job(factory, config, DIGEST_AT)
    with pytest.raises(IntegrityError), transaction(factory) as session:
        session.add(
            Alert(
                kind="digest",
                office_id="vhtt",
                channel="email",
                revision=0,
                severity="info",
                status="pending",
                snapshot={},
                recipients=["vhtt@ducpho.example.org"],
                dedupe_key="digest:vhtt:2026-11-22",
                next_attempt_at=DIGEST_AT,
                created_at=DIGEST_AT,
            )
        )
    assert len(digests(factory)) == 1


def test_after_downtime_a_missed_digest_runs_once_within_its_grace_time(
    sqlite_factory: sessionmaker[Session],
) -> None:
    """Back at 13:29 after being down since before 07:30: the morning's digest goes out now,
    once, and still covers the day up to 07:30 (the next one starts there)."""
    config = config_of(DEFAULT)
    back = DIGEST_AT + timedelta(hours=5, minutes=59)
    assert len(run_job(sqlite_factory, config, back)) == 1
    assert run_job(sqlite_factory, config, back + timedelta(minutes=1)) == []
    assert run_job(sqlite_factory, config, back + timedelta(minutes=30)) == []
    (made,) = digests(sqlite_factory)
    assert made.snapshot["day"] == "2026-11-22"
    assert made.snapshot["until"] == DIGEST_AT.isoformat()
    assert made.created_at == back and made.next_attempt_at == back  # sent at once


async def test_after_a_longer_downtime_the_missed_digest_is_skipped_and_nothing_is_lost(
    sqlite_factory: sessionmaker[Session], smtp_server: SmtpServer, tmp_path: Path
) -> None:
    """Past the grace time a morning digest at 13:31 would be noise, so none is made; the next
    morning's digest lists everything since the last digest that went out, both days."""
    config = config_of(DEFAULT)
    setup_sources(sqlite_factory, config)
    previous = DIGEST_AT - timedelta(days=1)
    assert len(run_job(sqlite_factory, config, previous)) == 1
    flag(sqlite_factory, config, "tau-ca", previous + timedelta(hours=2), topics=["sovereignty"])
    # Down from 07:00 to 13:31 on 22/11: the morning's digest is past its grace time.
    assert run_job(sqlite_factory, config, DIGEST_AT + DIGEST_GRACE + timedelta(minutes=1)) == []
    assert run_job(sqlite_factory, config, DIGEST_AT + timedelta(hours=12)) == []
    flag(sqlite_factory, config, "sap-cau", DIGEST_AT + timedelta(hours=8), topics=["distortion"])
    next_morning = DIGEST_AT + timedelta(days=1)
    (made,) = run_job(sqlite_factory, config, next_morning)
    assert [d.snapshot["day"] for d in digests(sqlite_factory)] == ["2026-11-21", "2026-11-23"]
    d = make_dispatcher(sqlite_factory, config, smtp_server.channel(), tmp_path, at(next_morning))
    result = await d.run_once()
    assert result.sent == 2, result.errors  # yesterday's (empty) digest and today's
    (received,) = [r for r in smtp_server.received if r.message["X-Monitor-Alert-Id"] == str(made)]
    text = text_of(received)
    assert "Từ 07:30 21/11/2026 đến 07:30 23/11/2026 (giờ Việt Nam): 2 tin, 2 bài." in text
    assert "Tàu cá «Đức Phổ» bị tàu nước ngoài xua đuổi ở Hoàng Sa" in text
    assert "Công an bác tin đồn sập cầu ở «Đức Phổ»" in text


# --- what the digest says, as the office receives it -------------------------------------------


async def test_the_digest_lists_what_was_flagged_for_the_office_since_the_last_one(
    factory: sessionmaker[Session], smtp_server: SmtpServer, tmp_path: Path
) -> None:
    """Grouped by story (two copies are one entry) and by topic, whether the alert went out at
    once or only waits for the digest; nothing of other offices or localities, nothing already
    in the previous digest, nothing flagged after the digest time."""
    culture = office("vhtt", localities=("ducpho",))  # min_severity urgent: normal ones wait
    border = office(
        "bienphong",
        topics=("sovereignty",),
        localities=("ducpho",),
        min_severity="normal",
        emails=("thamuu@bienphong.example.org", "truc@bienphong.example.org"),
    )
    config = config_of(culture, border)
    setup_sources(factory, config)
    previous = DIGEST_AT - timedelta(days=1)
    flag(factory, config, "ton-giao", previous - timedelta(minutes=20), topics=["human_rights"])
    yesterday_digest = min(run_job(factory, config, previous))  # the culture office's
    flag(factory, config, "tau-ca", previous + timedelta(hours=2), topics=["sovereignty"])
    flag(
        factory,
        config,
        "tau-ca",
        previous + timedelta(hours=3),
        topics=["sovereignty"],
        source=LOCAL,
        copy=1,
    )
    flag(factory, config, "sap-cau", previous + timedelta(hours=5), topics=["distortion"])
    flag(
        factory,
        config,
        "van-ninh",
        previous + timedelta(hours=6),
        topics=["sovereignty"],
        locality=VANNINH,
    )
    flag(factory, config, "da-ba-dau", DIGEST_AT + timedelta(minutes=10), topics=["sovereignty"])
    # The border guard's alerts went out at once; the culture office's wait for the digest.
    assert {(a.office_id, a.status) for a in rows(factory, Alert.kind == "alert")} == {
        ("vhtt", "digest_only"),
        ("bienphong", "pending"),
    }

    job_ran = DIGEST_AT + timedelta(minutes=20)  # a late tick: still "the digest of 07:30"
    made = run_job(factory, config, job_ran)
    assert len(made) == 2
    d = make_dispatcher(factory, config, smtp_server.channel(), tmp_path, at(job_ran))
    result = await d.run_once()
    received = {
        r.message["X-Monitor-Alert-Id"]: r
        for r in smtp_server.received
        if r.message["X-Monitor-Kind"] == "digest"
    }
    assert result.dead == 0, result.errors
    assert len(received) == 4  # the two of yesterday and the two of today

    before = text_of(received[str(yesterday_digest)])
    assert "Trang mạng xuyên tạc về tự do tôn giáo ở «Đức Phổ»" in before

    (culture_id, border_id) = sorted(made)
    culture_mail = received[str(culture_id)]
    assert culture_mail.rcpt_tos == ("vhtt@ducpho.example.org",)
    assert culture_mail.message["Subject"] == (
        "Bản tin tổng hợp ngày 22/11/2026 — Phòng vhtt: 2 tin được gắn cờ"
    )
    text = text_of(culture_mail)
    assert "Từ 07:30 21/11/2026 đến 07:30 22/11/2026 (giờ Việt Nam): 2 tin, 3 bài." in text
    sovereignty = text.index("Chủ quyền lãnh thổ, biên giới — 1 tin, 2 bài")
    distortion = text.index("Thông tin sai sự thật, xuyên tạc — 1 tin, 1 bài")
    tau_ca = text.index("Tàu cá «Đức Phổ» bị tàu nước ngoài xua đuổi ở Hoàng Sa")
    sap_cau = text.index("Công an bác tin đồn sập cầu ở «Đức Phổ»")
    assert sovereignty < tau_ca < distortion < sap_cau
    assert text.count("bị tàu nước ngoài xua đuổi") == 1  # one story, not one line per copy
    assert "2 bài trên 2 nguồn" in text
    for elsewhere in ("tự do tôn giáo", "Vạn Ninh", "Đá Ba Đầu"):
        assert elsewhere not in text

    border_mail = received[str(border_id)]
    assert sorted(border_mail.rcpt_tos) == [
        "thamuu@bienphong.example.org",
        "truc@bienphong.example.org",
    ]
    border_text = text_of(border_mail)
    assert "Chủ quyền lãnh thổ, biên giới — 1 tin, 2 bài" in border_text
    assert "xua đuổi ở Hoàng Sa" in border_text  # already alerted at once, listed all the same
    assert "sập cầu" not in border_text  # not its topic

    # The next morning's digest starts at 07:30 today: the story flagged at 07:40 is in it.
    tomorrow = run_job(factory, config, DIGEST_AT + timedelta(days=1))
    assert len(tomorrow) == 2
    d.clock = at(DIGEST_AT + timedelta(days=1))
    await d.run_once()
    (culture_tomorrow,) = [
        r for r in smtp_server.received if r.message["X-Monitor-Alert-Id"] == str(min(tomorrow))
    ]
    later = text_of(culture_tomorrow)
    assert "Ngư dân «Đức Phổ» gặp tàu lạ gần Đá Ba Đầu" in later
    assert "xua đuổi ở Hoàng Sa" not in later


async def test_a_day_with_nothing_flagged_is_one_line(
    sqlite_factory: sessionmaker[Session], smtp_server: SmtpServer, tmp_path: Path
) -> None:
    """Officers still get the digest on a quiet day, so they know the service is working, but
    it says so in one line instead of an empty report."""
    config = config_of(DEFAULT)
    (made,) = run_job(sqlite_factory, config, DIGEST_AT)
    d = make_dispatcher(sqlite_factory, config, smtp_server.channel(), tmp_path, at(DIGEST_AT))
    assert (await d.run_once()).sent == 1
    (received,) = smtp_server.received
    assert received.message["X-Monitor-Alert-Id"] == str(made)
    assert received.message["Subject"] == (
        "Bản tin tổng hợp ngày 22/11/2026 — Phòng vhtt: không có tin nào được gắn cờ"
    )
    lines = [line for line in text_of(received).splitlines() if line.strip()]
    assert lines == [
        "Bản tin tổng hợp ngày 22/11/2026 — Phòng vhtt",
        "Không có tin nào được gắn cờ từ 07:30 21/11/2026 đến 07:30 22/11/2026 (giờ Việt Nam).",
        f"Thư tự động từ Media Monitor, mã cảnh báo {made}.",
    ]
