"""The story stage: each relevant item joins the story of its nearest earlier copy, or starts one.

Runs in the transaction that stores and classifies the items, right before alerts are raised,
so an alert always sees the story as it is. Candidates come from the LSH bands stored per item
(``story_bands``), which works the same from any process and on SQLite or PostgreSQL; the
estimated Jaccard similarity of the MinHash signatures confirms them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from monitor.places.matcher import REPORT_THRESHOLD
from monitor.storage.models import Classification, Item, Mention, Outlet, Story, StoryBand
from monitor.stories.signature import Signature, band_keys, same_story, signature, similarity
from monitor.topics.stage import latest_classifications

# Copies seen further apart than this are a new story (an anniversary, a follow-up).
WINDOW = timedelta(days=7)


def assign_stories(session: Session, items: Sequence[Item], now: datetime) -> list[Story]:
    """Give each item a story; return the stories touched, each once, in first-touch order."""
    touched: dict[int, Story] = {}
    classifications = latest_classifications(session, [item.id for item in items])
    for item in items:
        sig = signature(item.title, item.content or item.summary or "")
        item.signature = sig.to_bytes()
        keys = band_keys(sig)
        story = _nearest_story(session, item, sig, keys, now)
        if story is None:
            story = Story(
                lead_item_id=item.id,
                title=item.title,
                first_seen_at=item.first_seen_at or now,
                last_seen_at=item.first_seen_at or now,
                item_count=0,
                outlets=[],
                foreign_outlets=[],
                languages=[],
                localities=[],
                topics=[],
                scores={},
                reasons=[],
            )
            session.add(story)
            session.flush()
        session.add_all(StoryBand(band=band, key=key, item_id=item.id) for band, key in keys)
        item.story_id = story.id
        _absorb(session, story, item, classifications.get(item.id), now)
        touched.setdefault(story.id, story)
    session.flush()
    return list(touched.values())


def _nearest_story(
    session: Session, item: Item, sig: Signature, keys: list[tuple[int, str]], now: datetime
) -> Story | None:
    if not keys:
        return None
    shared = or_(*(and_(StoryBand.band == band, StoryBand.key == key) for band, key in keys))
    rows = session.execute(
        select(Item.id, Item.signature, Item.story_id)
        .join(StoryBand, StoryBand.item_id == Item.id)
        .where(shared, Item.id != item.id, Item.story_id.is_not(None))
        .where(Item.first_seen_at >= now - WINDOW)
        .distinct()
    ).all()
    best: tuple[float, int] | None = None
    for _id, blob, story_id in rows:
        if blob is None or story_id is None:
            continue
        try:
            other = Signature.from_bytes(blob)
        except ValueError:
            continue  # written by an older signature format: not comparable
        if not same_story(sig, other):
            continue
        score = similarity(sig, other)
        if best is None or score > best[0]:
            best = (score, story_id)
    return session.get(Story, best[1]) if best else None


def _absorb(
    session: Session,
    story: Story,
    item: Item,
    classification: Classification | None,
    now: datetime,
) -> None:
    """Update the story's counts, outlets, languages, localities, topics and scores."""
    story.item_count = (story.item_count or 0) + 1
    seen = item.first_seen_at or now
    story.last_seen_at = max(story.last_seen_at, seen) if story.last_seen_at else seen
    outlet = session.get(Outlet, item.outlet_id) if item.outlet_id else None
    if outlet is not None:
        if outlet.key not in story.outlets:
            story.outlets = [*story.outlets, outlet.key]
        if outlet.origin == "foreign" and outlet.key not in story.foreign_outlets:
            story.foreign_outlets = [*story.foreign_outlets, outlet.key]
    if item.language and item.language not in story.languages:
        story.languages = [*story.languages, item.language]
    localities = _localities_of(session, item.id)
    story.localities = sorted(set(story.localities) | localities)
    if classification is None:
        return
    topics = classification.topics
    if topics:
        story.topics = [*story.topics, *(t for t in topics if t not in story.topics)]
    merged = dict(story.scores)
    for label, score in classification.scores.items():
        merged[label] = max(float(score), merged.get(label, 0.0))
    story.scores = merged
    if classification.tone == "negative" or story.tone is None:
        story.tone = classification.tone


def _localities_of(session: Session, item_id: int) -> set[str]:
    rows = session.execute(
        select(Mention.locality_id, Mention.confidence).where(Mention.item_id == item_id)
    ).all()
    strong = {loc for loc, conf in rows if conf >= REPORT_THRESHOLD}
    return strong or {loc for loc, _ in rows}
