"""Items that mention a watched locality are classified as they are stored, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.config.models import Config, Locality, Rule, Schedule, Source
from monitor.crawl.run import crawl
from monitor.places.stage import mark_unchecked, matcher_for
from monitor.storage.db import transaction
from monitor.storage.models import Classification, Item
from monitor.topics.stage import TopicClassifier, classify_pending, latest_classifications
from tests.servers import Routes, body, serve

LOCALITY = Locality(id="ducpho", name="Đức Phổ", province="Quảng Ngãi")
FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Báo Quảng Ngãi</title><link>https://baoquangngai.vn</link>
<item><title>Tàu nước ngoài xua đuổi tàu cá của ngư dân thị xã Đức Phổ gần Hoàng Sa</title>
<link>https://baoquangngai.vn/a/1</link>
<description>Ngư dân phường Sa Huỳnh, thị xã Đức Phổ cho biết tàu cá bị tàu hải cảnh nước ngoài
xua đuổi, phun vòi rồng khi đang khai thác hải sản ở vùng biển quần đảo Hoàng Sa.</description>
<pubDate>Sun, 22 Nov 2026 01:00:00 +0000</pubDate></item>
<item><title>Thị xã Đức Phổ khai trương chợ đêm phục vụ du khách</title>
<link>https://baoquangngai.vn/a/2</link>
<description>Chợ đêm Đức Phổ mở cửa mỗi tối cuối tuần với các gian hàng đặc sản.</description>
<pubDate>Sun, 22 Nov 2026 02:00:00 +0000</pubDate></item>
<item><title>Giá vàng hôm nay tăng nhẹ</title>
<link>https://baoquangngai.vn/a/3</link>
<description>Giá vàng trong nước tăng nhẹ theo thế giới.</description>
<pubDate>Sun, 22 Nov 2026 03:00:00 +0000</pubDate></item>
</channel></rss>""".encode()


@pytest.fixture(scope="module")
def classifier(tmp_path_factory: pytest.TempPathFactory) -> TopicClassifier:
    rules = Config(path="<test>", rules=(Rule(topic="distortion", phrases=("chợ đêm",)),))
    return TopicClassifier.load(tmp_path_factory.mktemp("data"), rules)


async def test_new_items_get_topics_in_the_transaction_that_stores_them(
    factory: sessionmaker[Session], classifier: TopicClassifier
) -> None:
    routes = Routes()
    routes["/rss"] = body(FEED)
    with serve(routes) as base:
        source = Source(
            id="bqn",
            kind="feed",
            url=f"{base}/rss",
            name="Báo Quảng Ngãi",
            allow_private=True,
            respect_robots=False,
            fetch_articles="never",
        )
        config = Config(
            path="<test>",
            localities=(LOCALITY,),
            sources=(source,),
            schedule=Schedule(politeness_delay_seconds=0),
        )
        (result,) = await crawl(factory, config, classifier=classifier)
    assert result.outcome == "ok", result.error
    with factory() as session:
        items = {i.title: i for i in session.scalars(select(Item))}
        assert all(i.classified_at is not None for i in items.values())
        found = latest_classifications(session, [i.id for i in items.values()])
        by_title = {items_title: found.get(item.id) for items_title, item in items.items()}
    sovereignty = by_title["Tàu nước ngoài xua đuổi tàu cá của ngư dân thị xã Đức Phổ gần Hoàng Sa"]
    assert sovereignty is not None and "sovereignty" in sovereignty.topics
    assert sovereignty.model_version == classifier.version
    assert sovereignty.explain["sovereignty"]
    market = by_title["Thị xã Đức Phổ khai trương chợ đêm phục vụ du khách"]
    assert market is not None and market.rules == {"distortion": ["chợ đêm"]}
    assert "distortion" in market.topics
    assert by_title["Giá vàng hôm nay tăng nhẹ"] is None  # no watched locality: not classified


def test_the_backlog_classifies_items_stored_before(
    factory: sessionmaker[Session], classifier: TopicClassifier
) -> None:
    now = datetime(2026, 11, 22, tzinfo=UTC)
    with transaction(factory) as session:
        from monitor.storage.models import Source as SourceRow

        session.add(SourceRow(id="s", kind="feed", url="https://x.vn/rss", name="x", error_count=0))
        session.flush()
        session.add(
            Item(
                url="https://x.vn/1",
                original_url="https://x.vn/1",
                source_id="s",
                title="Thông tin vỡ đập ở Đức Phổ, Quảng Ngãi là tin giả",
                published_at=now,
                first_seen_at=now,
                content_hash="1",
            )
        )
    with transaction(factory) as session:
        mark_unchecked(session, matcher_for((LOCALITY,)), now)
    with transaction(factory) as session:
        assert classify_pending(session, classifier, now) == 1
    with transaction(factory) as session:
        assert classify_pending(session, classifier, now) == 0
    with factory() as session:
        (row,) = session.scalars(select(Classification))
        assert "distortion" in row.topics
