"""parse_payload: the one entry point, which only ever raises ParseError."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from monitor.config.models import HtmlSelectors, Source
from monitor.sources import parse_payload
from monitor.sources.base import ParseError, ParseResult

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SOURCES = [
    Source(
        id="bqn", kind="feed", url="https://baoquangngai.vn/rss/thoi-su.rss", name="Báo Quảng Ngãi"
    ),
    Source(id="gn", kind="google_news", url="https://news.google.com/rss/search?q=x", name="GN"),
    Source(
        id="ducpho",
        kind="html",
        url="https://ducpho.quangngai.gov.vn/tin-tuc-su-kien",
        name="Phường Đức Phổ",
        type="government",
        selectors=HtmlSelectors(item="div.news-item", link="h3 a", date=".news-date"),
    ),
    Source(id="tg", kind="telegram", url="https://t.me/s/baoquangngaionline", name="Telegram"),
]


ENTITY_EXPANSION = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(
        b'<!ENTITY %s "%s">' % (name, (b"&%s;" % previous) * 10)
        for previous, name in ((b"a", b"b"), (b"b", b"c"), (b"c", b"d"), (b"d", b"e"))
    )
    + b']><rss version="2.0"><channel><item><title>&e;&e;&e;</title></item></channel></rss>'
)


def _payloads() -> list[tuple[str, bytes]]:
    rng = random.Random(20260210)
    real = sorted(
        p
        for d in ("feeds", "pages")
        for p in (FIXTURES / d).iterdir()
        if ".expected." not in p.name
    )
    cases: list[tuple[str, bytes]] = []
    for path in real:
        data = path.read_bytes()
        cases.append((f"{path.name}[:{len(data) // 3}]", data[: len(data) // 3]))  # truncated
        cases.append((f"{path.name}[:-7]", data[:-7]))
        flipped = bytearray(data)
        for _ in range(20):
            flipped[rng.randrange(len(flipped))] = rng.randrange(256)
        cases.append((f"{path.name} with flipped bytes", bytes(flipped)))
    for size in (1, 17, 4096, 100_000):
        cases.append((f"random {size}", rng.randbytes(size)))
    cases += [
        ("nul bytes", b"\x00" * 1000),
        ("nested rss items", b'<rss version="2.0"><channel>' + b"<item>" * 5_000),
        (
            "nested divs",
            b"<html><body>"
            + b'<div class="news-item tgme_widget_message" data-post="a/1">' * 5_000,
        ),
        (
            "nested json",
            b'{"version": "https://jsonfeed.org/version/1.1", "items": ' + b"[" * 50_000,
        ),
        ("json items of junk", b'{"items": [1, "x", null, {"url": 5}, {"url": "javascript:x"}]}'),
        ("entity expansion", ENTITY_EXPANSION),
        ("utf-16 junk", "\ufeff<rss>\udc00".encode("utf-16", "surrogatepass")),
        ("declaration only", b'<?xml version="1.0" encoding="\xff\xfe"?>'),
    ]
    return cases


PAYLOADS = _payloads()
CONTENT_TYPES = (None, "text/html; charset=utf-8", "application/json", "text/xml; charset=utf-16")


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.kind)
def test_no_payload_makes_any_kind_raise_anything_but_parse_error(source: Source) -> None:
    for index, (name, payload) in enumerate(PAYLOADS):
        content_type = CONTENT_TYPES[index % len(CONTENT_TYPES)]  # each payload, one label
        try:
            result = parse_payload(source, payload, base_url=source.url, content_type=content_type)
        except ParseError as err:
            assert err.user_message, name
        else:
            assert isinstance(result, ParseResult), name


def test_unexpected_failures_become_parse_errors_naming_the_kind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import monitor.sources as sources

    def explode(*args: object) -> ParseResult:
        raise KeyError("boom")

    monkeypatch.setitem(sources._PARSERS, "feed", explode)
    with pytest.raises(ParseError) as caught:
        parse_payload(SOURCES[0], b"<rss/>", base_url=SOURCES[0].url, content_type=None)
    assert caught.value.user_message == "could not parse the feed payload: 'boom'"


def test_items_without_language_get_the_source_language() -> None:
    source = Source(
        id="bbc",
        kind="feed",
        url="https://feeds.bbci.co.uk/vietnamese/rss.xml",
        name="BBC",
        language="vi",
    )
    payload = (FIXTURES / "feeds" / "reconstructed_2026-08_bbc_tiengviet.xml").read_bytes()
    result = parse_payload(source, payload, base_url=source.url, content_type=None)
    assert {item.language for item in result.items} == {"vi"}


def test_an_item_language_from_the_payload_wins_over_the_source() -> None:
    source = Source(id="x", kind="feed", url="https://x.vn/rss", name="x", language="en")
    payload = (FIXTURES / "feeds" / "rss1_rdf_quangngai.xml").read_bytes()
    result = parse_payload(source, payload, base_url=source.url, content_type=None)
    assert {item.language for item in result.items} == {"vi"}


def test_an_html_source_without_selectors_is_a_parse_error() -> None:
    source = Source(id="portal", kind="html", url="https://x.vn/", name="x")
    with pytest.raises(ParseError, match='source "portal" is of kind html but has no selectors'):
        parse_payload(source, b"<html></html>", base_url=source.url, content_type="text/html")
