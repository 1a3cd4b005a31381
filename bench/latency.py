"""Alert latency: from an item's publication on a feed to its email at the SMTP server.

Items about Đức Phổ (sovereignty and false-rumour reports, each its own story) are published at
random moments over ``--duration`` seconds on a local feed. The service's own jobs take them
from there, in real time: ``scheduler.build_scheduler`` with sources.yaml's localities, offices
and schedule, its sources replaced by that one feed polled every ``--poll-seconds`` (the
crawl job: fetch, places, topics, stories and alerts in one transaction), the dispatch job every
minute, the other jobs as they are, and the email channel built from MONITOR_SMTP_* pointing at
a local aiosmtpd server. Nothing is mocked and no clock is scaled: the figures are seconds.

Prints the p50 and p95 delay from publication to each message's arrival, split into
publication → stored (waiting for the poll) and stored → arrival (waiting for the dispatch),
with the number of items, messages and polls.

    .venv/bin/python bench/latency.py [--poll-seconds 60] [--items 20] [--duration 600]
        [--jitter-seconds N] [--dispatch-seconds 60] [--seed N] [--database URL]

A full default run takes about --duration plus three minutes. The dispatch job runs every
minute in the service; --dispatch-seconds reschedules it (and the output says so).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import numpy as np
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.alerts.service import build_dispatcher
from monitor.alerts.stage import AlertStage
from monitor.config.loader import load_config
from monitor.config.models import Config
from monitor.crawl.run import make_fetcher
from monitor.storage.db import make_engine, make_sessionmaker
from monitor.storage.lease import Lease
from monitor.storage.migrate import upgrade
from monitor.storage.models import Alert, FetchAttempt, Item
from monitor.stories.signature import Signature, same_story, signature
from monitor.topics.stage import TopicClassifier
from scheduler import LEASE_NAME, build_scheduler
from tests.alerts.newsroom import NewsItem, rss
from tests.alerts.smtp import Received, RecordingHandler, SmtpServer
from tests.servers import Routes, send, serve

ROOT = Path(__file__).resolve().parents[1]
SERVICE_DISPATCH_SECONDS = 60  # scheduler.py: IntervalTrigger(minutes=1)
SENDER = "Media Monitor <canhbao@ducpho.example.org>"
FEED_PATH = "/rss/thoi-su.rss"
FEED_LENGTH = 50  # items a feed lists, newest first

# Reports written the way the press writes them; {boat} makes each one a story of its own (the
# story stage never groups titles whose numbers disagree).
TEMPLATES = (
    (
        "sovereignty",
        "Tàu cá {boat} của ngư dân Đức Phổ bị tàu nước ngoài xua đuổi ở Hoàng Sa",
        "Ngư dân phường {ward}, thị xã Đức Phổ (Quảng Ngãi) cho biết tàu cá bị tàu hải cảnh nước "
        "ngoài xua đuổi, phun vòi rồng khi đang khai thác hải sản ở vùng biển quần đảo Hoàng Sa "
        "của Việt Nam.",
    ),
    (
        "sovereignty",
        "Tàu nước ngoài đâm chìm tàu cá {boat} của ngư dân {ward}",
        "{crew} ngư dân phường {ward}, thị xã Đức Phổ được tàu bạn cứu vớt sau khi tàu cá bị một "
        "tàu nước ngoài đâm chìm ở vùng biển quần đảo Hoàng Sa. Bộ đội Biên phòng Quảng Ngãi "
        "đang xác minh vụ việc.",
    ),
    (
        "sovereignty",
        "Ngư dân Phổ Quang trên tàu {boat} bị bắt giữ, tịch thu hải sản ở Hoàng Sa",
        "Tàu cá của ngư dân xã Phổ Quang cũ, thị xã Đức Phổ bị lực lượng nước ngoài bắt giữ, tịch "
        "thu toàn bộ hải sản và ngư cụ khi đang hoạt động ở vùng biển Hoàng Sa thuộc chủ quyền "
        "Việt Nam.",
    ),
    (
        "sovereignty",
        "Tàu cá {boat} của ngư dân Mỹ Á bị phun vòi rồng gần Hoàng Sa",
        "Tàu hải cảnh nước ngoài phun vòi rồng làm vỡ cabin tàu cá của ngư dân cảng Mỹ Á, thị xã "
        "Đức Phổ, tỉnh Quảng Ngãi khi tàu đang trú gió gần quần đảo Hoàng Sa.",
    ),
    (
        "distortion",
        "Thông tin tàu {boat} của ngư dân {ward} 'bị bắn cháy' là bịa đặt",
        "Mạng xã hội lan truyền clip cho rằng tàu cá của ngư dân phường {ward}, thị xã Đức Phổ bị "
        "bắn cháy trên biển. Bộ đội Biên phòng tỉnh Quảng Ngãi khẳng định đây là thông tin sai "
        "sự thật, tàu và thuyền viên vẫn an toàn.",
    ),
    (
        "distortion",
        "Tin đồn tàu {boat} chìm, ngư dân Đức Phổ mất tích là tin giả",
        "Một tài khoản Facebook đăng tin tàu cá của ngư dân thị xã Đức Phổ bị chìm, {crew} thuyền "
        "viên mất tích. Chính quyền phường Đức Phổ xác nhận tàu đã cập cảng Sa Huỳnh an toàn, "
        "thông tin trên là bịa đặt, gây hoang mang.",
    ),
)
WARDS = ("Sa Huỳnh", "Trà Câu")
CREWS = ("Bốn", "Năm", "Sáu", "Bảy", "Tám")


@dataclass(frozen=True)
class Published:
    news: NewsItem
    at: float  # Unix time the item appears in the feed (also its pubDate)


def newsroom(count: int, rng: random.Random) -> list[NewsItem]:
    """``count`` reports the story stage keeps apart, checked with its own ``same_story``."""
    made: list[NewsItem] = []
    signatures: list[Signature] = []
    while len(made) < count:
        topic, title, summary = rng.choice(TEMPLATES)
        boat = f"QNg-9{rng.randrange(10_000):04d} TS"
        words = {"boat": boat, "ward": rng.choice(WARDS), "crew": rng.choice(CREWS)}
        news = NewsItem(
            title=title.format(**words),
            summary=summary.format(**words),
            link=f"https://vnexpress.net/{boat[4:9]}-{len(made)}-{topic}.html",
            topic=topic,
        )
        sig = signature(news.title, news.summary)
        if any(same_story(sig, other) for other in signatures):
            continue
        made.append(news)
        signatures.append(sig)
    return made


class TimedHandler(RecordingHandler):
    """Keeps what arrived, like the test server, and when (``time.time()``)."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: list[float] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        self.arrived.append(time.time())
        return reply


