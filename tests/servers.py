"""A real HTTP server on 127.0.0.1 for tests, with routes for the network's bad days."""

from __future__ import annotations

import contextlib
import gzip
import io
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

Handler = Callable[[BaseHTTPRequestHandler], None]


class Routes(dict[str, Handler]):
    """Path → handler; also counts requests per path so tests can see what was fetched."""

    def __init__(self) -> None:
        super().__init__()
        self.hits: dict[str, int] = {}
        self.headers_seen: dict[str, list[dict[str, str]]] = {}


@contextmanager
def serve(routes: Routes, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``routes`` on a free port; yields the base URL (``http://127.0.0.1:PORT``).

    Any 127.x.y.z address works on Linux, which lets a test put hosts side by side (a host that
    answers 429 is held back as a whole, so it needs an address of its own).
    """

    class RequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            routes.hits[path] = routes.hits.get(path, 0) + 1
            routes.headers_seen.setdefault(path, []).append(dict(self.headers.items()))
            handler = routes.get(path)
            if handler is None:
                send(self, 404, b"not found", "text/plain")
                return
            # The client giving up (deadline, size cap) is the point of some tests.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                handler(self)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((host, 0), RequestHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def send(
    h: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    h.send_response(status)
    if content_type:
        h.send_header("Content-Type", content_type)
    for key, value in (headers or {}).items():
        h.send_header(key, value)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def file(path: Path, content_type: str = "application/rss+xml; charset=utf-8") -> Handler:
    body = path.read_bytes()
    return lambda h: send(h, 200, body, content_type)


def body(data: bytes, content_type: str = "application/rss+xml; charset=utf-8") -> Handler:
    return lambda h: send(h, 200, data, content_type)


def with_etag(data: bytes, etag: str, content_type: str = "application/rss+xml") -> Handler:
    """200 with an ETag, then 304 whenever the client sends it back."""

    def handle(h: BaseHTTPRequestHandler) -> None:
        if h.headers.get("If-None-Match") == etag:
            h.send_response(304)
            h.send_header("ETag", etag)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        send(h, 200, data, content_type, {"ETag": etag})

    return handle


def status(code: int, headers: dict[str, str] | None = None, text: bytes = b"") -> Handler:
    return lambda h: send(h, code, text or f"status {code}".encode(), "text/plain", headers)


def redirect(location: str, code: int = 302) -> Handler:
    return lambda h: send(h, code, b"", None, {"Location": location})


def gzip_bomb(expanded_mb: int = 200) -> Handler:
    """A small gzip body that expands to ``expanded_mb`` MB of zeros."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9) as gz:
        chunk = b"\0" * (1 << 20)
        for _ in range(expanded_mb):
            gz.write(chunk)
    compressed = buffer.getvalue()
    return lambda h: send(h, 200, compressed, "application/rss+xml", {"Content-Encoding": "gzip"})


def trickle(data: bytes, seconds_per_byte: float = 1.0, max_seconds: float = 30.0) -> Handler:
    """Send one byte at a time, slowly: a worker must give up at its deadline."""

    def handle(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        started = time.monotonic()
        for i in range(len(data)):
            if time.monotonic() - started > max_seconds:
                return
            h.wfile.write(data[i : i + 1])
            h.wfile.flush()
            time.sleep(seconds_per_byte)

    return handle
