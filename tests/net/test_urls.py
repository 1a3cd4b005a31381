"""canonical_url and the Google News unwrapper: pure functions, many cases."""

from __future__ import annotations

import base64

import pytest

from monitor.net.urls import canonical_url, decode_google_news_id, publisher_url_from_google_news

ARTICLE = "https://baoquangngai.vn/xa-hoi/202501/mua-lu-gay-ngap-nang-tai-huyen-son-tinh-abc123.htm"


def google_news_id(url: str, prefix: bytes = b"\x08\x13\x22") -> str:
    """Build an old-style Google News article id the way Google does (protobuf, base64url)."""
    data = url.encode()
    length, varint = len(data), bytearray()
    while True:
        byte, length = length & 0x7F, length >> 7
        varint.append(byte | (0x80 if length else 0))
        if not length:
            break
    raw = prefix + bytes(varint) + data + b"\xd2\x01\x00"
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# A real (old-style) id seen in the wild, cut after its AMP field began: the URL field is intact.
REAL_OLD_ID = (
    "CBMiWmh0dHBzOi8vd3d3Lm5kdHYuY29tL3dvcmxkLW5ld3MvZWxvbi1tdXNrLXJlY2xhaW1zLXRoZS10aXRsZS1vZi13"
    "b3JsZHMtcmljaGVzdC1tYW4tMzgyMDMyONIBYGh0dHBzOi8vd3d3Lm5kdHYuY29tL3dvcmxkLW5ld3MvZWxvbi1tdXNr"
    "LXJlY2xhaW1zLXRoZS10"
)
# A real new-style id: it decodes to an opaque "AU_yqL..." token, not to a URL.
REAL_NEW_ID = (
    "CBMiXkFVX3lxTFBReTJhSkRlckZEdU5yRy1UUUQ2VnBTb01FRnlJMzZYMTJXOEx6cG41VjhLN3NYX3cyUXV6Wk1td2pT"
    "eHBUS1JqdEZieEtFdGRJT0JvclVKUTNKcXo5MVE"
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # scheme, host, port
        ("HTTP://WWW.Example.COM/a", "https://www.example.com/a"),
        ("http://example.com/a", "https://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com./a", "https://example.com/a"),
        ("//example.com/a", "https://example.com/a"),
        ("https://www.example.com/a", "https://www.example.com/a"),  # www is kept
        ("https://user@example.com/a", "https://user@example.com/a"),
        ("http://[::1]:8080/a/", "https://[::1]:8080/a"),
        # IDNA
        ("https://Bücher.example/a", "https://xn--bcher-kva.example/a"),
        ("https://xn--bcher-kva.example/a", "https://xn--bcher-kva.example/a"),
        ("https://báo.vn/", "https://xn--bo-mia.vn/"),
        # path
        ("https://example.com", "https://example.com/"),
        ("https://example.com/", "https://example.com/"),
        ("https://example.com/news/", "https://example.com/news"),
        ("https://example.com/news//", "https://example.com/news"),
        ("https://example.com/a/./b/../c", "https://example.com/a/c"),
        ("https://example.com/../a", "https://example.com/a"),
        ("https://example.com/%7Euser/%61bc", "https://example.com/~user/abc"),
        ("https://example.com/%e1%bb%a9", "https://example.com/%E1%BB%A9"),
        ("https://example.com/tin tức", "https://example.com/tin%20t%E1%BB%A9c"),
        ("https://example.com/tin%20t%E1%BB%A9c", "https://example.com/tin%20t%E1%BB%A9c"),
        ("https://example.com/a%2Fb", "https://example.com/a%2Fb"),  # encoded slash stays encoded
        ("https://example.com/100%", "https://example.com/100%25"),
        # fragment
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com/a?#", "https://example.com/a"),
        # query: tracking dropped, real kept, sorted
        ("https://example.com/a?utm_source=fb&utm_medium=social", "https://example.com/a"),
        ("https://example.com/a?UTM_Source=fb&id=7", "https://example.com/a?id=7"),
        ("https://example.com/a?fbclid=IwAR0x&gclid=abc", "https://example.com/a"),
        ("https://example.com/a?mc_cid=1&mc_eid=2&_ga=3", "https://example.com/a"),
        ("https://example.com/a?zarsrc=31&gidzl=xyz", "https://example.com/a"),
        ("https://example.com/a?ref=home&refer=x&rss=1&cmpid=5", "https://example.com/a"),
        ("https://example.com/a?vn_source=home&vn_medium=web", "https://example.com/a"),
        ("https://example.com/a?p=2&id=5", "https://example.com/a?id=5&p=2"),
        ("https://example.com/?p=123", "https://example.com/?p=123"),
        ("https://example.com/a?b=2&a=1&b=1", "https://example.com/a?a=1&b=1&b=2"),
        ("https://example.com/a?id=5&&", "https://example.com/a?id=5"),
        ("https://example.com/a?flag", "https://example.com/a?flag"),
        ("https://example.com/a?q=Qu%e1%ba%a3ng", "https://example.com/a?q=Qu%E1%BA%A3ng"),
        ("https://example.com/a?q=Quảng Ngãi", "https://example.com/a?q=Qu%E1%BA%A3ng%20Ng%C3%A3i"),
        ("https://example.com/a?next=%2Fb%3Fc%3Dd", "https://example.com/a?next=%2Fb%3Fc%3Dd"),
        ("https://example.com/a?token=abc==", "https://example.com/a?token=abc=="),
        ("https://example.com/?feed=rss2", "https://example.com/?feed=rss2"),  # WordPress feeds
        ("https://example.com/a?reference=1", "https://example.com/a?reference=1"),
        # whitespace and non-web addresses
        ("  https://example.com/feed/  ", "https://example.com/feed"),
        ("mailto:toasoan@example.vn", "mailto:toasoan@example.vn"),
        ("ftp://Example.com/a/", "ftp://Example.com/a/"),
        ("not a url", "not a url"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://www.baoquangngai.vn/channel/2026/202501/tin-tuc-123/?utm_source=zalo&zarsrc=30",
        "https://baoquangngai.vn/xa-hoi/?gidzl=abc&page=2#top",
        "https://news.google.com/rss/articles/" + REAL_NEW_ID + "?oc=5",
        "https://example.com/a%2fb?q=%e1%bb%a9&z=1&a=2",
    ],
)
def test_canonical_url_is_idempotent(url: str) -> None:
    once = canonical_url(url)

    assert canonical_url(once) == once


