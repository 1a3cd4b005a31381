"""The ``feed`` source kind: RSS 0.9x/2.0, RSS 1.0 (RDF), Atom and JSON Feed.

feedparser does the XML work, but it sees only clean UTF-8 (see ``monitor.crawl.charset``), its
sanitiser is off, and its dates are re-read with ``monitor.crawl.dates`` because it does not know
the Vietnamese formats. Nothing but ``ParseError`` leaves this module.
"""

from __future__ import annotations

import html
import io
import json
import logging
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from monitor.crawl.charset import charset_from_content_type, decode_text, to_unicode_xml
from monitor.crawl.dates import parse_date
from monitor.crawl.sanitize import (
    clean_html,
    fold_whitespace,
    headline,
    html_to_text,
    is_safe_url,
    nfc,
    shorten,
)
from monitor.sources.base import ParsedItem, ParseError, ParseResult

__all__ = ["item_text_fields", "parse_feed", "parse_feed_entries", "plain_text", "safe_url"]

log = logging.getLogger(__name__)

HTML_PAGE_MESSAGE = "the address returned an HTML page, not a feed"
_SUMMARY_FROM_CONTENT_CHARS = 500

_FEED_ROOTS = frozenset({"rss", "feed", "rdf", "channel"})
# The first element of the document, after the declaration, comments, PIs and doctype.
_PROLOG_ITEM = re.compile(
    r"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>)", re.S | re.I
)
_ROOT = re.compile(r"\s*<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")
_HTML_DOCTYPE = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?<!doctype\s+html", re.I)
_ALTERNATE_FEED = re.compile(
    r"""<link\b(?=[^>]*\brel=["']?alternate)(?=[^>]*\btype=["']?application/(?:rss|atom)\+xml)"""
    r"""[^>]*\bhref=["']?([^"'\s>]+)""",
    re.I,
)
_TAG = re.compile(r"<[A-Za-z/!?]")
_URL_BREAKS = re.compile(r"[\t\r\n]+")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def parse_feed(content: bytes, *, base_url: str, content_type: str | None = None) -> ParseResult:
    """Parse an RSS, Atom or JSON feed payload fetched from ``base_url``.

    Items without a usable http(s) link are skipped with a warning. Raises ``ParseError`` with a
    message fit for users when the payload is not a feed at all or is broken beyond recovery; an
    empty but valid feed is an empty result, not an error.
    """
    return parse_feed_entries(content, base_url=base_url, content_type=content_type)[0]


def parse_feed_entries(
    content: bytes, *, base_url: str, content_type: str | None = None
) -> tuple[ParseResult, list[Mapping[str, Any]]]:
    """Like ``parse_feed``, also returning the raw entry behind each item, in the same order.

    For source kinds built on feeds (Google News) that read elements ParsedItem has no field for.
    JSON Feed items come back as their JSON objects.
    """
    try:
        return _parse_feed(content, base_url=base_url, content_type=content_type)
    except ParseError:
        raise
    except RecursionError:
        raise ParseError("the feed is nested too deeply to be read") from None
    except Exception as exc:  # feedparser and lxml have many ways to fail on hostile input
        log.warning("feed parser failed on %s", base_url, exc_info=True)
        raise ParseError(f"the feed could not be read: {exc}") from exc


