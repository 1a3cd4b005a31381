"""Tables. Times are stored in UTC (timezone-aware columns); shown in Asia/Ho_Chi_Minh.

The schema is shaped for what comes next: items keep their outlet and every source they were seen
through, so locality mentions, classifications, stories, decisions and alerts can hang off
``items.id`` without reworking ingestion.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names so Alembic migrations read the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always aware and in UTC, whatever the backend returns.

    SQLite has no zone-aware type; without this, values read back naive and comparisons with
    aware datetimes raise.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a zone first")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Outlet(Base):
    """Who published an item: a newspaper, a portal, a channel — never an individual's profile."""

    __tablename__ = "outlets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)  # host, e.g. "vnexpress.net"
    name: Mapped[str] = mapped_column(String(255))
    origin: Mapped[str] = mapped_column(String(16), default="domestic")  # domestic | foreign
    language: Mapped[str | None] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(16), default="press")  # press | social | government
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Source(Base):
    """A configured source and its health; the config file stays the truth for its settings."""

    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the id in sources.yaml
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(String(255))
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id"))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    interval_seconds: Mapped[int] = mapped_column(Integer, default=900)
    # health
    last_fetch_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)  # in plain words, for officers
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error_count: Mapped[int] = mapped_column(Integer, default=0)  # consecutive failures
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    next_fetch_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    outlet: Mapped[Outlet | None] = relationship()


class FetchAttempt(Base):
    """One fetch of one source, kept so the sources table and reports can explain themselves."""

    __tablename__ = "fetch_attempts"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16))  # ok | not_modified | error
    status: Mapped[int | None] = mapped_column(Integer)  # HTTP status, when there was one
    bytes: Mapped[int] = mapped_column(Integer, default=0)
    items_found: Mapped[int] = mapped_column(Integer, default=0)
    items_new: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_fetch_attempts_source_started", "source_id", "started_at"),)


class Item(Base):
    """A published item, stored once whatever the number of feeds it came through."""

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)  # canonical
    original_url: Mapped[str] = mapped_column(Text)  # as the feed gave it
    guid: Mapped[str | None] = mapped_column(Text)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"), index=True)  # first seen in
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id"), index=True)
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    summary_html: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str | None] = mapped_column(Text)  # full text
    content_origin: Mapped[str] = mapped_column(String(16), default="none")  # feed|article|none
    article_error: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)  # as published
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    published_offset_minutes: Mapped[int | None] = mapped_column(Integer)
    published_from_feed: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str | None] = mapped_column(String(16))
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Set by the locality stage: None = not yet examined.
    relevance_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # none: no watched locality; weak: only weak or ambiguous mentions (kept, marked);
    # strong: at least one mention at or above the reporting threshold.
    relevance: Mapped[str | None] = mapped_column(String(8), index=True)
    # Set by the topic stage once the item has a classification; None = not yet classified.
    classified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Set by the story stage: the near-duplicate group the item belongs to.
    story_id: Mapped[int | None] = mapped_column(
        ForeignKey("stories.id", ondelete="SET NULL"), index=True
    )
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)  # MinHash, for story lookup

    outlet: Mapped[Outlet | None] = relationship()
    source: Mapped[Source] = relationship()


class ItemSource(Base):
    """Every source an item was seen through (syndication and spread are measured from this)."""

    __tablename__ = "item_sources"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    source_id: Mapped[str] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True
    )
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    url: Mapped[str] = mapped_column(Text)  # the URL as that source gave it


class Mention(Base):
    """Where an item names a watched locality: field, span, surface, confidence and why."""

    __tablename__ = "mentions"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    locality_id: Mapped[str] = mapped_column(String(64), index=True)  # id in sources.yaml
    field: Mapped[str] = mapped_column(String(16))  # title | summary | content
    start: Mapped[int] = mapped_column(Integer)  # offsets into that field, as stored
    end: Mapped[int] = mapped_column(Integer)
    surface: Mapped[str] = mapped_column(Text)
    confidence: Mapped[float] = mapped_column(Float)
    unit_code: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")