def test_variants_of_one_article_share_a_key() -> None:
    variants = [
        ARTICLE,
        ARTICLE.replace("https://", "http://"),
        ARTICLE.replace("baoquangngai.vn", "BAOQUANGNGAI.VN:443"),
        ARTICLE + "?utm_source=facebook&utm_medium=social&fbclid=IwAR123",
        ARTICLE + "?zarsrc=31&gidzl=abcd#comment-5",
        "https://news.google.com/rss/articles/" + google_news_id(ARTICLE) + "?oc=5&hl=vi",
        "https://www.google.com/url?sa=t&url=" + ARTICLE.replace("/", "%2F").replace(":", "%3A"),
    ]

    assert {canonical_url(v) for v in variants} == {ARTICLE}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://news.google.com/rss/articles/" + google_news_id(ARTICLE) + "?oc=5", ARTICLE),
        ("https://news.google.com/articles/" + google_news_id(ARTICLE) + "?hl=vi", ARTICLE),
        ("https://news.google.com/read/" + google_news_id(ARTICLE), ARTICLE),
        ("https://news.google.com/__i/rss/rd/articles/" + google_news_id(ARTICLE), ARTICLE),
        (
            "https://news.google.com/rss/articles/" + google_news_id(ARTICLE, b"\x08\x02\x22"),
            ARTICLE,
        ),
        (
            "https://news.google.com/rss/articles/" + REAL_OLD_ID,
            "https://www.ndtv.com/world-news/elon-musk-reclaims-the-title-of-worlds-richest-man-3820328",
        ),
        # a URL longer than 127 bytes needs a two-byte length
        (
            "https://news.google.com/rss/articles/"
            + google_news_id("https://vnexpress.net/" + "a" * 200 + ".html"),
            "https://vnexpress.net/" + "a" * 200 + ".html",
        ),
        ("https://news.google.com/rss/articles/" + REAL_NEW_ID + "?oc=5", None),
        ("https://news.google.com/rss/articles/" + google_news_id("javascript:alert(1)"), None),
        ("https://news.google.com/rss/articles/!!!", None),
        ("https://news.google.com/rss/articles/CBMi", None),
        ("https://news.google.com/url?url=" + ARTICLE, ARTICLE),
        ("https://www.google.com/url?q=" + ARTICLE + "&sa=U", ARTICLE),
        (
            "https://www.google.com.vn/url?url=https%3A%2F%2Fbaomoi.com%2Fa.epi",
            "https://baomoi.com/a.epi",
        ),
        ("https://google.com/url?q=javascript:alert(1)", None),
        ("https://www.google.com/search?q=" + ARTICLE, None),
        ("https://news.google.com/rss/search?q=Qu%E1%BA%A3ng+Ng%C3%A3i", None),
        ("https://notgoogle.com/url?q=" + ARTICLE, None),
        (ARTICLE, None),
    ],
)
def test_publisher_url_from_google_news(url: str, expected: str | None) -> None:
    assert publisher_url_from_google_news(url) == expected


def test_undecodable_google_news_id_is_keyed_by_its_id() -> None:
    a = "https://news.google.com/rss/articles/" + REAL_NEW_ID + "?oc=5&hl=vi&gl=VN"
    b = "https://news.google.com/articles/" + REAL_NEW_ID + "?hl=en-US"

    assert canonical_url(a) == canonical_url(b)
    assert canonical_url(a) == "https://news.google.com/rss/articles/" + REAL_NEW_ID


def test_decode_google_news_id_tolerates_missing_padding_and_garbage() -> None:
    assert decode_google_news_id(google_news_id(ARTICLE)) == ARTICLE
    assert decode_google_news_id(google_news_id(ARTICLE) + "=") == ARTICLE
    assert decode_google_news_id("") is None
    assert decode_google_news_id("AAAA") is None
