"""Real loopback HTTP(S) servers for the network edge's bad days (slow, huge, looping, ...)."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from monitor.net.client import Fetcher

Handler = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Hit:
    """One request as the server saw it."""

    path: str
    headers: dict[str, str]
    at: float  # time.monotonic() on arrival


@dataclass
class LocalServer:
    """A threaded HTTP server on 127.0.0.1 with a route table; unknown paths answer 404."""

    scheme: str = "http"
    routes: dict[str, Handler] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    port: int = 0
    host: str = "127.0.0.1"

    def url(self, path: str = "/", host: str | None = None) -> str:
        return f"{self.scheme}://{host or self.host}:{self.port}{path}"

    def hits_for(self, path: str) -> list[Hit]:
        return [hit for hit in self.hits if hit.path == path]

    def route(self, path: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.routes[path] = handler
            return handler

        return register

    def answer(
        self,
        path: str,
        status: int = 200,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Serve a fixed answer at ``path``."""
        self.routes[path] = lambda handler: send(handler, status, body, headers)

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        self.answer(path, status, b"", {"Location": location})


def send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> None:
    """Write a complete answer with a Content-Length (unless one is given)."""
    handler.send_response(status)
    headers = dict(headers or {})
    headers.setdefault("Content-Length", str(len(body)))
    headers.setdefault("Content-Type", "text/plain; charset=utf-8")
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    if body:
        handler.wfile.write(body)


def _start(server: LocalServer, ssl_context: ssl.SSLContext | None = None) -> Iterator[LocalServer]:
    class RequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            server.hits.append(Hit(path, dict(self.headers.items()), time.monotonic()))
            handler = server.routes.get(path)
            try:
                if handler is None:
                    send(self, 404, b"no such page")
                else:
                    handler(self)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                self.close_connection = True  # the client gave up on purpose (cap, deadline)

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output quiet

    class QuietServer(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: object, client_address: object) -> None:
            pass  # clients hanging up mid-answer is what several tests do on purpose

    httpd = QuietServer(("127.0.0.1", 0), RequestHandler)
    if ssl_context is not None:
        httpd.socket = ssl_context.wrap_socket(httpd.socket, server_side=True)
    server.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    """A fresh HTTP server on 127.0.0.1 (random port)."""
    yield from _start(LocalServer())


@pytest.fixture
def other_server() -> Iterator[LocalServer]:
    """A second server, on another port: another origin on the same host."""
    yield from _start(LocalServer())


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def client_context(self) -> ssl.SSLContext:
        """An SSL context trusting only this certificate."""
        return ssl.create_default_context(cafile=str(self.cert))


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for ``localhost`` (DNS name only, no IP address)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(cert),
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return Certificate(cert, key)


@pytest.fixture
def tls_server(certificate: Certificate) -> Iterator[LocalServer]:
    """An HTTPS server on 127.0.0.1 presenting the ``localhost`` certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate.cert, certificate.key)
    yield from _start(LocalServer(scheme="https", host="localhost"), context)


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    """A Fetcher tuned for tests: no politeness delay, a short deadline."""
    async with Fetcher(politeness_delay=0.0, deadline=5.0) as f:
        yield f
