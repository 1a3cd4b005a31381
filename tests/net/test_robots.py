"""robots.txt policy: what each answer means, and fetching once per origin."""

from __future__ import annotations

import asyncio

import pytest

from monitor import USER_AGENT
from monitor.net.errors import BlockedAddressError
from monitor.net.robots import RobotsAnswer, RobotsCache, RobotsRules, robots_url

RULES = b"""\
User-agent: *
Disallow: /admin
Allow: /admin/public

User-agent: MediaMonitor
Disallow: /search
"""


@pytest.mark.parametrize(
    ("answer", "path", "allowed"),
    [
        (RobotsAnswer(200, RULES), "/news/1.html", True),
        (RobotsAnswer(200, RULES), "/search?q=x", False),  # the group naming us applies
        (RobotsAnswer(200, b"\xef\xbb\xbfUser-agent: *\nDisallow: /\n"), "/a", False),  # BOM
        (RobotsAnswer(200, b"User-agent: *\nDisallow: /admin\n"), "/admin/x", False),
        (RobotsAnswer(200, b"User-agent: *\nDisallow:\n"), "/anything", True),
        (RobotsAnswer(200, b"\x00\xff garbage"), "/a", True),
        (RobotsAnswer(404), "/a", True),
        (RobotsAnswer(401), "/a", True),
        (RobotsAnswer(403), "/a", True),
        (RobotsAnswer(500, b"User-agent: *\nDisallow: /\n"), "/a", True),  # our documented choice
        (RobotsAnswer(503), "/a", True),
        (RobotsAnswer(None, problem="cannot resolve host"), "/a", True),
    ],
)
def test_answer_policy(answer: RobotsAnswer, path: str, allowed: bool) -> None:
    rules = RobotsRules.from_answer(answer)

    assert rules.allows(f"https://example.com{path}", USER_AGENT) is allowed


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/a/b?c=d", "https://example.com/robots.txt"),
        ("http://example.com:8080/a", "http://example.com:8080/robots.txt"),
        ("https://user:pw@example.com/a", "https://example.com/robots.txt"),
    ],
)
def test_robots_url(url: str, expected: str) -> None:
    assert robots_url(url) == expected


async def test_cache_loads_once_per_origin_even_concurrently() -> None:
    cache = RobotsCache(USER_AGENT)
    loads: list[str] = []

    async def load(url: str) -> RobotsAnswer:
        loads.append(url)
        await asyncio.sleep(0.01)
        return RobotsAnswer(200, RULES)

    results = await asyncio.gather(
        *(cache.allows(f"https://a.example/news/{i}", load) for i in range(5)),
        cache.allows("https://a.example/search?q=lũ", load),
        cache.allows("https://b.example/search", load),
    )

    assert results == [True] * 5 + [False, False]
    assert sorted(loads) == ["https://a.example/robots.txt", "https://b.example/robots.txt"]


async def test_blocked_address_is_not_cached_as_allowed() -> None:
    cache = RobotsCache(USER_AGENT)

    async def load(url: str) -> RobotsAnswer:
        raise BlockedAddressError("refused: 127.0.0.1 is a loopback address")

    with pytest.raises(BlockedAddressError):
        await cache.allows("http://127.0.0.1/a", load)

    async def load_ok(url: str) -> RobotsAnswer:
        return RobotsAnswer(200, b"User-agent: *\nDisallow: /a\n")

    assert await cache.allows("http://127.0.0.1/a", load_ok) is False


async def test_uncacheable_answer_is_asked_again() -> None:
    cache = RobotsCache(USER_AGENT)
    answers = iter([RobotsAnswer(None, problem="refused", cacheable=False), RobotsAnswer(404)])
    loads = 0

    async def load(url: str) -> RobotsAnswer:
        nonlocal loads
        loads += 1
        return next(answers)

    assert await cache.allows("https://a.example/x", load) is True
    assert await cache.allows("https://a.example/y", load) is True
    assert await cache.allows("https://a.example/z", load) is True
    assert loads == 2
