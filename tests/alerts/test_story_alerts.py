"""From feeds to the SMTP server: one story per report, one alert per office, one update."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts.compose import Composer
from monitor.alerts.dispatch import Dispatcher
from monitor.alerts.stage import AlertStage
from monitor.config.models import Config, Locality, Office, Schedule, Source
from monitor.crawl.run import crawl
from monitor.storage.models import Alert, Item, Story
from monitor.topics.stage import TopicClassifier
from tests.alerts.smtp import SmtpServer
from tests.servers import Routes, body, serve

LOCALITY = Locality(id="ducpho", name="Đức Phổ", province="Quảng Ngãi")
LEAD = (
    "Ngư dân phường Sa Huỳnh, thị xã Đức Phổ cho biết tàu cá QNg-90123 bị tàu hải cảnh nước "
    "ngoài xua đuổi, phun vòi rồng và cướp hải sản khi đang khai thác ở vùng biển quần đảo "
    "Hoàng Sa của Việt Nam. Bộ đội Biên phòng tỉnh Quảng Ngãi đã làm việc với chủ tàu, ghi nhận "
    "thiệt hại và đề nghị cơ quan chức năng lên tiếng phản đối hành vi vi phạm chủ quyền."
)
TITLES = [
    "Tàu cá Đức Phổ bị tàu nước ngoài xua đuổi, cướp hải sản ở Hoàng Sa",
    "Tàu cá của ngư dân Đức Phổ bị tàu nước ngoài xua đuổi ở Hoàng Sa",
    "Ngư dân Đức Phổ bị tàu nước ngoài cướp hải sản ở Hoàng Sa",
]


def feed(outlet: int, copies: int, lead: str = LEAD) -> bytes:
    entries = []
    for n in range(copies):
        title = TITLES[(outlet + n) % len(TITLES)]
        extra = " (Theo TTXVN)" if n % 2 else ""
        entries.append(
            f"<item><title>{title}</title><link>https://outlet{outlet}.example/a/{n}</link>"
            f"<description>{lead}{extra}</description>"
            f"<pubDate>Sun, 22 Nov 2026 0{n % 9}:00:00 +0000</pubDate></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Báo</title>'
        + "".join(entries)
        + "</channel></rss>"
    ).encode()


OFFICES = (
    Office(
        id="vhxh",
        name="Phòng Văn hóa - Xã hội phường Đức Phổ",
        emails=("vanhoa@ducpho.example.org",),
        topics=("sovereignty", "human_rights", "distortion"),
        min_severity="normal",
    ),
    Office(
        id="bienphong",
        name="Đồn Biên phòng Sa Huỳnh",
        emails=("thamuu@bienphong.example.org", "truc@bienphong.example.org"),
        topics=("sovereignty",),
        min_severity="normal",
    ),
    Office(  # handles another topic: gets nothing
        id="tongiao",
        name="Ban Tôn giáo",
        emails=("tongiao@example.org",),
        topics=("human_rights",),
        min_severity="normal",
    ),
)


def sources_on(
    stack: ExitStack, feeds: dict[str, tuple[bytes, str]], first_host: int = 2
) -> tuple[Source, ...]:
    """One loopback host per outlet (127.0.0.N), so each is its own outlet."""
    sources = []
    for n, (source_id, (payload, origin)) in enumerate(feeds.items(), start=first_host):
        routes = Routes()
        routes["/rss"] = body(payload)
        base = stack.enter_context(serve(routes, host=f"127.0.0.{n}"))
        sources.append(
            Source(
                id=source_id,
                kind="feed",
                url=f"{base}/rss",
                name=source_id,
                origin=origin,  # type: ignore[arg-type]
                allow_private=True,
                respect_robots=False,
                fetch_articles="never",
            )
        )
    return tuple(sources)


async def test_twenty_copies_make_one_story_one_alert_per_office_then_one_update(
    factory: sessionmaker[Session],
    classifier: TopicClassifier,
    smtp_server: SmtpServer,
    tmp_path: Path,
) -> None:
    # 20 copies over 8 domestic outlets: 3+3+3+3+2+2+2+2
    counts = [3, 3, 3, 3, 2, 2, 2, 2]
    with ExitStack() as stack:
        domestic = sources_on(
            stack, {f"d{n}": (feed(n, c), "domestic") for n, c in enumerate(counts)}
        )
        config = Config(
            path="<test>",
            localities=(LOCALITY,),
            sources=domestic,
            offices=OFFICES,
            schedule=Schedule(politeness_delay_seconds=0),
        )
        results = await crawl(factory, config, classifier=classifier, alerts=AlertStage(config))
        assert all(r.outcome == "ok" for r in results), [r.error for r in results]
        with factory() as session:
            assert session.query(Item).count() == 20
            stories = session.scalars(select(Story)).all()
            assert len(stories) == 1, [(s.id, s.title, s.item_count) for s in stories]
            (story,) = stories
            assert story.item_count == 20 and len(story.outlets) == 8
            assert "sovereignty" in story.topics
            alerts = session.scalars(select(Alert)).all()
            assert sorted(a.office_id for a in alerts) == ["bienphong", "vhxh"]
            assert all(a.kind == "alert" and a.status == "pending" for a in alerts)

        dispatcher = Dispatcher(
            factory,
            config,
            {"email": smtp_server.channel()},
            Composer(config, "canhbao@monitor.example.org", tmp_path),
            "worker-1",
        )
        sent = await dispatcher.run_once()
        assert sent.sent == 2, sent.errors
        received = smtp_server.wait_for(2)
        assert sorted(tuple(sorted(r.rcpt_tos)) for r in received) == [
            ("thamuu@bienphong.example.org", "truc@bienphong.example.org"),
            ("vanhoa@ducpho.example.org",),
        ]

        # A foreign outlet picks the story up: one update per office, not one per copy.
        retold = "Theo tin từ Việt Nam, " + LEAD[0].lower() + LEAD[1:]
        foreign = sources_on(stack, {"foreign": (feed(99, 3, retold), "foreign")}, 50)
        later = Config(
            path="<test>",
            localities=(LOCALITY,),
            sources=(*domestic, *foreign),
            offices=OFFICES,
            schedule=Schedule(politeness_delay_seconds=0),
        )
        await crawl(
            factory, later, source_ids=["foreign"], classifier=classifier, alerts=AlertStage(later)
        )
    with factory() as session:
        story = session.scalars(select(Story)).one()
        assert story.item_count == 23 and len(story.foreign_outlets) == 1
        updates = session.scalars(select(Alert).where(Alert.kind == "update")).all()
        assert sorted(a.office_id for a in updates) == ["bienphong", "vhxh"]
    dispatcher.clock = lambda: datetime.now(UTC)
    again = await dispatcher.run_once()
    assert again.sent == 2, again.errors
    received = smtp_server.wait_for(4)
    subjects = [r.message["Subject"] for r in received[2:]]
    assert all("CẬP NHẬT" in s for s in subjects), subjects
    message_ids = {r.message["Message-ID"] for r in received}
    assert len(message_ids) == 4
