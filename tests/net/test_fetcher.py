"""Fetcher against real loopback servers: the network's bad days, one test each."""

from __future__ import annotations

import asyncio
import email.utils
import gzip
import socket
import threading
import time
import tracemalloc
import zlib
from http.server import BaseHTTPRequestHandler

import pytest

from monitor.net import client as client_module
from monitor.net.client import Fetcher, make_client
from monitor.net.errors import (
    BlockedAddressError,
    DeadlineExceededError,
    FetchError,
    RateLimitedError,
    ResponseTooLargeError,
    RobotsDisallowedError,
)
from monitor.net.guard import IPAddress, parse_ip
from tests.net.conftest import Certificate, LocalServer, send

FEED = b"<?xml version='1.0'?><rss><channel><title>Tin t\xe1\xbb\xa9c</title></channel></rss>"


# --- basics -------------------------------------------------------------------------------------


async def test_plain_answer(server: LocalServer, fetcher: Fetcher) -> None:
    server.answer("/feed", 200, FEED, {"Content-Type": "application/rss+xml"})

    response = await fetcher.get(server.url("/feed"), allow_private=True)

    assert response.status == 200
    assert response.content == FEED
    assert response.bytes == len(FEED)
    assert response.content_type == "application/rss+xml"
    assert response.url == server.url("/feed")
    assert response.redirects == []
    assert response.not_modified is False
    assert response.elapsed_seconds > 0


async def test_sends_our_user_agent_and_encodings(server: LocalServer, fetcher: Fetcher) -> None:
    server.answer("/feed", 200, FEED)

    await fetcher.get(server.url("/feed"), allow_private=True, accept="application/rss+xml")

    headers = server.hits_for("/feed")[0].headers
    assert headers["User-Agent"].startswith("MediaMonitor/")
    assert headers["Accept-Encoding"] == "gzip, deflate"
    assert headers["Accept"] == "application/rss+xml"


async def test_make_client_defaults() -> None:
    async with make_client() as client:
        assert client.follow_redirects is False
        assert client.headers["User-Agent"].startswith("MediaMonitor/")
        assert client.timeout.connect == 10.0


async def test_etag_then_conditional_get_gives_304(server: LocalServer, fetcher: Fetcher) -> None:
    stamp = "Wed, 01 Jan 2025 00:00:00 GMT"

    @server.route("/feed")
    def feed(handler: BaseHTTPRequestHandler) -> None:
        if handler.headers.get("If-None-Match") == '"v1"':
            send(handler, 304, b"", {"ETag": '"v1"'})
        else:
            send(handler, 200, FEED, {"ETag": '"v1"', "Last-Modified": stamp})

    first = await fetcher.get(server.url("/feed"), allow_private=True)
    assert (first.etag, first.last_modified) == ('"v1"', stamp)

    second = await fetcher.get(
        server.url("/feed"),
        allow_private=True,
        etag=first.etag,
        last_modified=first.last_modified,
    )

    assert second.status == 304
    assert second.not_modified is True
    assert second.content == b""
    assert second.etag == '"v1"'
    assert second.last_modified == stamp  # kept from the request when the 304 omits it
    sent = server.hits_for("/feed")[1].headers
    assert sent["If-None-Match"] == '"v1"'
    assert sent["If-Modified-Since"] == stamp


# --- errors from the server ---------------------------------------------------------------------


async def test_server_error(server: LocalServer, fetcher: Fetcher) -> None:
    server.answer("/feed", 500, b"oops")

    with pytest.raises(FetchError) as caught:
        await fetcher.get(server.url("/feed"), allow_private=True)

    assert caught.value.user_message == "the server answered 500 Internal Server Error"
    assert caught.value.status == 500
    assert caught.value.permanent is False
    assert caught.value.url == server.url("/feed")


