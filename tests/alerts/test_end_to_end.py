"""Each shipped configuration end to end: a local feed, the crawl that stores, places, classifies
and raises alerts in one transaction, one dispatch pass, and a real SMTP server receiving.

The configuration is read with the project's loader; only its sources change (its own national
press feed, and for one test its own foreign one, now served from loopback addresses and read
without article pages). Mail settings come from MONITOR_SMTP_* as in production, and the steps
are the functions `monitor crawl --once` and `monitor alerts send` call. Who should get what is
worked out here from the configuration's offices and routes as docs/configuration.md states the
rules, not by asking the routing code, so a routing mistake cannot agree with itself.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from html import escape as html_escape
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from classifiers.store import Loaded
from monitor.alerts.dispatch import DispatchResult
from monitor.alerts.service import build_dispatcher
from monitor.alerts.stage import AlertStage
from monitor.config.loader import load_config
from monitor.config.models import Config, Source
from monitor.crawl.refresh import RefreshResult
from monitor.crawl.run import crawl, make_fetcher
from monitor.storage.models import Alert, Classification, Item, Story
from monitor.topics.stage import TopicClassifier, rules_of
from tests.alerts.newsroom import CASES, NO_LOCALITY, Case, NewsItem, rss
from tests.alerts.smtp import Received, SmtpServer
from tests.servers import Routes, body, serve

ROOT = Path(__file__).resolve().parents[2]
SENDER_ADDRESS = "canhbao@monitor.example.org"
SENDER = f"Media Monitor <{SENDER_ADDRESS}>"
RANK = {"info": 0, "normal": 1, "urgent": 2}  # docs/configuration.md, "min_severity"


def served_at(source: Source, url: str) -> Source:
    """A configured source read from ``url`` instead; its feed carries whole summaries, so no
    article page (an address on the internet) is fetched."""
    return replace(source, url=url, allow_private=True, fetch_articles="never")


def first_feed(config: Config, origin: str) -> Source:
    """The configuration's first national (no ``province``) feed of that origin."""
    return next(
        s for s in config.sources if s.kind == "feed" and s.origin == origin and s.province is None
    )


def with_sources(config: Config, *sources: Source) -> Config:
    """The configuration reading only ``sources``. The politeness gap between two requests is
    for other people's servers; these are ours and would only wait a second per crawl."""
    schedule = replace(config.schedule, politeness_delay_seconds=0)
    return replace(config, sources=sources, schedule=schedule)


def owed(config: Config, story: Story) -> dict[str, bool]:
    """Office id → True if the story goes to it at once, False if only to its digest.

    An office gets a story with one of its topics in a locality it covers, at once from its
    ``min_severity`` up; a route whose topics, localities and severity fit adds its offices at
    once, whatever their own threshold.
    """
    topics, localities = set(story.topics), set(story.localities)
    rank = RANK[story.severity]
    out: dict[str, bool] = {}
    for office in config.offices:
        covers = not office.localities or bool(set(office.localities) & localities)
        if covers and set(office.topics) & topics:
            out[office.id] = rank >= RANK[office.min_severity]
    for rule in config.routes:
        fits = (not rule.topics or bool(set(rule.topics) & topics)) and (
            not rule.localities or bool(set(rule.localities) & localities)
        )
        if fits and rank >= RANK[rule.min_severity]:
            out.update(dict.fromkeys(rule.offices, True))
    return out


def at_once(config: Config, story: Story) -> list[str]:
    return sorted(office_id for office_id, now in owed(config, story).items() if now)


async def send_due(factory: sessionmaker[Session], config: Config) -> tuple[DispatchResult, str]:
    """What `monitor alerts send` does: one dispatch pass through the mail settings."""
    async with make_fetcher(config) as fetcher:
        dispatcher, where = build_dispatcher(factory, config, fetcher)
        return await dispatcher.run_once(), where


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def part(received: Received, subtype: str) -> str:
    """The message's text/``subtype`` part, decoded; every alert carries both."""
    body = received.message.get_body((subtype,))
    assert body is not None, f"no text/{subtype} part"
    return str(body.get_content())


