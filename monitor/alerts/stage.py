"""The alert stage run right after classification, in the same transaction: stories, then rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from monitor.alerts.raising import raise_alerts
from monitor.config.models import Config
from monitor.storage.models import Alert, Item
from monitor.stories.stage import assign_stories
from monitor.topics.stage import RELEVANT


@dataclass(frozen=True)
class AlertStage:
    config: Config

    def process(self, session: Session, items: Sequence[Item], now: datetime) -> list[Alert]:
        """Group the classified relevant items into stories and write the alerts they cause."""
        relevant = [i for i in items if i.relevance in RELEVANT and i.story_id is None]
        if not relevant:
            return []
        stories = assign_stories(session, relevant, now)
        return raise_alerts(session, self.config, stories, now)
