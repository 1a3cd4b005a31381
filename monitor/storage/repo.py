"""Queries and writes shared by the pipeline and the CLI; each takes an open session."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Select, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from monitor.config.models import Config
from monitor.config.models import Source as SourceConfig
from monitor.storage.models import Item, ItemSource, Outlet, Source

_SPACE = re.compile(r"\s+")


def insert_ignoring_conflicts(session: Session, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT rows, skipping those that collide with a unique key (two crawlers, one article)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(table).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).on_conflict_do_nothing()
    else:  # pragma: no cover - only the two supported backends are tested
        raise RuntimeError(f"unsupported database {dialect}")
    session.execute(stmt, list(rows))


def content_hash(title: str, summary: str) -> str:
    """Hash what makes two copies of an article the same, ignoring case, spacing and form."""
    norm_title = _normalise(title)
    norm_summary = _normalise(summary)
    # Google News and some portals repeat the title as the summary; that adds nothing.
    if norm_summary.startswith(norm_title):
        norm_summary = norm_summary[len(norm_title) :].strip()
    return hashlib.sha256(f"{norm_title}\n{norm_summary}".encode()).hexdigest()


def _normalise(text: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text).casefold()).strip()


def outlet_key_for_url(url: str) -> str:
    host = (urlsplit(url).hostname or url).lower()
    return host.removeprefix("www.")


# Vietnamese press is licensed under .vn; these few licensed outlets live elsewhere.
DOMESTIC_ELSEWHERE = ("vnexpress.net", "baomoi.com")


def guess_origin(outlet_key: str) -> str:
    """ "domestic" or "foreign" for a publisher the config does not list (a Google News
    result, a repost): .vn and the known exceptions are domestic, the rest foreign."""
    host = outlet_key.lower()
    domestic = host.endswith(".vn") or any(
        host == d or host.endswith("." + d) for d in DOMESTIC_ELSEWHERE
    )
    return "domestic" if domestic else "foreign"


def source_outlet_key(cfg: SourceConfig) -> str:
    """The outlet a source's own items belong to: its host (a search feed has no outlet)."""
    if cfg.kind == "google_news":
        return f"search:{cfg.id}"
    return outlet_key_for_url(cfg.url)


def sync_sources(session: Session, config: Config) -> None:
    """Make the sources table mirror the config; health survives, settings follow the file."""
    existing = {s.id: s for s in session.scalars(select(Source))}
    for cfg in config.sources:
        apply_source_config(session, cfg, existing.get(cfg.id))
    configured = {c.id for c in config.sources}
    for source_id, row in existing.items():
        if source_id not in configured:
            row.enabled = False  # keep its items and history; just stop fetching
    session.flush()


def apply_source_config(session: Session, cfg: SourceConfig, row: Source | None) -> Source:
    """Create or update one source's row from its configuration, outlet included."""
    outlet = ensure_outlet(
        session,
        key=source_outlet_key(cfg),
        name=cfg.name,
        origin=cfg.origin,
        language=cfg.language,
        type_=cfg.type,
    )
    if row is None:
        row = Source(id=cfg.id, error_count=0)
        session.add(row)
    if row.url != cfg.url:
        # A new address means the old validators and backoff no longer apply.
        row.etag = row.last_modified = None
        row.next_fetch_at = None
        row.error_count = 0
    row.kind, row.url, row.name = cfg.kind, cfg.url, cfg.name
    row.enabled, row.interval_seconds = cfg.enabled, cfg.interval_seconds
    row.outlet_id = outlet.id
    return row


def ensure_outlet(
    session: Session, *, key: str, name: str, origin: str, language: str | None, type_: str
) -> Outlet:
    """Return the outlet with ``key``, creating it; metadata from config wins when given."""
    outlet = session.scalar(select(Outlet).where(Outlet.key == key))
    if outlet is None:
        insert_ignoring_conflicts(
            session,
            Outlet.__table__,
            [{"key": key, "name": name, "origin": origin, "language": language, "type": type_}],
        )
        outlet = session.scalar(select(Outlet).where(Outlet.key == key))
        assert outlet is not None
    return outlet


@dataclass(frozen=True)
class SourceStatus:
    """One line of `monitor sources`."""

    id: str
    name: str
    kind: str
    enabled: bool
    last_success_at: datetime | None
    last_fetch_at: datetime | None
    last_error: str | None
    error_count: int
    next_fetch_at: datetime | None
    items_24h: int
    items_total: int


def source_statuses(session: Session, now: datetime) -> list[SourceStatus]:
    since = now - timedelta(hours=24)
    recent = dict(
        session.execute(
            select(ItemSource.source_id, func.count())
            .where(ItemSource.first_seen_at >= since)
            .group_by(ItemSource.source_id)
        ).all()
    )
    total = dict(
        session.execute(
            select(ItemSource.source_id, func.count()).group_by(ItemSource.source_id)
        ).all()
    )
    return [
        SourceStatus(
            id=s.id,
            name=s.name,
            kind=s.kind,
            enabled=s.enabled,
            last_success_at=s.last_success_at,
            last_fetch_at=s.last_fetch_at,
            last_error=s.last_error,
            error_count=s.error_count,
            next_fetch_at=s.next_fetch_at,
            items_24h=int(recent.get(s.id, 0)),
            items_total=int(total.get(s.id, 0)),
        )
        for s in session.scalars(select(Source).order_by(Source.id))
    ]


def items_query(
    *,
    since: datetime | None = None,
    source_ids: Iterable[str] = (),
    search: str | None = None,
    limit: int | None = None,
) -> Select[Item]:
    """Items newest first; ``search`` matches title, summary or text, case-insensitively."""
    stmt = select(Item).order_by(Item.first_seen_at.desc(), Item.id.desc())
    if since is not None:
        stmt = stmt.where(Item.first_seen_at >= since)
    ids = list(source_ids)
    if ids:
        seen_through = select(ItemSource.item_id).where(ItemSource.source_id.in_(ids))
        stmt = stmt.where(Item.id.in_(seen_through))
    if search:
        pattern = f"%{unicodedata.normalize('NFC', search)}%"
        stmt = stmt.where(
            or_(Item.title.ilike(pattern), Item.summary.ilike(pattern), Item.content.ilike(pattern))
        )
    if limit:
        stmt = stmt.limit(limit)
    return stmt


# Bound parameters per IN (...) query: far below SQLite's and PostgreSQL's limits.
IN_CHUNK = 500


def chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), IN_CHUNK):
        yield ids[start : start + IN_CHUNK]


def sources_of(session: Session, item_ids: Sequence[int]) -> dict[int, list[str]]:
    """Item id → every source it was seen through, in one query per chunk of ids."""
    out: dict[int, list[str]] = {}
    for chunk in chunks(item_ids):
        rows = session.execute(
            select(ItemSource.item_id, ItemSource.source_id)
            .where(ItemSource.item_id.in_(chunk))
            .order_by(ItemSource.first_seen_at)
        ).all()
        for item_id, source_id in rows:
            out.setdefault(item_id, []).append(source_id)
    return out