def _parse_feed(
    content: bytes, *, base_url: str, content_type: str | None
) -> tuple[ParseResult, list[Mapping[str, Any]]]:
    if not content or not content.strip():
        raise ParseError("the address returned an empty document, not a feed")
    if _is_json(content, content_type):
        return _parse_json_feed(content, base_url=base_url, content_type=content_type)

    xml = to_unicode_xml(content, content_type)
    text_head = xml[:4096].decode("utf-8", errors="replace")
    root = _root_name(text_head)
    if root == "html" or _HTML_DOCTYPE.match(content[:512].lstrip(b"\xef\xbb\xbf")):
        raise ParseError(HTML_PAGE_MESSAGE + _alternate_hint(xml, base_url))

    parsed = feedparser.parse(
        io.BytesIO(xml),  # never a str or bytes: feedparser would try them as a file name
        response_headers={
            "content-location": base_url,
            "content-type": "application/xml; charset=utf-8",
        },
        sanitize_html=False,
        resolve_relative_uris=False,  # done by clean_html, after stripping what browsers ignore
    )
    warnings: list[str] = []
    entries: list[Any] = list(parsed.get("entries") or [])
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    xml_error = _xml_error_text(problem) if problem is not None else None

    if not entries:
        served_as_html = "html" in (content_type or "").lower() and "xml" not in (
            content_type or ""
        )
        if served_as_html or root in {"head", "body"}:
            raise ParseError(HTML_PAGE_MESSAGE + _alternate_hint(xml, base_url))
        if xml_error is not None:
            raise ParseError(f"the feed is not well-formed XML ({xml_error})")
        if root not in _FEED_ROOTS and not parsed.get("version"):
            shown = f"<{root}>" if root else "none"
            raise ParseError(f"the address returned XML that is not a feed (root element {shown})")
    elif xml_error is not None:
        warnings.append(
            f"the feed is not well-formed XML ({xml_error}); {len(entries)} items were recovered"
        )

    feed_info: Mapping[str, Any] = parsed.get("feed") or {}
    feed_language = _language(feed_info.get("language"))
    items: list[ParsedItem] = []
    kept: list[Mapping[str, Any]] = []
    for position, entry in enumerate(entries, start=1):
        item = _item_from_entry(entry, base_url=base_url, feed_language=feed_language)
        if item is None:
            warnings.append(_skipped_warning(position, entry))
            continue
        items.append(item)
        kept.append(entry)
    title = plain_text(feed_info.get("title"), html_type=_is_html(feed_info.get("title_detail")))
    result = ParseResult(
        items=items, title=title or None, language=feed_language, warnings=warnings
    )
    return result, kept


def _root_name(head: str) -> str | None:
    position = 0
    while True:
        match = _PROLOG_ITEM.match(head, position)
        if match is None or match.end() == position:
            break
        position = match.end()
    root = _ROOT.match(head, position)
    return root.group(2).lower() if root else None


def _alternate_hint(xml: bytes, base_url: str) -> str:
    """Point users at the feed an HTML page advertises, since that is usually what they meant."""
    match = _ALTERNATE_FEED.search(xml[:65536].decode("utf-8", errors="replace"))
    if match is None:
        return ""
    href = safe_url(html.unescape(match.group(1)), base_url)
    return f" (the page links to a feed at {href})" if href else ""


def _xml_error_text(problem: BaseException) -> str | None:
    """Describe an XML syntax error as "line N: message"; None for non-fatal feedparser notes."""
    get_line = getattr(problem, "getLineNumber", None)
    get_message = getattr(problem, "getMessage", None)
    if get_line is None or get_message is None:
        return None  # encoding overrides and the like: the parse itself went fine
    try:
        return f"line {get_line()}: {get_message()}"
    except Exception:  # SAX exceptions without a locator
        return str(problem)


def _skipped_warning(position: int, entry: Mapping[str, Any]) -> str:
    title = plain_text(entry.get("title"), html_type=_is_html(entry.get("title_detail")))
    label = f' "{shorten(title, 60)}"' if title else ""
    return f"item {position}{label} has no usable http(s) link; skipped"


def _is_json(content: bytes, content_type: str | None) -> bool:
    first = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if first in (b"{", b"["):
        return True
    # The bytes outvote the label: servers call their RSS "application/json" too.
    return first != b"<" and bool(content_type and "json" in content_type.lower())


def _is_html(detail: Any) -> bool:
    if not isinstance(detail, Mapping):
        return True  # unknown: treat as HTML so stray markup never reaches plain-text fields
    kind = str(detail.get("type") or "text/html").lower()
    return "html" in kind


def plain_text(value: Any, *, html_type: bool = True) -> str:
    """Return a feed string as one line of plain text.

    HTML-typed values lose their tags. Plain values still get one round of entity decoding,
    because Vietnamese CMSs often double-escape titles (``&amp;quot;``).
    """
    if value is None:
        return ""
    text = str(value)
    # Markup in a "plain" field is still markup to whoever displays it: strip it all the same.
    if html_type or _TAG.search(text):
        return html_to_text(text, keep_newlines=False)
    if _ENTITY.search(text):
        text = html.unescape(text)
    return fold_whitespace(text)


