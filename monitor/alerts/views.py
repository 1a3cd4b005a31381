"""What a message shows, independent of how it travels (email, webhook, .eml file).

The dispatcher reads alert rows and builds these plain values; rendering and channels never
touch the database, so they are pure and testable on their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

MessageKind = Literal["alert", "update", "digest", "escalation", "summary", "test"]
Severity = Literal["urgent", "normal", "info"]


@dataclass(frozen=True)
class Highlight:
    """A locality mention inside ``ItemView.title`` or ``ItemView.snippet`` (offsets into it)."""

    field: Literal["title", "snippet"]
    start: int
    end: int
    locality: str  # the locality's name, e.g. "Đức Phổ"


@dataclass(frozen=True)
class TopicView:
    """A topic with the words that triggered it, as shown to officers."""

    label: str  # taxonomy id: sovereignty | human_rights | distortion
    name: str  # Vietnamese name of the topic
    score: float
    terms: tuple[str, ...] = ()  # words and configured phrases that pushed the score


@dataclass(frozen=True)
class ItemView:
    """One published item in a message."""

    item_id: int
    title: str
    url: str
    outlet: str  # outlet name
    foreign: bool
    published_at: datetime  # aware, UTC; shown in Asia/Ho_Chi_Minh
    snippet: str = ""  # a short part of the summary or text around the first mention
    highlights: tuple[Highlight, ...] = ()
    topics: tuple[TopicView, ...] = ()
    tone: str | None = None


@dataclass(frozen=True)
class StoryView:
    """A story: near-duplicate items grouped; the message shows its lead item and its spread."""

    story_id: int
    lead: ItemView
    item_count: int
    outlets: tuple[str, ...]  # outlet names, first seen first
    foreign_outlets: tuple[str, ...] = ()
    first_seen_at: datetime | None = None
    severity: Severity = "normal"
    reasons: tuple[str, ...] = ()  # why it was flagged / its severity, in Vietnamese
    topics: tuple[TopicView, ...] = ()
    localities: tuple[str, ...] = ()  # names of the watched localities it mentions


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to send: who gets it, what it says, and its stable identity.

    ``message_id`` derives from the alert id, so a resend after a crash carries the same
    Message-ID and the receiving side can recognise it.
    """

    alert_id: int
    kind: MessageKind
    message_id: str  # "<alert-42@media-monitor>" style, angle brackets included
    recipients: tuple[str, ...]
    office_id: str
    office_name: str
    subject: str
    text: str  # plain-text part
    html: str  # HTML part
    headers: dict[str, str] = field(default_factory=dict)  # extra headers, e.g. X-Monitor-*
    payload: dict[str, object] = field(default_factory=dict)  # JSON body for webhooks
