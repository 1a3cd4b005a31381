"""Typed configuration, as validated from sources.yaml by ``monitor.config.loader``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo

SourceKind = Literal["feed", "google_news", "html", "telegram"]
SOURCE_KINDS: tuple[str, ...] = ("feed", "google_news", "html", "telegram")
Origin = Literal["domestic", "foreign"]
OutletType = Literal["press", "social", "government"]
FetchArticles = Literal["auto", "always", "never"]


@dataclass(frozen=True)
class Locality:
    """A place watched: only id, name and province are required."""

    id: str
    name: str
    province: str
    aliases: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    line: int = 0  # where it stands in the config file, for messages


@dataclass(frozen=True)
class HtmlSelectors:
    """CSS selectors for an ``html`` listing page."""

    item: str  # one element per listed item
    link: str = "a"  # inside item; its href is the item URL
    title: str | None = None  # inside item; defaults to the link text
    date: str | None = None  # inside item; text or datetime attribute
    summary: str | None = None


@dataclass(frozen=True)
class Source:
    """One thing to watch, with its outlet's metadata and politeness settings."""

    id: str
    kind: SourceKind
    url: str  # for google_news: the search URL built from ``query``
    name: str  # outlet name shown to officers
    origin: Origin = "domestic"
    language: str = "vi"
    type: OutletType = "press"
    interval_seconds: int = 900
    query: str | None = None  # google_news only
    localities: tuple[str, ...] = ()  # empty = every locality in the file
    fetch_articles: FetchArticles = "auto"  # auto: only when the feed lacks full text
    article_selector: str | None = None  # CSS selector overriding the generic extractor
    selectors: HtmlSelectors | None = None  # html only
    allow_private: bool = False  # tests serve from 127.0.0.1
    respect_robots: bool = True
    enabled: bool = True
    max_bytes: int = 10_000_000
    # The province a local outlet covers: its items' shared place names count as local ones.
    province: str | None = None
    line: int = 0


Severity = Literal["urgent", "normal", "info"]


@dataclass(frozen=True)
class Office:
    """An office that receives alerts. Only id, name, emails and topics must be written."""

    id: str
    name: str
    emails: tuple[str, ...]
    topics: tuple[str, ...]
    localities: tuple[str, ...] = ()  # empty = every locality
    # At or above this severity an item is sent at once; below it, it waits for the digest.
    min_severity: Severity = "urgent"
    digest_time: str = "07:30"  # local time (schedule.timezone)
    escalation_email: str | None = None
    escalate_after_minutes: int = 30  # an urgent alert not acknowledged by then is escalated
    # Local "HH:MM" start and end; normal alerts wait until the end, urgent ones go through.
    quiet_hours: tuple[str, str] | None = None
    max_per_hour: int = 20  # more immediate messages than this become one summary message
    webhook: str | None = None  # also POST each alert as JSON here
    webhook_allow_private: bool = False  # tests and intranet receivers
    line: int = 0


@dataclass(frozen=True)
class Route:
    """A routing rule: items with these topics at this severity or above also go to offices."""

    topics: tuple[str, ...]  # any of them; empty = any topic
    min_severity: Severity
    offices: tuple[str, ...]
    localities: tuple[str, ...] = ()  # empty = every locality
    line: int = 0


@dataclass(frozen=True)
class Rule:
    """Phrases that give an item a topic whatever the model says (shown in explanations)."""

    topic: str
    phrases: tuple[str, ...]
    line: int = 0


@dataclass(frozen=True)
class Schedule:
    """Global timing settings."""

    default_interval_seconds: int = 900
    jitter_seconds: int = 60
    timezone: str = "Asia/Ho_Chi_Minh"
    retention_days: int = 30
    max_concurrency: int = 8  # fetches in flight at once, over all hosts
    per_host_concurrency: int = 2
    politeness_delay_seconds: float = 1.0  # minimum gap between requests to one host
    request_deadline_seconds: float = 30.0

    @property
    def zone(self) -> ZoneInfo:
        """The zone office times (digest, quiet hours) are written in; checked at load."""
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Config:
    """The whole validated sources.yaml."""

    path: str
    localities: tuple[Locality, ...] = ()
    sources: tuple[Source, ...] = ()
    offices: tuple[Office, ...] = ()
    rules: tuple[Rule, ...] = ()
    routes: tuple[Route, ...] = ()
    schedule: Schedule = field(default_factory=Schedule)

    def source(self, source_id: str) -> Source:
        for source in self.sources:
            if source.id == source_id:
                return source
        known = ", ".join(s.id for s in self.sources) or "none"
        raise KeyError(f'no source "{source_id}" in {self.path} (known: {known})')

    def office(self, office_id: str) -> Office:
        for office in self.offices:
            if office.id == office_id:
                return office
        known = ", ".join(o.id for o in self.offices) or "none"
        raise KeyError(f'no office "{office_id}" in {self.path} (known: {known})')
