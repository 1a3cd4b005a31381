"""Decode payloads whose declared charset cannot be trusted.

Vietnamese sites still serve Windows-1258 under a ``utf-8`` or ``iso-8859-1`` label, or UTF-8
under a Latin-1 HTTP header. The order here is: byte-order mark, UTF-8 if the bytes are valid
UTF-8 (wrongly labelled UTF-8 is by far the most common case), the declared charsets, then
Windows-1258. Windows-1258 writes tone marks as separate combining characters, so every result is
NFC-normalised: the same word must compare equal whichever way it reached us.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from bs4 import BeautifulSoup

__all__ = [
    "charset_from_content_type",
    "decode_html",
    "decode_text",
    "html_soup",
    "to_unicode_xml",
]

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([^"'>]{1,40})["']""")
_HTML_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]{1,40})""", re.IGNORECASE
)
_CONTENT_TYPE_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([^"';\s]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^<\?xml[\s\S]{0,300}?\?>")
_UTF8_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'
# Characters XML 1.0 forbids; CMSs paste them in from word processors and expat then rejects the
# whole feed.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# Single-byte Western charsets that decode any byte sequence, so a wrong label never fails loudly.
_WESTERN = frozenset({"latin-1", "iso8859-1", "cp1252", "iso8859-15", "ascii"})
# Letters only Vietnamese produces in these decodings: đ, ư, and vowels with a hook or dot below.
# Latin-1 and Windows-1252 cannot represent any of them, Windows-1258 text is full of them.
_VIETNAMESE_ONLY = re.compile("[đĐưƯ]|[ảẢạẠẻẺẹẸỉỈịỊỏỎọỌủỦụỤỷỶỵỴẩẨậẬẳẲặẶểỂệỆổỔộỘởỞợỢửỬựỰ]")
_COMBINING = re.compile("[\u0300-\u036f]")


def charset_from_content_type(content_type: str | None) -> str | None:
    """Return the ``charset`` parameter of a Content-Type header, if any."""
    if not content_type:
        return None
    match = _CONTENT_TYPE_CHARSET.search(content_type)
    return match.group(1).strip().lower() if match else None


def _codec_name(label: str | None) -> str | None:
    if not label:
        return None
    try:
        info = codecs.lookup(label.strip().lower())
    except (LookupError, ValueError, TypeError):
        return None
    # Refuse codecs such as rot13 or base64 that a hostile declaration could name.
    if not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def _looks_vietnamese_cp1258(content: bytes) -> str | None:
    """Return the Windows-1258 reading of ``content`` when it reads as Vietnamese, else None."""
    try:
        text = unicodedata.normalize("NFC", content.decode("cp1258"))
    except UnicodeDecodeError:
        return None
    markers = len(_VIETNAMESE_ONLY.findall(text))
    # Marks that did not compose with their letter mean this was not Vietnamese text.
    stray_marks = len(_COMBINING.findall(text))
    if markers >= 2 and stray_marks <= markers // 10:
        return text
    return None


def _decode(content: bytes, declared: tuple[str | None, ...]) -> tuple[str, str]:
    for bom, bom_codec in _BOMS:
        if content.startswith(bom):
            return content.decode(bom_codec, errors="replace"), bom_codec
    # UTF-16 without a BOM still starts with "<" and a zero byte (XML spec, appendix F).
    if content[:4] in (b"<\x00?\x00", b"<\x00!\x00", b"<\x00r\x00", b"<\x00f\x00"):
        return content.decode("utf-16-le", errors="replace"), "utf-16-le"
    if content[:4] in (b"\x00<\x00?", b"\x00<\x00!", b"\x00<\x00r", b"\x00<\x00f"):
        return content.decode("utf-16-be", errors="replace"), "utf-16-be"
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    seen: set[str] = set()
    for label in declared:
        codec = _codec_name(label)
        if codec is None or codec in seen or codec.startswith("utf"):
            continue
        seen.add(codec)
        try:
            text = content.decode(codec)
        except (UnicodeDecodeError, LookupError, ValueError, TypeError):
            continue
        if codec in _WESTERN:
            vietnamese = _looks_vietnamese_cp1258(content)
            if vietnamese is not None:
                return vietnamese, "cp1258"
        return text, codec
    for codec in ("cp1258", "cp1252"):
        try:
            return content.decode(codec), codec
        except UnicodeDecodeError:
            continue
    return content.decode("cp1258", errors="replace"), "cp1258"


def decode_text(content: bytes, *declared: str | None) -> tuple[str, str]:
    """Return ``content`` as NFC text and the codec that decoded it.

    ``declared`` are the charsets the payload claims, most authoritative first (HTTP header, then
    in-document declaration); they are believed only when the bytes are not valid UTF-8.
    """
    text, codec = _decode(content, declared)
    return unicodedata.normalize("NFC", text.lstrip("\ufeff")), codec


def to_unicode_xml(content: bytes, declared: str | None = None) -> bytes:
    """Return an XML payload re-encoded as UTF-8 with a declaration that says so.

    ``declared`` is the HTTP charset or whole Content-Type header. Feedparser trusts declarations
    (and raises on some malformed ones), so handing it clean UTF-8 makes its job deterministic.
    Leading junk whitespace and characters XML forbids are dropped, as browsers would.
    """
    match = _XML_ENCODING.match(content[:512])
    in_document = match.group(1).decode("ascii", errors="replace") if match else None
    http = charset_from_content_type(declared) if declared and "=" in declared else declared
    text, _ = decode_text(content, http, in_document)
    text = _XML_FORBIDDEN.sub("", text)
    if text.lstrip().startswith("<?xml"):
        # A declaration after blank lines is a fatal error for expat; browsers shrug it off.
        text = _XML_DECLARATION.sub("", text.lstrip(), count=1)
    # Same line as the content, so parser errors keep the line numbers of the original payload.
    return (_UTF8_DECLARATION + text).encode("utf-8")


def decode_html(content: bytes, content_type: str | None = None) -> str:
    """Return an HTML page as NFC text, weighing the HTTP charset, ``<meta charset>`` and bytes."""
    match = _HTML_META_CHARSET.search(content[:4096])
    in_document = match.group(1).decode("ascii", errors="replace") if match else None
    text, _ = decode_text(content, charset_from_content_type(content_type), in_document)
    return text


def html_soup(content: bytes | str, content_type: str | None = None) -> BeautifulSoup:
    """Return an HTML page decoded (see ``decode_html``) and parsed with lxml's HTML parser.

    A leading XML declaration is dropped: the HTML parser ignores it anyway, and bs4 would warn
    that an XML document is being read as HTML each time a page URL starts serving a feed.
    """
    text = content if isinstance(content, str) else decode_html(content, content_type)
    return BeautifulSoup(_XML_DECLARATION.sub("", text.lstrip(), count=1), "lxml")
