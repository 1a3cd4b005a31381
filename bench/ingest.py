"""Ingestion throughput on real items: fetch → parse → store, against feedparser alone.

Replays ../shared/data/real/press_items_2026.jsonl (14,444 items from 17 outlets) as RSS feeds
of 50 items each, served by a local HTTP server, crawls them all once through the real pipeline
into a fresh SQLite database (or MONITOR_DATABASE_URL), and prints items per second plus the
ratio to parsing the same bytes with feedparser only. A second crawl of the same feeds shows
the cost of re-crawling (everything deduplicated, nothing added).

    .venv/bin/python bench/ingest.py [--items PATH] [--per-feed 50] [--database URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import feedparser
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.config.models import Config, Schedule, Source
from monitor.crawl.run import crawl
from monitor.storage.db import make_engine, make_sessionmaker
from monitor.storage.migrate import upgrade
from monitor.storage.models import Item
from tests.servers import Routes, body, serve

DEFAULT_ITEMS = Path(__file__).resolve().parents[2] / "shared/data/real/press_items_2026.jsonl"


def build_feeds(path: Path, per_feed: int) -> dict[str, tuple[str, bytes]]:
    """Path on the server → (outlet, RSS bytes), items grouped by outlet as the real feeds were."""
    by_outlet: dict[str, list[dict[str, str]]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        by_outlet[record["outlet"]].append(record)
    feeds: dict[str, tuple[str, bytes]] = {}
    for n, (outlet, records) in enumerate(sorted(by_outlet.items())):
        for page in range(0, len(records), per_feed):
            chunk = records[page : page + per_feed]
            feeds[f"/o{n}/p{page // per_feed}.rss"] = (outlet, _rss(outlet, chunk))
    return feeds


def _rss(outlet: str, records: list[dict[str, str]]) -> bytes:
    items = []
    for r in records:
        title, _, summary = r["text"].partition("\n")
        day = datetime.fromisoformat(r["commit_date"]).replace(hour=8, tzinfo=UTC)
        items.append(
            f"<item><title>{escape(title)}</title><link>{escape(r['link'])}</link>"
            f"<guid>{escape(r['link'])}</guid><description>{escape(summary)}</description>"
            f"<pubDate>{format_datetime(day)}</pubDate></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{escape(outlet)}</title><link>https://example.org/</link>"
        f"<description>replay</description>{''.join(items)}</channel></rss>"
    ).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=Path, default=DEFAULT_ITEMS)
    parser.add_argument("--per-feed", type=int, default=50)
    parser.add_argument("--database", help="SQLAlchemy URL (default: a temporary SQLite file)")
    args = parser.parse_args()

    feeds = build_feeds(args.items, args.per_feed)
    total_items = sum(payload.count(b"<item>") for _, payload in feeds.values())
    total_bytes = sum(len(payload) for _, payload in feeds.values())

    started = time.perf_counter()
    parsed = sum(len(feedparser.parse(payload).entries) for _, payload in feeds.values())
    feedparser_seconds = time.perf_counter() - started

    routes = Routes()
    for path, (_, payload) in feeds.items():
        routes[path] = body(payload)
    with tempfile.TemporaryDirectory() as tmp, serve(routes) as base:
        url = args.database or f"sqlite:///{tmp}/bench.db"
        engine = make_engine(url)
        upgrade(engine)
        factory = make_sessionmaker(engine)
        sources = tuple(
            Source(
                id=f"s{i}",
                kind="feed",
                url=base + path,
                name=outlet,
                allow_private=True,
                respect_robots=False,
                fetch_articles="never",
            )
            for i, (path, (outlet, _)) in enumerate(feeds.items())
        )
        config = Config(
            path="<bench>",
            sources=sources,
            schedule=Schedule(politeness_delay_seconds=0, per_host_concurrency=8),
        )
        started = time.perf_counter()
        results = asyncio.run(crawl(factory, config))
        pipeline_seconds = time.perf_counter() - started
        started = time.perf_counter()
        asyncio.run(crawl(factory, config))
        recrawl_seconds = time.perf_counter() - started
        with factory() as session:
            stored = session.scalar(select(func.count()).select_from(Item)) or 0
        engine.dispose()

    errors = [r for r in results if r.outcome == "error"]
    pipeline_rate = total_items / pipeline_seconds
    feedparser_rate = parsed / feedparser_seconds
    size = f"{total_bytes / 1e6:.1f} MB"
    print(f"feeds served:             {len(feeds)} ({size}, {total_items} items)")
    print(f"sources with errors:      {len(errors)}")
    print(f"items stored:             {stored} (the rest are duplicates within the data)")
    print(f"feedparser only:          {feedparser_rate:,.0f} items/s ({feedparser_seconds:.2f} s)")
    print(f"fetch → parse → store:    {pipeline_rate:,.0f} items/s ({pipeline_seconds:.2f} s)")
    print(f"ratio to feedparser only: {pipeline_rate / feedparser_rate:.2f}")
    print(f"re-crawl (all duplicates): {total_items / recrawl_seconds:,.0f} items/s")


if __name__ == "__main__":
    main()
