"""Article extraction: the body of the story, not the menus around it."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.crawl.extract import extract_article, extract_article_details

PAGE = Path(__file__).resolve().parent.parent / "fixtures" / "pages" / "article_baoquangngai.html"
URL = "https://baoquangngai.vn/thoi-su/202602/phuong-duc-pho-ra-quan-khac-phuc-sat-lo-bo-bien-sau-dot-trieu-cuong-4b21c7e/"


def test_the_body_is_extracted_without_menu_footer_or_comments() -> None:
    text = extract_article(PAGE.read_bytes(), url=URL)
    assert text is not None
    assert "uy hiếp trực tiếp 27 ngôi nhà" in text
    assert "báo cáo trước ngày 28/2/2026" in text
    for chrome in ("Quốc phòng - An ninh", "Đăng nhập", "Chia sẻ Facebook", "Giấy phép số",
                   "Mong tỉnh sớm làm kè", "Tin liên quan", "trackView"):  # fmt: skip
        assert chrome not in text


def test_the_declared_publication_date_is_exposed() -> None:
    article = extract_article_details(PAGE.read_bytes(), url=URL)
    assert article is not None and article.published is not None
    assert article.published.isoformat() == "2026-02-10T09:25:00+07:00"
    assert article.published_offset_minutes == 420


def test_an_outlet_selector_takes_exactly_the_text_under_it() -> None:
    text = extract_article(
        PAGE.read_bytes(), url=URL, selector="div.detail-sapo, div.detail-content"
    )
    assert text is not None
    assert text.startswith("(Báo Quảng Ngãi) - Sáng 10/2")
    assert "Ảnh: T.NHỊ" in text  # the caption is under the selector, so it is kept


def test_a_selector_that_no_longer_matches_falls_back_to_the_generic_extractor() -> None:
    text = extract_article(PAGE.read_bytes(), url=URL, selector="div.noi-dung-bai-viet")
    assert text is not None and "27 ngôi nhà" in text


def test_an_invalid_selector_falls_back_instead_of_raising() -> None:
    assert extract_article(PAGE.read_bytes(), url=URL, selector="div[[") is not None


@pytest.mark.parametrize(
    "page",
    [
        b"",
        b"   ",
        b"<html><body><nav><a href='/'>Trang chu</a></nav></body></html>",
        b"\x00\xff\xfe garbage \x89PNG",
        b"<div>" * 30_000,
    ],
)
def test_pages_without_an_article_give_none(page: bytes) -> None:
    assert extract_article(page, url="https://x.vn/a") is None


def test_a_windows_1258_article_is_decoded() -> None:
    from tests.parsing.cp1258 import encode_cp1258

    page = PAGE.read_text("utf-8").replace(
        '<meta charset="utf-8">', '<meta charset="windows-1258">'
    )
    text = extract_article(encode_cp1258(page), url=URL, content_type="text/html")
    assert text is not None and "Chủ tịch UBND phường Đức Phổ" in text
