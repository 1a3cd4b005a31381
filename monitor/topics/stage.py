"""The classification stage: items that mention a watched locality get topics and tone.

Runs inside the transaction that stored the items (so a crash never leaves an item stored
but silently unclassified), and as a backlog job for items stored before a model existed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifiers.model import Prediction, TopicModel
from classifiers.rules import Rules
from classifiers.store import load_active
from classifiers.text import item_text
from monitor.config.models import Config
from monitor.storage.models import Classification, Item

RELEVANT = ("strong", "weak")


@dataclass(frozen=True)
class TopicClassifier:
    """The active model with the configured keyword rules."""

    model: TopicModel
    version: str
    rules: Rules

    @classmethod
    def load(cls, data_dir: Path, config: Config | None = None) -> TopicClassifier:
        loaded = load_active(data_dir)
        return cls(loaded.model, loaded.metadata.version, rules_of(config))

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        return self.model.predict(texts, rules=self.rules)


def rules_of(config: Config | None) -> Rules:
    if config is None:
        return Rules.of({})
    phrases: dict[str, list[str]] = {}
    for rule in config.rules:
        phrases.setdefault(rule.topic, []).extend(rule.phrases)
    return Rules.of(phrases)


def text_of(item: Item) -> str:
    """What is classified: the title and the fullest body we have, joined by a newline."""
    return item_text(item.title, item.content or item.summary)


def classify_items(
    session: Session, classifier: TopicClassifier, items: Sequence[Item], now: datetime
) -> list[Classification]:
    """Classify the items that mention a watched locality; others are only marked done."""
    relevant = [item for item in items if item.relevance in RELEVANT]
    predictions = classifier.predict([text_of(item) for item in relevant])
    rows = []
    for item, prediction in zip(relevant, predictions, strict=True):
        row = Classification(
            item_id=item.id,
            model_version=classifier.version,
            topics=prediction.topics,
            scores=prediction.scores,
            tone=prediction.tone,
            tone_scores=prediction.tone_scores,
            explain={k: [list(s) for s in v] for k, v in prediction.explain.items()},
            rules={k: sorted({h.phrase for h in v}) for k, v in prediction.rules.items()},
            created_at=now,
        )
        session.add(row)
        rows.append(row)
    for item in items:
        item.classified_at = now
    session.flush()
    return rows


def classify_pending(
    session: Session,
    classifier: TopicClassifier,
    now: datetime,
    batch: int = 200,
    then: Callable[[Session, Sequence[Item], datetime], object] | None = None,
) -> int:
    """Classify items whose locality is known but that have no classification yet; ``then``
    runs on them in the same transaction (stories and alerts)."""
    items = list(
        session.scalars(
            select(Item)
            .where(Item.relevance_checked_at.is_not(None), Item.classified_at.is_(None))
            .order_by(Item.id)
            .limit(batch)
        )
    )
    classify_items(session, classifier, items, now)
    if then is not None and items:
        then(session, items, now)
    return len(items)


def latest_classifications(session: Session, item_ids: Sequence[int]) -> dict[int, Classification]:
    """Item id → its most recent classification."""
    rows = session.scalars(
        select(Classification)
        .where(Classification.item_id.in_(item_ids))
        .order_by(Classification.created_at, Classification.id)
    )
    return {row.item_id: row for row in rows}
