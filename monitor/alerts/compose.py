"""From outbox rows to messages: read the story, its lead item, mentions and topics; render.

Kept apart from the dispatcher so the dispatcher knows nothing of stories, and apart from
rendering so rendering knows nothing of the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifiers.taxonomy import LABELS
from monitor.alerts import render
from monitor.alerts.ack import ack_url, secret_key
from monitor.alerts.dispatch import PermanentFailure
from monitor.alerts.views import Highlight, ItemView, OutgoingMessage, StoryView, TopicView
from monitor.config.models import Config, Office
from monitor.storage.models import Alert, Item, Mention, Outlet, Story
from monitor.topics.stage import latest_classifications

SNIPPET_CHARS = 320
_NAMES = {label.id: label.name_vi for label in LABELS}


@dataclass
class Composer:
    """Builds the message for an outbox row; called by the dispatcher inside a session."""

    config: Config
    sender: str | None
    data_dir: Path | None = None

    def __call__(self, session: Session, alert: Alert) -> OutgoingMessage:
        office = self._office(alert.office_id)
        recipients = tuple(alert.recipients) or office.emails
        if alert.kind == "test":
            return render.render_test(
                alert.id, office.id, office.name, recipients, sender=self.sender
            )
        if alert.kind == "digest":
            since = datetime.fromisoformat(str(alert.snapshot["since"]))
            until = datetime.fromisoformat(str(alert.snapshot["until"]))
            return self.digest(session, alert.id, office, recipients, since, until)
        if alert.kind == "summary":
            ids = [int(str(i)) for i in _list(alert.snapshot.get("alert_ids"))]
            rows = session.scalars(select(Alert).where(Alert.id.in_(ids)).order_by(Alert.id))
            folded = list(rows)
            views = [self.story_view(session, row) for row in folded if row.story_id is not None]
            # An urgent alert folded into the summary must still be acknowledgeable: the
            # summary's own link acknowledges everything it holds.
            urgent = any(row.severity == "urgent" for row in folded)
            summary_ack = (
                ack_url(alert.id, secret_key(self.data_dir))
                if urgent and alert.channel == "email"
                else None
            )
            return render.render_summary(
                alert.id,
                office.id,
                office.name,
                recipients,
                [v for v in views if v is not None],
                sender=self.sender,
                window_minutes=int(str(alert.snapshot.get("window_minutes", 60))),
                summarised_ids=ids,
                ack_url=summary_ack,
            )
        about = alert
        if alert.kind == "escalation" and alert.parent_id is not None:
            about = session.get(Alert, alert.parent_id) or alert
        story = self.story_view(session, about)
        if story is None:
            raise PermanentFailure(f"alert {alert.id}: its story no longer exists")
        previous = alert.snapshot.get("previous")
        prev = None
        if isinstance(previous, dict):
            prev = (int(previous.get("item_count") or 0), int(previous.get("outlet_count") or 0))
        ack = None
        if about.severity == "urgent" and alert.channel == "email":
            ack = ack_url(about.id, secret_key(self.data_dir))
        kind = alert.kind if alert.kind in ("alert", "update", "escalation") else "alert"
        return render.render_alert(
            alert.id,
            kind,  # type: ignore[arg-type]
            office.id,
            office.name,
            recipients,
            story,
            ack_url=ack,
            sender=self.sender,
            previous=prev,
        )

    def _office(self, office_id: str) -> Office:
        try:
            return self.config.office(office_id)
        except KeyError as err:
            raise PermanentFailure(str(err.args[0])) from None

    def story_view(self, session: Session, alert: Alert) -> StoryView | None:
        story = session.get(Story, alert.story_id) if alert.story_id else None
        if story is None:
            return None
        return story_view(session, self.config, story, alert.snapshot)

    def digest(
        self,
        session: Session,
        alert_id: int,
        office: Office,
        recipients: Sequence[str],
        since: datetime,
        until: datetime,
    ) -> OutgoingMessage:
        """The office's digest of what was flagged for it in ``(since, until]``."""
        stories = self.digest_stories(session, office.id, since, until)
        return render.render_digest(
            alert_id,
            office.id,
            office.name,
            recipients,
            stories,
            since=since,
            until=until,
            sender=self.sender,
        )

    def digest_stories(
        self, session: Session, office_id: str, since: datetime, until: datetime
    ) -> list[StoryView]:
        rows = session.scalars(
            select(Alert)
            .where(
                Alert.office_id == office_id,
                Alert.channel == "email",
                Alert.kind.in_(("alert", "update")),
                Alert.status != "cancelled",
                Alert.created_at > since,
                Alert.created_at <= until,
            )
            .order_by(Alert.id)
        )
        views: dict[int, StoryView] = {}
        for row in rows:
            if row.story_id is None or row.story_id in views:
                continue
            view = self.story_view(session, row)
            if view is not None:
                views[row.story_id] = view
        return list(views.values())


