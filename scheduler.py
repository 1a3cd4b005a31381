"""The service's clock: APScheduler 3 triggers the jobs; the database holds all the state.

Each source gets a job at its own interval with jitter (``coalesce=True``, ``max_instances=1``),
so a slow outlet never piles up runs and sources do not fire in lockstep. A lease row keeps a
second scheduler off the same database. Ctrl-C (or SIGTERM) stops the triggers and lets running
crawls end; every crawl writes its results in one transaction, so nothing is left half-written.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import random
import signal
import socket
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

import click
import uvicorn
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.orm import Session, sessionmaker

from monitor import settings
from monitor.alerts.dispatch import BATCH, Dispatcher
from monitor.alerts.jobs import escalate, make_digests
from monitor.alerts.service import build_dispatcher
from monitor.alerts.stage import AlertStage
from monitor.config.models import Config
from monitor.config.models import Source as SourceConfig
from monitor.crawl.refresh import refresh_source
from monitor.crawl.run import make_fetcher, select_sources
from monitor.net.client import Fetcher
from monitor.places.matcher import Matcher
from monitor.places.stage import mark_unchecked, matcher_for, purge_irrelevant
from monitor.storage.db import transaction
from monitor.storage.lease import Lease, LeaseHeld
from monitor.storage.models import Source
from monitor.storage.repo import sync_sources
from monitor.topics.stage import TopicClassifier, classify_pending
from monitor.web.app import create_app
from monitor.web.server import bind, make_server, parse_listen

log = logging.getLogger("monitor.scheduler")

LEASE_NAME = "scheduler"
LEASE_RENEW_SECONDS = 30
# The first crawl of each source starts within this many seconds of start-up.
STARTUP_SPREAD_SECONDS = 10.0


def run_service(
    factory: sessionmaker[Session],
    config: Config,
    *,
    source_ids: Iterable[str] = (),
    crawl_only: bool = False,
) -> None:
    """Run until Ctrl-C; raise a clear error when another scheduler owns the database."""
    lease = Lease(
        factory, LEASE_NAME, f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    )
    try:
        lease.acquire()
    except LeaseHeld as err:
        raise click.ClickException(str(err)) from None
    try:
        asyncio.run(_serve(factory, config, lease, list(source_ids), crawl_only))
    finally:
        lease.release()


async def _serve(
    factory: sessionmaker[Session],
    config: Config,
    lease: Lease,
    source_ids: list[str],
    crawl_only: bool,
) -> None:
    with transaction(factory) as session:
        sync_sources(session, config)
    sources = select_sources(config, source_ids)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    classifier = None
    if config.localities:
        classifier = TopicClassifier.load(settings.data_dir(), config)
        log.info("topic model %s", classifier.version)
    alerts = AlertStage(config) if classifier is not None and not crawl_only else None
    async with make_fetcher(config) as fetcher:
        dispatcher = None
        if not crawl_only:
            dispatcher, where = build_dispatcher(factory, config, fetcher)
            click.echo(where)
        scheduler = build_scheduler(
            factory,
            config,
            sources,
            fetcher,
            lease,
            stop,
            classifier=classifier,
            alerts=alerts,
            dispatcher=dispatcher,
        )
        scheduler.start()
        web = None if crawl_only else start_web(factory)
        click.echo(
            f"Media Monitor running: {len(sources)} sources from {config.path}; "
            "first fetches within seconds. `monitor sources` shows their state. Ctrl-C stops."
        )
        try:
            await stop.wait()
        finally:
            scheduler.shutdown(wait=False)
            if web is not None:
                server, serving = web
                server.should_exit = True
                try:
                    await asyncio.wait_for(serving, timeout=10)
                except Exception:  # the page must never keep the service from stopping
                    log.exception("the acknowledgement page did not stop cleanly")
            # Let crawls in flight finish writing; they are short and transactional.
            running = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            if running:
                await asyncio.wait(running, timeout=10)
            click.echo("Media Monitor stopped.")


def start_web(factory: sessionmaker[Session]) -> tuple[uvicorn.Server, asyncio.Task[None]] | None:
    """Serve acknowledgement links on MONITOR_WEB_LISTEN; a taken port is said, not fatal."""
    try:
        listen = parse_listen(settings.get("MONITOR_WEB_LISTEN") or "off")
        if listen is None:
            return None
        app = create_app(factory, settings.data_dir())
        sock = bind(*listen)
    except (ValueError, OSError) as err:
        click.echo(
            f"Không mở được trang xác nhận cảnh báo · Acknowledgement page not started: {err}",
            err=True,
        )
        return None
    server = make_server(app, *listen)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    host, port = listen
    public = settings.get("MONITOR_PUBLIC_URL")
    click.echo(
        f"Trang xác nhận cảnh báo: http://{host}:{port} (thư dẫn tới {public}) · "
        f"Acknowledgement links served on http://{host}:{port} (emails link to {public})."
    )
    return server, serving


class SteadyInterval(IntervalTrigger):  # type: ignore[misc]
    """An interval trigger whose jitter shifts each run around a fixed grid.

    APScheduler's own adds the interval to the last, already jittered, run, so every jitter
    lengthens all later gaps: a 1-minute source with 1 minute of jitter was polled every
    90 s on average. Here run k falls in [start + k·interval, start + k·interval + jitter).
    """

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        if previous_fire_time is None or not self.jitter:
            return super().get_next_fire_time(previous_fire_time, now)  # type: ignore[no-any-return]
        step = self.interval_length
        runs = math.floor((previous_fire_time.timestamp() - self.start_date.timestamp()) / step)
        jitter = min(float(self.jitter), 0.9 * step)
        moment = self.start_date.timestamp() + (runs + 1) * step + random.uniform(0, jitter)
        if self.end_date and moment > self.end_date.timestamp():
            return None
        return datetime.fromtimestamp(moment, tz=self.timezone)


def build_scheduler(
    factory: sessionmaker[Session],
    config: Config,
    sources: list[SourceConfig],
    fetcher: Fetcher,
    lease: Lease,
    stop: asyncio.Event,
    *,
    classifier: TopicClassifier | None = None,
    alerts: AlertStage | None = None,
    dispatcher: Dispatcher | None = None,
) -> AsyncIOScheduler:
    """Wire a job per source plus the lease heartbeat; pure wiring, no work done here."""
    scheduler = AsyncIOScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
    )
    now = datetime.now(UTC)
    matcher = matcher_for(config.localities) if config.localities else None

    bell = DispatchBell()

    def wake_dispatch() -> None:
        """New items may have written alerts: send them now, not at the next minute. A pass
        already running takes them on its way out (the scheduler would skip a second one)."""
        if bell.ring():
            scheduler.modify_job("dispatch", next_run_time=datetime.now(UTC))

    wake = wake_dispatch if dispatcher is not None else None
    for source in sources:
        scheduler.add_job(
            crawl_if_due,
            SteadyInterval(seconds=source.interval_seconds, jitter=config.schedule.jitter_seconds),
            args=[factory, fetcher, source, matcher, classifier, alerts, wake],
            id=f"crawl:{source.id}",
            name=f"crawl {source.id}",
            coalesce=True,
            max_instances=1,
            next_run_time=now + timedelta(seconds=random.uniform(0, STARTUP_SPREAD_SECONDS)),
        )

    def heartbeat() -> None:
        if not lease.renew():
            log.error("lost the scheduler lease to another process; stopping")
            stop.set()

    scheduler.add_job(heartbeat, IntervalTrigger(seconds=LEASE_RENEW_SECONDS), id="lease")
    if matcher is not None:
        scheduler.add_job(
            mark_backlog,
            IntervalTrigger(minutes=1),
            args=[factory, matcher, classifier, alerts],
            id="localities",
            next_run_time=now + timedelta(seconds=STARTUP_SPREAD_SECONDS),
            coalesce=True,
            max_instances=1,
        )
        scheduler.add_job(
            purge,
            IntervalTrigger(hours=6),
            args=[factory, config.schedule.retention_days],
            id="purge",
            next_run_time=now + timedelta(minutes=5),
            coalesce=True,
            max_instances=1,
        )
    if dispatcher is not None:
        scheduler.add_job(
            dispatch,
            IntervalTrigger(minutes=1),
            args=[dispatcher, bell],
            id="dispatch",
            next_run_time=now + timedelta(seconds=STARTUP_SPREAD_SECONDS),
            coalesce=True,
            max_instances=1,
        )
        scheduler.add_job(
            clock_jobs,
            IntervalTrigger(minutes=1),
            args=[factory, config],
            id="digests-escalations",
            next_run_time=now + timedelta(seconds=STARTUP_SPREAD_SECONDS),
            coalesce=True,
            max_instances=1,
        )
    return scheduler


class DispatchBell:
    """Tells the dispatch job that new alerts may be waiting, whether or not it is running."""

    def __init__(self) -> None:
        self.running = False
        self.rung = False

    def ring(self) -> bool:
        """Note the news; True when no pass is running, so one should be started now."""
        self.rung = True
        return not self.running


async def dispatch(dispatcher: Dispatcher, bell: DispatchBell | None = None) -> None:
    """Send what is due; repeats while a full batch went out, so a burst drains quickly, and
    once more when a crawl rang while it was sending."""
    bell = bell or DispatchBell()
    bell.running = True
    try:
        while True:
            bell.rung = False
            result = await dispatcher.run_once()
            if result.claimed < BATCH and not bell.rung:
                return
    finally:
        bell.running = False


def clock_jobs(factory: sessionmaker[Session], config: Config) -> None:
    """Digests due and escalations late; both idempotent (one row per dedupe key)."""
    now = datetime.now(UTC)
    with transaction(factory) as session:
        digests = make_digests(session, config, now)
        escalations = escalate(session, config, now)
    if digests or escalations:
        log.info("%d digests and %d escalations queued", len(digests), len(escalations))


def mark_backlog(
    factory: sessionmaker[Session],
    matcher: Matcher,
    classifier: TopicClassifier | None = None,
    alerts: AlertStage | None = None,
) -> int:
    """Give locality marks, then topics, to items stored before (after a restart, or when the
    localities changed); returns how many items were marked."""
    done = 0
    while True:
        with transaction(factory) as session:
            count = mark_unchecked(session, matcher, datetime.now(UTC))
        done += count
        if count == 0:
            break
    while classifier is not None:
        with transaction(factory) as session:
            then = alerts.process if alerts is not None else None
            if classify_pending(session, classifier, datetime.now(UTC), then=then) == 0:
                break
    return done


def purge(factory: sessionmaker[Session], retention_days: int) -> int:
    """Drop items that name no watched locality once past the retention period."""
    with transaction(factory) as session:
        removed = purge_irrelevant(session, datetime.now(UTC), retention_days)
    if removed:
        log.info("purged %d items that mention no watched locality", removed)
    return removed


async def crawl_if_due(
    factory: sessionmaker[Session],
    fetcher: Fetcher,
    source: SourceConfig,
    matcher: Matcher | None = None,
    classifier: TopicClassifier | None = None,
    alerts: AlertStage | None = None,
    on_new: Callable[[], None] | None = None,
) -> bool:
    """Crawl unless the source is backing off after errors or a Retry-After; True if it ran.
    ``on_new`` is called when the crawl stored new items."""
    now = datetime.now(UTC)
    with factory() as session:
        row = session.get(Source, source.id)
        if row and row.error_count and row.next_fetch_at and row.next_fetch_at > now:
            return False
    result = await refresh_source(
        factory, fetcher, source, matcher=matcher, classifier=classifier, alerts=alerts
    )
    if result.items_new and on_new is not None:
        on_new()
    return True
