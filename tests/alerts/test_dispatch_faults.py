"""The outbox loses nothing and duplicates nothing: SMTP down, a killed dispatcher, two
dispatchers at once, a burst of a thousand alerts — against a real SMTP server."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts.compose import Composer
from monitor.alerts.dispatch import Dispatcher
from monitor.config.models import Config, Office
from monitor.storage.db import transaction
from monitor.storage.models import Alert, Delivery, Item, Source, Story
from tests.alerts.smtp import SmtpServer

SENDER = "canhbao@monitor.example.org"
OFFICE = Office(
    id="vhxh",
    name="Phòng Văn hóa - Xã hội phường Đức Phổ",
    emails=("vanhoa@ducpho.example.org",),
    topics=("sovereignty",),
    min_severity="normal",
    max_per_hour=20,
)
CONFIG = Config(path="<test>", offices=(OFFICE,))


def queue_tests(factory: sessionmaker[Session], count: int) -> list[int]:
    now = datetime.now(UTC)
    with transaction(factory) as session:
        rows = [
            Alert(
                kind="test",
                office_id=OFFICE.id,
                channel="email",
                revision=n,
                severity="info",
                status="pending",
                snapshot={},
                recipients=list(OFFICE.emails),
                next_attempt_at=now,
                created_at=now,
            )
            for n in range(count)
        ]
        session.add_all(rows)
        session.flush()
        return [r.id for r in rows]


def dispatcher(
    factory: sessionmaker[Session], server: SmtpServer, tmp_path: Path, worker: str
) -> Dispatcher:
    return Dispatcher(
        factory,
        CONFIG,
        {"email": server.channel(sender=SENDER)},
        Composer(CONFIG, SENDER, tmp_path),
        worker,
    )


def alert_ids(server: SmtpServer) -> list[int]:
    return [int(str(r.message["X-Monitor-Alert-Id"])) for r in server.received]


async def test_smtp_down_then_back_every_alert_is_delivered_once(
    factory: sessionmaker[Session], smtp_server: SmtpServer, tmp_path: Path
) -> None:
    ids = queue_tests(factory, 5)
    smtp_server.stop()
    d = dispatcher(factory, smtp_server, tmp_path, "w1")
    down = await d.run_once()
    assert down.retried == 5 and down.sent == 0 and down.dead == 0
    with factory() as session:
        assert {a.status for a in session.scalars(select(Alert))} == {"pending"}
        assert session.scalar(select(func.count()).select_from(Delivery)) == 5
    smtp_server.start()
    assert (await d.run_once()).sent == 0  # still backing off
    d.clock = lambda: datetime.now(UTC) + timedelta(hours=3)
    back = await d.run_once()
    assert back.sent == 5, back.errors
    assert sorted(alert_ids(smtp_server)) == ids
    assert len({r.message["Message-ID"] for r in smtp_server.received}) == 5
    with factory() as session:
        outcomes = session.execute(
            select(Delivery.outcome, func.count()).group_by(Delivery.outcome)
        ).all()
    assert dict(outcomes) == {"failed": 5, "sent": 5}


async def test_after_the_last_attempt_an_alert_is_dead_and_says_why(
    sqlite_factory: sessionmaker[Session], smtp_server: SmtpServer, tmp_path: Path
) -> None:
    queue_tests(sqlite_factory, 1)
    smtp_server.stop()
    d = dispatcher(sqlite_factory, smtp_server, tmp_path, "w1")
    d.max_attempts = 3
    for hours in range(3):
        d.clock = lambda h=hours: datetime.now(UTC) + timedelta(hours=3 * h)
        await d.run_once()
    with sqlite_factory() as session:
        (alert,) = session.scalars(select(Alert)).all()
    assert alert.status == "dead" and alert.attempts == 3 and alert.last_error


async def test_two_dispatchers_at_once_send_each_alert_once(
    factory: sessionmaker[Session], smtp_server: SmtpServer, tmp_path: Path
) -> None:
    ids = queue_tests(factory, 120)
    first = dispatcher(factory, smtp_server, tmp_path, "w1")
    second = dispatcher(factory, smtp_server, tmp_path, "w2")
    results = await asyncio.gather(
        first.run_once(limit=40),
        second.run_once(limit=40),
        first.run_once(limit=40),
        second.run_once(limit=40),
    )
    assert sum(r.sent for r in results) == 120
    assert sorted(alert_ids(smtp_server)) == ids  # each exactly once
    with factory() as session:
        workers = set(session.scalars(select(Delivery.worker)))
    assert workers == {"w1", "w2"}


KILLER = """
import asyncio, os, signal, sys
from pathlib import Path
from monitor.alerts.compose import Composer
from monitor.alerts.dispatch import Dispatcher
from monitor.alerts.channels import SmtpChannel
from monitor.config.models import Config, Office
from monitor.storage.db import make_engine, make_sessionmaker

url, port, folder, mode = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
office = Office(id="vhxh", name="Phòng Văn hóa - Xã hội", emails=("vanhoa@ducpho.example.org",),
                topics=("sovereignty",))
config = Config(path="<test>", offices=(office,))
factory = make_sessionmaker(make_engine(url))
channel = SmtpChannel("127.0.0.1", port, "none", None, None, "canhbao@monitor.example.org")
sent = []