@pytest.mark.parametrize("status", [404, 410])
async def test_not_found(server: LocalServer, fetcher: Fetcher, status: int) -> None:
    server.answer("/gone", status)

    with pytest.raises(FetchError) as caught:
        await fetcher.get(server.url("/gone"), allow_private=True)

    assert caught.value.user_message.startswith("not found: the server answered")
    assert caught.value.status == status
    assert caught.value.permanent is False


async def test_429_with_seconds_holds_the_host(server: LocalServer, fetcher: Fetcher) -> None:
    server.answer("/feed", 429, b"slow down", {"Retry-After": "120"})

    with pytest.raises(RateLimitedError) as caught:
        await fetcher.get(server.url("/feed"), allow_private=True)

    assert caught.value.status == 429
    assert caught.value.retry_after == 120
    assert "429 Too Many Requests" in caught.value.user_message
    assert "wait 120 s" in caught.value.user_message

    # The Fetcher now keeps away from that host, without asking it again.
    with pytest.raises(RateLimitedError) as again:
        await fetcher.get(server.url("/other"), allow_private=True)
    assert "asked us to slow down" in again.value.user_message
    assert again.value.retry_after is not None and 100 < again.value.retry_after <= 120
    assert [hit.path for hit in server.hits if hit.path != "/robots.txt"] == ["/feed"]


async def test_429_with_http_date(server: LocalServer, fetcher: Fetcher) -> None:
    when = email.utils.formatdate(time.time() + 90, usegmt=True)
    server.answer("/feed", 429, b"", {"Retry-After": when})

    with pytest.raises(RateLimitedError) as caught:
        await fetcher.get(server.url("/feed"), allow_private=True)

    assert caught.value.retry_after is not None
    assert 80 <= caught.value.retry_after <= 91


async def test_503_with_short_retry_after_is_waited_out(
    server: LocalServer, fetcher: Fetcher
) -> None:
    answers = iter([(503, {"Retry-After": "1"}), (200, {})])

    @server.route("/feed")
    def feed(handler: BaseHTTPRequestHandler) -> None:
        status, headers = next(answers)
        send(handler, status, FEED if status == 200 else b"", headers)

    with pytest.raises(RateLimitedError) as caught:
        await fetcher.get(server.url("/feed"), allow_private=True)
    assert caught.value.status == 503
    assert caught.value.retry_after == 1

    response = await fetcher.get(server.url("/feed"), allow_private=True)

    assert response.content == FEED
    first, second = server.hits_for("/feed")
    assert second.at - first.at >= 0.9


# --- schemes and addresses ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("ftp://example.com/feed.xml", "ftp:"),
        ("file:///etc/passwd", "file:"),
        ("gopher://example.com/", "gopher:"),
        ("example.com/feed", "an address without scheme"),
    ],
)
async def test_only_http_and_https(fetcher: Fetcher, url: str, shown: str) -> None:
    with pytest.raises(FetchError) as caught:
        await fetcher.get(url)

    assert caught.value.user_message == (
        f"only http and https addresses can be fetched, not {shown}"
    )
    assert caught.value.permanent is True


async def test_loopback_refused_without_allow_private(
    server: LocalServer, fetcher: Fetcher
) -> None:
    server.answer("/feed", 200, FEED)

    with pytest.raises(BlockedAddressError) as caught:
        await fetcher.get(server.url("/feed"))

    assert "127.0.0.1 is a loopback address" in caught.value.user_message
    assert caught.value.permanent is True
    assert server.hits == []


async def test_localhost_name_refused_without_allow_private(
    server: LocalServer, fetcher: Fetcher
) -> None:
    with pytest.raises(BlockedAddressError) as caught:
        await fetcher.get(server.url("/feed", host="localhost"))

    assert caught.value.user_message.startswith("refused: localhost points to a blocked address")
    assert server.hits == []


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_redirect_to_another_local_origin_refused_even_with_allow_private(
    server: LocalServer, other_server: LocalServer, fetcher: Fetcher, host: str
) -> None:
    other_server.answer("/", 200, b"internal admin page")
    server.redirect("/feed", other_server.url("/", host=host))

    with pytest.raises(BlockedAddressError) as caught:
        await fetcher.get(server.url("/feed"), allow_private=True)

    assert "loopback" in caught.value.user_message
    assert other_server.hits == []


