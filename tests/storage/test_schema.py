"""The schema migrates the same on SQLite and PostgreSQL and keeps its invariants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from monitor.storage.db import transaction
from monitor.storage.lease import Lease, LeaseHeld
from monitor.storage.migrate import current_revision, head_revision, upgrade
from monitor.storage.models import Base, Item, Source


def _source(session: Session, source_id: str = "s1") -> Source:
    row = Source(id=source_id, kind="feed", url="https://example.org/rss", name="Example")
    row.error_count = 0
    session.add(row)
    session.flush()
    return row


def _item(url: str, source_id: str = "s1") -> Item:
    now = datetime.now(UTC)
    return Item(
        url=url,
        original_url=url,
        source_id=source_id,
        title="Đức Phổ đón bão",
        published_at=now,
        content_hash="h",
        first_seen_at=now,
    )


def test_upgrade_reaches_head_and_is_idempotent(engine: Engine) -> None:
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert {"sources", "fetch_attempts", "items", "item_sources", "outlets"} <= tables


def test_canonical_url_is_unique(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        _source(session)
        session.add(_item("https://vnexpress.net/a.html"))
    with pytest.raises(IntegrityError), transaction(factory) as session:
        session.add(_item("https://vnexpress.net/a.html"))


def test_times_come_back_in_utc_and_vietnamese_text_intact(factory: sessionmaker[Session]) -> None:
    written = datetime(2026, 10, 2, 9, 25, tzinfo=UTC) + timedelta(hours=-7)
    with transaction(factory) as session:
        _source(session)
        item = _item("https://tuoitre.vn/x.htm")
        item.published_at = written
        item.title = "Thị xã Đức Phổ: ngư dân Sa Huỳnh vươn khơi"
        session.add(item)
    with factory() as session:
        stored = session.scalars(select(Item)).one()
    assert stored.published_at == written
    assert stored.published_at.tzinfo is not None
    assert stored.title == "Thị xã Đức Phổ: ngư dân Sa Huỳnh vươn khơi"


def test_foreign_keys_are_enforced(factory: sessionmaker[Session]) -> None:
    with pytest.raises(IntegrityError), transaction(factory) as session:
        session.add(_item("https://x.vn/a", source_id="missing"))


def test_failed_transaction_leaves_nothing(factory: sessionmaker[Session]) -> None:
    with pytest.raises(RuntimeError), transaction(factory) as session:
        _source(session)
        session.add(_item("https://x.vn/a"))
        session.flush()
        raise RuntimeError("crash mid-write")
    with factory() as session:
        assert session.scalars(select(Item)).all() == []
        assert session.scalars(select(Source)).all() == []


def test_lease_keeps_a_second_scheduler_out_until_it_expires(
    factory: sessionmaker[Session],
) -> None:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    first = Lease(factory, "scheduler", "host:1")
    second = Lease(factory, "scheduler", "host:2")
    first.acquire(now)
    with pytest.raises(LeaseHeld, match="host:1"):
        second.acquire(now + timedelta(seconds=30))
    assert first.renew(now + timedelta(seconds=30))
    second.acquire(now + timedelta(minutes=10))  # first stopped renewing: taken over
    assert not first.renew(now + timedelta(minutes=10))
    second.release()
    first.acquire(now + timedelta(minutes=11))


def test_sqlite_runs_in_wal_with_foreign_keys(sqlite_factory: sessionmaker[Session]) -> None:
    with sqlite_factory() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert session.execute(text("PRAGMA busy_timeout")).scalar() == 30000


def test_migrations_build_exactly_the_tables_the_models_describe(engine: Engine) -> None:
    upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
    assert {"classifications", "decisions"} <= set(inspect(engine).get_table_names())
