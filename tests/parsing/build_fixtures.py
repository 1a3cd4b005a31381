# ruff: noqa: E501 - payload templates keep the long lines the real sites serve
"""Write the fixtures that cannot be typed as text: wrong charsets, UTF-16, Google News ids.

Run once with ``.venv/bin/python -m tests.parsing.build_fixtures``; the output is committed, and
the tests read only the committed files. Kept so the bytes can be explained and rebuilt.
"""

from __future__ import annotations

import base64
import codecs
import unicodedata
from pathlib import Path

from tests.parsing.cp1258 import encode_cp1258

FEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"
PAGES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"

_CP1258_ITEMS = """\
<item>
<title>Phường Đức Phổ di dời khẩn cấp 11 hộ dân khỏi vùng sạt lở</title>
<link>https://ducpho.quangngai.gov.vn/tin-tuc/di-doi-khan-cap-11-ho-dan-khoi-vung-sat-lo.html</link>
<description>Trước diễn biến phức tạp của triều cường, UBND phường Đức Phổ đã di dời khẩn cấp 11 hộ với 38 nhân khẩu ở khu dân cư Tân Diêm đến nơi an toàn.</description>
<author>Văn phòng HĐND và UBND phường</author>
<pubDate>Tue, 10 Feb 2026 09:25:00 +0700</pubDate>
</item>
<item>
<title>Hội nghị tổng kết công tác dân vận năm 2025, triển khai nhiệm vụ năm 2026</title>
<link>https://ducpho.quangngai.gov.vn/tin-tuc/tong-ket-cong-tac-dan-van-nam-2025.html</link>
<description>Ủy ban Mặt trận Tổ quốc Việt Nam phường Đức Phổ tổng kết công tác dân vận, biểu dương 15 tập thể và cá nhân tiêu biểu.</description>
<pubDate>Mon, 09 Feb 2026 16:00:00 +0700</pubDate>
</item>
"""


def _cp1258_feed(declaration: str, comment: str) -> bytes:
    text = (
        f"{declaration}\n<!-- {comment} -->\n"
        '<rss version="2.0">\n<channel>\n<title>Cổng TTĐT phường Đức Phổ - Tin tức</title>\n'
        "<link>https://ducpho.quangngai.gov.vn/</link>\n<description>Tin tức - Sự kiện</description>\n"
        f"{_CP1258_ITEMS}</channel>\n</rss>\n"
    )
    return encode_cp1258(text)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def google_news_id(url: str | None, *, amp: str | None = None, token: str | None = None) -> str:
    """Return a Google News article id: the old form embeds ``url``, the new an opaque token."""
    body = (url or token or "").encode()
    message = b"\x08\x13" + b"\x22" + _varint(len(body)) + body
    if amp:
        message += b"\xd2\x01" + _varint(len(amp.encode())) + amp.encode()
    return base64.urlsafe_b64encode(message).decode().rstrip("=")


def _google_news() -> str:
    ids = [
        google_news_id(
            "https://baoquangngai.vn/thoi-su/202602/phuong-duc-pho-ra-quan-khac-phuc-sat-lo-bo-bien-sau-dot-trieu-cuong-4b21c7e/",
            amp="https://baoquangngai.vn/amp/thoi-su/202602/phuong-duc-pho-ra-quan-khac-phuc-sat-lo-bo-bien-sau-dot-trieu-cuong-4b21c7e/",
        ),
        google_news_id(None, token="AU_yqLNmB3x8sTq0Vd2kYpW7hRc4ZeJ9aFgK1uLoMiNbXyC6vDtE5rHsQwP"),
        google_news_id(None, token="AU_yqLPz9QkR2mT7vWc4XyB1nJ8hGdF3sLaE6oKiUtYpV0bNrMxCqZ5wDeH"),
        google_news_id(
            "https://dantri.com.vn/xa-hoi/quang-ngai-cong-bo-tinh-huong-khan-cap-sat-lo-bo-bien-duc-pho-20260209181522417.htm"
        ),
    ]
    return GOOGLE_NEWS_TEMPLATE.format(*ids)