def story_view(
    session: Session, config: Config, story: Story, snapshot: dict[str, object] | None = None
) -> StoryView:
    lead = session.get(Item, story.lead_item_id) if story.lead_item_id else None
    if lead is None:
        lead = session.scalars(select(Item).where(Item.story_id == story.id).limit(1)).first()
    if lead is None:
        raise PermanentFailure(f"story {story.id} has no items")
    names = _outlet_names(session, story.outlets)
    view = item_view(session, lead)
    localities = {loc.id: loc.name for loc in config.localities}
    reasons = tuple(story.reasons)
    changes = _list((snapshot or {}).get("changes"))
    if changes:
        reasons = (*reasons, *("thay đổi: " + str(c) for c in changes))
    return StoryView(
        story_id=story.id,
        lead=view,
        item_count=story.item_count,
        outlets=tuple(names.get(k, k) for k in story.outlets),
        foreign_outlets=tuple(names.get(k, k) for k in story.foreign_outlets),
        first_seen_at=story.first_seen_at,
        severity=story.severity,  # type: ignore[arg-type]
        reasons=reasons,
        topics=view.topics,
        localities=tuple(localities.get(loc, loc) for loc in story.localities),
    )


def item_view(session: Session, item: Item) -> ItemView:
    outlet = session.get(Outlet, item.outlet_id) if item.outlet_id else None
    body = item.summary or item.content or ""
    snippet = body[:SNIPPET_CHARS]
    mentions = session.scalars(
        select(Mention).where(Mention.item_id == item.id).order_by(Mention.start)
    ).all()
    highlights = []
    for m in mentions:
        if m.field == "title":
            highlights.append(Highlight("title", m.start, m.end, m.surface))
        elif m.field == "summary" and m.end <= len(snippet) and item.summary:
            highlights.append(Highlight("snippet", m.start, m.end, m.surface))
    classification = latest_classifications(session, [item.id]).get(item.id)
    topics: list[TopicView] = []
    if classification is not None:
        for label in classification.topics:
            terms = [str(span[0]) for span in classification.explain.get(label, [])][:6]
            terms = [*classification.rules.get(label, []), *terms]
            topics.append(
                TopicView(
                    label=label,
                    name=_NAMES.get(label, label),
                    score=float(classification.scores.get(label, 0.0)),
                    terms=tuple(dict.fromkeys(terms))[:8],
                )
            )
    return ItemView(
        item_id=item.id,
        title=item.title,
        url=item.url,
        outlet=outlet.name if outlet else "",
        foreign=bool(outlet and outlet.origin == "foreign"),
        published_at=item.published_at,
        snippet=snippet,
        highlights=tuple(highlights),
        topics=tuple(topics),
        tone=classification.tone if classification else None,
    )


def _outlet_names(session: Session, keys: Sequence[str]) -> dict[str, str]:
    if not keys:
        return {}
    rows = session.execute(select(Outlet.key, Outlet.name).where(Outlet.key.in_(list(keys))))
    return {key: name for key, name in rows}


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []
