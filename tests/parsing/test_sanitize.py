"""The sanitiser: nothing executable survives, text stays readable."""

from __future__ import annotations

import unicodedata

import pytest

from monitor.crawl.sanitize import clean_html, fold_whitespace, headline, html_to_text, shorten

HOSTILE_LINKS = [
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="jav&#x0A;ascript:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert(1)">x</a>',
    '<a href=" &#14;javascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="javascript:alert(1)">',
    '<img src="jav\tascript:alert(1)">',
]


@pytest.mark.parametrize("fragment", HOSTILE_LINKS)
def test_disguised_script_links_do_not_survive(fragment: str) -> None:
    cleaned = clean_html(fragment, base_url="https://baoquangngai.vn/thoi-su/")
    assert "script:" not in cleaned.casefold().replace("\t", "").replace("\n", "")
    assert "data:" not in cleaned
    assert "href=" not in cleaned and "src=" not in cleaned


@pytest.mark.parametrize(
    "fragment",
    [
        "<script>alert(1)</script>tin",
        "<style>body{display:none}</style>tin",
        '<p onclick="alert(1)">tin</p>',
        '<img src="https://x.vn/a.jpg" onerror="alert(1)">tin',
        '<svg onload="alert(1)"><script>alert(1)</script></svg>tin',
        '<iframe src="https://evil.example/"></iframe>tin',
        '<form action="https://evil.example/"><input name="p"></form>tin',
        '<a href="https://x.vn/" style="position:fixed" target="_top">tin</a>',
        "<!-- <script>alert(1)</script> -->tin",
        '<math><mi xlink:href="javascript:alert(1)">tin</mi></math>',
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>">tin',
    ],
)
def test_scripts_styles_and_event_handlers_are_removed(fragment: str) -> None:
    cleaned = clean_html(fragment).casefold()
    for needle in ("<script", "<style", "onerror", "onclick", "onload", "<iframe", "<form",
                   "style=", "target=", "javascript"):  # fmt: skip
        assert needle not in cleaned


def test_safe_links_are_kept_made_absolute_and_marked_nofollow() -> None:
    cleaned = clean_html(
        '<p>Xem <a href="/thoi-su/abc.htm">bài</a> <a href="mailto:toasoan@baoquangngai.vn">thư</a>'
        '<img src="//cdn.baoquangngai.vn/a.jpg" alt="ảnh"></p>',
        base_url="https://baoquangngai.vn/rss/thoi-su.rss",
    )
    assert 'href="https://baoquangngai.vn/thoi-su/abc.htm"' in cleaned
    assert 'href="mailto:toasoan@baoquangngai.vn"' in cleaned
    assert 'src="https://cdn.baoquangngai.vn/a.jpg"' in cleaned
    assert 'rel="noopener noreferrer nofollow"' in cleaned


def test_html_becomes_plain_text_with_entities_decoded_and_blocks_on_lines() -> None:
    fragment = (
        "<p>Tin <b>Quảng&nbsp;Ngãi</b> &amp; Đức Phổ</p><p>Đoạn 2<br>dòng 3</p>"
        "<ul><li>một</li><li>hai</li></ul><table><tr><td>ô 1</td><td>ô 2</td></tr></table>"
        "<script>var x = 1;</script>"
    )
    assert html_to_text(fragment) == "Tin Quảng Ngãi & Đức Phổ\nĐoạn 2\ndòng 3\nmột\nhai\nô 1 ô 2"
    assert html_to_text(fragment, keep_newlines=False) == (
        "Tin Quảng Ngãi & Đức Phổ Đoạn 2 dòng 3 một hai ô 1 ô 2"
    )


def test_plain_text_comparisons_keep_their_angle_brackets() -> None:
    assert html_to_text("Giá vàng &lt; 80 triệu, a < b") == "Giá vàng < 80 triệu, a < b"


def test_output_is_nfc_even_when_input_is_decomposed() -> None:
    decomposed = unicodedata.normalize("NFD", "<p>Phường Đức Phổ</p>")
    assert html_to_text(decomposed) == "Phường Đức Phổ"
    assert unicodedata.is_normalized("NFC", clean_html(decomposed))


def test_invisible_characters_and_nbsp_are_folded() -> None:
    assert fold_whitespace("Quảng\u00a0Ngãi\u200b \t\n Đức\ufeffPhổ") == "Quảng Ngãi ĐứcPhổ"


def test_deeply_nested_markup_is_read_quickly_without_its_script() -> None:
    fragment = "<div>" * 50_000 + "Tin sạt lở<script>alert(1)</script>"
    assert html_to_text(fragment) == "Tin sạt lở"
    assert "script" not in clean_html(fragment)


@pytest.mark.parametrize("fragment", ["", "   ", "<", "&", "<<<>>>", "\x00\x01", "<p"])
def test_junk_fragments_never_raise(fragment: str) -> None:
    html_to_text(fragment)
    clean_html(fragment)


def test_headline_takes_the_first_line_or_sentence_and_drops_leading_emoji() -> None:
    assert headline("⚠️ Sạt lở ở Đức Phổ. Chi tiết sau\nDòng hai") == "Sạt lở ở Đức Phổ."
    long_text = "Quảng Ngãi " * 30
    assert len(headline(long_text, 120)) <= 120
    assert headline(long_text, 120).endswith("…")


def test_shorten_cuts_at_a_word_boundary() -> None:
    assert shorten("Phường Đức Phổ di dời khẩn cấp", 15) == "Phường Đức Phổ…"
