"""The ``telegram`` source kind: a public channel's web preview page (``https://t.me/s/NAME``).

Only what the channel itself published is kept: the post text, its link and time, and the
channel's title as the author. Forwarded-from names, signatures, reactions and view counts are
not read, so no per-user data enters the system through this kind.
"""

from __future__ import annotations

import re
from datetime import datetime

from bs4 import BeautifulSoup, Tag

from monitor.crawl.charset import html_soup
from monitor.crawl.dates import parse_date
from monitor.crawl.sanitize import fold_whitespace, headline, html_to_text
from monitor.sources.base import ParsedItem, ParseError, ParseResult
from monitor.sources.html_listing import outermost

__all__ = ["parse_telegram"]

_POST = re.compile(r"^([A-Za-z][A-Za-z0-9_]{3,63})/(\d{1,12})$")
_TITLE_CHARS = 120


def parse_telegram(
    content: bytes, *, base_url: str, content_type: str | None = None
) -> ParseResult:
    """Return one item per post on a channel preview page, oldest first as the page lists them.

    Posts without text (a photo alone, a sticker) are skipped with one warning that counts them.
    """
    soup = html_soup(content, content_type)
    posts, _ = outermost(soup.select("div.tgme_widget_message[data-post]"))
    messages = [
        message for message in posts if "service_message" not in (message.get("class") or [])
    ]
    channel_title = _channel_title(soup)
    if not messages:
        if soup.select_one(".tgme_channel_info, .tgme_widget_message_wrap") is not None:
            return ParseResult(items=[], title=channel_title)  # a channel with no posts yet
        raise ParseError("the page is not a Telegram channel preview (expected t.me/s/NAME)")

    items: list[ParsedItem] = []
    without_text = 0
    for message in messages:
        post = _POST.match(str(message.get("data-post") or "").strip())
        if post is None:
            continue
        channel, number = post.group(1), post.group(2)
        text_element = message.select_one(".tgme_widget_message_text")
        text = html_to_text(text_element.decode()) if text_element is not None else ""
        if not text:
            without_text += 1
            continue
        published, offset = _post_time(message)
        items.append(
            ParsedItem(
                url=f"https://t.me/{channel}/{number}",
                title=headline(text, _TITLE_CHARS),
                summary=text,
                author=_owner_name(message) or channel_title,
                published=published,
                published_offset_minutes=offset,
                guid=f"{channel}/{number}",
            )
        )
    warnings = []
    if without_text:
        warnings.append(f"{without_text} posts without text (photos, stickers) were skipped")
    return ParseResult(items=items, title=channel_title, warnings=warnings)


def _channel_title(soup: BeautifulSoup) -> str | None:
    header = soup.select_one(".tgme_channel_info_header_title")
    if header is not None:
        title = fold_whitespace(header.get_text(" "))
        if title:
            return title
    meta = soup.find("meta", attrs={"property": "og:title"})
    if isinstance(meta, Tag) and meta.get("content"):
        return fold_whitespace(str(meta.get("content"))) or None
    return None


def _owner_name(message: Tag) -> str | None:
    # The channel's own name as shown on the post; not the author signature
    # (.tgme_widget_message_from_author), which names a person.
    owner = message.select_one(".tgme_widget_message_owner_name")
    if owner is None:
        return None
    return fold_whitespace(owner.get_text(" ")) or None


def _post_time(message: Tag) -> tuple[datetime | None, int | None]:
    time_tag = message.select_one(".tgme_widget_message_date time[datetime]") or message.select_one(
        "time[datetime]"
    )
    if time_tag is None:
        return None, None
    return parse_date(str(time_tag.get("datetime") or ""))
