"""Turning touched stories into outbox rows, inside the transaction that classified their items.

One alert per story per office and channel; while that alert is still waiting, later copies
only refresh it. Once it has gone out, a spread — a foreign outlet, a new topic, a higher
severity, the outlets doubling — writes one update, however many copies caused it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.alerts.routing import route
from monitor.alerts.severity import RANK, Signals, assess
from monitor.config.models import Config, Office
from monitor.storage.models import Alert, Classification, Item, Mention, Outlet, Source, Story

WAITING = ("pending", "digest_only")  # rows a newer copy may still fold into
BASELINE_DAYS = 7


def raise_alerts(
    session: Session, config: Config, stories: Sequence[Story], now: datetime
) -> list[Alert]:
    """Assess each story and write or refresh its alert rows; return the rows written."""
    written: list[Alert] = []
    if not stories:
        return written
    local = _local_outlets(session, config)
    for story in stories:
        severity, reasons = assess(_signals(session, story, local, now))
        story.severity, story.reasons = severity, list(reasons)
        for choice in route(config, story.topics, story.localities, severity):
            for channel in _channels(choice.office):
                row = _upsert(session, story, choice.office, channel, choice.immediate, now)
                if row is not None:
                    written.append(row)
    session.flush()
    return written


def snapshot_of(story: Story) -> dict[str, object]:
    return {
        "item_count": story.item_count,
        "outlets": list(story.outlets),
        "foreign_outlets": list(story.foreign_outlets),
        "topics": list(story.topics),
        "severity": story.severity,
        "reasons": list(story.reasons),
        "localities": list(story.localities),
    }


def spread(before: dict[str, object], story: Story) -> list[str]:
    """What changed since ``before`` that is worth an update, in Vietnamese; empty if nothing."""
    changes = []
    old_foreign = set(_strings(before.get("foreign_outlets")))
    if set(story.foreign_outlets) - old_foreign:
        changes.append("báo nước ngoài đăng lại")
    old_topics = set(_strings(before.get("topics")))
    if set(story.topics) - old_topics:
        changes.append("thêm chủ đề")
    if RANK.get(story.severity, 0) > RANK.get(str(before.get("severity")), 0):
        changes.append("mức độ tăng")
    old_outlets = len(_strings(before.get("outlets")))
    if len(story.outlets) >= max(2 * old_outlets, old_outlets + 3):
        changes.append(f"lan rộng: {old_outlets} → {len(story.outlets)} trang")
    return changes


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _channels(office: Office) -> list[str]:
    channels = ["email"] if office.emails else []
    if office.webhook:
        channels.append("webhook")
    return channels


def _upsert(
    session: Session, story: Story, office: Office, channel: str, immediate: bool, now: datetime
) -> Alert | None:
    latest = session.scalars(
        select(Alert)
        .where(Alert.office_id == office.id, Alert.story_id == story.id, Alert.channel == channel)
        .order_by(Alert.revision.desc())
        .limit(1)
    ).first()
    status = "pending" if immediate else "digest_only"
    changes: list[str] = []
    if latest is None:
        kind, revision = "alert", 0
    elif latest.status in WAITING and (latest.status == status or status == "digest_only"):
        # Not sent yet: the waiting row simply shows the story as it is now.
        latest.snapshot = snapshot_of(story)
        latest.severity = story.severity
        return latest
    else:
        changes = spread(latest.snapshot, story)
        newly_immediate = immediate and latest.status == "digest_only"
        if not changes and not newly_immediate:
            return None
        if latest.status == "digest_only" and immediate:
            latest.status = "cancelled"  # sent now instead of in the digest
        sent_before = session.scalar(
            select(func.count())
            .select_from(Alert)
            .where(
                Alert.office_id == office.id,
                Alert.story_id == story.id,
                Alert.channel == channel,
                Alert.status.in_(("sent", "sending", "summarised", "pending", "dead")),
            )
        )
        kind, revision = ("update" if sent_before else "alert"), latest.revision + 1
    snapshot = snapshot_of(story)
    if latest is not None:
        snapshot["previous"] = {
            "item_count": latest.snapshot.get("item_count"),
            "outlet_count": len(_strings(latest.snapshot.get("outlets"))),
        }
        snapshot["changes"] = changes
    row = Alert(
        kind=kind,
        office_id=office.id,
        channel=channel,
        story_id=story.id,
        revision=revision,
        severity=story.severity,
        status=status,
        snapshot=snapshot,
        recipients=list(office.emails) if channel == "email" else [office.webhook or ""],
        next_attempt_at=now,
        created_at=now,
    )
    session.add(row)
    return row


def _signals(session: Session, story: Story, local: set[str], now: datetime) -> Signals:
    recent = session.scalar(
        select(func.count())
        .select_from(Item)
        .where(Item.story_id == story.id, Item.first_seen_at >= now - timedelta(hours=1))
    )
    baseline = 0.0
    if story.localities:
        relevant = session.scalar(
            select(func.count(func.distinct(Mention.item_id)))
            .join(Item, Item.id == Mention.item_id)
            .where(
                Mention.locality_id.in_(story.localities),
                Item.first_seen_at >= now - timedelta(days=BASELINE_DAYS),
            )
        )
        baseline = (relevant or 0) / (BASELINE_DAYS * 24)
    domestic = [key for key in story.outlets if key not in story.foreign_outlets]
    return Signals(
        topics=story.topics,
        scores=story.scores,
        tone=story.tone,
        foreign_outlets=len(story.foreign_outlets),
        national_outlets=sum(1 for key in domestic if key not in local),
        outlet_count=len(story.outlets),
        items_last_hour=recent or 0,
        baseline_per_hour=baseline,
        rule_hits=_rule_hits(session, story),
    )


def _rule_hits(session: Session, story: Story) -> list[str]:
    rows = session.scalars(
        select(Classification.rules)
        .join(Item, Item.id == Classification.item_id)
        .where(Item.story_id == story.id)
    )
    return sorted({phrase for rules in rows for phrases in rules.values() for phrase in phrases})


def _local_outlets(session: Session, config: Config) -> set[str]:
    """Keys of outlets that cover one province (sources with ``province:``): local press."""
    local_ids = [s.id for s in config.sources if s.province]
    if not local_ids:
        return set()
    return set(
        session.scalars(
            select(Outlet.key)
            .join(Source, Source.outlet_id == Outlet.id)
            .where(Source.id.in_(local_ids))
        )
    )
