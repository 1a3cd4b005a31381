"""The scheduler: one job per source, no pile-ups, one scheduler per database, clean Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts.dispatch import DispatchResult
from monitor.config.models import Config, Source
from monitor.crawl.run import make_fetcher
from monitor.storage.db import make_engine, make_sessionmaker, transaction
from monitor.storage.lease import Lease
from monitor.storage.models import Item
from monitor.storage.repo import sync_sources
from scheduler import DispatchBell, SteadyInterval, build_scheduler, crawl_if_due, dispatch
from tests.conftest import FIXTURES
from tests.servers import Routes, file, serve

FEED = FIXTURES / "feeds" / "reconstructed_2026-08_vnexpress.xml"


def _config(base: str, n: int = 2) -> Config:
    return Config(
        path="<test>",
        sources=tuple(
            Source(
                id=f"s{i}",
                kind="feed",
                url=f"{base}/feed{i}.rss",
                name="VnExpress",
                interval_seconds=600 + i,
                allow_private=True,
                respect_robots=False,
                fetch_articles="never",
            )
            for i in range(n)
        ),
    )


async def test_one_job_per_source_coalesced_and_never_overlapping(
    sqlite_factory: sessionmaker[Session],
) -> None:
    config = _config("http://127.0.0.1:9")
    lease = Lease(sqlite_factory, "scheduler", "test")
    async with make_fetcher(config) as fetcher:
        scheduler = build_scheduler(
            sqlite_factory, config, list(config.sources), fetcher, lease, asyncio.Event()
        )
        jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"crawl:s0", "crawl:s1", "lease"}
    for source in config.sources:
        job = jobs[f"crawl:{source.id}"]
        assert job.coalesce is True
        assert job.max_instances == 1
        assert job.trigger.interval.total_seconds() == source.interval_seconds
        assert job.trigger.jitter == config.schedule.jitter_seconds


def _write_config(path: Path, base: str) -> None:
    path.write_text(
        "sources:\n"
        + "".join(
            f"  - {{id: s{i}, kind: feed, url: '{base}/feed{i}.rss', allow_private: true,"
            " robots: false, fetch_articles: false}\n"
            for i in range(2)
        ),
        encoding="utf-8",
    )


def _start(config: Path, db: str, listen: str = "off") -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "MONITOR_DATABASE_URL": db,
        "MONITOR_LOG_LEVEL": "WARNING",
        "MONITOR_WEB_LISTEN": listen,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", "--config", str(config), "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _count_items(db: str) -> int:
    engine = make_engine(db)
    try:
        with make_sessionmaker(engine)() as session:
            return session.scalar(select(func.count()).select_from(Item)) or 0
    finally:
        engine.dispose()


def test_service_crawls_refuses_a_second_scheduler_and_stops_cleanly(tmp_path: Path) -> None:
    routes = Routes()
    routes["/feed0.rss"] = file(FEED)
    routes["/feed1.rss"] = file(FEED)
    with serve(routes) as base:
        config = tmp_path / "sources.yaml"
        _write_config(config, base)
        db = f"sqlite:///{tmp_path / 'monitor.db'}"
        with socket.socket() as probe:  # a free port for the acknowledgement page
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        first = _start(config, db, listen=f"127.0.0.1:{port}")
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and routes.hits.get("/feed1.rss", 0) == 0:
                time.sleep(0.2)
            time.sleep(1.0)
            assert _count_items(db) > 0
            assert httpx.get(f"http://127.0.0.1:{port}/healthz").text == "ok"

            second = _start(config, db)
            out, err = second.communicate(timeout=60)
            assert second.returncode != 0
            assert "another scheduler" in err

            first.send_signal(signal.SIGINT)
            out, err = first.communicate(timeout=30)
        finally:
            if first.poll() is None:
                first.kill()
        assert first.returncode == 0, err
        assert "stopped" in out
    # The lease was released: a new scheduler may start at once.
    engine = make_engine(db)
    lease = Lease(make_sessionmaker(engine), "scheduler", "after")
    lease.acquire()
    lease.release()
    engine.dispose()


async def test_a_crawl_that_stores_new_items_wakes_the_dispatcher_at_once(
    sqlite_factory: sessionmaker[Session],
) -> None:
    """Alerts written by a crawl go out right after it, not up to a minute later; a crawl
    that finds nothing new does not wake it."""
    routes = Routes()
    routes["/feed0.rss"] = file(FEED, "application/rss+xml")
    woken: list[int] = []
    with serve(routes) as base:
        config = _config(base, n=1)
        (source,) = config.sources
        async with make_fetcher(config) as fetcher:
            with transaction(sqlite_factory) as session:
                sync_sources(session, config)
            assert await crawl_if_due(
                sqlite_factory, fetcher, source, on_new=lambda: woken.append(1)
            )
            assert woken == [1]
            assert await crawl_if_due(
                sqlite_factory, fetcher, source, on_new=lambda: woken.append(1)
            )
            assert woken == [1]


def test_jitter_shifts_each_poll_around_a_fixed_grid_without_lengthening_the_interval() -> None:
    """A 60 s source with 60 s of jitter is polled every 60 s on average, each poll within
    the minute after its grid point (APScheduler's own trigger averaged 90 s)."""
    start = datetime(2026, 12, 1, tzinfo=UTC)
    trigger = SteadyInterval(seconds=60, jitter=60, start_date=start, timezone=UTC)
    fire = trigger.get_next_fire_time(None, start)
    fires = [fire]
    for _ in range(2000):
        fire = trigger.get_next_fire_time(fire, fire)
        fires.append(fire)
    gaps = [(b - a).total_seconds() for a, b in pairwise(fires)]
    assert all(gap > 0 for gap in gaps)
    assert 57 < sum(gaps) / len(gaps) < 63
    for k, moment in enumerate(fires[1:], start=1):
        offset = (moment - start).total_seconds() - 60 * k
        assert 0 <= offset < 60


async def test_a_crawl_ringing_while_a_pass_is_sending_gets_one_more_pass() -> None:
    """The scheduler skips a second dispatch while one runs, so the running one must look
    again for alerts written meanwhile, then stop."""

    class Passes:
        def __init__(self, bell: DispatchBell) -> None:
            self.bell, self.count = bell, 0

        async def run_once(self) -> DispatchResult:
            self.count += 1
            if self.count == 1:
                assert not self.bell.ring()  # a crawl stored items during the first pass
            return DispatchResult()

    bell = DispatchBell()
    passes = Passes(bell)
    await dispatch(passes, bell)  # type: ignore[arg-type]
    assert passes.count == 2
    assert not bell.running
    assert bell.ring()  # idle again: the next ring starts a pass
