"""Which offices a flagged story goes to, and whether at once or in the daily digest.

Pure: the configuration and the story's topics, localities and severity in, decisions out.
An office gets a story when it handles one of its topics and covers one of its localities;
routing rules (``routes:``) add offices, such as the border guard for urgent sovereignty news.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from monitor.alerts.severity import at_least
from monitor.config.models import Config, Office


@dataclass(frozen=True)
class Route:
    """One office's share of a story: ``immediate`` sends now, otherwise only the digest."""

    office: Office
    immediate: bool
    why: str  # "topics" or "route at line N"


def route(
    config: Config, topics: Sequence[str], localities: Sequence[str], severity: str
) -> list[Route]:
    """The offices for a story, each once, in configuration order."""
    if not topics:
        return []
    chosen: dict[str, Route] = {}
    for office in config.offices:
        if _covers(office.localities, localities) and set(office.topics) & set(topics):
            chosen[office.id] = Route(office, at_least(severity, office.min_severity), "topics")
    for rule in config.routes:
        if rule.topics and not set(rule.topics) & set(topics):
            continue
        if not _covers(rule.localities, localities) or not at_least(severity, rule.min_severity):
            continue
        for office_id in rule.offices:
            office = config.office(office_id)
            # The rule decided this office must hear of it now, whatever its own threshold.
            chosen[office.id] = Route(office, True, f"route at line {rule.line}")
    order = {office.id: n for n, office in enumerate(config.offices)}
    return sorted(chosen.values(), key=lambda r: order[r.office.id])


def _covers(covered: Sequence[str], localities: Sequence[str]) -> bool:
    return not covered or bool(set(covered) & set(localities))
