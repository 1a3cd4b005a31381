"""The main text of an article page, for items whose feed carries only a teaser.

trafilatura does the generic work; an outlet whose layout defeats it gets a CSS selector in
sources.yaml (``article_selector``). Extraction is best effort: a page that yields nothing is
logged and reported as None, never raised, because one odd page must not fail a whole refresh.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import trafilatura
from bs4 import BeautifulSoup, Tag

from monitor.crawl.charset import decode_html, html_soup
from monitor.crawl.dates import parse_date
from monitor.crawl.sanitize import fold_whitespace, html_to_text

__all__ = ["Article", "extract_article", "extract_article_details"]

log = logging.getLogger(__name__)

# Machine-readable publication dates, most precise first (they usually carry time and offset).
_DATE_META: tuple[tuple[str, dict[str, Any], str], ...] = (
    ("meta", {"property": "article:published_time"}, "content"),
    ("meta", {"itemprop": "datePublished"}, "content"),
    ("meta", {"name": "pubdate"}, "content"),
    ("meta", {"name": "publishdate"}, "content"),
    ("meta", {"property": "og:published_time"}, "content"),
    ("time", {"itemprop": "datePublished"}, "datetime"),
)
_MIN_SELECTOR_TEXT = 1
# Below this the generic extractor has found a menu label or a cookie notice, not an article.
_MIN_GENERIC_TEXT = 40


@dataclass(frozen=True)
class Article:
    """What an article page yielded: its text and, when the page states it, when it appeared."""

    text: str
    published: datetime | None = None
    published_offset_minutes: int | None = None


def extract_article(
    html: bytes, *, url: str, selector: str | None = None, content_type: str | None = None
) -> str | None:
    """Return the main text of the article page ``html`` fetched from ``url``, or None.

    With ``selector`` (an outlet's override) the text under the matching elements is used; if
    the selector no longer matches, the generic extractor is tried before giving up.
    """
    article = extract_article_details(html, url=url, selector=selector, content_type=content_type)
    return article.text if article is not None else None


def extract_article_details(
    html: bytes, *, url: str, selector: str | None = None, content_type: str | None = None
) -> Article | None:
    """Like ``extract_article``, with the publication date the page declares, if any."""
    try:
        return _extract(html, url=url, selector=selector, content_type=content_type)
    except Exception:  # trafilatura and lxml fail in many ways on hostile pages
        log.warning("article extraction failed for %s", url, exc_info=True)
        return None


def _extract(
    html: bytes, *, url: str, selector: str | None, content_type: str | None
) -> Article | None:
    if not html or not html.strip():
        return None
    page = decode_html(html, content_type)
    soup: BeautifulSoup | None = None
    text: str | None = None
    if selector:
        soup = html_soup(page)
        text = _text_under(soup, selector)
        if text is None:
            log.warning(
                'article selector "%s" matched no text on %s; using trafilatura', selector, url
            )

    document = None
    if text is None:
        document = trafilatura.bare_extraction(
            page,
            url=url,
            include_comments=False,
            include_tables=True,
            include_images=False,
            with_metadata=True,
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
        body = getattr(document, "text", None) if document is not None else None
        if isinstance(body, str):
            body = fold_whitespace(body, keep_newlines=True)
            text = body if len(body) >= _MIN_GENERIC_TEXT else None
    if text is None:
        return None

    if soup is None:
        soup = html_soup(page)
    published, offset = _declared_date(soup)
    if published is None and document is not None:
        published, offset = parse_date(getattr(document, "date", None))
    return Article(text=text, published=published, published_offset_minutes=offset)


def _text_under(soup: BeautifulSoup, selector: str) -> str | None:
    try:
        elements = soup.select(selector)
    except Exception:  # an invalid selector is a configuration mistake; say so in the log
        log.warning('article selector "%s" is not valid CSS', selector, exc_info=True)
        return None
    parts = [html_to_text(element.decode()) for element in elements]
    text = "\n".join(part for part in parts if part)
    return text if len(text) >= _MIN_SELECTOR_TEXT else None


def _declared_date(soup: BeautifulSoup) -> tuple[datetime | None, int | None]:
    for name, attributes, value_attribute in _DATE_META:
        tag = soup.find(name, attrs=attributes)
        if isinstance(tag, Tag) and tag.get(value_attribute):
            found = parse_date(str(tag.get(value_attribute)))
            if found[0] is not None:
                return found
    return None, None
