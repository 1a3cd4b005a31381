"""The ``google_news`` source kind: Google News RSS search results.

Each result names its real publisher in ``<source url="...">``, repeats that name at the end of the
title, and links through a ``news.google.com/rss/articles/<id>`` wrapper. Older ids embed the
publisher URL in a small base64 protobuf, which is decoded here without any network call; newer
ids are opaque (resolving them needs Google's servers), so those keep the wrapper URL.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from monitor.crawl.sanitize import fold_whitespace, is_safe_url, nfc
from monitor.sources.base import ParseResult
from monitor.sources.feed import parse_feed_entries, plain_text, safe_url

__all__ = ["decode_google_news_url", "parse_google_news", "strip_publisher_suffix"]

_GOOGLE_NEWS_HOSTS = frozenset({"news.google.com"})
_ARTICLE_PATH_PARTS = frozenset({"articles", "read"})
_URL_FIELDS = (4, 26)  # field 4: the article URL; field 26: its AMP version
_MAX_ID_LENGTH = 4096
_TITLE_SEPARATORS = (" - ", " – ", " — ", " | ")


def decode_google_news_url(url: str) -> str | None:
    """Return the publisher URL hidden in a Google News article link, or None.

    Works for the older ids (``CBMi...`` whose payload is the URL itself). Ids issued since 2024
    carry an opaque token instead, and any other URL gives None; nothing here touches the network.
    """
    try:
        parts = urlsplit(url.strip())
    except (ValueError, AttributeError):
        return None
    if (parts.hostname or "").lower() not in _GOOGLE_NEWS_HOSTS:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2 or segments[-2] not in _ARTICLE_PATH_PARTS:
        return None
    article_id = segments[-1]
    if len(article_id) > _MAX_ID_LENGTH:
        return None
    try:
        payload = base64.urlsafe_b64decode(article_id + "=" * (-len(article_id) % 4))
    except (binascii.Error, ValueError):
        return None
    found = _protobuf_strings(payload)
    for field_number in _URL_FIELDS:
        for candidate in found.get(field_number, []):
            if is_safe_url(candidate):
                return nfc(candidate)
    return None


def _read_varint(data: bytes, position: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if position >= len(data) or shift > 63:
            raise ValueError("truncated varint")
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, position
        shift += 7


def _protobuf_strings(data: bytes) -> dict[int, list[str]]:
    """Return the UTF-8 length-delimited fields of a protobuf message, by field number.

    Only the top level is read and parsing stops quietly at the first malformed byte: the
    payload comes from a URL anyone can forge.
    """
    found: dict[int, list[str]] = {}
    position = 0
    try:
        while position < len(data):
            key, position = _read_varint(data, position)
            field_number, wire_type = key >> 3, key & 0x07
            if wire_type == 0:
                _, position = _read_varint(data, position)
            elif wire_type == 1:
                position += 8
            elif wire_type == 5:
                position += 4
            elif wire_type == 2:
                length, position = _read_varint(data, position)
                chunk = data[position : position + length]
                if len(chunk) < length:
                    break
                position += length
                try:
                    found.setdefault(field_number, []).append(chunk.decode("utf-8"))
                except UnicodeDecodeError:
                    continue
            else:
                break
    except ValueError:
        pass
    return found


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
        decoded = decode_google_news_url(wrapper)
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