class Classification(Base):
    """What a model said about an item: topics, scores, tone and the words that pushed them.

    Spans in ``explain`` index the classified text: title and body joined by a newline.
    """

    __tablename__ = "classifications"
    __table_args__ = (
        Index("ix_classifications_item_model", "item_id", "model_version", unique=True),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    model_version: Mapped[str] = mapped_column(String(64))
    topics: Mapped[list[str]] = mapped_column(JSON)  # labels given, in taxonomy order
    scores: Mapped[dict[str, float]] = mapped_column(JSON)
    tone: Mapped[str] = mapped_column(String(16))
    tone_scores: Mapped[dict[str, float]] = mapped_column(JSON)
    explain: Mapped[dict[str, list[list[object]]]] = mapped_column(JSON)  # label → [[s, a, b]]
    rules: Mapped[dict[str, list[str]]] = mapped_column(JSON)  # label → configured phrases hit
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Decision(Base):
    """An officer's review of an item: the topics and tone they say apply, with a note.

    The review desk writes these; ``monitor train`` turns the latest decision per item into a
    labelled example. ``verdict`` is confirmed (the model was right), corrected (other topics
    or tone) or dismissed (none of the topics apply).
    """

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    classification_id: Mapped[int | None] = mapped_column(
        ForeignKey("classifications.id", ondelete="SET NULL")
    )
    verdict: Mapped[str] = mapped_column(String(16))  # confirmed | corrected | dismissed
    topics: Mapped[list[str]] = mapped_column(JSON)
    tone: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(128))  # the reviewing officer's account
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Story(Base):
    """Near-duplicate items (syndicated copies, reposts, one report on many outlets) as one.

    Alerts hang off stories, so twenty copies of one report make one alert per office.
    """

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    lead_item_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    title: Mapped[str] = mapped_column(Text)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    outlets: Mapped[list[str]] = mapped_column(JSON, default=list)  # outlet keys, first first
    foreign_outlets: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    localities: Mapped[list[str]] = mapped_column(JSON, default=list)  # ids in sources.yaml
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)  # union over its items
    scores: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)  # max per topic
    tone: Mapped[str | None] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(8), default="info")
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)  # why that severity


class StoryBand(Base):
    """One LSH band of an item's MinHash: items sharing a band are candidate near-duplicates."""

    __tablename__ = "story_bands"

    band: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )


class Alert(Base):
    """The outbox: one message owed to one office, written in the transaction that caused it.

    ``kind`` is alert (a story's first), update (it spread), digest, summary (a burst over the
    rate limit), escalation or test. The dispatcher claims rows with a lease, records every
    attempt in ``deliveries``, retries with backoff and dead-letters after the last attempt.
    """

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint(
            "office_id", "story_id", "revision", "channel", name="uq_alerts_office_story_revision"
        ),
        Index("ix_alerts_status_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    office_id: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(16), default="email")  # email | webhook
    story_id: Mapped[int | None] = mapped_column(
        ForeignKey("stories.id", ondelete="SET NULL"), index=True
    )
    revision: Mapped[int] = mapped_column(Integer, default=0)  # 0: first alert; n: n-th update
    severity: Mapped[str] = mapped_column(String(8), default="normal")
    # pending → sending → sent; or held for the digest (digest_only), folded into a summary
    # (summarised), dead after the last failed attempt.
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # What the story looked like when this row was written: counts, outlets, topics.
    snapshot: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Unique per message that must exist at most once: "digest:<office>:<date>", "escalate:<id>".
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("alerts.id", ondelete="SET NULL"), index=True
    )  # the summary that carried it, or the alert an escalation is about
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Delivery(Base):
    """One attempt to send one alert: when, through what, and what happened."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    worker: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(16))  # sent | failed
    receipt: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)


class SchedulerLock(Base):
    """A lease so two schedulers never run against one database."""

    __tablename__ = "scheduler_locks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(255))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


__all__ = [
    "Alert",
    "Base",
    "Delivery",
    "FetchAttempt",
    "Item",
    "ItemSource",
    "Mention",
    "Outlet",
    "SchedulerLock",
    "Source",
    "Story",
    "StoryBand",
    "UTCDateTime",
    "utcnow",
]
