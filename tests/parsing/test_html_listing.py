"""The html kind: listing pages read with the selectors from sources.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config.models import HtmlSelectors
from monitor.sources.base import ParseError
from monitor.sources.html_listing import parse_listing

PAGES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"
PORTAL = "https://ducpho.quangngai.gov.vn/tin-tuc-su-kien"
SELECTORS = HtmlSelectors(
    item="div.news-item", link="h3.news-title a", date="span.news-date", summary="p.news-summary"
)


def _listing(selectors: HtmlSelectors = SELECTORS) -> list[tuple[str, str, str | None]]:
    result = parse_listing(
        (PAGES / "listing_phuong_duc_pho.html").read_bytes(), base_url=PORTAL, selectors=selectors
    )
    return [
        (i.url, i.title, i.published.isoformat() if i.published else None) for i in result.items
    ]


def test_items_get_absolute_links_titles_and_day_first_dates() -> None:
    assert _listing()[:3] == [
        (
            "https://ducpho.quangngai.gov.vn/tin-tuc-su-kien/-/view_content/"
            "4521-phuong-duc-pho-di-doi-khan-cap-11-ho-dan-khoi-vung-sat-lo",
            "Phường Đức Phổ di dời khẩn cấp 11 hộ dân khỏi vùng sạt lở",
            "2026-02-10T00:00:00+07:00",
        ),
        (
            "https://ducpho.quangngai.gov.vn/tin-tuc-su-kien/-/view_content/"
            "4519-hoi-nghi-tong-ket-cong-tac-dan-van-nam-2025",
            "Hội nghị tổng kết công tác dân vận năm 2025, triển khai nhiệm vụ năm 2026",
            "2026-02-09T15:30:00+07:00",  # from the title attribute, which carries the time
        ),
        (
            "https://ducpho.quangngai.gov.vn/chi-tiet?id=4517&cat=12",
            "Thông báo tạm ngừng cấp nước khu dân cư Tân Diêm ngày 11/02/2026",
            "2026-02-09T08:00:00+07:00",
        ),
    ]


def test_placeholder_links_are_skipped_and_repeated_stories_listed_once() -> None:
    urls = [url for url, _, _ in _listing()]
    assert len(urls) == len(set(urls)) == 4
    assert not any("javascript" in url for url in urls)


def test_title_selector_and_link_default() -> None:
    items = _listing(HtmlSelectors(item="div.news-item", title="h3.news-title"))
    # The default link selector "a" finds the thumbnail link first; its title comes from the h3.
    assert items[0][1] == "Phường Đức Phổ di dời khẩn cấp 11 hộ dân khỏi vùng sạt lở"


def test_an_item_selector_may_select_the_links_themselves() -> None:
    items = _listing(HtmlSelectors(item="h3.news-title a"))
    assert len(items) == 4 and items[1][1].startswith("Hội nghị tổng kết")


def test_a_selector_matching_nothing_names_itself() -> None:
    with pytest.raises(ParseError) as caught:
        _listing(HtmlSelectors(item="div.news-list-item"))
    assert caught.value.user_message == 'selector "div.news-list-item" matched nothing on the page'


def test_an_invalid_selector_is_reported_as_invalid_css() -> None:
    with pytest.raises(ParseError, match=r'selector "div\.\.news" is not valid CSS'):
        _listing(HtmlSelectors(item="div..news"))
    with pytest.raises(ParseError, match=r'selector "a\[" is not valid CSS'):
        _listing(HtmlSelectors(item="div.news-item", link="a["))


def test_a_windows_1258_page_labelled_utf8_reads_correctly() -> None:
    result = parse_listing(
        (PAGES / "listing_cp1258_meta_utf8.html").read_bytes(),
        base_url="http://binhson.quangngai.gov.vn/thong-bao.asp",
        selectors=HtmlSelectors(item="li.tin", date=".ngay"),
        content_type="text/html",
    )
    assert result.items[2].title == (
        "Thông báo thu hồi đất thực hiện dự án đường ven biển Dung Quất - Sa Huỳnh"
    )
    assert result.items[2].url == "http://binhson.quangngai.gov.vn/chitiet.asp?id=866"


def test_base_href_is_honoured() -> None:
    page = (
        '<html><head><base href="https://ubnd.example.vn/tin/"></head><body>'
        '<div class="news-item"><a href="bai-1.html">Bài một</a></div></body></html>'
    ).encode()
    result = parse_listing(
        page, base_url="https://other.example/", selectors=HtmlSelectors(item="div.news-item")
    )
    assert result.items[0].url == "https://ubnd.example.vn/tin/bai-1.html"


def test_thousands_of_nested_matches_are_cut_short_quickly() -> None:
    page = b"<html><body>" + b'<div class="news-item">' * 20_000 + b'<a href="/x">Tin</a>'
    result = parse_listing(
        page, base_url="https://x.vn/", selectors=HtmlSelectors(item="div.news-item")
    )
    assert [i.url for i in result.items] == ["https://x.vn/x"]
    assert "19999 elements" in result.warnings[0]