async def test_dns_rebinding_is_caught_at_connect(
    server: LocalServer, fetcher: Fetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A public-looking name that resolves to 127.0.0.1 is refused when connecting."""

    async def resolve(host: str, port: int) -> list[IPAddress]:
        ip = parse_ip("127.0.0.1")
        assert ip is not None
        return [ip]

    monkeypatch.setattr(client_module, "resolve_host", resolve)

    with pytest.raises(BlockedAddressError) as caught:
        await fetcher.get(f"http://news.example:{server.port}/feed")

    assert caught.value.user_message.startswith(
        "refused: news.example points to a blocked address (127.0.0.1 is a loopback address)"
    )
    assert server.hits == []


async def test_connects_to_checked_address_but_keeps_host_name(
    server: LocalServer, fetcher: Fetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolved: list[str] = []

    async def resolve(host: str, port: int) -> list[IPAddress]:
        resolved.append(host)
        ip = parse_ip("127.0.0.1")
        assert ip is not None
        return [ip]

    monkeypatch.setattr(client_module, "resolve_host", resolve)
    server.answer("/feed", 200, FEED)

    response = await fetcher.get(f"http://feed.test:{server.port}/feed", allow_private=True)

    assert response.content == FEED
    assert set(resolved) == {"feed.test"}
    assert server.hits_for("/feed")[0].headers["Host"] == f"feed.test:{server.port}"


async def test_dns_failure_in_plain_words(
    fetcher: Fetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def resolve(host: str, port: int) -> list[IPAddress]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(client_module, "resolve_host", resolve)

    with pytest.raises(FetchError) as caught:
        await fetcher.get("https://baoquangngai.invalid/rss", respect_robots=False)

    assert caught.value.user_message.startswith("cannot resolve host baoquangngai.invalid")
    assert "no such name" in caught.value.user_message


async def test_connection_refused_in_plain_words(fetcher: Fetcher) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nobody listens there

    with pytest.raises(FetchError) as caught:
        await fetcher.get(f"http://127.0.0.1:{port}/", allow_private=True)

    assert caught.value.user_message == (
        f"127.0.0.1 refused the connection on port {port} (no web server there?)"
    )


async def test_server_hanging_up_without_answer(server: LocalServer, fetcher: Fetcher) -> None:
    @server.route("/feed")
    def hang_up(handler: BaseHTTPRequestHandler) -> None:
        handler.close_connection = True

    with pytest.raises(FetchError) as caught:
        await fetcher.get(server.url("/feed"), allow_private=True)

    assert "sent a broken or incomplete HTTP answer" in caught.value.user_message


# --- TLS ----------------------------------------------------------------------------------------


async def test_tls_checks_certificate_against_host_name(
    tls_server: LocalServer, certificate: Certificate
) -> None:
    """The socket goes to the checked IP, yet SNI and the certificate check use the name."""
    tls_server.answer("/feed", 200, FEED)

    async with Fetcher(politeness_delay=0, verify=certificate.client_context()) as fetcher:
        response = await fetcher.get(tls_server.url("/feed"), allow_private=True)

    assert response.content == FEED


async def test_tls_certificate_for_another_name(
    tls_server: LocalServer, certificate: Certificate
) -> None:
    async with Fetcher(politeness_delay=0, verify=certificate.client_context()) as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.get(tls_server.url("/feed", host="127.0.0.1"), allow_private=True)

    assert caught.value.user_message.startswith("the TLS certificate of 127.0.0.1 is not valid")


async def test_tls_untrusted_certificate(tls_server: LocalServer) -> None:
    async with Fetcher(politeness_delay=0) as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.get(tls_server.url("/feed"), allow_private=True)

    assert caught.value.user_message.startswith("the TLS certificate of localhost is not valid")
    assert "self-signed" in caught.value.user_message


# --- redirects ----------------------------------------------------------------------------------


async def test_follows_redirects_and_reports_them(server: LocalServer, fetcher: Fetcher) -> None:
    server.redirect("/old", "/new", 301)
    server.redirect("/new", server.url("/final#top"), 307)
    server.answer("/final", 200, FEED)

    response = await fetcher.get(server.url("/old"), allow_private=True)

    assert response.content == FEED
    assert response.url == server.url("/final")
    assert response.redirects == [server.url("/new"), server.url("/final")]


async def test_redirect_loop(server: LocalServer, fetcher: Fetcher) -> None:
    server.redirect("/a", "/b")
    server.redirect("/b", "/a")

    with pytest.raises(FetchError) as caught:
        await fetcher.get(server.url("/a"), allow_private=True)

    assert caught.value.user_message == (
        f"redirect loop: {server.url('/b')} sends us back to {server.url('/a')}"
    )


async def test_five_redirects_are_fine_six_are_too_many(
    server: LocalServer, fetcher: Fetcher
) -> None:
    for hop in range(10):
        server.redirect(f"/r{hop}", f"/r{hop + 1}")
    server.answer("/r5", 200, FEED)

    response = await fetcher.get(server.url("/r0"), allow_private=True)
    assert len(response.redirects) == 5

    server.redirect("/r5", "/r6")
    with pytest.raises(FetchError) as caught:
        await fetcher.get(server.url("/r0"), allow_private=True)
    assert caught.value.user_message.startswith("too many redirects (more than 5)")


async def test_redirect_to_other_scheme_refused(server: LocalServer, fetcher: Fetcher) -> None:
    server.redirect("/feed", "ftp://files.example/feed.xml")

    with pytest.raises(FetchError) as caught:
        await fetcher.get(server.url("/feed"), allow_private=True)

    assert caught.value.user_message == (
        f"redirect from {server.url('/feed')} refused: "
        "only http and https addresses can be fetched, not ftp:"
    )
    assert caught.value.permanent is True


async def test_redirect_without_location(server: LocalServer, fetcher: Fetcher) -> None:
    server.answer("/feed", 302)

    with pytest.raises(FetchError) as caught:
        await fetcher.get(server.url("/feed"), allow_private=True)

    assert caught.value.user_message == "the server answered 302 Found but did not say where to"


# --- robots.txt ---------------------------------------------------------------------------------


async def test_robots_disallow(server: LocalServer, fetcher: Fetcher) -> None:
    server.answer("/robots.txt", 200, b"User-agent: *\nDisallow: /private\n")
    server.answer("/public/feed", 200, FEED)
    server.answer("/private/feed", 200, FEED)

    response = await fetcher.get(server.url("/public/feed"), allow_private=True)
    assert response.content == FEED

    with pytest.raises(RobotsDisallowedError) as caught:
        await fetcher.get(server.url("/private/feed?page=2"), allow_private=True)

    assert caught.value.user_message == "robots.txt of 127.0.0.1 disallows /private/feed?page=2"
    assert caught.value.permanent is True
    assert server.hits_for("/private/feed") == []
    assert len(server.hits_for("/robots.txt")) == 1  # fetched once, cached


async def test_robots_rules_for_our_agent(server: LocalServer, fetcher: Fetcher) -> None:
    server.answer(
        "/robots.txt", 200, b"User-agent: MediaMonitor\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
    )

    with pytest.raises(RobotsDisallowedError):
        await fetcher.get(server.url("/feed"), allow_private=True)


async def test_robots_checked_on_each_redirect_hop(server: LocalServer, fetcher: Fetcher) -> None:
    server.answer("/robots.txt", 200, b"User-agent: *\nDisallow: /private\n")
    server.redirect("/feed", "/private/feed")

    with pytest.raises(RobotsDisallowedError):
        await fetcher.get(server.url("/feed"), allow_private=True)


async def test_robots_redirect_to_blocked_address_does_not_block_the_site(
    server: LocalServer, other_server: LocalServer, fetcher: Fetcher
) -> None:
    server.redirect("/robots.txt", other_server.url("/robots.txt"))
    other_server.answer("/robots.txt", 200, b"User-agent: *\nDisallow: /\n")
    server.answer("/feed", 200, FEED)

    response = await fetcher.get(server.url("/feed"), allow_private=True)

    assert response.content == FEED
    assert other_server.hits == []


@pytest.mark.parametrize("status", [404, 403, 500])
async def test_robots_errors_allow_everything(
    server: LocalServer, fetcher: Fetcher, status: int
) -> None:
    server.answer("/robots.txt", status, b"User-agent: *\nDisallow: /\n")
    server.answer("/feed", 200, FEED)

    response = await fetcher.get(server.url("/feed"), allow_private=True)

    assert response.content == FEED


async def test_robots_ignored_on_request(server: LocalServer, fetcher: Fetcher) -> None:
    server.answer("/robots.txt", 200, b"User-agent: *\nDisallow: /\n")
    server.answer("/feed", 200, FEED)

    response = await fetcher.get(server.url("/feed"), allow_private=True, respect_robots=False)

    assert response.content == FEED
    assert server.hits_for("/robots.txt") == []


# --- size, compression, deadline ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),  # what HTTP calls deflate: zlib-wrapped
        ("deflate", lambda data: zlib.compress(data, wbits=-15)),  # raw deflate, also common
        ("identity", lambda data: data),
        ("", lambda data: data),
    ],
    ids=["gzip", "x-gzip", "deflate-zlib", "deflate-raw", "identity", "none"],
)
async def test_decompresses(
    server: LocalServer,
    fetcher: Fetcher,
    encoding: str,
    compress: object,
) -> None:
    assert callable(compress)
    body = FEED * 500
    headers = {"Content-Encoding": encoding} if encoding else {}
    server.answer("/feed", 200, compress(body), headers)

    response = await fetcher.get(server.url("/feed"), allow_private=True)

    assert response.content == body
    assert response.bytes == len(body)


async def test_content_length_above_cap_refused_early(
    server: LocalServer, fetcher: Fetcher
) -> None:
    server.answer("/big", 200, b"x" * 2_000_000)

    with pytest.raises(ResponseTooLargeError) as caught:
        await fetcher.get(server.url("/big"), allow_private=True, max_bytes=1_000_000)

    assert caught.value.user_message == (
        "the answer is larger than the 1 MB limit (the server announced 2 MB)"
    )


async def test_body_without_length_above_cap(server: LocalServer, fetcher: Fetcher) -> None:
    @server.route("/big")
    def big(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Connection", "close")
        handler.end_headers()
        for _ in range(30):
            handler.wfile.write(b"x" * 100_000)

    with pytest.raises(ResponseTooLargeError) as caught:
        await fetcher.get(server.url("/big"), allow_private=True, max_bytes=1_000_000)

    assert caught.value.user_message == "the answer is larger than the 1 MB limit"


async def test_gzip_bomb_fails_fast_with_bounded_memory(
    server: LocalServer, fetcher: Fetcher
) -> None:
    """~10 MB on the wire that would inflate to 10 GB; we stop after 1 MB of output."""
    member = gzip.compress(b"\0" * 10_000_000, compresslevel=9)  # ~10 kB, inflates 1000x

    @server.route("/bomb")
    def bomb(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Connection", "close")
        handler.end_headers()
        for _ in range(1000):
            handler.wfile.write(member)

    tracemalloc.start()
    try:
        with pytest.raises(ResponseTooLargeError) as caught:
            await fetcher.get(server.url("/bomb"), allow_private=True, max_bytes=1_000_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert caught.value.user_message == (
        "the answer is larger than the 1 MB limit after decompression"
    )
    assert peak < 8_000_000, f"peak memory {peak} bytes"


async def test_unrequested_encoding_refused(server: LocalServer, fetcher: Fetcher) -> None:
    server.answer("/feed", 200, b"\x1b\x00", {"Content-Encoding": "br"})

    with pytest.raises(FetchError) as caught:
        await fetcher.get(server.url("/feed"), allow_private=True)

    assert "compressed the answer with 'br'" in caught.value.user_message


async def test_corrupt_gzip(server: LocalServer, fetcher: Fetcher) -> None:
    server.answer("/feed", 200, b"\x1f\x8b\x08\x00garbage-garbage", {"Content-Encoding": "gzip"})

    with pytest.raises(FetchError) as caught:
        await fetcher.get(server.url("/feed"), allow_private=True)

    assert caught.value.user_message.startswith("the answer could not be decompressed")


async def test_trickling_server_hits_the_deadline(server: LocalServer) -> None:
    stop = threading.Event()

    @server.route("/slow")
    def trickle(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "100")
        handler.end_headers()
        for _ in range(100):
            if stop.wait(0.5):
                return
            handler.wfile.write(b"x")
            handler.wfile.flush()

    started = time.monotonic()
    try:
        async with Fetcher(politeness_delay=0, deadline=2.0) as fetcher:
            with pytest.raises(DeadlineExceededError) as caught:
                await fetcher.get(server.url("/slow"), allow_private=True)
    finally:
        stop.set()

    assert caught.value.user_message.startswith("no complete answer within 2 s")
    assert time.monotonic() - started < 10  # it did stop; not a speed assertion


# --- politeness and concurrency -----------------------------------------------------------------


async def test_politeness_delay_between_requests_to_one_host(server: LocalServer) -> None:
    server.answer("/a", 200, b"a")
    server.answer("/b", 200, b"b")

    async with Fetcher(politeness_delay=0.5) as fetcher:
        await asyncio.gather(
            fetcher.get(server.url("/a"), allow_private=True, respect_robots=False),
            fetcher.get(server.url("/b"), allow_private=True, respect_robots=False),
        )

    first, second = sorted(hit.at for hit in server.hits)
    assert second - first >= 0.45


async def test_per_host_concurrency_limit(server: LocalServer) -> None:
    in_flight = 0
    most = 0
    lock = threading.Lock()

    @server.route("/slow")
    def slow(handler: BaseHTTPRequestHandler) -> None:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        time.sleep(0.2)
        with lock:
            in_flight -= 1
        send(handler, 200, b"ok")

    async with Fetcher(politeness_delay=0, per_host_concurrency=1) as fetcher:
        await asyncio.gather(
            *(
                fetcher.get(server.url("/slow"), allow_private=True, respect_robots=False)
                for _ in range(3)
            )
        )

    assert most == 1
    assert len(server.hits_for("/slow")) == 3


async def test_deadline_does_not_count_waiting_for_a_turn(server: LocalServer) -> None:
    """Queued behind its host's other requests, a request still gets its whole deadline."""

    @server.route("/slow")
    def slow(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(0.4)
        send(handler, 200, b"ok")

    async with Fetcher(politeness_delay=0, per_host_concurrency=1, deadline=1.0) as fetcher:
        responses = await asyncio.gather(
            *(
                fetcher.get(server.url("/slow"), allow_private=True, respect_robots=False)
                for _ in range(3)
            )
        )

    assert [r.content for r in responses] == [b"ok"] * 3


async def test_closed_fetcher_refuses(server: LocalServer) -> None:
    fetcher = Fetcher()
    await fetcher.aclose()

    with pytest.raises(RuntimeError):
        await fetcher.get(server.url("/"), allow_private=True)
