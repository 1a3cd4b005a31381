"""The feed kind: what is taken from each item, and how broken payloads are reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.sources.base import ParseError, ParseResult
from monitor.sources.feed import parse_feed

FEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"


def _feed(name: str, base_url: str = "https://baoquangngai.vn/rss/thoi-su.rss") -> ParseResult:
    return parse_feed((FEEDS / name).read_bytes(), base_url=base_url)


def test_vietnamese_pubdate_quirks_all_land_on_the_right_instant() -> None:
    result = _feed("vn_pubdate_quirks_2026.xml")
    dates = [
        (item.published.isoformat() if item.published else None, item.published_offset_minutes)
        for item in result.items
    ]
    assert dates == [
        ("2026-10-02T09:25:00+07:00", None),  # Tuổi Trẻ, M/D/YYYY h:mm:ss AM, no zone
        ("2026-10-05T11:07:00+07:00", 420),  # GenK "+07"
        ("2026-10-05T11:00:00+07:00", 420),  # VnExpress "+0700"
        ("2026-10-05T14:10:00+07:00", 420),  # Thanh Niên two-digit year
    ]


def test_full_text_is_kept_as_content_only_when_notably_longer_than_the_summary() -> None:
    first, second, third = _feed("rss2_baoquangngai_content_encoded.xml").items
    assert first.content is not None and "27 ngôi nhà" in first.content
    assert "trackView" not in first.content  # the script in content:encoded is not text
    assert first.summary.startswith("(Báo Quảng Ngãi) - Sáng 10/2")
    assert second.content is None  # content:encoded only repeats the teaser plus "Xem thêm"
    assert third.content is None


def test_relative_links_and_images_are_made_absolute() -> None:
    item = _feed("rss2_baoquangngai_content_encoded.xml").items[0]
    assert item.url.startswith("https://baoquangngai.vn/thoi-su/202602/")
    assert 'src="https://baoquangngai.vn/dataimages/' in item.summary_html


def test_double_escaped_titles_are_decoded_once_more() -> None:
    assert _feed("rss2_baoquangngai_content_encoded.xml").items[2].title == (
        'Bão số 1 "Wutip" gây mưa lớn ở các tỉnh Nam Trung Bộ'
    )


def test_atom_entries_resolve_xml_base_and_keep_authors() -> None:
    result = _feed("atom_quangngai_gov.xml", base_url="https://www.quangngai.gov.vn/atom")
    first = result.items[0]
    assert first.url == (
        "https://www.quangngai.gov.vn/tin-hoat-dong/-/asset_publisher/"
        "chu-tich-ubnd-tinh-kiem-tra-cong-tac-ung-pho-sat-lo-tai-phuong-duc-pho"
    )
    assert first.author == "Văn phòng UBND tỉnh"
    assert first.language == "vi"
    assert (
        first.content is not None and first.guid == "urn:uuid:6f1c2a54-8d0e-4f7a-9b61-2a3c4d5e6f70"
    )


def test_rss_1_0_rdf_items_are_read_with_dublin_core_fields() -> None:
    item = _feed("rss1_rdf_quangngai.xml").items[0]
    assert item.author == "Phòng Biển và Hải đảo"
    assert item.published is not None and item.published.isoformat() == "2026-02-10T07:30:00+07:00"


def test_json_feed_is_detected_by_content_without_content_type() -> None:
    result = _feed("jsonfeed_quangngai24h.json", base_url="https://quangngai24h.vn/feed.json")
    assert [item.guid for item in result.items] == [
        "qn24h-20260210-0925",
        "qn24h-20260210-0810",
        "qn24h-20260209-1600",
    ]
    assert result.items[0].url.startswith("https://quangngai24h.vn/dia-phuong/")
    assert result.items[1].summary.startswith("Những ngày đầu năm")  # from content_text
    assert result.warnings == [
        'item 4 "Bản nháp không có đường dẫn" has no usable http(s) link; skipped'
    ]


def test_json_that_is_not_a_json_feed_is_reported() -> None:
    with pytest.raises(ParseError, match="JSON that is not a JSON Feed"):
        parse_feed(json.dumps({"status": "ok"}).encode(), base_url="https://x.vn/api")
    with pytest.raises(ParseError, match="not valid JSON"):
        parse_feed(b'{"version": ', base_url="https://x.vn/feed.json")


def test_items_without_a_usable_link_are_skipped_with_a_warning() -> None:
    result = _feed("javascript_links.xml", base_url="https://tinnhanhquangngai.example/rss.xml")
    assert len(result.items) == 2
    assert result.warnings == [
        'item 1 "Bấm vào đây để xem clip nóng ở Đức Phổ" has no usable http(s) link; skipped'
    ]
    # Item 3's link is javascript:, its permalink guid is used instead; its title loses the tag.
    assert result.items[1].url == "https://tinnhanhquangngai.example/tin/clip-sat-lo-sa-huynh.html"
    assert result.items[1].title == "Clip: sạt lở ở Sa Huỳnh"


def test_a_guid_that_is_not_a_permalink_never_becomes_a_link() -> None:
    payload = (
        b'<rss version="2.0"><channel><title>x</title><item><title>Tin</title>'
        b'<guid isPermaLink="false">baoquangngai-4b21c7e</guid></item></channel></rss>'
    )
    result = parse_feed(payload, base_url="https://baoquangngai.vn/rss")
    assert result.items == [] and len(result.warnings) == 1


def test_broken_xml_without_items_is_a_clear_error() -> None:
    with pytest.raises(ParseError) as caught:
        _feed("broken_unrecoverable.xml")
    assert caught.value.user_message == "the feed is not well-formed XML (line 3: mismatched tag)"


def test_broken_xml_with_items_is_recovered_with_a_warning() -> None:
    result = _feed("broken_recoverable_entities.xml")
    assert len(result.items) == 2
    assert result.warnings == [
        "the feed is not well-formed XML (line 12: undefined entity); 2 items were recovered"
    ]
    assert (
        result.items[1].title
        == "Thông báo về việc cấp nước & vệ sinh môi trường khu dân cư Tân Diêm"
    )


def test_an_html_page_is_reported_as_such_with_the_feed_it_advertises() -> None:
    with pytest.raises(ParseError) as caught:
        _feed("html_page_not_feed.xml", base_url="https://baoquangngai.vn/rss")
    assert caught.value.user_message.startswith("the address returned an HTML page, not a feed")
    assert "https://baoquangngai.vn/rss/tin-moi-nhat.rss" in caught.value.user_message


def test_an_empty_channel_is_an_empty_result_not_an_error() -> None:
    result = _feed("empty_channel.xml")
    assert (
        result.items == []
        and result.warnings == []
        and result.title == "Báo Quảng Ngãi - Pháp luật"
    )


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"", "empty document"),
        (b"   \n", "empty document"),
        (
            b"<?xml version='1.0'?><error><code>403</code></error>",
            "XML that is not a feed (root element <error>)",
        ),
        (b"Service Unavailable", "not well-formed XML"),
    ],
)
def test_payloads_that_are_not_feeds_are_reported_clearly(payload: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_feed(payload, base_url="https://x.vn/rss")


def test_a_feed_that_makes_feedparser_raise_still_parses() -> None:
    result = _feed("charset_broken_declaration_raises_feedparser.xml")
    assert result.items[0].title == "Phường Đức Phổ di dời khẩn cấp 11 hộ dân khỏi vùng sạt lở"


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("charset_cp1258_declared_utf8.xml", "application/rss+xml; charset=utf-8"),
        ("charset_cp1258_declared_latin1.xml", None),
        ("charset_utf8_served_as_latin1.xml", "text/xml; charset=iso-8859-1"),
        ("charset_utf16_bom.xml", "text/xml; charset=iso-8859-1"),
    ],
)
def test_wrong_charsets_give_intact_vietnamese(name: str, content_type: str | None) -> None:
    result = parse_feed(
        (FEEDS / name).read_bytes(), base_url="https://x.vn/rss", content_type=content_type
    )
    assert "Đức Phổ" in result.items[0].title
    assert "Ã" not in result.items[0].summary and "\ufffd" not in result.items[0].summary


def test_a_fragment_served_as_text_html_is_reported_as_an_html_page() -> None:
    with pytest.raises(ParseError, match="HTML page, not a feed"):
        parse_feed(
            b"<div class='loi'>Trang khong ton tai</div>",
            base_url="https://x.vn/rss",
            content_type="text/html; charset=utf-8",
        )


def test_links_with_spaces_and_line_breaks_are_repaired_like_a_browser_would() -> None:
    payload = (
        b'<rss version="2.0"><channel><title>x</title><item><title>Tin</title>'
        b"<link>\n  https://ubnd.example.vn/tin tuc/bai\n-1.html  \n</link></item></channel></rss>"
    )
    item = parse_feed(payload, base_url="https://ubnd.example.vn/rss").items[0]
    assert item.url == "https://ubnd.example.vn/tin%20tuc/bai-1.html"


def test_rss_labelled_as_json_is_still_read_as_rss() -> None:
    payload = (FEEDS / "rss1_rdf_quangngai.xml").read_bytes()
    result = parse_feed(payload, base_url="https://x.vn/rss", content_type="application/json")
    assert len(result.items) == 2