@dataclass
class Pipeline:
    """One shipped configuration after a crawl of its local feed and a dispatch pass."""

    case: Case
    shipped: Config  # as loaded from the file
    config: Config  # reading the local feed
    factory: sessionmaker[Session]
    smtp: SmtpServer
    classifier: TopicClassifier
    crawled: list[RefreshResult]
    dispatched: DispatchResult
    where: str
    data_dir: Path

    async def crawl_once(
        self, config: Config | None = None, source_ids: Sequence[str] = ()
    ) -> list[RefreshResult]:
        """What `monitor crawl --once` does: the sources now, stories and alerts included."""
        config = config or self.config
        return await crawl(
            self.factory,
            config,
            source_ids=source_ids,
            classifier=self.classifier,
            alerts=AlertStage(config),
        )

    def item(self, news: NewsItem) -> Item:
        with self.factory() as session:
            return session.scalars(select(Item).where(Item.url == news.link)).one()

    def story(self, news: NewsItem) -> Story:
        with self.factory() as session:
            item = session.scalars(select(Item).where(Item.url == news.link)).one()
            story = session.get(Story, item.story_id)
            assert story is not None, news.title
            return story

    def messages_about(self, story_id: int) -> list[Received]:
        return [r for r in self.smtp.received if r.message["X-Monitor-Story-Id"] == str(story_id)]