async def deliver_then_count(message):
    receipt = await real(message)
    sent.append(message.alert_id)
    if len(sent) == 3:  # three delivered and not yet marked sent: die now
        os.kill(os.getpid(), signal.SIGKILL)
    return receipt

real = channel.deliver
channel.deliver = deliver_then_count

def die_after_claim(ids):
    os.kill(os.getpid(), signal.SIGKILL)  # claimed, nothing sent yet

sender = "canhbao@monitor.example.org"
d = Dispatcher(factory, config, {"email": channel}, Composer(config, sender, folder), "doomed")
if mode == "claim":
    d.after_claim = die_after_claim
asyncio.run(d.run_once())
"""


@pytest.mark.parametrize(
    ("mode", "sent_before", "delivered_before"),
    [("claim", 0, 0), ("send", 2, 3)],
    ids=["killed-between-claim-and-send", "killed-between-send-and-mark"],
)
async def test_a_killed_dispatcher_loses_nothing_and_resends_with_the_same_ids(
    tmp_path: Path, smtp_server: SmtpServer, mode: str, sent_before: int, delivered_before: int
) -> None:
    from monitor.storage.db import make_engine, make_sessionmaker
    from monitor.storage.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    engine = make_engine(url)
    upgrade(engine)
    factory = make_sessionmaker(engine)
    ids = queue_tests(factory, 12)
    script = tmp_path / "killer.py"
    script.write_text(textwrap.dedent(KILLER), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, str(script), url, str(smtp_server.port), str(tmp_path), mode],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == -signal.SIGKILL, run.stderr
    assert len(smtp_server.received) == delivered_before
    with factory() as session:
        statuses = [a.status for a in session.scalars(select(Alert))]
    assert statuses.count("sent") == sent_before
    assert statuses.count("sending") == 12 - sent_before  # claimed by the dead process
    # A new dispatcher takes the rows over once the dead one's lease has run out.
    survivor = dispatcher(factory, smtp_server, tmp_path, "survivor")
    assert (await survivor.run_once()).claimed == 0  # the lease still holds
    survivor.clock = lambda: datetime.now(UTC) + timedelta(minutes=10)
    result = await survivor.run_once()
    assert result.sent == 12 - sent_before, result.errors
    received = smtp_server.received
    # At-least-once: the message delivered but not yet marked goes out again, with its id.
    assert len(received) == 12 + (delivered_before - sent_before)
    assert len({r.message["Message-ID"] for r in received}) == len(ids)
    assert sorted(set(alert_ids(smtp_server))) == ids


async def test_a_burst_of_a_thousand_alerts_is_delivered_within_the_rate_limit(
    sqlite_factory: sessionmaker[Session], smtp_server: SmtpServer, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    with transaction(sqlite_factory) as session:
        session.add(Source(id="s", kind="feed", url="https://baoquangngai.vn/rss", name="BQN"))
        session.flush()
        item = Item(
            url="https://baoquangngai.vn/a/1",
            original_url="https://baoquangngai.vn/a/1",
            source_id="s",
            title="Tàu cá Đức Phổ bị xua đuổi ở Hoàng Sa",
            published_at=now,
            content_hash="x",
        )
        session.add(item)
        session.flush()
        story = Story(
            lead_item_id=item.id,
            title=item.title,
            first_seen_at=now,
            last_seen_at=now,
            item_count=1,
            outlets=["baoquangngai.vn"],
            foreign_outlets=[],
            languages=["vi"],
            localities=[],
            topics=["sovereignty"],
            scores={"sovereignty": 0.9},
            severity="normal",
            reasons=[],
        )
        session.add(story)
        session.flush()
        session.add_all(
            Alert(
                kind="alert",
                office_id=OFFICE.id,
                channel="email",
                story_id=story.id,
                revision=n,
                severity="urgent" if n % 100 == 0 else "normal",
                status="pending",
                snapshot={},
                recipients=list(OFFICE.emails),
                next_attempt_at=now,
                created_at=now,
            )
            for n in range(1000)
        )
    d = dispatcher(sqlite_factory, smtp_server, tmp_path, "w1")
    first = await d.run_once(limit=2000)
    assert first.summarised == 1000 - OFFICE.max_per_hour
    assert first.sent == OFFICE.max_per_hour + 1, first.errors  # the allowance and one summary
    assert (await d.run_once(limit=2000)).sent == 0  # nothing more within the hour
    received = smtp_server.received
    singles = [r for r in received if r.message["X-Monitor-Kind"] == "alert"]
    (summary,) = [r for r in received if r.message["X-Monitor-Kind"] == "summary"]
    carried = [int(i) for i in str(summary.message["X-Monitor-Summarised"]).split(",")]
    delivered = {int(str(r.message["X-Monitor-Alert-Id"])) for r in singles} | set(carried)
    with sqlite_factory() as session:
        every = set(session.scalars(select(Alert.id).where(Alert.kind == "alert")))
        urgent = set(
            session.scalars(
                select(Alert.id).where(Alert.kind == "alert", Alert.severity == "urgent")
            )
        )
    assert delivered == every and len(carried) + len(singles) == 1000
    assert urgent <= {int(str(r.message["X-Monitor-Alert-Id"])) for r in singles}
