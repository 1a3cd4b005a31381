"""The crawl of one source, start to end: fetch → parse → canonicalise → extract → store.

Every outcome, good or bad, ends as one transaction that writes the new items, the fetch attempt
and the source's health together, so a crash leaves either all of it or none of it.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts.stage import AlertStage
from monitor.config.models import Source as SourceConfig
from monitor.crawl.extract import extract_article
from monitor.net.client import Fetcher, FetchResponse
from monitor.net.errors import FetchError
from monitor.net.urls import canonical_url
from monitor.places.matcher import Matcher
from monitor.places.stage import mark_items
from monitor.sources import parse_payload
from monitor.sources.base import ParsedItem, ParseError
from monitor.storage.db import transaction
from monitor.storage.models import FetchAttempt, Item, ItemSource, Outlet, Source, utcnow
from monitor.storage.repo import (
    apply_source_config,
    content_hash,
    ensure_outlet,
    guess_origin,
    insert_ignoring_conflicts,
    outlet_key_for_url,
    source_outlet_key,
)
from monitor.topics.stage import TopicClassifier, classify_items

log = logging.getLogger(__name__)

Outcome = Literal["ok", "not_modified", "error"]

# A date this far ahead of the clock is a wrong date (bad zone, typo), not a scheduled post.
FUTURE_TOLERANCE = timedelta(minutes=10)
MAX_BACKOFF = timedelta(hours=6)
# Below this many characters a feed "summary" is a teaser, not the article.
FULL_TEXT_MIN_CHARS = 600
ARTICLE_MAX_BYTES = 5_000_000


@dataclass
class RefreshResult:
    """What one refresh did, for logs, the CLI and tests."""

    source_id: str
    outcome: Outcome
    status: int | None = None
    items_found: int = 0
    items_new: int = 0
    bytes: int = 0
    duration_ms: int = 0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Candidate:
    parsed: ParsedItem
    url: str
    hash: str
    outlet_key: str
    content: str | None
    content_origin: str
    article_error: str | None = None


async def refresh_source(
    factory: sessionmaker[Session],
    fetcher: Fetcher,
    source: SourceConfig,
    *,
    now: Callable[[], datetime] = utcnow,
    matcher: Matcher | None = None,
    classifier: TopicClassifier | None = None,
    alerts: AlertStage | None = None,
) -> RefreshResult:
    """Crawl ``source`` once and record the result; never raises for a source's own fault.

    With a ``matcher``, new items get their locality mentions in the same transaction, and
    with a ``classifier`` too, those that mention a watched locality get their topics, and
    with ``alerts`` their stories and the alerts they cause.
    """
    started = now()
    clock = time.monotonic()
    with factory() as session:
        row = session.get(Source, source.id)
        etag = row.etag if row else None
        last_modified = row.last_modified if row else None

    try:
        response = await fetcher.get(
            source.url,
            etag=etag,
            last_modified=last_modified,
            allow_private=source.allow_private,
            respect_robots=source.respect_robots,
            max_bytes=source.max_bytes,
        )
    except FetchError as err:
        return _record_failure(factory, source, started, clock, err.user_message, err, now)

    if response.not_modified:
        result = RefreshResult(source.id, "not_modified", status=response.status)
        _record(factory, source, started, clock, result, response, [], now, None)
        return result

    try:
        parsed = parse_payload(
            source, response.content, base_url=response.url, content_type=response.content_type
        )
    except ParseError as err:
        return _record_failure(
            factory, source, started, clock, err.user_message, None, now, response=response
        )

    try:
        candidates = _candidates(parsed.items, source, parsed.warnings)
        with factory() as session:
            fresh = _not_yet_stored(session, candidates)
        await _fetch_articles(fetcher, source, fresh)
    except Exception as err:  # a bug of ours must not hide as a healthy source
        log.exception("source %s: processing failed", source.id)
        return _record_failure(
            factory,
            source,
            started,
            clock,
            f"internal error while processing the payload ({type(err).__name__}: {err}); "
            "please report it",
            None,
            now,
            response=response,
        )

    result = RefreshResult(
        source.id,
        "ok",
        status=response.status,
        items_found=len(parsed.items),
        bytes=response.bytes,
        warnings=list(parsed.warnings),
    )
    try:
        _record(
            factory,
            source,
            started,
            clock,
            result,
            response,
            candidates,
            now,
            matcher,
            classifier,
            alerts,
        )
    except SQLAlchemyError as err:
        log.exception("source %s: storing failed", source.id)
        return _record_failure(
            factory,
            source,
            started,
            clock,
            f"could not store the items ({type(err).__name__}); nothing from this fetch was kept",
            None,
            now,
            response=response,
        )
    return result


def _candidates(
    items: list[ParsedItem], source: SourceConfig, warnings: list[str]
) -> list[_Candidate]:
    """Canonicalise and hash, dropping duplicates inside one payload (first wins)."""
    own_outlet = source_outlet_key(source)
    seen: set[str] = set()
    out: list[_Candidate] = []
    for item in items:
        try:
            url = canonical_url(item.url)
        except ValueError as err:
            warnings.append(f"skipped an item with an unusable address {item.url!r}: {err}")
            continue
        if url in seen:
            continue
        seen.add(url)
        out.append(
            _Candidate(
                parsed=item,
                url=url,
                hash=content_hash(item.title, item.summary),
                outlet_key=_item_outlet_key(item) or own_outlet,
                content=item.content or None,
                content_origin="feed" if item.content else "none",
            )
        )
    return out


def _item_outlet_key(item: ParsedItem) -> str | None:
    if item.outlet_url:
        return outlet_key_for_url(item.outlet_url)
    if item.outlet_name:
        return item.outlet_name.strip().casefold()
    return None


def _not_yet_stored(session: Session, candidates: list[_Candidate]) -> list[_Candidate]:
    """The candidates that are neither a known URL nor a known text of the same outlet."""
    if not candidates:
        return []
    known_urls = set(
        session.scalars(select(Item.url).where(Item.url.in_([c.url for c in candidates])))
    )
    known_texts = set(_known_texts(session, candidates))
    return [
        c
        for c in candidates
        if c.url not in known_urls and (c.outlet_key, c.hash) not in known_texts
    ]


def _known_texts(session: Session, candidates: list[_Candidate]) -> dict[tuple[str, str], int]:
    """(outlet key, content hash) → item id, for the hashes among ``candidates``.

    The same text from the same outlet under another URL (mobile site, a second section feed,
    a resolved Google News wrapper) is the same item; the same text from another outlet is a
    syndicated copy, kept as its own item so stories can count outlets.
    """
    rows = session.execute(
        select(Outlet.key, Item.content_hash, Item.id)
        .join(Outlet, Item.outlet_id == Outlet.id)
        .where(Item.content_hash.in_({c.hash for c in candidates}))
    ).all()
    return {(key, digest): item_id for key, digest, item_id in rows}


def _wants_article(source: SourceConfig, candidate: _Candidate) -> bool:
    if source.fetch_articles == "never":
        return False
    if source.fetch_articles == "always":
        return True
    if candidate.content and len(candidate.content) >= FULL_TEXT_MIN_CHARS:
        return False
    # A Google News wrapper we could not resolve leads to a script page, not the article.
    return outlet_key_for_url(candidate.url) != "news.google.com"


async def _fetch_articles(
    fetcher: Fetcher, source: SourceConfig, candidates: list[_Candidate]
) -> None:
    wanted = [c for c in candidates if _wants_article(source, c)]
    if not wanted:
        return

    async def one(candidate: _Candidate) -> None:
        try:
            response = await fetcher.get(
                candidate.parsed.url,
                allow_private=source.allow_private,
                respect_robots=source.respect_robots,
                max_bytes=min(source.max_bytes, ARTICLE_MAX_BYTES),
            )
        except FetchError as err:
            candidate.article_error = err.user_message
            return
        text = extract_article(
            response.content,
            url=response.url,
            selector=source.article_selector,
            content_type=response.content_type,
        )
        if text:
            candidate.content = text
            candidate.content_origin = "article"
        else:
            candidate.article_error = "no article text found on the page"

    await asyncio.gather(*(one(c) for c in wanted))


def _record(
    factory: sessionmaker[Session],
    source: SourceConfig,
    started: datetime,
    clock: float,
    result: RefreshResult,
    response: FetchResponse,
    candidates: list[_Candidate],
    now: Callable[[], datetime],
    matcher: Matcher | None,
    classifier: TopicClassifier | None = None,
    alerts: AlertStage | None = None,
) -> None:
    finished = now()
    result.duration_ms = int((time.monotonic() - clock) * 1000)
    with transaction(factory) as session:
        row = _source_row(session, source)
        if candidates:
            new_ids = _store_items(session, source, row, candidates, finished)
            result.items_new = len(new_ids)
            if matcher is not None and new_ids:
                new_items = list(session.scalars(select(Item).where(Item.id.in_(new_ids))))
                provinces = (source.province,) if source.province else ()
                mark_items(session, matcher, new_items, finished, provinces)
                if classifier is not None:
                    classify_items(session, classifier, new_items, finished)
                    if alerts is not None:
                        alerts.process(session, new_items, finished)
        session.add(_attempt(result, started, response.url))
        row.last_fetch_at = finished
        row.last_success_at = finished
        row.last_error = None
        row.error_count = 0
        if not response.not_modified:
            row.etag = response.etag
            row.last_modified = response.last_modified
        row.next_fetch_at = finished + _jittered(timedelta(seconds=source.interval_seconds))
    log.info(
        "source %s: %s, %d items, %d new",
        source.id,
        result.outcome,
        result.items_found,
        result.items_new,
    )


def _record_failure(
    factory: sessionmaker[Session],
    source: SourceConfig,
    started: datetime,
    clock: float,
    message: str,
    err: FetchError | None,
    now: Callable[[], datetime],
    *,
    response: FetchResponse | None = None,
) -> RefreshResult:
    finished = now()
    result = RefreshResult(
        source.id,
        "error",
        status=err.status if err else (response.status if response else None),
        bytes=response.bytes if response else 0,
        duration_ms=int((time.monotonic() - clock) * 1000),
        error=message,
    )
    with transaction(factory) as session:
        row = _source_row(session, source)
        session.add(_attempt(result, started, response.url if response else source.url))
        row.error_count = (row.error_count or 0) + 1
        row.last_fetch_at = finished
        row.last_error = message
        row.last_error_at = finished
        delay = backoff(source.interval_seconds, row.error_count)
        if err is not None and err.retry_after is not None:
            delay = max(delay, timedelta(seconds=err.retry_after))
        row.next_fetch_at = finished + delay
    log.warning("source %s: %s", source.id, message)
    return result


def _attempt(result: RefreshResult, started: datetime, url: str) -> FetchAttempt:
    return FetchAttempt(
        source_id=result.source_id,
        started_at=started,
        duration_ms=result.duration_ms,
        url=url,
        outcome=result.outcome,
        status=result.status,
        bytes=result.bytes,
        items_found=result.items_found,
        items_new=result.items_new,
        error=result.error,
    )


def backoff(interval_seconds: int, error_count: int) -> timedelta:
    """Wait longer after each consecutive failure: interval × 2^(n-1), at most six hours."""
    exponent = max(0, min(error_count - 1, 16))
    return min(timedelta(seconds=interval_seconds * 2**exponent), MAX_BACKOFF)


def _jittered(interval: timedelta) -> timedelta:
    # Spread sources that share an interval so they do not hit at the same second forever.
    return interval + timedelta(seconds=random.uniform(0, min(60.0, interval.total_seconds() / 10)))


def _source_row(session: Session, source: SourceConfig) -> Source:
    row = session.get(Source, source.id)
    if row is None:  # crawled before any sync (tests, `crawl --source` on a fresh DB)
        row = apply_source_config(session, source, None)
        session.flush()
    return row


def _store_items(
    session: Session,
    source: SourceConfig,
    row: Source,
    candidates: list[_Candidate],
    seen_at: datetime,
) -> list[int]:
    """Insert what is new and link every candidate to this source; return the new items' ids."""
    outlet_ids = _outlet_ids(session, source, row, candidates)
    urls = [c.url for c in candidates]
    by_url = dict(session.execute(select(Item.url, Item.id).where(Item.url.in_(urls))).all())
    by_text = _known_texts(session, candidates)
    new_rows = []
    for c in candidates:
        if c.url in by_url or (c.outlet_key, c.hash) in by_text:
            continue
        by_text[(c.outlet_key, c.hash)] = 0  # one payload, same text, two URLs: keep the first
        new_rows.append(_item_row(source, c, outlet_ids[c.outlet_key], seen_at))
    insert_ignoring_conflicts(session, Item.__table__, new_rows)
    inserted = {r["url"] for r in new_rows} - set(by_url)
    by_url = dict(session.execute(select(Item.url, Item.id).where(Item.url.in_(urls))).all())
    by_text = _known_texts(session, candidates)
    links = []
    for c in candidates:
        item_id = by_url.get(c.url) or by_text.get((c.outlet_key, c.hash))
        if item_id:
            links.append(
                {
                    "item_id": item_id,
                    "source_id": source.id,
                    "first_seen_at": seen_at,
                    "url": c.parsed.url,
                }
            )
    insert_ignoring_conflicts(session, ItemSource.__table__, links)
    return [by_url[url] for url in inserted if url in by_url]