@pytest.fixture(params=CASES, ids=[case.config for case in CASES])
async def pipeline(
    request: pytest.FixtureRequest,
    topic_model: Loaded,
    smtp_server: SmtpServer,
    sqlite_factory: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Pipeline]:
    case: Case = request.param
    for name in ("MONITOR_SMTP_USER", "MONITOR_SMTP_PASSWORD", "MONITOR_SMTP_PASSWORD_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MONITOR_SMTP_HOST", smtp_server.host)
    monkeypatch.setenv("MONITOR_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("MONITOR_SMTP_TLS", "none")
    monkeypatch.setenv("MONITOR_SMTP_FROM", SENDER)
    monkeypatch.setenv("MONITOR_DATA_DIR", str(tmp_path / "data"))
    now = datetime.now(UTC).replace(microsecond=0)
    published = [(NO_LOCALITY, now - timedelta(minutes=50))] + [
        (news, now - timedelta(minutes=40 - 15 * n)) for n, news in enumerate(case.items)
    ]
    routes = Routes()
    routes["/rss/thoi-su.rss"] = body(rss(published))
    with serve(routes) as base:
        shipped = load_config(ROOT / case.config)
        national = served_at(first_feed(shipped, "domestic"), f"{base}/rss/thoi-su.rss")
        config = with_sources(shipped, national)
        # What the CLI builds with TopicClassifier.load(data dir, config), the model read once.
        classifier = TopicClassifier(
            topic_model.model, topic_model.metadata.version, rules_of(config)
        )
        crawled = await crawl(
            sqlite_factory, config, classifier=classifier, alerts=AlertStage(config)
        )
        dispatched, where = await send_due(sqlite_factory, config)
        yield Pipeline(
            case,
            shipped,
            config,
            sqlite_factory,
            smtp_server,
            classifier,
            crawled,
            dispatched,
            where,
            tmp_path / "data",
        )


async def test_an_item_about_the_locality_reaches_every_office_the_configuration_names(
    pipeline: Pipeline,
) -> None:
    p, config = pipeline, pipeline.config
    assert [(r.outcome, r.items_new) for r in p.crawled] == [("ok", 1 + len(p.case.items))], [
        r.error for r in p.crawled
    ]
    assert f"{p.smtp.host}:{p.smtp.port}" in p.where  # MONITOR_SMTP_* were read
    assert not (p.data_dir / "outbox").exists()  # nothing fell back to .eml files
    assert p.dispatched.errors == [] and p.dispatched.dead == 0
    locality = next(loc for loc in config.localities if loc.id == p.case.locality)
    offices = {office.id: office for office in config.offices}
    expected_messages = 0
    for news in p.case.items:
        assert p.item(news).relevance == "strong", news.title
        story = p.story(news)
        assert p.case.locality in story.localities
        assert news.topic in story.topics, (news.title, story.topics, story.scores)
        want = owed(config, story)
        assert at_once(config, story), (
            f"{p.case.config}: no office is sent a {story.severity} {news.topic} story at once"
        )
        with p.factory() as session:
            rows = session.scalars(select(Alert).where(Alert.story_id == story.id)).all()
        assert {a.office_id: a.status for a in rows} == {
            office_id: "sent" if now else "digest_only" for office_id, now in want.items()
        }

        messages = p.messages_about(story.id)
        assert sorted(str(r.message["X-Monitor-Office"]) for r in messages) == at_once(
            config, story
        )
        expected_messages += len(messages)
        for received in messages:
            office = offices[str(received.message["X-Monitor-Office"])]
            assert sorted(received.rcpt_tos) == sorted(office.emails)
            assert received.message["To"] == ", ".join(office.emails)
            assert received.mail_from == SENDER_ADDRESS and received.message["From"] == SENDER
            alert_id = received.message["X-Monitor-Alert-Id"]
            assert received.message["Message-ID"] == f"<alert-{alert_id}@monitor.example.org>"
            subject = str(received.message["Subject"])
            assert subject.startswith("[KHẨN]" if story.severity == "urgent" else "[THƯỜNG]")
            assert nfc(locality.name) in subject and nfc(news.title) in subject, subject
            text, html = part(received, "plain"), part(received, "html")
            # The title whole, its locality mention marked: «Đức Phổ» in text, <mark> in HTML.
            assert re.search(r"«[^«»]+»", text), text
            assert nfc(news.title) in re.sub("[«»]", "", text) and news.link in text
            assert nfc(locality.name) in text and nfc(office.name) in text
            assert re.search(r"<mark>[^<]+</mark>", html)
            assert html_escape(nfc(news.title)) in re.sub("</?mark>", "", html)
    assert len(p.smtp.received) == expected_messages == p.dispatched.sent


async def test_nothing_is_sent_for_an_item_that_names_no_watched_locality(
    pipeline: Pipeline,
) -> None:
    item = pipeline.item(NO_LOCALITY)
    assert item.relevance == "none" and item.story_id is None
    with pipeline.factory() as session:
        classified = session.scalars(
            select(Classification).where(Classification.item_id == item.id)
        )
        assert classified.all() == []
    assert pipeline.smtp.received
    for received in pipeline.smtp.received:
        text = part(received, "plain")
        assert NO_LOCALITY.link not in text and "Cần Thơ" not in str(received.message["Subject"])


async def test_a_second_dispatch_pass_and_a_second_poll_send_nothing_more(
    pipeline: Pipeline,
) -> None:
    first = len(pipeline.smtp.received)
    assert first == pipeline.dispatched.sent > 0
    again, _ = await send_due(pipeline.factory, pipeline.config)
    assert (again.claimed, again.sent) == (0, 0)

    polled = await pipeline.crawl_once()  # the same feed read again: every item already known
    assert [(r.outcome, r.items_new) for r in polled] == [("ok", 0)]
    with pipeline.factory() as session:
        assert session.scalars(select(Alert).where(Alert.status == "pending")).all() == []
    after, _ = await send_due(pipeline.factory, pipeline.config)
    assert (after.claimed, after.sent) == (0, 0)
    assert len(pipeline.smtp.received) == first
    assert len({r.message["Message-ID"] for r in pipeline.smtp.received}) == first


async def test_foreign_press_picking_the_story_up_makes_it_urgent_for_every_office_of_its_topic(
    pipeline: Pipeline,
) -> None:
    """The configuration's own foreign outlet retells the sovereignty item: one story still,
    now urgent, so offices that wait for urgent news (the police) hear of it at once, and
    those told before get one update."""
    p = pipeline
    news = next(n for n in p.case.items if n.topic == "sovereignty")
    before = p.story(news)
    told = set(at_once(p.config, before))
    retold = replace(
        news,
        summary="Theo truyền thông trong nước, " + news.summary[0].lower() + news.summary[1:],
        link=news.link.replace("https://vnexpress.net/", "https://www.bbc.com/vietnamese/"),
    )
    routes = Routes()
    routes["/vietnamese/rss.xml"] = body(rss([(retold, datetime.now(UTC))], "BBC News Tiếng Việt"))
    with serve(routes, host="127.0.0.2") as base:
        foreign = served_at(first_feed(p.shipped, "foreign"), f"{base}/vietnamese/rss.xml")
        config = with_sources(p.shipped, *p.config.sources, foreign)
        crawled = await p.crawl_once(config, [foreign.id])
    assert [(r.outcome, r.items_new) for r in crawled] == [("ok", 1)], [r.error for r in crawled]
    story = p.story(retold)
    assert story.id == before.id and story.item_count == 2 and story.foreign_outlets
    assert story.severity == "urgent", story.reasons

    sent, _ = await send_due(p.factory, config)
    assert sent.errors == []
    later = p.smtp.received[p.dispatched.sent :]
    assert {r.message["X-Monitor-Story-Id"] for r in later} == {str(story.id)}
    assert sorted(str(r.message["X-Monitor-Office"]) for r in later) == at_once(config, story)
    assert set(at_once(config, story)) > told  # someone who waits for urgent news is told now
    for received in later:
        office_id = str(received.message["X-Monitor-Office"])
        kind, subject = received.message["X-Monitor-Kind"], str(received.message["Subject"])
        if office_id in told:
            assert kind == "update" and subject.startswith("[CẬP NHẬT] [KHẨN]"), subject
        else:
            assert kind == "alert" and subject.startswith("[KHẨN]"), subject
    assert (await send_due(p.factory, config))[0].sent == 0
