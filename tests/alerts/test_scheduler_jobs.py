"""The alert jobs of scheduler.py: dispatch and the digest/escalation clock, every minute,
never overlapping, and harmless to run again."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts.dispatch import BATCH
from monitor.alerts.service import build_dispatcher
from monitor.config.models import Config
from monitor.crawl.run import make_fetcher
from monitor.storage.db import transaction
from monitor.storage.lease import Lease
from monitor.storage.models import Alert
from monitor.timefmt import LOCAL_ZONE
from scheduler import (
    STARTUP_SPREAD_SECONDS,
    DispatchBell,
    build_scheduler,
    clock_jobs,
    dispatch,
)
from tests.alerts.flagged import DUCPHO, SOURCES, office, rows, setup_sources


@pytest.fixture(autouse=True)
def eml_outbox(monkeypatch: pytest.MonkeyPatch) -> None:
    """No mail server configured: the dispatcher writes .eml files into the data folder."""
    monkeypatch.delenv("MONITOR_SMTP_HOST", raising=False)


async def test_dispatch_and_the_digest_escalation_clock_run_every_minute_one_at_a_time(
    sqlite_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """A slow SMTP server must not make dispatch passes pile up (max_instances=1), and after
    the process was suspended the missed ticks run once, not once per minute missed
    (coalesce); the first pass comes seconds after start, not a minute later."""
    config = Config(path="<test>", offices=(office("vhtt"),))
    lease = Lease(sqlite_factory, "scheduler", "test")
    started = datetime.now(UTC)
    async with make_fetcher(config) as fetcher:
        dispatcher, _ = build_dispatcher(sqlite_factory, config, fetcher, data_dir=tmp_path)
        scheduler = build_scheduler(
            sqlite_factory, config, [], fetcher, lease, asyncio.Event(), dispatcher=dispatcher
        )
        scheduler.start(paused=True)  # job defaults apply once the jobs are in their store
        try:
            jobs = {job.id: job for job in scheduler.get_jobs()}
        finally:
            scheduler.shutdown(wait=False)
    assert set(jobs) == {"lease", "dispatch", "digests-escalations"}
    assert jobs["dispatch"].func is dispatch
    assert jobs["dispatch"].args[0] is dispatcher
    assert isinstance(jobs["dispatch"].args[1], DispatchBell)  # crawls ring it
    assert jobs["digests-escalations"].func is clock_jobs
    assert jobs["digests-escalations"].args == (sqlite_factory, config)
    for job_id in ("dispatch", "digests-escalations"):
        job = jobs[job_id]
        assert isinstance(job.trigger, IntervalTrigger)
        assert job.trigger.interval == timedelta(minutes=1)
        assert (job.coalesce, job.max_instances) == (True, 1)
        assert job.misfire_grace_time == 300
        first = job.next_run_time
        assert started <= first <= datetime.now(UTC) + timedelta(seconds=STARTUP_SPREAD_SECONDS)


async def test_a_crawl_only_scheduler_has_no_alert_jobs(
    sqlite_factory: sessionmaker[Session],
) -> None:
    """`monitor run --crawl-only` (no dispatcher) must not queue digests nobody sends."""
    config = Config(path="<test>", offices=(office("vhtt"),))
    lease = Lease(sqlite_factory, "scheduler", "test")
    async with make_fetcher(config) as fetcher:
        scheduler = build_scheduler(sqlite_factory, config, [], fetcher, lease, asyncio.Event())
        assert {job.id for job in scheduler.get_jobs()} == {"lease"}


def test_the_clock_job_run_twice_makes_one_digest_and_one_escalation(
    sqlite_factory: sessionmaker[Session],
) -> None:
    """clock_jobs reads the real clock; with the digest time just past and an urgent alert
    sent 31 minutes ago, two ticks (a restart, a slow minute) queue each message once."""
    now = datetime.now(UTC)
    just_past = (now - timedelta(minutes=1)).astimezone(LOCAL_ZONE).strftime("%H:%M")
    police = office("congan", digest_time=just_past, escalation_email="truc-ban@example.org")
    config = Config(path="<test>", localities=(DUCPHO,), sources=SOURCES, offices=(police,))
    setup_sources(sqlite_factory, config)
    with transaction(sqlite_factory) as session:
        session.add(
            Alert(
                kind="alert",
                office_id="congan",
                channel="email",
                revision=0,
                severity="urgent",
                status="sent",
                snapshot={},
                recipients=list(police.emails),
                next_attempt_at=now - timedelta(minutes=31),
                created_at=now - timedelta(minutes=31),
                sent_at=now - timedelta(minutes=31),
            )
        )
    clock_jobs(sqlite_factory, config)
    clock_jobs(sqlite_factory, config)
    assert [a.kind for a in rows(sqlite_factory, Alert.kind != "alert")] == [
        "digest",
        "escalation",
    ]


async def test_the_dispatch_job_drains_a_backlog_larger_than_a_batch_and_then_does_nothing(
    sqlite_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """After downtime the outbox may hold more than one pass takes; the job keeps passing
    until it is empty, and a second run finds nothing to send again."""
    config = Config(path="<test>", offices=(office("vhtt"),))
    count = 2 * BATCH + 50
    now = datetime.now(UTC)
    with transaction(sqlite_factory) as session:
        session.add_all(
            Alert(
                kind="test",
                office_id="vhtt",
                channel="email",
                revision=n,
                severity="info",
                status="pending",
                snapshot={},
                recipients=["vhtt@ducpho.example.org"],
                next_attempt_at=now,
                created_at=now,
            )
            for n in range(count)
        )
    async with make_fetcher(config) as fetcher:
        dispatcher, where = build_dispatcher(sqlite_factory, config, fetcher, data_dir=tmp_path)
        assert ".eml" in where
        await dispatch(dispatcher)
        assert {a.status for a in rows(sqlite_factory)} == {"sent"}
        assert len(list((tmp_path / "outbox").glob("*.eml"))) == count
        await dispatch(dispatcher)
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == count
    assert {a.attempts for a in rows(sqlite_factory)} == {1}
