"""The ``google_news`` source kind: Google News RSS search results.

Each result names its real publisher in ``<source url="...">``, repeats that name at the end of the
title, and links through a ``news.google.com/rss/articles/<id>`` wrapper. Older ids embed the
publisher URL in a small base64 protobuf, which is decoded here without any network call; newer
ids are opaque (resolving them needs Google's servers), so those keep the wrapper URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from monitor.crawl.sanitize import fold_whitespace
from monitor.net.urls import publisher_url_from_google_news
from monitor.sources.base import ParseResult
from monitor.sources.feed import parse_feed_entries, plain_text, safe_url

__all__ = ["parse_google_news", "strip_publisher_suffix"]

_TITLE_SEPARATORS = (" - ", " – ", " — ", " | ")


def parse_google_news(
    content: bytes, *, base_url: str, content_type: str | None = None
) -> ParseResult:
    """Parse a Google News RSS payload; each item names its real publisher as its outlet.

    The item URL is the publisher's when the Google News id embeds it, else the Google wrapper
    (kept in ``extra["google_news_url"]`` either way, since only Google can resolve new ids).
    """
    result, entries = parse_feed_entries(content, base_url=base_url, content_type=content_type)
    for item, entry in zip(result.items, entries, strict=True):
        source: Any = entry.get("source")
        if isinstance(source, Mapping):
            item.outlet_name = plain_text(source.get("title"), html_type=False) or None
            item.outlet_url = safe_url(source.get("href"), base_url)
        if item.outlet_name:
            item.title = strip_publisher_suffix(item.title, item.outlet_name)
        wrapper = item.url
        item.extra["google_news_url"] = wrapper
        decoded = publisher_url_from_google_news(wrapper)
        if decoded is not None:
            item.url = decoded
    return result


def strip_publisher_suffix(title: str, publisher: str) -> str:
    """Return ``title`` without the trailing " - Publisher" Google News appends."""
    name = fold_whitespace(publisher)
    if not name:
        return title
    for separator in _TITLE_SEPARATORS:
        suffix = separator + name
        if title.casefold().endswith(suffix.casefold()) and len(title) > len(suffix):
            return title[: -len(suffix)].rstrip()
    return title
