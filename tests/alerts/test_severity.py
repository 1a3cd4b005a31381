"""Severity: urgent, normal or info from named signals, each with its reason in Vietnamese.

The signals are the topic model's certainty, the tone, who published (foreign press, national
press or only the local paper), how fast the story spreads against the locality's usual rate,
and configured keyword rules. Officers read the reasons, so each signal that counted must say
so, and the same story must be judged the same way from the database as from plain values.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts.severity import URGENT_POINTS, Signals, assess, at_least
from monitor.config.models import Config
from monitor.config.models import Source as SourceConfig
from monitor.storage.db import transaction
from monitor.storage.models import Item, Mention, Story
from tests.alerts.flagged import (
    DUCPHO,
    FOREIGN,
    LOCAL,
    NATIONAL,
    SOURCES,
    office,
    publish,
    setup_sources,
)

# A story on one local paper, the model fairly sure, neutral tone, nothing else: the baseline
# every test changes one signal of.
QUIET = Signals(
    topics=("sovereignty",),
    scores={"sovereignty": 0.7},
    tone="neutral",
    foreign_outlets=0,
    national_outlets=0,
    outlet_count=1,
    items_last_hour=1,
    baseline_per_hour=0.5,
)


def test_a_story_without_a_watched_topic_is_info() -> None:
    assert assess(replace(QUIET, topics=(), foreign_outlets=3)) == (
        "info",
        ("không thuộc chủ đề cần theo dõi",),
    )


def test_a_flagged_topic_alone_is_normal_however_sure_the_model() -> None:
    """A topic label says what an item is about; by itself it is not an emergency."""
    assert assess(QUIET) == ("normal", ("mô hình gắn chủ đề (0.70)",))
    sure = replace(QUIET, scores={"sovereignty": 0.85})
    assert assess(sure) == ("normal", ("mô hình chắc chắn về chủ đề (0.85)",))


def test_the_foreign_press_makes_a_sure_call_urgent() -> None:
    """Foreign outlets are the strongest reach signal: a sure call they carry is urgent."""
    severity, reasons = assess(
        replace(QUIET, scores={"sovereignty": 0.9}, foreign_outlets=1, outlet_count=2)
    )
    assert severity == "urgent"
    assert "báo nước ngoài đăng (1 trang)" in reasons
    # With an unsure call it takes one more signal.
    unsure = replace(QUIET, foreign_outlets=1, outlet_count=2)
    assert assess(unsure)[0] == "normal"
    assert assess(replace(unsure, tone="negative"))[0] == "urgent"


def test_the_national_press_counts_and_the_local_paper_does_not() -> None:
    """The same sure, negative story is urgent once a national paper runs it; on the
    provincial paper alone it stays normal."""
    local = replace(QUIET, scores={"sovereignty": 0.9}, tone="negative")
    assert assess(local) == (
        "normal",
        ("mô hình chắc chắn về chủ đề (0.90)", "sắc thái tiêu cực"),
    )
    national = replace(local, national_outlets=1, outlet_count=2)
    assert assess(national) == (
        "urgent",
        ("mô hình chắc chắn về chủ đề (0.90)", "sắc thái tiêu cực", "báo trung ương đăng"),
    )


def test_wide_reach_counts_once_not_on_top_of_the_national_press() -> None:
    """Five outlets is wide reach; it replaces, not adds to, the national press signal."""
    wide = replace(QUIET, scores={"sovereignty": 0.9}, national_outlets=5, outlet_count=5)
    severity, reasons = assess(wide)
    assert severity == "normal"  # 2 (sure) + 1 (wide), below URGENT_POINTS
    assert URGENT_POINTS == 4
    assert "nhiều trang đăng lại (5 trang)" in reasons
    assert "báo trung ương đăng" not in reasons


@pytest.mark.parametrize(
    ("items", "baseline", "fast"),
    [
        (3, 0.5, True),  # 3 an hour where 0.5 is usual
        (3, 0.0, True),  # a place nobody writes about: three in an hour is news
        (2, 0.0, False),  # two items are not yet a spread
        (3, 1.5, False),  # a busy place: 3 an hour is less than three times usual
        (6, 1.5, True),
    ],
)
def test_fast_spread_is_measured_against_the_localitys_usual_rate(
    items: int, baseline: float, fast: bool
) -> None:
    signals = replace(QUIET, items_last_hour=items, baseline_per_hour=baseline)
    severity, reasons = assess(signals)
    spreading = [r for r in reasons if r.startswith("lan nhanh")]
    if fast:
        assert spreading == [
            f"lan nhanh: {items} tin trong 1 giờ (bình thường {baseline:.1f} tin/giờ)"
        ]
        assert severity == "normal"  # 1 (unsure) + 2: one more signal makes it urgent
        assert assess(replace(signals, tone="negative"))[0] == "urgent"
    else:
        assert spreading == []


def test_a_configured_keyword_counts_and_is_named() -> None:
    """A phrase the office configured (a new reef's name) is a deliberate signal."""
    severity, reasons = assess(
        replace(QUIET, scores={"sovereignty": 0.9}, rule_hits=("Đá Ba Đầu", "Đá Ba Đầu"))
    )
    assert severity == "urgent"
    assert "khớp từ khóa đã cấu hình: Đá Ba Đầu" in reasons


def test_severities_compare_in_order() -> None:
    assert at_least("urgent", "normal") and at_least("normal", "normal")
    assert not at_least("info", "normal") and not at_least("normal", "urgent")
    assert at_least("info", "info")


# --- the same signals, read from the database by the alert stage ---------------------------------

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


@pytest.fixture
def config() -> Config:
    return Config(
        path="<test>",
        localities=(DUCPHO,),
        sources=SOURCES,
        offices=(office("vhtt", min_severity="info"),),
    )


def story_of(
    factory: sessionmaker[Session],
    config: Config,
    copies: list[tuple[SourceConfig, datetime]],
    **options: Any,
) -> Story:
    """Publish ``copies`` of one report (source, time seen) and return its story as assessed."""
    setup_sources(factory, config)
    story_id = None
    for n, (source, seen) in enumerate(copies):
        with transaction(factory) as session:
            item = publish(
                session,
                config,
                "tau-ca",
                seen,
                topics=["sovereignty"],
                source=source,
                copy=n,
                **options,
            )
            story_id = item.story_id
    with factory() as session:
        story = session.get(Story, story_id)
        assert story is not None
        return story


def test_the_provincial_paper_is_local_press_and_a_national_paper_is_not(
    sqlite_factory: sessionmaker[Session], config: Config
) -> None:
    """A source with ``province:`` is the local press: its story is not national reach."""
    negative = {"scores": {"sovereignty": 0.9}, "tone": "negative"}
    local = story_of(sqlite_factory, config, [(LOCAL, NOW)], **negative)
    assert (local.severity, local.reasons) == (
        "normal",
        ["mô hình chắc chắn về chủ đề (0.90)", "sắc thái tiêu cực"],
    )
    # The same report an hour and a half later on VnExpress joins the story and tips it.
    with transaction(sqlite_factory) as session:
        item = publish(
            session,
            config,
            "tau-ca",
            NOW + timedelta(minutes=90),
            topics=["sovereignty"],
            source=NATIONAL,
            copy=1,
            scores={"sovereignty": 0.9},
            tone="negative",
        )
        story = session.get(Story, item.story_id)
        assert story is not None and story.id == local.id
        assert (story.severity, story.reasons[-1]) == ("urgent", "báo trung ương đăng")


def test_a_foreign_outlet_is_read_from_the_outlet_origin(
    sqlite_factory: sessionmaker[Session], config: Config
) -> None:
    story = story_of(sqlite_factory, config, [(FOREIGN, NOW)], scores={"sovereignty": 0.9})
    assert story.severity == "urgent"
    assert "báo nước ngoài đăng (1 trang)" in story.reasons


def test_fast_spread_counts_the_last_hours_copies_against_the_last_weeks_mentions(
    sqlite_factory: sessionmaker[Session], config: Config
) -> None:
    """Three copies within the hour in a locality the press rarely names is spread; the same
    three copies where a story a day about the place is usual would be only if much faster."""
    copies = [(LOCAL, NOW + timedelta(minutes=m)) for m in (0, 20, 40)]
    story = story_of(sqlite_factory, config, copies, scores={"sovereignty": 0.7})
    assert story.item_count == 3
    assert any(r.startswith("lan nhanh: 3 tin trong 1 giờ") for r in story.reasons), story.reasons


def test_a_busy_locality_raises_the_bar_for_fast_spread(
    sqlite_factory: sessionmaker[Session], config: Config
) -> None:
    """With about 1.2 items an hour over the last week, three in an hour is ordinary."""
    setup_sources(sqlite_factory, config)
    with transaction(sqlite_factory) as session:
        for n in range(200):  # 200 items in 7 days ≈ 1.19 an hour
            seen = NOW - timedelta(hours=1 + n * 0.8)
            url = f"https://baoquangngai.vn/tin-{n}.htm"
            title = f"Tin số {n} ở Đức Phổ"
            item = Item(
                url=url,
                original_url=url,
                source_id=LOCAL.id,
                title=title,
                published_at=seen,
                content_hash=str(n),
                first_seen_at=seen,
            )
            session.add(item)
            session.flush()
            session.add(
                Mention(
                    item_id=item.id,
                    locality_id="ducpho",
                    field="title",
                    start=title.index("Đức Phổ"),
                    end=len(title),
                    surface="Đức Phổ",
                    confidence=0.9,
                )
            )
    copies = [(LOCAL, NOW + timedelta(minutes=m)) for m in (0, 20, 40)]
    story = story_of(sqlite_factory, config, copies, scores={"sovereignty": 0.7})
    assert story.item_count == 3
    assert not any(r.startswith("lan nhanh") for r in story.reasons), story.reasons


def test_a_keyword_rule_hit_stored_with_the_classification_counts(
    sqlite_factory: sessionmaker[Session], config: Config
) -> None:
    story = story_of(
        sqlite_factory,
        config,
        [(LOCAL, NOW)],
        scores={"sovereignty": 0.9},
        rules={"sovereignty": ["Đá Ba Đầu"]},
    )
    assert story.severity == "urgent"
    assert "khớp từ khóa đã cấu hình: Đá Ba Đầu" in story.reasons