def feed_route(schedule: list[Published]) -> Any:
    """The feed as a reader sees it now: what has been published so far, newest first."""

    def handle(h: BaseHTTPRequestHandler) -> None:
        now = time.time()
        visible = [p for p in schedule if p.at <= now][-FEED_LENGTH:]
        pairs = [(p.news, datetime.fromtimestamp(p.at, UTC)) for p in visible]
        send(h, 200, rss(pairs), "application/rss+xml; charset=utf-8")

    return handle


def bench_config(base: str, poll: int, jitter: int | None) -> Config:
    """sources.yaml with its sources replaced by the local feed, under its first national
    feed's name; article pages are not fetched (the feed carries the whole report)."""
    shipped = load_config(ROOT / "sources.yaml")
    national = next(s for s in shipped.sources if s.kind == "feed" and s.origin == "domestic")
    source = replace(
        national,
        url=base + FEED_PATH,
        interval_seconds=poll,
        allow_private=True,
        fetch_articles="never",
    )
    schedule = shipped.schedule
    if jitter is not None:
        schedule = replace(schedule, jitter_seconds=jitter)
    return replace(shipped, sources=(source,), schedule=schedule)


def percentiles(values: list[float]) -> str:
    if not values:
        return "no values"
    p50, p95 = np.percentile(values, [50, 95])
    return f"p50 {p50:6.1f} s   p95 {p95:6.1f} s   (min {min(values):.1f}, max {max(values):.1f})"


async def run(args: argparse.Namespace, data_dir: Path, url: str) -> None:
    rng = random.Random(args.seed)
    engine = make_engine(url)
    upgrade(engine)
    factory = make_sessionmaker(engine)
    smtp = SmtpServer()
    handler = TimedHandler()
    smtp.handler = handler
    smtp.start()
    os.environ.update(
        MONITOR_SMTP_HOST=smtp.host,
        MONITOR_SMTP_PORT=str(smtp.port),
        MONITOR_SMTP_TLS="none",
        MONITOR_SMTP_FROM=SENDER,
        MONITOR_DATA_DIR=str(data_dir),
    )
    schedule: list[Published] = []
    routes = Routes()
    routes[FEED_PATH] = feed_route(schedule)
    with serve(routes) as base:
        config = bench_config(base, args.poll_seconds, args.jitter_seconds)
        classifier = TopicClassifier.load(data_dir, config)
        lease = Lease(factory, LEASE_NAME, "bench-latency")
        lease.acquire()
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGINT, stop.set)
        async with make_fetcher(config) as fetcher:
            dispatcher, where = build_dispatcher(factory, config, fetcher)
            scheduler = build_scheduler(
                factory,
                config,
                list(config.sources),
                fetcher,
                lease,
                stop,
                classifier=classifier,
                alerts=AlertStage(config),
                dispatcher=dispatcher,
            )
            if args.dispatch_seconds != SERVICE_DISPATCH_SECONDS:
                scheduler.reschedule_job(
                    "dispatch", trigger=IntervalTrigger(seconds=args.dispatch_seconds)
                )
            started = time.time()
            moments = sorted(rng.uniform(0, args.duration) for _ in range(args.items))
            schedule.extend(
                Published(news, started + moment)
                for news, moment in zip(newsroom(args.items, rng), moments, strict=True)
            )
            scheduler.start()
            print(where)
            print(f"publishing {args.items} items over {args.duration:g} s ...", flush=True)
            jitter = config.schedule.jitter_seconds
            deadline = schedule[-1].at + 2 * (args.poll_seconds + jitter)
            deadline += 2 * args.dispatch_seconds + 30
            while not stop.is_set() and time.time() < deadline:
                await asyncio.sleep(1)
                if time.time() > schedule[-1].at and _all_delivered(factory, handler, schedule):
                    break
            scheduler.shutdown(wait=False)
            running = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            if running:
                await asyncio.wait(running, timeout=10)
        lease.release()
    smtp.stop()
    report(args, config, factory, handler, schedule, started)
    engine.dispose()


