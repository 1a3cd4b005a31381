"""Flagged stories in a real database, for the alert behaviour tests.

``publish`` stores an item the way the crawl leaves it (outlet from its source, a locality
mention, a classification), then runs the real alert stage on it: the story stage groups it,
severity is assessed from the database, routing picks the offices and the outbox rows are
written. The classification is written by hand instead of by the topic model so that each test
decides the topics, scores, tone and rule hits it is about; everything after it is the
project's own code.

Also here: the dispatcher and the SMTP helpers the alert tests share.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts.compose import Composer
from monitor.alerts.dispatch import Channel, Dispatcher
from monitor.alerts.stage import AlertStage
from monitor.config.models import Config, Locality, Office
from monitor.config.models import Source as SourceConfig
from monitor.storage.db import transaction
from monitor.storage.models import Alert, Classification, Item, Mention, Source
from monitor.storage.repo import sync_sources
from tests.alerts.smtp import Received

SENDER = "canhbao@monitor.example.org"
DUCPHO = Locality(id="ducpho", name="Đức Phổ", province="Quảng Ngãi")
VANNINH = Locality(id="vanninh", name="Vạn Ninh", province="Khánh Hòa")

# A provincial paper (``province`` makes it local press), a national one and a foreign one.
LOCAL = SourceConfig(
    id="baoquangngai",
    kind="feed",
    url="https://baoquangngai.vn/rss",
    name="Báo Quảng Ngãi",
    province="Quảng Ngãi",
)
NATIONAL = SourceConfig(
    id="vnexpress", kind="feed", url="https://vnexpress.net/rss/thoi-su.rss", name="VnExpress"
)
FOREIGN = SourceConfig(
    id="bbc",
    kind="feed",
    url="https://feeds.bbci.co.uk/vietnamese/rss.xml",
    name="BBC Tiếng Việt",
    origin="foreign",
)
SOURCES = (LOCAL, NATIONAL, FOREIGN)

# Distinct reports (title, lead): different enough never to be grouped into one story.
REPORTS = {
    "tau-ca": (
        "Tàu cá Đức Phổ bị tàu nước ngoài xua đuổi ở Hoàng Sa",
        "Ngư dân phường Sa Huỳnh cho biết tàu cá QNg-90123 bị tàu hải cảnh nước ngoài xua đuổi, "
        "phun vòi rồng và cướp hải sản khi đang khai thác ở vùng biển quần đảo Hoàng Sa.",
    ),
    "sap-cau": (
        "Công an bác tin đồn sập cầu ở Đức Phổ",
        "Công an thị xã khẳng định thông tin cây cầu trên quốc lộ 1 bị sập, lan truyền trên mạng "
        "xã hội từ tối qua, là bịa đặt; người đăng tin đã được mời lên làm việc.",
    ),
    "ton-giao": (
        "Trang mạng xuyên tạc về tự do tôn giáo ở Đức Phổ",
        "Một trang mạng ở nước ngoài đăng bài cho rằng tín đồ tại địa phương bị cấm sinh hoạt "
        "tôn giáo; chính quyền cho biết các cơ sở thờ tự vẫn hoạt động bình thường.",
    ),
    "da-ba-dau": (
        "Ngư dân Đức Phổ gặp tàu lạ gần Đá Ba Đầu",
        "Hai tàu cá của ngư dân bị một tàu lạ bám theo suốt buổi sáng gần Đá Ba Đầu; Bộ đội "
        "Biên phòng đã ghi nhận sự việc và hướng dẫn ngư dân giữ liên lạc.",
    ),
    "bao": (
        "Đức Phổ sơ tán dân trước bão số 13",
        "Chính quyền thị xã đã sơ tán hơn ba nghìn hộ dân ven biển đến nơi an toàn, tàu thuyền "
        "được gọi về bến neo đậu trước khi bão đổ bộ vào đêm nay.",
    ),
    "van-ninh": (
        "Tàu cá Vạn Ninh bị tàu lạ đâm chìm ngoài khơi",
        "Một tàu cá của ngư dân huyện Vạn Ninh bị tàu lạ đâm chìm khi đang đánh bắt ngoài khơi; "
        "chín thuyền viên được tàu bạn cứu vớt an toàn và đưa về bờ.",
    ),
}


def setup_sources(factory: sessionmaker[Session], config: Config) -> None:
    """Mirror the configured sources into the database (their outlets included)."""
    with transaction(factory) as session:
        sync_sources(session, config)


def publish(
    session: Session,
    config: Config,
    report: str,
    now: datetime,
    *,
    topics: Sequence[str],
    source: SourceConfig = NATIONAL,
    scores: dict[str, float] | None = None,
    tone: str = "neutral",
    locality: Locality = DUCPHO,
    rules: dict[str, list[str]] | None = None,
    copy: int = 0,
) -> Item:
    """Store one copy of ``report`` as seen at ``now`` and run the alert stage on it."""
    title, lead = REPORTS[report]
    url = f"https://{urlsplit(source.url).hostname}/{report}-{copy}.htm"
    row = session.get(Source, source.id)
    assert row is not None, f"call setup_sources first: no source {source.id}"
    item = Item(
        url=url,
        original_url=url,
        source_id=source.id,
        outlet_id=row.outlet_id,
        title=title,
        summary=lead,
        published_at=now,
        language="vi",
        content_hash=hashlib.sha256(url.encode()).hexdigest(),
        first_seen_at=now,
        relevance="strong",
        relevance_checked_at=now,
        classified_at=now,
    )
    session.add(item)
    session.flush()
    start = title.find(locality.name)
    if start >= 0:
        session.add(
            Mention(
                item_id=item.id,
                locality_id=locality.id,
                field="title",
                start=start,
                end=start + len(locality.name),
                surface=locality.name,
                confidence=0.95,
            )
        )
    session.add(
        Classification(
            item_id=item.id,
            model_version="test",
            topics=list(topics),
            scores=scores if scores is not None else dict.fromkeys(topics, 0.9),
            tone=tone,
            tone_scores={tone: 1.0},
            explain={},
            rules=rules or {},
            created_at=now,
        )
    )
    session.flush()
    AlertStage(config).process(session, [item], now)
    return item


def flag(
    factory: sessionmaker[Session], config: Config, report: str, now: datetime, **options: Any
) -> int:
    """``publish`` in its own transaction; returns the story id."""
    with transaction(factory) as session:
        item = publish(session, config, report, now, **options)
        assert item.story_id is not None
        return item.story_id


def rows(factory: sessionmaker[Session], *where: ColumnElement[bool]) -> list[Alert]:
    """Outbox rows matching ``where``, in id order."""
    with factory() as session:
        return list(session.scalars(select(Alert).where(*where).order_by(Alert.id)))


def make_dispatcher(
    factory: sessionmaker[Session],
    config: Config,
    channel: Channel,
    data_dir: Path,
    clock: Callable[[], datetime],
    worker: str = "w1",
) -> Dispatcher:
    return Dispatcher(
        factory,
        config,
        {"email": channel},
        Composer(config, SENDER, data_dir),
        worker,
        clock=clock,
    )


def at(moment: datetime) -> Callable[[], datetime]:
    """A clock stopped at ``moment``."""
    return lambda: moment


def kinds(received: Sequence[Received]) -> list[str]:
    return [str(r.message["X-Monitor-Kind"]) for r in received]


def text_of(received: Received) -> str:
    """The plain-text part of a received message."""
    body = received.message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def html_of(received: Received) -> str:
    body = received.message.get_body(preferencelist=("html",))
    assert body is not None
    return str(body.get_content())


ACK_LINK = re.compile(r"/ack/(\d+)/([0-9a-f]+)")


def ack_link(received: Received) -> tuple[int, str]:
    """The alert id and token of the acknowledgement link in a received message."""
    match = ACK_LINK.search(text_of(received))
    assert match is not None, "no acknowledgement link in the message"
    return int(match.group(1)), match.group(2)


def office(office_id: str, **options: Any) -> Office:
    """An office named after its id with one address; every topic unless told otherwise."""
    fields: dict[str, Any] = {
        "name": f"Phòng {office_id}",
        "emails": (f"{office_id}@ducpho.example.org",),
        "topics": ("sovereignty", "human_rights", "distortion"),
        **options,
    }
    return Office(id=office_id, **fields)
