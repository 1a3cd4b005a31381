"""The locality stage in storage: marks, relevance, backlog and retention, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.config.models import Locality
from monitor.places.stage import localities_of, mark_unchecked, matcher_for, purge_irrelevant
from monitor.storage.db import transaction
from monitor.storage.models import Item, Mention, Source

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
LOCALITIES = (Locality(id="L3", name="Đức Phổ", province="Quảng Ngãi"),)


def _items(session: Session) -> None:
    session.add(Source(id="s", kind="feed", url="https://x.vn/rss", name="x", error_count=0))
    session.flush()
    for n, (title, age) in enumerate(
        [
            ("Thị xã Đức Phổ đón bão", 40),
            ("Mưa lớn ở Đức Phổ", 40),  # a shared name without context: weak, kept
            ("Giá vàng hôm nay", 40),  # no locality: purged after the retention
            ("Giá xăng hôm nay", 1),  # no locality, but recent: kept for now
        ]
    ):
        seen = NOW - timedelta(days=age)
        session.add(
            Item(
                url=f"https://x.vn/{n}",
                original_url=f"https://x.vn/{n}",
                source_id="s",
                title=title,
                published_at=seen,
                first_seen_at=seen,
                content_hash=str(n),
            )
        )


def test_backlog_is_marked_and_irrelevant_items_expire(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        _items(session)
    matcher = matcher_for(LOCALITIES)
    with transaction(factory) as session:
        assert mark_unchecked(session, matcher, NOW) == 4
    with transaction(factory) as session:
        assert mark_unchecked(session, matcher, NOW) == 0

    with factory() as session:
        relevance = dict(session.execute(select(Item.title, Item.relevance)).all())
        assert relevance == {
            "Thị xã Đức Phổ đón bão": "strong",
            "Mưa lớn ở Đức Phổ": "weak",
            "Giá vàng hôm nay": "none",
            "Giá xăng hôm nay": "none",
        }
        ids = list(session.scalars(select(Item.id).order_by(Item.id)))
        assert localities_of(session, ids) == {ids[0]: ["L3"]}
        mention = session.scalars(select(Mention).where(Mention.item_id == ids[0])).one()
        assert (mention.field, mention.surface) == ("title", "Thị xã Đức Phổ")

    with transaction(factory) as session:
        assert purge_irrelevant(session, NOW, retention_days=30) == 1
    with factory() as session:
        titles = set(session.scalars(select(Item.title)))
    assert "Giá vàng hôm nay" not in titles
    assert {"Thị xã Đức Phổ đón bão", "Mưa lớn ở Đức Phổ", "Giá xăng hôm nay"} <= titles
