"""URLs that a source kind derives from its configuration."""

from __future__ import annotations

import re
from urllib.parse import quote_plus, urlsplit

GOOGLE_NEWS_SEARCH = "https://news.google.com/rss/search"


def google_news_search_url(query: str, *, hl: str = "vi", gl: str = "VN") -> str:
    """Return the Google News RSS search URL for ``query`` (Vietnamese edition by default)."""
    ceid = f"{gl}:{hl.split('-')[0]}"
    return f"{GOOGLE_NEWS_SEARCH}?q={quote_plus(query)}&hl={hl}&gl={gl}&ceid={quote_plus(ceid)}"


_CHANNEL = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,63}$")


def telegram_preview_url(url_or_channel: str) -> str:
    """Return the public web preview (``https://t.me/s/NAME``) of a Telegram channel.

    Accepts ``NAME``, ``@NAME``, ``t.me/NAME``, ``https://t.me/NAME`` or an existing preview URL;
    any other host is returned unchanged so tests can serve a preview page locally.
    """
    text = url_or_channel.strip()
    if _CHANNEL.match(text.lstrip("@")) and "/" not in text:
        return f"https://t.me/s/{text.lstrip('@')}"
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.hostname not in {"t.me", "telegram.me"}:
        return url_or_channel.strip()
    segments = [s for s in parts.path.split("/") if s]
    if segments and segments[0] == "s":
        segments = segments[1:]
    if not segments or not _CHANNEL.match(segments[0]):
        raise ValueError(f"not a Telegram channel address: {url_or_channel!r}")
    return f"https://t.me/s/{segments[0]}"
