"""The ``html`` source kind: a listing page (a portal's "Tin tức - Sự kiện") read with selectors.

Ward and province portals rarely publish feeds; their news list is a repeated block per item with
a link, a title and a date such as ``10/02/2026``. The selectors come from sources.yaml, so every
message here names the selector the operator wrote.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urljoin

from bs4 import Tag
from soupsieve import SelectorSyntaxError

from monitor.config.models import HtmlSelectors
from monitor.crawl.charset import html_soup
from monitor.crawl.dates import parse_date
from monitor.crawl.sanitize import fold_whitespace, html_to_text
from monitor.sources.base import ParsedItem, ParseError, ParseResult
from monitor.sources.feed import safe_url

__all__ = ["MAX_ITEMS", "element_text", "outermost", "parse_listing", "select", "select_one"]

MAX_ITEMS = 500  # a listing page shows tens of items; more means a wrong selector
# Where listing pages put a machine-readable date, most reliable first.
_DATE_ATTRIBUTES = ("datetime", "content", "data-date", "data-time", "title")


def select(root: Tag, selector: str) -> list[Tag]:
    """Return the elements ``selector`` matches, or raise ParseError naming a bad selector."""
    try:
        return list(root.select(selector))
    except (SelectorSyntaxError, ValueError, NotImplementedError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ParseError(f'selector "{selector}" is not valid CSS: {message}') from None


def select_one(root: Tag, selector: str) -> Tag | None:
    """Return the first element ``selector`` matches inside ``root`` (root itself included)."""
    try:
        if root.css is not None and root.css.match(selector):
            return root
    except (SelectorSyntaxError, ValueError, NotImplementedError):
        pass  # reported by select() below with the same selector
    found = select(root, selector)
    return found[0] if found else None


def outermost(elements: list[Tag], limit: int = MAX_ITEMS) -> tuple[list[Tag], int]:
    """Return the matches not inside another match (at most ``limit``) and how many were dropped.

    A listing item never contains another item; when a selector says otherwise the page is
    either mis-described or hostile (thousands of nested matches make every per-item lookup
    walk the whole tree). Each kept element's subtree is walked once, so this stays linear.
    """
    matched = {id(element) for element in elements}
    inside: set[int] = set()
    kept: list[Tag] = []
    dropped = 0
    for element in elements:
        if id(element) in inside or len(kept) >= limit:
            dropped += 1
            continue
        kept.append(element)
        for descendant in element.descendants:
            if isinstance(descendant, Tag) and id(descendant) in matched:
                inside.add(id(descendant))
    return kept, dropped


def element_text(element: Tag) -> str:
    """Return an element's visible text on one line, scripts and styles excluded."""
    return html_to_text(element.decode(), keep_newlines=False)


def parse_listing(
    content: bytes,
    *,
    base_url: str,
    selectors: HtmlSelectors,
    content_type: str | None = None,
) -> ParseResult:
    """Return one item per ``selectors.item`` match on the listing page at ``base_url``.

    Raises ParseError when the item selector matches nothing: a redesigned page must show up as
    an error on the source, not as a quiet run of empty refreshes.
    """
    soup = html_soup(content, content_type)
    page_base = base_url
    base_tag = soup.find("base", href=True)
    if isinstance(base_tag, Tag):
        page_base = urljoin(base_url, str(base_tag["href"]).strip())

    matches = select(soup, selectors.item)
    if not matches:
        raise ParseError(f'selector "{selectors.item}" matched nothing on the page')
    blocks, dropped = outermost(matches)

    html_tag = soup.find("html")
    language = None
    if isinstance(html_tag, Tag) and html_tag.get("lang"):
        language = str(html_tag.get("lang")).strip() or None
    title_tag = soup.find("title")
    page_title = fold_whitespace(title_tag.get_text(" ")) if isinstance(title_tag, Tag) else ""

    items: list[ParsedItem] = []
    warnings: list[str] = []
    seen: set[str] = set()
    no_link = 0
    for block in blocks:
        item = _item_from_block(block, base_url=page_base, selectors=selectors)
        if item is None:
            no_link += 1
            continue
        if item.url in seen:
            continue  # featured stories are often listed twice on one page
        seen.add(item.url)
        item.language = language
        items.append(item)
    if dropped:
        warnings.append(
            f'{dropped} elements matched by "{selectors.item}" were ignored (nested inside '
            f"another match, or beyond the first {MAX_ITEMS})"
        )
    if no_link:
        warnings.append(
            f'{no_link} of {len(blocks)} elements matched by "{selectors.item}" had no usable '
            f'link under "{selectors.link}"; skipped'
        )
    return ParseResult(items=items, title=page_title or None, language=language, warnings=warnings)


def _item_from_block(block: Tag, *, base_url: str, selectors: HtmlSelectors) -> ParsedItem | None:
    link = select_one(block, selectors.link)
    if link is None:
        return None
    href = link.get("href")
    url = safe_url(str(href), base_url) if href else None
    if url is None:
        return None

    title = ""
    if selectors.title:
        title_element = select_one(block, selectors.title)
        if title_element is not None:
            title = element_text(title_element) or fold_whitespace(
                str(title_element.get("title") or "")
            )
    if not title:
        title = element_text(link) or fold_whitespace(str(link.get("title") or ""))

    published: datetime | None = None
    offset: int | None = None
    if selectors.date:
        date_element = select_one(block, selectors.date)
        if date_element is not None:
            published, offset = _date_of(date_element)

    summary = ""
    if selectors.summary:
        summary_element = select_one(block, selectors.summary)
        if summary_element is not None:
            summary = html_to_text(summary_element.decode())

    return ParsedItem(
        url=url,
        title=title,
        summary=summary,
        published=published,
        published_offset_minutes=offset,
    )


def _date_of(element: Tag) -> tuple[datetime | None, int | None]:
    for attribute in _DATE_ATTRIBUTES:
        value = element.get(attribute)
        if value:
            found = parse_date(str(value))
            if found[0] is not None:
                return found
    return parse_date(element_text(element))