GOOGLE_NEWS_TEMPLATE = """\
<?xml version="1.0" encoding="UTF-8" standalone="yes"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><generator>NFE/5.0</generator><title>"Đức Phổ" - Google Tin tức</title><link>https://news.google.com/search?q=%22%C4%90%E1%BB%A9c+Ph%E1%BB%95%22&amp;hl=vi&amp;gl=VN&amp;ceid=VN:vi</link><language>vi</language><webMaster>news-webmaster@google.com</webMaster><copyright>Copyright © 2026 Google. All rights reserved. This XML feed is made available solely for the purpose of rendering Google News results within a personal feed reader for personal, non-commercial use. Any other use of the feed is expressly prohibited. By accessing this feed or using these results in any manner whatsoever, you agree to be bound by the foregoing restrictions.</copyright><lastBuildDate>Tue, 10 Feb 2026 03:12:44 GMT</lastBuildDate><description>Google Tin tức</description><item><title>Phường Đức Phổ ra quân khắc phục sạt lở bờ biển sau đợt triều cường - Báo Quảng Ngãi</title><link>https://news.google.com/rss/articles/{0}?oc=5</link><guid isPermaLink="false">{0}</guid><pubDate>Tue, 10 Feb 2026 02:25:00 GMT</pubDate><description>&lt;a href="https://news.google.com/rss/articles/{0}?oc=5" target="_blank"&gt;Phường Đức Phổ ra quân khắc phục sạt lở bờ biển sau đợt triều cường&lt;/a&gt;&amp;nbsp;&amp;nbsp;&lt;font color="#6f6f6f"&gt;Báo Quảng Ngãi&lt;/font&gt;</description><source url="https://baoquangngai.vn">Báo Quảng Ngãi</source></item><item><title>Ngư dân Đức Phổ trúng đậm mùa cá cơm đầu năm - VnExpress</title><link>https://news.google.com/rss/articles/{1}?oc=5</link><guid isPermaLink="false">{1}</guid><pubDate>Tue, 10 Feb 2026 01:40:00 GMT</pubDate><description>&lt;a href="https://news.google.com/rss/articles/{1}?oc=5" target="_blank"&gt;Ngư dân Đức Phổ trúng đậm mùa cá cơm đầu năm&lt;/a&gt;&amp;nbsp;&amp;nbsp;&lt;font color="#6f6f6f"&gt;VnExpress&lt;/font&gt;</description><source url="https://vnexpress.net">VnExpress</source></item><item><title>Quảng Ngãi: Khởi công cầu Trà Câu - nối đôi bờ sông ở phường Đức Phổ - Báo Tuổi Trẻ</title><link>https://news.google.com/rss/articles/{2}?oc=5</link><guid isPermaLink="false">{2}</guid><pubDate>Mon, 09 Feb 2026 23:05:00 GMT</pubDate><description>&lt;a href="https://news.google.com/rss/articles/{2}?oc=5" target="_blank"&gt;Quảng Ngãi: Khởi công cầu Trà Câu - nối đôi bờ sông ở phường Đức Phổ&lt;/a&gt;&amp;nbsp;&amp;nbsp;&lt;font color="#6f6f6f"&gt;Báo Tuổi Trẻ&lt;/font&gt;</description><source url="https://tuoitre.vn">Báo Tuổi Trẻ</source></item><item><title>Quảng Ngãi công bố tình huống khẩn cấp sạt lở bờ biển Đức Phổ - Báo Dân trí</title><link>https://news.google.com/rss/articles/{3}?oc=5</link><guid isPermaLink="false">{3}</guid><pubDate>Mon, 09 Feb 2026 11:15:22 GMT</pubDate><description>&lt;ol&gt;&lt;li&gt;&lt;a href="https://news.google.com/rss/articles/{3}?oc=5" target="_blank"&gt;Quảng Ngãi công bố tình huống khẩn cấp sạt lở bờ biển Đức Phổ&lt;/a&gt;&amp;nbsp;&amp;nbsp;&lt;font color="#6f6f6f"&gt;Báo Dân trí&lt;/font&gt;&lt;/li&gt;&lt;li&gt;&lt;a href="https://news.google.com/rss/articles/{1}?oc=5" target="_blank"&gt;Sạt lở uy hiếp khu dân cư Tân Diêm&lt;/a&gt;&amp;nbsp;&amp;nbsp;&lt;font color="#6f6f6f"&gt;VnExpress&lt;/font&gt;&lt;/li&gt;&lt;/ol&gt;</description><source url="https://dantri.com.vn">Báo Dân trí</source></item></channel></rss>
"""


