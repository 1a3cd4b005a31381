"""Google News: publisher as outlet, title suffix removed, wrapper URLs decoded when possible."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from monitor.net.urls import publisher_url_from_google_news
from monitor.sources.google_news import (
    parse_google_news,
    strip_publisher_suffix,
)
from tests.parsing.build_fixtures import google_news_id

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "feeds" / "google_news_duc_pho.xml"
SEARCH = (
    "https://news.google.com/rss/search?q=%22%C4%90%E1%BB%A9c+Ph%E1%BB%95%22&hl=vi&gl=VN&ceid=VN:vi"
)
BBC_OLD_STYLE = (
    "https://news.google.com/rss/articles/CBMiLmh0dHBzOi8vd3d3LmJiYy5jb20vbmV3cy9hcnRpY2xlcy9jampqbnhk"
    "djE4OG_SATJodHRwczovL3d3dy5iYmMuY29tL25ld3MvYXJ0aWNsZXMvY2pqam54ZHYxODhvLmFtcA?oc=5"
)


def test_each_result_names_its_publisher_and_loses_the_title_suffix() -> None:
    items = parse_google_news(FIXTURE.read_bytes(), base_url=SEARCH).items
    assert [(i.outlet_name, i.outlet_url) for i in items] == [
        ("Báo Quảng Ngãi", "https://baoquangngai.vn"),
        ("VnExpress", "https://vnexpress.net"),
        ("Báo Tuổi Trẻ", "https://tuoitre.vn"),
        ("Báo Dân trí", "https://dantri.com.vn"),
    ]
    # Only the trailing " - Publisher" goes; a dash inside the headline stays.
    assert items[2].title == "Quảng Ngãi: Khởi công cầu Trà Câu - nối đôi bờ sông ở phường Đức Phổ"


def test_old_style_ids_are_decoded_and_opaque_ids_keep_the_wrapper() -> None:
    items = parse_google_news(FIXTURE.read_bytes(), base_url=SEARCH).items
    assert items[0].url.startswith("https://baoquangngai.vn/thoi-su/202602/phuong-duc-pho-")
    assert items[1].url.startswith("https://news.google.com/rss/articles/CBMi")
    assert items[3].url.startswith("https://dantri.com.vn/xa-hoi/")
    assert all(i.extra["google_news_url"].startswith("https://news.google.com/") for i in items)


def test_descriptions_are_cleaned_to_text() -> None:
    item = parse_google_news(FIXTURE.read_bytes(), base_url=SEARCH).items[0]
    assert "<" not in item.summary and "font" not in item.summary_html
    assert item.summary.startswith("Phường Đức Phổ ra quân")


def test_a_known_old_style_url_decodes_to_the_publisher_article() -> None:
    assert (
        publisher_url_from_google_news(BBC_OLD_STYLE)
        == "https://www.bbc.com/news/articles/cjjjnxdv188o"
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://news.google.com/rss/articles/" + google_news_id(None, token="AU_yqLNabc"),
        "https://news.google.com/rss/articles/%%%not-base64%%%",
        "https://news.google.com/rss/articles/"
        + base64.urlsafe_b64encode(b"\x08\x13\x22\xff").decode(),
        "https://news.google.com/rss/articles/"
        + base64.urlsafe_b64encode(b"\x22\x0ajavascript:alert(1)").decode(),
        "https://news.google.com/rss/search?q=x",
        "https://example.com/rss/articles/" + google_news_id("https://baoquangngai.vn/a"),
        "not a url",
        "",
    ],
)
def test_urls_that_do_not_embed_a_publisher_url_give_none(url: str) -> None:
    assert publisher_url_from_google_news(url) is None


def test_read_links_decode_like_rss_article_links() -> None:
    article_id = google_news_id("https://baoquangngai.vn/a-1.htm")
    assert publisher_url_from_google_news(f"https://news.google.com/read/{article_id}?hl=vi") == (
        "https://baoquangngai.vn/a-1.htm"
    )


@pytest.mark.parametrize(
    ("title", "publisher", "expected"),
    [
        ("Tin Đức Phổ - Báo Quảng Ngãi", "Báo Quảng Ngãi", "Tin Đức Phổ"),
        ("Tin Đức Phổ - báo quảng ngãi", "Báo Quảng Ngãi", "Tin Đức Phổ"),
        ("Tin Đức Phổ | VnExpress", "VnExpress", "Tin Đức Phổ"),
        ("Tin Đức Phổ - Báo Quảng Ngãi", "VnExpress", "Tin Đức Phổ - Báo Quảng Ngãi"),
        ("Báo Quảng Ngãi", "Báo Quảng Ngãi", "Báo Quảng Ngãi"),
    ],
)
def test_only_the_publisher_suffix_is_stripped(title: str, publisher: str, expected: str) -> None:
    assert strip_publisher_suffix(title, publisher) == expected