def safe_url(candidate: Any, base_url: str | None) -> str | None:
    """Return ``candidate`` as an absolute http(s) URL, or None if it cannot be one.

    Relative candidates are resolved against ``base_url``; with ``base_url=None`` only absolute
    URLs pass (for identifiers such as guids, which are not links unless they say so).
    """
    if not isinstance(candidate, str):
        return None
    # As browsers do: tabs and newlines inside a URL vanish, inner spaces are percent-encoded.
    text = _URL_BREAKS.sub("", candidate.strip()).replace(" ", "%20")
    if not text:
        return None
    try:
        url = urljoin(base_url, text) if base_url else text
    except ValueError:
        return None
    return nfc(url) if is_safe_url(url) else None


def item_text_fields(
    summary_markup: str, content_markup: str, *, summary_is_html: bool, base_url: str
) -> tuple[str, str, str | None]:
    """Return (summary, summary_html, content) for an item.

    ``content`` is set only when the feed's full text is notably longer than its summary, so the
    pipeline knows whether it still has to fetch the article. With no summary at all, the start
    of the full text stands in for it.
    """
    if summary_is_html:
        summary = html_to_text(summary_markup)
        summary_html = clean_html(summary_markup, base_url=base_url)
    else:
        summary = plain_text(summary_markup, html_type=False)
        summary_html = ""
    content_text = html_to_text(content_markup) if content_markup else ""
    if not summary and content_text:
        summary = shorten(content_text.replace("\n", " "), _SUMMARY_FROM_CONTENT_CHARS)
    content: str | None = None
    if content_text and _notably_longer(content_text, summary):
        content = content_text
    return summary, summary_html, content


def _notably_longer(content: str, summary: str) -> bool:
    # A "content" that only repeats the teaser plus a "Xem thêm" link is not full text.
    return len(content) > len(summary) + 150 and len(content) > 1.3 * len(summary)


def _language(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


def _entry_url(entry: Mapping[str, Any], base_url: str) -> str | None:
    candidates: list[Any] = [entry.get("link")]
    for link in entry.get("links") or []:
        if isinstance(link, Mapping) and link.get("rel", "alternate") == "alternate":
            candidates.append(link.get("href"))
    for candidate in candidates:
        url = safe_url(candidate, base_url)
        if url is not None:
            return url
    # feedparser already copied a permalink guid into "link"; a guid marked isPermaLink="false"
    # (or an Atom id) still serves when it is an absolute http(s) URL, but is never resolved.
    return safe_url(entry.get("id"), None)


def _own(entry: Mapping[str, Any], key: str) -> Any:
    # Not entry.get(): feedparser's get("updated") falls back to "published" with a
    # DeprecationWarning; "in" checks the key itself.
    return entry[key] if key in entry else None  # noqa: SIM401 - see above


def _entry_published(entry: Mapping[str, Any]) -> tuple[datetime | None, int | None]:
    for key in ("published", "updated", "created"):
        raw = _own(entry, key)
        if raw:
            found = parse_date(str(raw))
            if found[0] is not None:
                return found
    # Formats only feedparser knows (it returns UTC, so the written offset is lost).
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = _own(entry, key)
        if parsed:
            try:
                year, month, day, hour, minute, second = (int(part) for part in parsed[:6])
                return datetime(year, month, day, hour, minute, second, tzinfo=UTC), None
            except (TypeError, ValueError):
                continue
    return None, None


def _entry_author(entry: Mapping[str, Any]) -> str | None:
    detail = entry.get("author_detail")
    name = detail.get("name") if isinstance(detail, Mapping) else None
    text = plain_text(name or entry.get("author"))
    return text or None


def _best_content(entry: Mapping[str, Any]) -> str:
    values = [
        str(part.get("value") or "")
        for part in entry.get("content") or []
        if isinstance(part, Mapping)
    ]
    return max(values, key=len, default="")


def _item_from_entry(
    entry: Mapping[str, Any], *, base_url: str, feed_language: str | None
) -> ParsedItem | None:
    url = _entry_url(entry, base_url)
    if url is None:
        return None
    title = plain_text(entry.get("title"), html_type=_is_html(entry.get("title_detail")))
    detail = entry.get("summary_detail")
    # feedparser copies the content into "summary" when there is no description; only a
    # summary_detail proves the feed wrote one.
    summary_markup = str(detail.get("value") or "") if isinstance(detail, Mapping) else ""
    # Relative links in the HTML are relative to the feed (or its xml:base), not to the item.
    html_base = detail.get("base") if isinstance(detail, Mapping) else None
    summary, summary_html, content = item_text_fields(
        summary_markup,
        _best_content(entry),
        summary_is_html=_is_html(detail),
        base_url=html_base if isinstance(html_base, str) and html_base else base_url,
    )
    published, offset = _entry_published(entry)
    title_detail = entry.get("title_detail")
    language = (
        _language(entry.get("language"))
        or (_language(title_detail.get("language")) if isinstance(title_detail, Mapping) else None)
        or feed_language
    )
    guid = entry.get("id")
    return ParsedItem(
        url=url,
        title=title or headline(summary),
        summary=summary,
        summary_html=summary_html,
        content=content,
        author=_entry_author(entry),
        published=published,
        published_offset_minutes=offset,
        language=language,
        guid=nfc(str(guid).strip()) if guid else None,
    )


# --- JSON Feed (https://jsonfeed.org/version/1.1) ---------------------------------------------


def _parse_json_feed(
    content: bytes, *, base_url: str, content_type: str | None
) -> tuple[ParseResult, list[Mapping[str, Any]]]:
    text, _ = decode_text(content, charset_from_content_type(content_type))
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"the feed is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(document, dict) or not (
        str(document.get("version", "")).startswith("https://jsonfeed.org/version/")
        or isinstance(document.get("items"), list)
    ):
        raise ParseError("the address returned JSON that is not a JSON Feed")
    raw_items = document.get("items")
    if not isinstance(raw_items, list):
        raw_items = []
    home = safe_url(document.get("home_page_url"), base_url) or base_url
    feed_language = _language(document.get("language"))
    feed_author = _json_author(document)
    items: list[ParsedItem] = []
    kept: list[Mapping[str, Any]] = []
    warnings: list[str] = []
    for position, raw in enumerate(raw_items, start=1):
        if not isinstance(raw, dict):
            warnings.append(f"item {position} is not a JSON object; skipped")
            continue
        item = _item_from_json(
            raw, base_url=home, feed_language=feed_language, feed_author=feed_author
        )
        if item is None:
            title = plain_text(raw.get("title"), html_type=False)
            label = f' "{shorten(title, 60)}"' if title else ""
            warnings.append(f"item {position}{label} has no usable http(s) link; skipped")
            continue
        items.append(item)
        kept.append(raw)
    result = ParseResult(
        items=items,
        title=plain_text(document.get("title"), html_type=False) or None,
        language=feed_language,
        warnings=warnings,
    )
    return result, kept