def _outlet_ids(
    session: Session, source: SourceConfig, row: Source, candidates: list[_Candidate]
) -> dict[str, int | None]:
    own = source_outlet_key(source)
    ids: dict[str, int | None] = {own: row.outlet_id}
    for c in candidates:
        if c.outlet_key in ids:
            continue
        p = c.parsed
        ids[c.outlet_key] = ensure_outlet(
            session,
            key=c.outlet_key,
            name=p.outlet_name or c.outlet_key,
            origin=guess_origin(c.outlet_key),
            language=p.language or source.language,
            type_="press",
        ).id
    return ids


def _item_row(
    source: SourceConfig, c: _Candidate, outlet_id: int | None, seen_at: datetime
) -> dict[str, object]:
    p = c.parsed
    published = p.published
    from_feed = published is not None and published <= seen_at + FUTURE_TOLERANCE
    return {
        "url": c.url,
        "original_url": p.url,
        "guid": p.guid,
        "source_id": source.id,
        "outlet_id": outlet_id,
        "title": p.title,
        "summary": p.summary,
        "summary_html": p.summary_html,
        "content": c.content,
        "content_origin": c.content_origin,
        "article_error": c.article_error,
        "author": p.author,
        "published_at": published.astimezone(UTC) if (published and from_feed) else seen_at,
        "published_offset_minutes": p.published_offset_minutes if from_feed else None,
        "published_from_feed": from_feed,
        "language": p.language or source.language,
        "content_hash": c.hash,
        "first_seen_at": seen_at,
    }
