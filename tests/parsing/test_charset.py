"""Charset repair: the declared charset is a hint, the bytes decide."""

from __future__ import annotations

import codecs
import io
import unicodedata

import feedparser
import pytest

from monitor.crawl.charset import (
    charset_from_content_type,
    decode_html,
    decode_text,
    to_unicode_xml,
)
from tests.parsing.cp1258 import encode_cp1258

VIETNAMESE = "Phường Đức Phổ, tỉnh Quảng Ngãi: sạt lở bờ biển uy hiếp 27 nhà dân"


def test_windows_1258_bytes_are_read_and_nfc_normalised() -> None:
    raw = encode_cp1258(VIETNAMESE)
    text, codec = decode_text(raw)
    assert codec == "cp1258"
    assert text == VIETNAMESE
    assert unicodedata.is_normalized("NFC", text)


@pytest.mark.parametrize("declared", ["utf-8", "iso-8859-1", "windows-1252", "latin1", None])
def test_windows_1258_wins_over_a_wrong_label(declared: str | None) -> None:
    text, codec = decode_text(encode_cp1258(VIETNAMESE), declared)
    assert (text, codec) == (VIETNAMESE, "cp1258")


def test_utf8_wins_over_a_latin1_header() -> None:
    text, codec = decode_text(VIETNAMESE.encode("utf-8"), "iso-8859-1")
    assert (text, codec) == (VIETNAMESE, "utf-8")


def test_a_genuine_latin1_payload_stays_latin1() -> None:
    french = "Les élèves sont allés à l'école à Montréal, où il fait très froid."
    text, codec = decode_text(french.encode("latin-1"), "iso-8859-1")
    assert (text, codec) == (french, "iso8859-1")


def test_an_honest_legacy_declaration_is_believed() -> None:
    text, _ = decode_text("Ελληνικά νέα".encode("iso-8859-7"), "iso-8859-7")
    assert text == "Ελληνικά νέα"


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ],
)
def test_byte_order_marks_decide_and_are_dropped(bom: bytes, codec: str) -> None:
    text, _ = decode_text(bom + VIETNAMESE.encode(codec), "iso-8859-1")
    assert text == VIETNAMESE


def test_utf16_xml_without_bom_is_sniffed() -> None:
    xml = '<?xml version="1.0" encoding="utf-16"?><rss><title>Đức Phổ</title></rss>'
    assert "Đức Phổ" in decode_text(xml.encode("utf-16-le"))[0]


@pytest.mark.parametrize("label", ["rot13", "base64", "hex", "utf\x00", "bogus-1258", "zlib"])
def test_hostile_charset_labels_are_ignored(label: str) -> None:
    text, codec = decode_text(encode_cp1258(VIETNAMESE), label)
    assert (text, codec) == (VIETNAMESE, "cp1258")


def test_xml_is_reencoded_as_utf8_with_a_matching_declaration() -> None:
    raw = (
        b'\n\n  <?xml version="1.0" encoding="windows-1258"?>\n<rss><t>'
        + encode_cp1258(VIETNAMESE)
        + b"\x0b</t></rss>"
    )
    fixed = to_unicode_xml(raw, "text/xml; charset=iso-8859-1")
    assert fixed.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    assert fixed.count(b"<?xml") == 1
    assert VIETNAMESE.encode("utf-8") in fixed
    assert b"\x0b" not in fixed  # forbidden in XML 1.0


def test_xml_declaration_stays_on_the_first_line_so_error_lines_match() -> None:
    raw = b'<?xml version="1.0"?>\n<rss>\n<channel>\n</rss>'
    assert to_unicode_xml(raw).count(b"\n") == raw.count(b"\n")


def test_a_declaration_that_crashes_feedparser_is_harmless_after_repair() -> None:
    raw = encode_cp1258(
        '<?xml version="1.0" encoding="windows\u20131258"?><rss version="2.0"><channel>'
        "<title>Đức Phổ</title></channel></rss>"
    )
    with pytest.raises(UnicodeDecodeError):
        feedparser.parse(io.BytesIO(raw))
    parsed = feedparser.parse(io.BytesIO(to_unicode_xml(raw)))
    assert parsed.feed.title == "Đức Phổ"


def test_html_meta_charset_is_weighed_against_the_bytes() -> None:
    page = b'<html><head><meta charset="utf-8"></head><body>' + encode_cp1258(VIETNAMESE)
    assert VIETNAMESE in decode_html(page + b"</body></html>", "text/html")
    page = b'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-7">'
    assert "Νέα" in decode_html(page + "Νέα".encode("iso-8859-7"))


@pytest.mark.parametrize(
    ("header", "charset"),
    [
        ("text/xml; charset=ISO-8859-1", "iso-8859-1"),
        ('application/rss+xml; charset="utf-8"', "utf-8"),
        ("text/html", None),
        (None, None),
    ],
)
def test_charset_is_read_from_content_type(header: str | None, charset: str | None) -> None:
    assert charset_from_content_type(header) == charset