_CP1258_LISTING = """\
<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>Thông báo - UBND xã Bình Sơn</title>
</head>
<body>
<!-- The meta tag says utf-8, the bytes are Windows-1258 (an old ASP portal). -->
<div class="menu"><a href="/">Trang chủ</a> | <a href="/thong-bao.asp">Thông báo</a></div>
<ul class="ds-tin">
<li class="tin"><a href="chitiet.asp?id=871">Thông báo lịch tiêm vắc xin phòng bệnh dại cho chó, mèo đợt 1 năm 2026</a> <span class="ngay">(12/02/2026)</span></li>
<li class="tin"><a href="chitiet.asp?id=869">Kế hoạch tổ chức Tết Nguyên đán Bính Ngọ 2026 an toàn, tiết kiệm</a> <span class="ngay">(05/02/2026)</span></li>
<li class="tin"><a href="chitiet.asp?id=866">Thông báo thu hồi đất thực hiện dự án đường ven biển Dung Quất - Sa Huỳnh</a> <span class="ngay">(28/01/2026)</span></li>
</ul>
</body>
</html>
"""


def main() -> None:
    (FEEDS / "charset_cp1258_declared_utf8.xml").write_bytes(
        _cp1258_feed(
            '<?xml version="1.0" encoding="utf-8"?>',
            "Bytes are Windows-1258 although the declaration says utf-8 (an old portal CMS).",
        )
    )
    (FEEDS / "charset_cp1258_declared_latin1.xml").write_bytes(
        _cp1258_feed(
            '<?xml version="1.0" encoding="iso-8859-1"?>',
            "Bytes are Windows-1258 although the declaration says iso-8859-1.",
        )
    )
    # An en dash (0x96) pasted from a word processor into the declaration: feedparser 6 raises
    # UnicodeDecodeError on this instead of reporting a bozo feed.
    (FEEDS / "charset_broken_declaration_raises_feedparser.xml").write_bytes(
        _cp1258_feed(
            '<?xml version="1.0" encoding="windows\u20131258"?>',
            "Encoding name holds a Windows-1258 en dash; feedparser alone raises on it.",
        )
    )
    utf8_feed = unicodedata.normalize("NFC", _cp1258_feed("", "").decode("cp1258"))
    utf8_feed = utf8_feed.replace(
        "\n<!--  -->", "<!-- UTF-8 bytes served with Content-Type: text/xml; charset=iso-8859-1 -->"
    )
    (FEEDS / "charset_utf8_served_as_latin1.xml").write_bytes(utf8_feed.encode("utf-8"))
    text = (FEEDS / "rss2_baoquangngai_content_encoded.xml").read_text("utf-8")
    text = text.replace('encoding="UTF-8"', 'encoding="UTF-16"', 1)
    (FEEDS / "charset_utf16_bom.xml").write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    (FEEDS / "google_news_duc_pho.xml").write_text(_google_news(), "utf-8")
    (PAGES / "listing_cp1258_meta_utf8.html").write_bytes(encode_cp1258(_CP1258_LISTING))


if __name__ == "__main__":
    main()