def _json_author(holder: Mapping[str, Any]) -> str | None:
    authors: Iterable[Any] = holder.get("authors") or []
    if not isinstance(authors, list):
        authors = []
    single = holder.get("author")  # JSON Feed 1.0
    for author in [*authors, single]:
        if isinstance(author, Mapping):
            name = plain_text(author.get("name"), html_type=False)
            if name:
                return name
    return None


def _item_from_json(
    raw: Mapping[str, Any],
    *,
    base_url: str,
    feed_language: str | None,
    feed_author: str | None,
) -> ParsedItem | None:
    url = (
        safe_url(raw.get("url"), base_url)
        or safe_url(raw.get("external_url"), base_url)
        or safe_url(raw.get("id"), None)
    )
    if url is None:
        return None
    content_html = raw.get("content_html")
    content_text = raw.get("content_text")
    if isinstance(content_html, str) and content_html.strip():
        content_markup = content_html
    elif isinstance(content_text, str):
        content_markup = html.escape(content_text)
    else:
        content_markup = ""
    summary_raw = raw.get("summary")
    summary, summary_html, content = item_text_fields(
        summary_raw if isinstance(summary_raw, str) else "",
        content_markup,
        summary_is_html=False,
        base_url=url,
    )
    published, offset = parse_date(raw.get("date_published") or raw.get("date_modified"))
    title = plain_text(raw.get("title"), html_type=False)
    guid = raw.get("id")
    return ParsedItem(
        url=url,
        title=title or headline(summary),
        summary=summary,
        summary_html=summary_html,
        content=content,
        author=_json_author(raw) or feed_author,
        published=published,
        published_offset_minutes=offset,
        language=_language(raw.get("language")) or feed_language,
        guid=nfc(str(guid).strip()) if guid is not None and str(guid).strip() else None,
    )
