"""robots.txt: fetched once per origin, cached, and consulted before every request.

The cache does not fetch by itself: the ``Fetcher`` hands it a loader that goes through the same
guarded path as every other request (address guard, deadline, byte cap), so robots.txt cannot be
used to reach an address the crawler would otherwise refuse.

What an answer means (RFC 9309 with one deliberate departure):

* 2xx: the rules apply, parsed by ``urllib.robotparser`` for our user agent.
* 4xx (404, 403, 401, ...): no rules, everything is allowed (as RFC 9309 says).
* 5xx, unreachable, too large or garbled: **everything is allowed**. RFC 9309 asks crawlers to
  assume a complete disallow here; we do not, because many small provincial news sites have a
  broken robots.txt that would otherwise silence them for good, and our request rate per host is
  already limited to a polite trickle. The outcome is cached for the ``Fetcher``'s lifetime (one
  crawl round), so a failing robots.txt costs one request per round, not one per article.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

logger = logging.getLogger(__name__)

# RFC 9309 asks crawlers to parse at least 500 KiB; anything beyond is ignored by big crawlers too.
ROBOTS_MAX_BYTES = 512 * 1024


@dataclass(frozen=True)
class RobotsAnswer:
    """What the loader got for ``/robots.txt``: a status (``None`` when unreachable) and a body."""

    status: int | None
    body: bytes = b""
    problem: str | None = None
    cacheable: bool = True  # False: ask again next time (e.g. refused by the address guard)


@dataclass
class RobotsRules:
    """The rules of one origin for one user agent."""

    parser: RobotFileParser | None  # None: everything allowed
    source: str = field(default="robots.txt")

    @classmethod
    def allow_all(cls, source: str) -> RobotsRules:
        """Rules that allow every path (no robots.txt, or one we could not use)."""
        return cls(None, source)

    @classmethod
    def parse(cls, text: str, source: str = "robots.txt") -> RobotsRules:
        """Parse robots.txt text."""
        parser = RobotFileParser()
        parser.parse(text.splitlines())
        return cls(parser, source)

    @classmethod
    def from_answer(cls, answer: RobotsAnswer) -> RobotsRules:
        """Turn a loader's answer into rules, following the policy in the module docstring."""
        if answer.status is None:
            return cls.allow_all(f"robots.txt unreachable ({answer.problem}); allowing all")
        if 200 <= answer.status < 300:
            text = answer.body[:ROBOTS_MAX_BYTES].decode("utf-8", errors="replace")
            return cls.parse(text.lstrip("\ufeff"))
        if 400 <= answer.status < 500:
            return cls.allow_all(f"robots.txt answered {answer.status}; allowing all")
        return cls.allow_all(f"robots.txt answered {answer.status}; allowing all for now")

    def allows(self, url: str, user_agent: str) -> bool:
        """Return whether ``user_agent`` may fetch ``url``."""
        return self.parser is None or self.parser.can_fetch(user_agent, url)


def robots_url(url: str) -> str:
    """Return the robots.txt address governing ``url`` (same scheme, host and port)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/robots.txt"


RobotsLoader = Callable[[str], Awaitable[RobotsAnswer]]


class RobotsCache:
    """robots.txt rules per origin, each fetched at most once even under concurrent requests."""

    def __init__(self, user_agent: str) -> None:
        self.user_agent = user_agent
        self._rules: dict[str, RobotsRules] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def rules_for(self, url: str, load: RobotsLoader) -> RobotsRules:
        """Return the rules for ``url``'s origin, loading robots.txt with ``load`` on first use.

        Exceptions from ``load`` propagate and nothing is cached, so a refusal that applies to the
        whole origin (a blocked address) is reported as such instead of being read as "allowed".
        """
        key = robots_url(url)
        rules = self._rules.get(key)
        if rules is not None:
            return rules
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            rules = self._rules.get(key)
            if rules is None:
                answer = await load(key)
                rules = RobotsRules.from_answer(answer)
                if rules.source != "robots.txt":
                    logger.info("%s: %s", key, rules.source)
                if answer.cacheable:
                    self._rules[key] = rules
        return rules

    async def allows(self, url: str, load: RobotsLoader) -> bool:
        """Return whether our user agent may fetch ``url``."""
        rules = await self.rules_for(url, load)
        return rules.allows(url, self.user_agent)
