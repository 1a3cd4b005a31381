"""What every source kind produces: parsed items, ready for canonicalisation and storage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class ParsedItem:
    """One published item as a source kind understood it, before dedup and storage.

    Text fields are already cleaned: ``title`` and ``summary`` are plain text (HTML stripped with
    nh3, entities decoded, whitespace folded); ``summary_html`` is the sanitised HTML, if any.
    ``published`` is timezone-aware when known; ``published_offset_minutes`` keeps the offset the
    outlet wrote (``+07`` -> 420) so reports can show the original. ``None`` means unknown, and the
    pipeline falls back to first-seen.
    """

    url: str
    title: str
    summary: str = ""
    summary_html: str = ""
    content: str | None = None  # full article text when the feed carries it
    author: str | None = None  # as published; never resolved to a person profile
    published: datetime | None = None
    published_offset_minutes: int | None = None
    language: str | None = None
    guid: str | None = None
    outlet_name: str | None = None  # the real publisher, when it differs from the source
    outlet_url: str | None = None  # the publisher's home page, when known
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class ParseResult:
    """Items found in one payload, plus what the payload said about itself."""

    items: list[ParsedItem]
    title: str | None = None
    language: str | None = None
    warnings: list[str] = field(default_factory=list)


class ParseError(Exception):
    """A payload that could not be understood; the message is shown to users as is."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message