def plain_text(received: Received) -> str:
    part = received.message.get_body(("plain",))
    return str(part.get_content()) if part is not None else ""


def _all_delivered(factory: Any, handler: TimedHandler, schedule: list[Published]) -> bool:
    """Every item has a message and nothing is left to send."""
    texts = [plain_text(r) for r in handler.received]
    if not all(any(p.news.link in t for t in texts) for p in schedule):
        return False
    with factory() as session:
        waiting = session.scalar(
            select(func.count()).select_from(Alert).where(Alert.status.in_(("pending", "sending")))
        )
    return not waiting


def report(
    args: argparse.Namespace,
    config: Config,
    factory: Any,
    handler: TimedHandler,
    schedule: list[Published],
    started: float,
) -> None:
    with factory() as session:
        stored = dict(session.execute(select(Item.url, Item.first_seen_at)).all())
        polls = sorted(session.scalars(select(FetchAttempt.started_at)))
        bringing = session.scalar(
            select(func.count()).select_from(FetchAttempt).where(FetchAttempt.items_new > 0)
        )
        left = session.scalar(
            select(func.count())
            .select_from(Alert)
            .where(Alert.status.in_(("pending", "sending", "dead")))
        )
    total, crawl, dispatch = [], [], []
    kinds: dict[str, int] = {}
    reached: set[str] = set()
    for received, arrived in zip(handler.received, handler.arrived, strict=True):
        kind = str(received.message["X-Monitor-Kind"])
        kinds[kind] = kinds.get(kind, 0) + 1
        text = plain_text(received)
        for p in schedule:
            if p.news.link not in text:
                continue
            reached.add(p.news.link)
            total.append(arrived - p.at)
            seen = stored.get(p.news.link)
            if seen is not None:
                crawl.append(seen.timestamp() - p.at)
                dispatch.append(arrived - seen.timestamp())
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(polls)]
    mean_gap = f"{sum(gaps) / len(gaps):.0f} s" if gaps else "n/a"
    jitter = config.schedule.jitter_seconds
    ids = {r.message["Message-ID"] for r in handler.received}
    dispatch_note = "the service's job" if args.dispatch_seconds == 60 else "rescheduled"
    print()
    print("configuration:   sources.yaml (Đức Phổ), its sources replaced by one local feed")
    print("clock:           real time, no scaling")
    print(
        f"feed polled:     every {args.poll_seconds} s + up to {jitter} s jitter "
        f"({len(polls)} polls, mean gap {mean_gap}; each poll falls within the jitter after "
        "its place on the interval grid)"
    )
    print(f"dispatch:        every {args.dispatch_seconds} s ({dispatch_note})")
    print(
        f"items:           {len(schedule)} published at random over {args.duration:g} s, "
        f"{sum(1 for p in schedule if p.news.link in stored)} stored, "
        f"{len(reached)} with a message"
    )
    kind_list = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    print(
        f"messages:        {len(handler.received)} at the SMTP server ({kind_list}); "
        f"{len(handler.received) - len(ids)} duplicates; {left or 0} unsent"
    )
    print(f"publication → SMTP server:   {percentiles(total)}")
    print(f"  publication → stored:      {percentiles(crawl)}")
    print(f"  stored → SMTP server:      {percentiles(dispatch)}")
    print(
        f"{bringing or 0} polls brought new items: the second leg is the wait from such a poll "
        "to the next dispatch run, so it takes that many values; a longer --duration samples "
        "it better"
    )
    print(f"run took {time.time() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--poll-seconds", type=int, default=60, help="feed interval (60)")
    parser.add_argument("--items", type=int, default=20, help="items published (20)")
    parser.add_argument(
        "--duration", type=float, default=600, help="seconds over which they are published"
    )
    parser.add_argument(
        "--jitter-seconds",
        type=int,
        default=None,
        help="jitter of the crawl job (default: sources.yaml's schedule.jitter)",
    )
    parser.add_argument(
        "--dispatch-seconds",
        type=int,
        default=SERVICE_DISPATCH_SECONDS,
        help="dispatch job interval (the service: 60)",
    )
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--database", help="SQLAlchemy URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{tmp}/bench.db"
        asyncio.run(run(args, Path(tmp) / "data", url))


if __name__ == "__main__":
    main()
