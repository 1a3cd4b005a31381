"""The locality stage of ingestion: mark each stored item with the watched places it names."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from monitor.config.models import Locality
from monitor.places.gazetteer import load_gazetteer
from monitor.places.matcher import REPORT_THRESHOLD, Matcher, Mention, build_matcher
from monitor.storage.models import Item
from monitor.storage.models import Mention as MentionRow
from monitor.storage.repo import chunks

FIELDS = ("title", "summary", "content")


@lru_cache(maxsize=8)
def matcher_for(localities: tuple[Locality, ...]) -> Matcher:
    """One matcher per set of localities, built once per process (it takes a moment)."""
    return build_matcher(localities, load_gazetteer())


def match_item_fields(
    matcher: Matcher, item: Item, outlet_provinces: Sequence[str] = ()
) -> list[tuple[str, Mention]]:
    """Mentions in each text field of an item, offsets relative to that field."""
    found: list[tuple[str, Mention]] = []
    for field in FIELDS:
        text = getattr(item, field) or ""
        if text:
            found.extend((field, m) for m in matcher.match(text, outlet_provinces=outlet_provinces))
    return found


def relevance_of(mentions: Sequence[Mention]) -> str:
    if any(m.confidence >= REPORT_THRESHOLD for m in mentions):
        return "strong"
    return "weak" if mentions else "none"


def mark_items(
    session: Session,
    matcher: Matcher,
    items: Sequence[Item],
    now: datetime,
    outlet_provinces: Sequence[str] = (),
) -> None:
    """Store every item's mentions and relevance (replacing any earlier marking).

    ``outlet_provinces``: the province a local outlet covers, which supports shared names.
    """
    if not items:
        return
    session.execute(delete(MentionRow).where(MentionRow.item_id.in_([i.id for i in items])))
    for item in items:
        found = match_item_fields(matcher, item, outlet_provinces)
        for field, m in found:
            session.add(
                MentionRow(
                    item_id=item.id,
                    locality_id=m.locality,
                    field=field,
                    start=m.start,
                    end=m.end,
                    surface=m.surface,
                    confidence=m.confidence,
                    unit_code=m.unit,
                    reason=m.reason,
                )
            )
        item.relevance = relevance_of([m for _, m in found])
        item.relevance_checked_at = now


def mark_unchecked(session: Session, matcher: Matcher, now: datetime, batch: int = 500) -> int:
    """Mark items not yet examined (after a restart or a config change); returns how many."""
    items = list(
        session.scalars(select(Item).where(Item.relevance_checked_at.is_(None)).limit(batch))
    )
    mark_items(session, matcher, items, now)
    return len(items)


def purge_irrelevant(session: Session, now: datetime, retention_days: int) -> int:
    """Delete items that name no watched locality once they are older than the retention."""
    cutoff = now - timedelta(days=retention_days)
    result = session.execute(
        delete(Item).where(Item.relevance == "none", Item.first_seen_at < cutoff)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def localities_of(session: Session, item_ids: Sequence[int]) -> dict[int, list[str]]:
    """Item id → the localities it is about (mentions at or above the threshold)."""
    out: dict[int, list[str]] = {}
    for chunk in chunks(item_ids):
        rows = session.execute(
            select(MentionRow.item_id, MentionRow.locality_id)
            .where(
                MentionRow.item_id.in_(chunk),
                MentionRow.confidence >= REPORT_THRESHOLD,
            )
            .distinct()
        ).all()
        for item_id, locality in rows:
            out.setdefault(item_id, []).append(locality)
    return {k: sorted(v) for k, v in out.items()}
