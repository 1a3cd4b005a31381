"""Crawl many sources at once through one shared fetcher (so per-host limits hold across them)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts.stage import AlertStage
from monitor.config.models import Config
from monitor.config.models import Source as SourceConfig
from monitor.crawl.refresh import RefreshResult, refresh_source
from monitor.net.client import Fetcher
from monitor.places.matcher import Matcher
from monitor.places.stage import matcher_for
from monitor.storage.db import transaction
from monitor.storage.models import Source, utcnow
from monitor.storage.repo import sync_sources
from monitor.topics.stage import TopicClassifier


def make_fetcher(config: Config) -> Fetcher:
    """The one fetcher a process uses, sized by the config's schedule section."""
    schedule = config.schedule
    return Fetcher(
        max_concurrency=schedule.max_concurrency,
        per_host_concurrency=schedule.per_host_concurrency,
        politeness_delay=schedule.politeness_delay_seconds,
        deadline=schedule.request_deadline_seconds,
    )


def select_sources(config: Config, source_ids: Iterable[str] = ()) -> list[SourceConfig]:
    """The sources named (all enabled ones when none are), in config order."""
    wanted = list(source_ids)
    if wanted:
        return [config.source(source_id) for source_id in wanted]
    return [s for s in config.sources if s.enabled]


def due_sources(
    factory: sessionmaker[Session], sources: list[SourceConfig], now: datetime
) -> list[SourceConfig]:
    """Sources whose next fetch time has come (or that were never fetched)."""
    with factory() as session:
        next_at = dict(session.execute(select(Source.id, Source.next_fetch_at)).all())
    return [s for s in sources if (due := next_at.get(s.id)) is None or due <= now]


async def crawl(
    factory: sessionmaker[Session],
    config: Config,
    *,
    source_ids: Iterable[str] = (),
    due_only: bool = False,
    fetcher: Fetcher | None = None,
    now: Callable[[], datetime] = utcnow,
    classifier: TopicClassifier | None = None,
    alerts: AlertStage | None = None,
) -> list[RefreshResult]:
    """Refresh the chosen sources concurrently; one source's failure never stops the others."""
    with transaction(factory) as session:
        sync_sources(session, config)
    sources = select_sources(config, source_ids)
    if due_only:
        sources = due_sources(factory, sources, now())
    if not sources:
        return []
    matcher = matcher_for(config.localities) if config.localities else None
    if fetcher is None:
        async with make_fetcher(config) as own:
            return await _gather(factory, own, sources, now, matcher, classifier, alerts)
    return await _gather(factory, fetcher, sources, now, matcher, classifier, alerts)


async def _gather(
    factory: sessionmaker[Session],
    fetcher: Fetcher,
    sources: list[SourceConfig],
    now: Callable[[], datetime],
    matcher: Matcher | None,
    classifier: TopicClassifier | None,
    alerts: AlertStage | None = None,
) -> list[RefreshResult]:
    results = await asyncio.gather(
        *(
            refresh_source(
                factory, fetcher, s, now=now, matcher=matcher, classifier=classifier, alerts=alerts
            )
            for s in sources
        ),
        return_exceptions=True,
    )
    out: list[RefreshResult] = []
    for source, result in zip(sources, results, strict=True):
        if isinstance(result, BaseException):
            if not isinstance(result, Exception):
                raise result  # KeyboardInterrupt, cancellation: stop for real
            # A bug of ours, not the source's: say so, and keep the others' results.
            out.append(RefreshResult(source.id, "error", error=f"internal error: {result!r}"))
        else:
            out.append(result)
    return out
