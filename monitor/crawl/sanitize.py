"""Turn untrusted HTML from feeds and pages into safe HTML or plain text.

Everything a source kind stores passes through here: feedparser's own sanitiser is switched off and
never trusted, so this module is the single place that decides what markup survives.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import nh3

__all__ = [
    "clean_html",
    "fold_whitespace",
    "headline",
    "html_to_text",
    "is_safe_url",
    "nfc",
    "shorten",
]

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})

_SAFE_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "div",
        "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
        "img", "ins", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub",
        "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul",
    }
)  # fmt: skip
_SAFE_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "time": {"datetime"},
    "ol": {"start"},
}
_URL_ATTRIBUTES = frozenset({"href", "src"})
# Removed with their content: code, styling, and embedded documents that carry no article text.
_DROP_WITH_CONTENT = frozenset(
    {"script", "style", "template", "iframe", "object", "embed", "noscript", "svg", "math",
     "textarea", "select", "button", "head", "title"}
)  # fmt: skip

# Tags kept by the first, text-only pass so the second pass knows where lines break.
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "caption", "dd", "details", "div", "dl",
        "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody",
        "tfoot", "thead", "tr", "ul",
    }
)  # fmt: skip
_CELL_TAGS = frozenset({"td", "th"})

# Browsers ignore these inside URLs, which is how "jav&#x09;ascript:" gets past naive filters.
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f]+")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[^\S\n]+")
_NEWLINES = re.compile(r"\s*\n\s*")


# html5ever, inside nh3, slows down quadratically with nesting depth; real markup stays far below
# this, while a hostile payload of 50,000 nested <div>s would take seconds per fragment.
_MAX_DEPTH = 512
_TAG_TOKEN = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)[^>]*?(/?)>")
# Elements that never hold children, or whose end tag authors routinely leave out.
_NO_DEPTH = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
     "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option"}
)  # fmt: skip
_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.I | re.S)


def _too_deep(fragment: str) -> bool:
    depth = 0
    for match in _TAG_TOKEN.finditer(fragment):
        if match.group(2).lower() in _NO_DEPTH or match.group(3):
            continue
        depth += -1 if match.group(1) else 1
        if depth > _MAX_DEPTH:
            return True
    return False


def _crude_text(fragment: str) -> str:
    """Text of markup too deeply nested to parse: tags dropped by pattern, entities decoded."""
    text = _TAG_TOKEN.sub(" ", _SCRIPT_OR_STYLE.sub(" ", fragment))
    return html.unescape(text)


def nfc(text: str) -> str:
    """Return ``text`` in Unicode NFC, the one form every stored string uses."""
    return unicodedata.normalize("NFC", text)


def is_safe_url(url: str) -> bool:
    """Tell whether ``url`` is an absolute http(s) address fit to be an item's link."""
    if _URL_IGNORED.search(url.strip()):
        return False
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in {"http", "https"} and bool(parts.hostname)


def _filter_attribute(base_url: str | None) -> Callable[[str, str, str], str | None]:
    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        if attribute not in _URL_ATTRIBUTES:
            return value
        compact = _URL_IGNORED.sub("", value)
        if not compact:
            return None
        if base_url:
            try:
                compact = urljoin(base_url, compact)
            except ValueError:
                return None
        scheme = urlsplit(compact).scheme.lower() if ":" in compact else ""
        # Relative links stay relative when no base is known; anything with a scheme must be safe.
        if scheme and scheme not in SAFE_SCHEMES:
            return None
        return compact

    return attribute_filter


def clean_html(fragment: str, *, base_url: str | None = None) -> str:
    """Return ``fragment`` reduced to harmless markup.

    Only a fixed set of presentational tags survives; links and images keep ``href``/``src`` only
    for http, https and mailto (after stripping the whitespace and control characters browsers
    ignore), scripts, styles and event handlers go. With ``base_url`` relative links are made
    absolute so the HTML still works when shown away from the outlet's site.
    """
    if not fragment or not fragment.strip():
        return ""
    text = _CONTROL.sub("", fragment)
    if _too_deep(text):
        return html.escape(fold_whitespace(_crude_text(text)), quote=False)
    cleaned = nh3.clean(
        text,
        tags=set(_SAFE_TAGS),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes={tag: set(attrs) for tag, attrs in _SAFE_ATTRIBUTES.items()},
        attribute_filter=_filter_attribute(base_url),
        url_schemes=set(SAFE_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return nfc(cleaned.strip())


class _TextCollector(HTMLParser):
    """Collects text, turning block boundaries into newlines and cells into spaces."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" or tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag in _CELL_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag in _CELL_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def fold_whitespace(text: str, *, keep_newlines: bool = False) -> str:
    """Collapse runs of whitespace (NBSP included) and drop invisible characters.

    With ``keep_newlines`` line breaks survive, one per break, so paragraphs stay apart.
    """
    text = _INVISIBLE.sub("", _CONTROL.sub(" ", text))
    if not keep_newlines:
        return nfc(" ".join(text.split()))
    text = _SPACES.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    return nfc(_NEWLINES.sub("\n", text).strip())


def html_to_text(fragment: str, *, keep_newlines: bool = True) -> str:
    """Return the readable text of ``fragment``: no tags, entities decoded, whitespace folded.

    Block elements and ``<br>`` become line breaks (or spaces when ``keep_newlines`` is false, as
    for titles); script and style content never becomes text.
    """
    if not fragment or not fragment.strip():
        return ""
    if "<" not in fragment and "&" not in fragment:
        return fold_whitespace(fragment, keep_newlines=keep_newlines)
    if _too_deep(fragment):
        return fold_whitespace(_crude_text(_CONTROL.sub("", fragment)), keep_newlines=keep_newlines)
    # nh3 first: it parses like a browser and drops executable content with its text, leaving
    # only structural tags for the line-break pass below.
    structural = nh3.clean(
        _CONTROL.sub("", fragment),
        tags=set(_BLOCK_TAGS | _CELL_TAGS | {"br"}),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes={},
        strip_comments=True,
    )
    collector = _TextCollector()
    collector.feed(structural)
    collector.close()
    return fold_whitespace("".join(collector.parts), keep_newlines=keep_newlines)


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=\S)")


def shorten(text: str, limit: int) -> str:
    """Return ``text`` cut at a word boundary to at most ``limit`` characters, ending with "…"."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if not text[len(cut)].isspace() and space > limit // 2:
        cut = cut[:space]  # do not end in the middle of a word
    return cut.rstrip(" ,;:-–—") + "…"


def headline(text: str, limit: int = 120) -> str:
    """Return a title made from free text: its first line, or first sentence, kept short.

    Used where the source has no title of its own (Telegram posts, untitled feed items).
    """
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    first = _strip_leading_symbols(lines[0])
    sentence = _SENTENCE_END.split(first, maxsplit=1)[0]
    return shorten(fold_whitespace(sentence), limit)


def _strip_leading_symbols(text: str) -> str:
    # Channels open posts with emoji ("⚠️ Sạt lở..."); they add nothing to a title.
    position = 0
    while position < len(text) and (
        unicodedata.category(text[position])[0] in "SZ"
        or unicodedata.category(text[position]) in {"Mn", "Cf"}
    ):
        position += 1
    return text[position:] or text
