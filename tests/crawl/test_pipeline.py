"""Crawl a whole world of sources from a real local server, good and bad at once.

Every real feed file and every source kind, next to a 304, a 429, a redirect loop, a redirect
to another loopback origin, a gzip bomb, a trickling server, broken XML, a wrong charset, an
empty feed and a 500: each source ends with its items stored or a clear error of its own, and
no source is hurt by another. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.config.models import Config, HtmlSelectors, Schedule, Source
from monitor.crawl.refresh import RefreshResult
from monitor.crawl.run import crawl
from monitor.storage.models import FetchAttempt, Item, ItemSource, Outlet
from monitor.storage.models import Source as SourceRow
from tests.conftest import FIXTURES
from tests.servers import (
    Routes,
    body,
    file,
    gzip_bomb,
    redirect,
    serve,
    status,
    trickle,
    with_etag,
)

CONTENT_TYPES = {
    ".xml": "application/rss+xml",
    ".json": "application/feed+json",
    ".html": "text/html; charset=utf-8",
}
NETWORK_FAILURES = {
    "rate-limited": "429",
    "redirect-loop": "redirect",
    "redirect-to-loopback": "127.0.0.1",
    "redirect-to-localhost": "localhost",
    "gzip-bomb": "limit",
    "trickle": "within",
    "server-error": "500",
}


@dataclass(frozen=True)
class Golden:
    source: Source
    path: str
    payload: Path
    content_type: str
    output: dict[str, Any]
    origin: str  # where the golden file says the payload came from


def _goldens(base: str) -> list[Golden]:
    out = []
    for folder in ("feeds", "pages"):
        for expected in sorted((FIXTURES / folder).glob("*.expected.json")):
            spec = json.loads(expected.read_text("utf-8"))
            kind = spec["input"].get("kind", "feed")
            if kind == "article":
                continue
            stem = expected.name.removesuffix(".expected.json")
            payload = next(p for p in expected.parent.glob(stem + ".*") if p != expected)
            path = f"/{folder}/{payload.name}"
            selectors = spec["input"].get("selectors")
            source = Source(
                id=stem.replace("_", "-").replace(".", "-").lower()[:60],
                kind=kind,
                url=base + path,
                name=stem,
                selectors=HtmlSelectors(**selectors) if selectors else None,
                allow_private=True,
                respect_robots=False,
                fetch_articles="never",
            )
            content_type = spec["input"].get("content_type") or CONTENT_TYPES[payload.suffix]
            origin = "/".join(spec["input"]["base_url"].split("/")[:3])
            out.append(Golden(source, path, payload, content_type, spec["output"], origin))
    return out


@pytest.fixture
def world() -> Iterator[tuple[Routes, str]]:
    routes = Routes()
    with serve(routes) as base:
        yield routes, base


@pytest.fixture
def busy_host() -> Iterator[str]:
    """A second host that answers 429: the fetcher holds back that whole host, not ours."""
    routes = Routes()
    routes["/429.rss"] = status(429, {"Retry-After": "120"})
    with serve(routes, host="127.0.0.2") as base:
        yield base


def _network_sources(routes: Routes, base: str, busy_host: str) -> list[Source]:
    feed = (FIXTURES / "feeds" / "reconstructed_2026-08_vov.xml").read_bytes()
    routes["/conditional.rss"] = with_etag(feed, '"v1"')
    routes["/loop-a"] = redirect("/loop-b")
    routes["/loop-b"] = redirect("/loop-a")
    # Another origin on loopback, which allow_private (granted to this source's origin only)
    # does not cover: by address on another port, and by name on the same port.
    routes["/to-loopback"] = redirect("http://127.0.0.1:9/feed.rss")
    routes["/to-localhost"] = redirect(base.replace("127.0.0.1", "localhost") + "/conditional.rss")
    routes["/bomb.rss"] = gzip_bomb(expanded_mb=64)
    routes["/trickle.rss"] = trickle(feed, seconds_per_byte=0.5, max_seconds=20)
    routes["/500.rss"] = status(500)
    paths = {
        "conditional": "/conditional.rss",
        "rate-limited": busy_host + "/429.rss",
        "redirect-loop": "/loop-a",
        "redirect-to-loopback": "/to-loopback",
        "redirect-to-localhost": "/to-localhost",
        "gzip-bomb": "/bomb.rss",
        "trickle": "/trickle.rss",
        "server-error": "/500.rss",
    }
    return [
        Source(
            id=source_id,
            kind="feed",
            url=path if path.startswith("http") else base + path,
            name=source_id,
            allow_private=True,
            respect_robots=False,
            fetch_articles="never",
            max_bytes=1_000_000,
        )
        for source_id, path in paths.items()
    ]


def _linked_items(session: Session, source_id: str) -> list[Item]:
    stmt = (
        select(Item)
        .join(ItemSource, ItemSource.item_id == Item.id)
        .where(ItemSource.source_id == source_id)
    )
    return list(session.scalars(stmt))


async def test_every_source_gets_its_items_or_its_own_clear_error(
    factory: sessionmaker[Session], world: tuple[Routes, str], busy_host: str
) -> None:
    routes, base = world
    goldens = _goldens(base)
    for g in goldens:
        routes[g.path] = file(g.payload, g.content_type)
    sources = [g.source for g in goldens] + _network_sources(routes, base, busy_host)
    config = Config(
        path="<test>",
        sources=tuple(sources),
        schedule=Schedule(request_deadline_seconds=3, politeness_delay_seconds=0),
    )

    results = {r.source_id: r for r in await crawl(factory, config)}

    with factory() as session:
        for g in goldens:
            result = results[g.source.id]
            if "error" in g.output:
                assert result.outcome == "error", g.source.id
                # Links in the message point at where the page was served from.
                assert result.error == g.output["error"].replace(g.origin, base)
                continue
            assert result.outcome == "ok", (g.source.id, result.error)
            assert result.items_found == g.output["count"], g.source.id
            stored = _linked_items(session, g.source.id)
            assert len(stored) == g.output["count"], g.source.id
            titles = {item.title for item in stored}
            for recorded in g.output["items"]:
                assert recorded["title"] in titles, (g.source.id, recorded["title"])
        for source_id, words in NETWORK_FAILURES.items():
            result = results[source_id]
            assert result.outcome == "error", source_id
            assert result.error and words in result.error, (source_id, result.error)
            row = session.get(SourceRow, source_id)
            assert row is not None
            assert row.error_count == 1 and row.last_error == result.error
            assert _linked_items(session, source_id) == []
        assert results["conditional"].outcome == "ok"
        assert results["conditional"].items_found > 0

        limited = session.get(SourceRow, "rate-limited")
        assert limited is not None and limited.next_fetch_at is not None
        assert limited.next_fetch_at >= datetime.now(UTC) + timedelta(seconds=110)

        attempts = session.scalar(select(func.count()).select_from(FetchAttempt))
        assert attempts == len(sources)
    assert routes.hits["/trickle.rss"] == 1


async def test_recrawling_adds_nothing_and_uses_conditional_get(
    factory: sessionmaker[Session], world: tuple[Routes, str]
) -> None:
    routes, base = world
    feed = (FIXTURES / "feeds" / "reconstructed_2026-08_tuoitre.xml").read_bytes()
    routes["/tuoitre.rss"] = with_etag(feed, '"abc"')
    routes["/plain.rss"] = body(feed)
    source = Source(
        id="tuoitre",
        kind="feed",
        url=base + "/tuoitre.rss",
        name="Tuổi Trẻ",
        allow_private=True,
        respect_robots=False,
        fetch_articles="never",
    )
    plain = replace(source, id="tuoitre-plain", url=base + "/plain.rss")
    config = Config(path="<test>", sources=(source, plain))

    first = await crawl(factory, config)
    with factory() as session:
        count = session.scalar(select(func.count()).select_from(Item))
    second = await crawl(factory, config)

    assert [r.outcome for r in first] == ["ok", "ok"]
    assert count and count == first[0].items_found
    assert first[1].items_new == 0  # the same articles through a second feed: no new items
    assert second[0].outcome == "not_modified"
    assert routes.headers_seen["/tuoitre.rss"][-1].get("If-None-Match") == '"abc"'
    assert second[1].outcome == "ok" and second[1].items_new == 0
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Item)) == count
        links = session.scalar(select(func.count()).select_from(ItemSource))
        assert links == 2 * count  # every item knows both feeds it came through
        attempts = session.scalars(select(FetchAttempt.outcome).order_by(FetchAttempt.id)).all()
        assert sorted(attempts) == ["not_modified", "ok", "ok", "ok"]


def _rss(items: list[tuple[str, str, str, str]]) -> bytes:
    entries = "".join(
        f"<item><title>{t}</title><link>{link}</link><description>{d}</description>"
        f"<pubDate>{date}</pubDate></item>"
        for t, link, d, date in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
        f"<link>https://baoquangngai.vn/</link>{entries}</channel></rss>"
    ).encode()


async def test_articles_fetched_for_summary_only_feeds_and_dates_checked(
    factory: sessionmaker[Session], world: tuple[Routes, str]
) -> None:
    routes, base = world
    article = FIXTURES / "pages" / "article_baoquangngai.html"
    routes["/bai-1.htm"] = file(article, "text/html; charset=utf-8")
    routes["/feed.rss"] = body(
        _rss(
            [
                (
                    "Ngư dân Sa Huỳnh trúng đậm cá ngừ",
                    f"{base}/bai-1.htm?utm_source=rss&amp;utm_medium=feed",
                    "Tóm tắt ngắn.",
                    "10/2/2026 9:25:00 AM",
                ),
                (
                    "Bài hẹn giờ đăng năm 2030",
                    f"{base}/missing.htm",
                    "Ngày đăng ở tương lai là sai.",
                    "Mon, 07 Jan 2030 08:00:00 +0700",
                ),
            ]
        )
    )
    source = Source(
        id="baoquangngai",
        kind="feed",
        url=base + "/feed.rss",
        name="Báo Quảng Ngãi",
        allow_private=True,
        respect_robots=False,
    )
    results = await crawl(factory, Config(path="<test>", sources=(source,)))
    assert results[0].outcome == "ok" and results[0].items_new == 2

    with factory() as session:
        fetched = session.scalars(select(Item).where(Item.title.like("Ngư dân%"))).one()
        assert fetched.url == f"https://127.0.0.1:{base.rsplit(':', 1)[1]}/bai-1.htm"
        assert fetched.content_origin == "article"
        assert fetched.content and len(fetched.content) > 500
        assert fetched.published_at == datetime(2026, 10, 2, 2, 25, tzinfo=UTC)
        assert fetched.published_offset_minutes is None  # no zone was written: Vietnam time

        future = session.scalars(select(Item).where(Item.title.like("Bài hẹn%"))).one()
        assert not future.published_from_feed
        assert future.published_at == future.first_seen_at
        assert future.content_origin == "none"
        assert future.article_error and "404" in future.article_error

        outlet = session.scalars(select(Outlet)).one()
        assert outlet.name == "Báo Quảng Ngãi"


async def test_google_news_items_belong_to_their_real_publishers(
    factory: sessionmaker[Session], world: tuple[Routes, str]
) -> None:
    routes, base = world
    routes["/gn.rss"] = file(FIXTURES / "feeds" / "google_news_duc_pho.xml")
    source = Source(
        id="gn-ducpho",
        kind="google_news",
        url=base + "/gn.rss",
        name="Google News: Đức Phổ",
        query="Đức Phổ",
        allow_private=True,
        respect_robots=False,
    )
    results: list[RefreshResult] = await crawl(factory, Config(path="<test>", sources=(source,)))
    assert results[0].outcome == "ok" and results[0].items_new > 0
    with factory() as session:
        rows = session.execute(select(Item.title, Outlet.name, Outlet.key).join(Outlet)).all()
    assert rows
    assert all(" - " + name not in title for title, name, _ in rows)
    assert {key for _, _, key in rows} != {"search:gn-ducpho"}


async def test_a_failing_source_backs_off_exponentially_and_recovers(
    sqlite_factory: sessionmaker[Session], world: tuple[Routes, str]
) -> None:
    routes, base = world
    routes["/flaky.rss"] = status(503)
    source = Source(
        id="flaky",
        kind="feed",
        url=base + "/flaky.rss",
        name="flaky",
        interval_seconds=600,
        allow_private=True,
        respect_robots=False,
        fetch_articles="never",
    )
    config = Config(path="<test>", sources=(source,))
    delays = []
    for _ in range(3):
        await crawl(sqlite_factory, config)
        with sqlite_factory() as session:
            row = session.get(SourceRow, "flaky")
            assert row is not None and row.next_fetch_at and row.last_fetch_at
            delays.append((row.next_fetch_at - row.last_fetch_at).total_seconds())
            assert row.last_error == "the server answered 503 Service Unavailable"
    assert delays == [600, 1200, 2400]
    # Due-only crawls leave a backing-off source alone.
    assert await crawl(sqlite_factory, config, due_only=True) == []

    routes["/flaky.rss"] = file(FIXTURES / "feeds" / "reconstructed_2026-08_vtv.xml")
    (result,) = await crawl(sqlite_factory, config)
    assert result.outcome == "ok"
    with sqlite_factory() as session:
        row = session.get(SourceRow, "flaky")
        assert row is not None
        assert row.error_count == 0 and row.last_error is None
        assert row.last_success_at == row.last_fetch_at
