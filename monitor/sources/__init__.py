"""Source kinds: turn a fetched payload into parsed items, whatever the kind.

``parse_payload`` is the one entry point the crawl pipeline uses. It guarantees that the only
exception a payload can cause is ``ParseError`` with a message for users, so one hostile or broken
page is counted against its source instead of stopping a refresh.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from monitor.config.models import Source
from monitor.sources.base import ParsedItem, ParseError, ParseResult
from monitor.sources.feed import parse_feed
from monitor.sources.google_news import parse_google_news
from monitor.sources.html_listing import parse_listing
from monitor.sources.telegram import parse_telegram

__all__ = ["ParseError", "ParseResult", "ParsedItem", "parse_payload"]

log = logging.getLogger(__name__)

_Parser = Callable[[Source, bytes, str, str | None], ParseResult]


def _feed(source: Source, content: bytes, base_url: str, content_type: str | None) -> ParseResult:
    return parse_feed(content, base_url=base_url, content_type=content_type)


def _google_news(
    source: Source, content: bytes, base_url: str, content_type: str | None
) -> ParseResult:
    return parse_google_news(content, base_url=base_url, content_type=content_type)


def _html(source: Source, content: bytes, base_url: str, content_type: str | None) -> ParseResult:
    if source.selectors is None:
        raise ParseError(f'source "{source.id}" is of kind html but has no selectors')
    return parse_listing(
        content, base_url=base_url, selectors=source.selectors, content_type=content_type
    )


def _telegram(
    source: Source, content: bytes, base_url: str, content_type: str | None
) -> ParseResult:
    return parse_telegram(content, base_url=base_url, content_type=content_type)


_PARSERS: dict[str, _Parser] = {
    "feed": _feed,
    "google_news": _google_news,
    "html": _html,
    "telegram": _telegram,
}


def parse_payload(
    source: Source, content: bytes, *, base_url: str, content_type: str | None
) -> ParseResult:
    """Parse ``content`` fetched from ``base_url`` the way ``source.kind`` says.

    Items without a language get the source's. Any failure, expected or not, surfaces as
    ``ParseError``.
    """
    kind = source.kind
    parser = _PARSERS.get(kind)
    if parser is None:
        raise ParseError(f'unknown source kind "{kind}" (expected one of: {", ".join(_PARSERS)})')
    try:
        result = parser(source, content, base_url, content_type)
    except ParseError:
        raise
    except RecursionError:
        raise ParseError(f"could not parse the {kind} payload: it is nested too deeply") from None
    except Exception as exc:
        log.warning(
            "unexpected error parsing %s payload of source %s", kind, source.id, exc_info=True
        )
        raise ParseError(f"could not parse the {kind} payload: {exc}") from exc
    for item in result.items:
        if not item.language:
            item.language = source.language
    return result
