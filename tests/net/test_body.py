"""Body decoding with a cap after decompression, and the small parsers around the fetcher."""

from __future__ import annotations

import email.utils
import gzip
import tracemalloc
import zlib

import pytest

from monitor.net.client import CappedDecoder, human_size, parse_retry_after
from monitor.net.errors import FetchError, ResponseTooLargeError

TEXT = "Lũ lụt ở Quảng Ngãi, nhiều xã bị cô lập. ".encode() * 2000


def feed_in_chunks(decoder: CappedDecoder, data: bytes, size: int = 65536) -> bytes:
    out = [decoder.feed(data[i : i + size]) for i in range(0, len(data), size)]
    return b"".join(out) + decoder.flush()


@pytest.mark.parametrize(
    ("encoding", "data"),
    [
        ("gzip", gzip.compress(TEXT)),
        ("GZIP", gzip.compress(TEXT)),
        ("deflate", zlib.compress(TEXT)),
        ("deflate", zlib.compress(TEXT, wbits=-15)),
        ("identity", TEXT),
        (None, TEXT),
        ("gzip, deflate", zlib.compress(gzip.compress(TEXT))),  # applied in order, undone reversed
        ("gzip", gzip.compress(TEXT[:1000]) + gzip.compress(TEXT[1000:])),  # multi-member gzip
        ("gzip", gzip.compress(TEXT) + b"\0\0\0\0"),  # trailing padding
    ],
)
def test_decodes(encoding: str | None, data: bytes) -> None:
    for size in (1, 7, 65536):
        decoder = CappedDecoder(encoding, max_bytes=len(TEXT))
        assert feed_in_chunks(decoder, data, size) == TEXT


def test_exactly_at_the_cap_is_fine_one_more_is_not() -> None:
    assert feed_in_chunks(CappedDecoder("gzip", len(TEXT)), gzip.compress(TEXT)) == TEXT

    with pytest.raises(ResponseTooLargeError) as caught:
        feed_in_chunks(CappedDecoder("gzip", len(TEXT) - 1), gzip.compress(TEXT))
    assert caught.value.user_message.endswith("limit after decompression")

    with pytest.raises(ResponseTooLargeError) as plain:
        feed_in_chunks(CappedDecoder(None, len(TEXT) - 1), TEXT)
    assert not plain.value.user_message.endswith("after decompression")


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_bomb_needs_little_memory(encoding: str) -> None:
    """64 kB that would inflate to ~64 MB must not get past the 1 MB cap, nor near it in memory."""
    zeros = b"\0" * 64_000_000
    bomb = gzip.compress(zeros, 9) if encoding == "gzip" else zlib.compress(zeros, 9)
    del zeros
    decoder = CappedDecoder(encoding, max_bytes=1_000_000)

    tracemalloc.start()
    try:
        with pytest.raises(ResponseTooLargeError):
            decoder.feed(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < 3_000_000, f"peak {peak} bytes"


def test_corrupt_data() -> None:
    with pytest.raises(FetchError) as caught:
        CappedDecoder("deflate", 1000).feed(b"this is not deflate data at all")

    assert "could not be decompressed" in caught.value.user_message


def test_unknown_encoding() -> None:
    with pytest.raises(FetchError) as caught:
        CappedDecoder("br", 1000)

    assert caught.value.user_message == (
        "the server compressed the answer with 'br', which we did not ask for and cannot read"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        (None, None),
        ("", None),
        ("soon", None),
        ("-5", None),
        ("1.5", None),
        (email.utils.formatdate(1_000_090, usegmt=True), 90.0),
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),  # in the past: no wait
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=1_000_000) == expected


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (1_000_000, "1 MB"),
        (10_000_000, "10 MB"),
        (1_500_000, "1.5 MB"),
        (512_000, "512 kB"),
        (900, "900 bytes"),
        (2_000_000_000, "2 GB"),
    ],
)
def test_human_size(n: int, words: str) -> None:
    assert human_size(n) == words


def test_garbage_after_empty_gzip_member_is_ignored() -> None:
    data = gzip.compress(b"") + b"\0\0garbage"

    assert feed_in_chunks(CappedDecoder("gzip", 100), data, 1) == b""
