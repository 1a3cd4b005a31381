"""The telegram kind: posts of a public channel preview, and nothing about people."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.sources.base import ParseError, ParseResult
from monitor.sources.telegram import parse_telegram

PAGE = Path(__file__).resolve().parent.parent / "fixtures" / "pages" / "telegram_baoquangngai.html"


def _parse() -> ParseResult:
    return parse_telegram(PAGE.read_bytes(), base_url="https://t.me/s/baoquangngaionline")


def test_posts_become_items_with_post_links_and_channel_as_author() -> None:
    result = _parse()
    assert [i.url for i in result.items] == [
        "https://t.me/baoquangngaionline/1520",
        "https://t.me/baoquangngaionline/1522",
        "https://t.me/baoquangngaionline/1523",
    ]
    assert {i.author for i in result.items} == {"Báo Quảng Ngãi"}
    assert result.title == "Báo Quảng Ngãi"
    assert result.items[0].published is not None
    assert result.items[0].published.isoformat() == "2026-02-09T08:12:40+00:00"


def test_title_is_the_first_line_and_summary_the_whole_text() -> None:
    first, second, _ = _parse().items
    assert first.title == "Sạt lở bờ biển uy hiếp 27 nhà dân ở phường Đức Phổ"
    assert first.summary.splitlines()[1].startswith("Đợt triều cường kết hợp sóng lớn")
    assert len(second.title) <= 120 and second.title.endswith("…")


def test_service_messages_and_textless_posts_are_skipped() -> None:
    result = _parse()
    assert "baoquangngaionline/1" not in [i.guid for i in result.items]
    assert result.warnings == ["1 posts without text (photos, stickers) were skipped"]


def test_no_per_user_data_is_taken() -> None:
    for item in _parse().items:
        fields = " ".join(str(v) for v in vars(item).values())
        assert "Nguyễn Văn Biên tập" not in fields  # the post's author signature
        assert "Đài KTTV Quảng Ngãi" not in fields  # the forwarded-from name
        assert "2.1K" not in fields and "views" not in fields


def test_a_page_that_is_not_a_channel_preview_is_an_error() -> None:
    with pytest.raises(ParseError, match="not a Telegram channel preview"):
        parse_telegram(b"<html><body><p>Xin chao</p></body></html>", base_url="https://t.me/s/x")


def test_a_channel_without_posts_is_an_empty_result() -> None:
    page = (
        b'<html><body><div class="tgme_channel_info"><div class="tgme_channel_info_header_title">'
        b"<span>Kenh moi</span></div></div></body></html>"
    )
    result = parse_telegram(page, base_url="https://t.me/s/kenhmoi")
    assert result.items == [] and result.title == "Kenh moi"
