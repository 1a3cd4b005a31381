"""The HTTP client factory and the polite, guarded ``Fetcher`` that the crawler uses.

``make_client()`` is the only place in the project where an ``httpx`` client is built. Its
connection layer resolves each host itself, refuses addresses the guard blocks (``guard.py``) and
connects to the very address it checked, so DNS rebinding cannot slip a private address past the
check. TLS still verifies the certificate against (and sends SNI for) the hostname, because httpcore
passes the origin's hostname to ``start_tls`` regardless of the address the socket connected to.

``Fetcher.get()`` adds what a crawler of other people's servers needs on top: redirects followed by
hand (each hop re-checked), robots.txt, per-host politeness, Retry-After, conditional GET, one
deadline for the whole request and a byte cap applied *after* decompression with bounded memory.
Everything that goes wrong comes out as a ``FetchError`` whose ``user_message`` an officer can act
on.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import contextvars
import email.utils
import http
import json
import logging
import math
import socket
import ssl
import time
import zlib
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC
from types import TracebackType
from typing import Any, TypeVar

import anyio
import httpcore
import httpx

from monitor import USER_AGENT
from monitor.net.errors import (
    BlockedAddressError,
    DeadlineExceededError,
    FetchError,
    RateLimitedError,
    ResponseTooLargeError,
    RobotsDisallowedError,
)
from monitor.net.guard import IPAddress, blocked_reason, parse_ip
from monitor.net.robots import ROBOTS_MAX_BYTES, RobotsAnswer, RobotsCache

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=20.0, write=10.0, pool=30.0)
# Only what we can decode with a bounded-memory decoder below (no br/zstd).
ACCEPT_ENCODING = "gzip, deflate"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# A Retry-After this short is waited out; a longer one fails fast so the scheduler can move on.
MAX_HOLD_WAIT = 5.0
# Error pages and redirect bodies up to this size are read so their connection can be reused.
_DRAIN_LIMIT = 64 * 1024

_E = TypeVar("_E", bound=BaseException)

# ---------------------------------------------------------------------------------------------
# Connection layer: resolve, guard, connect to the checked address.
# ---------------------------------------------------------------------------------------------

# (host, port) pairs for which the current task may reach a private address. Set per request hop by
# ``permit_private`` and read by the network backend at connect time; a context variable keeps it
# per task, so concurrent requests cannot lend each other their permission.
_PERMITTED_PRIVATE: contextvars.ContextVar[frozenset[tuple[str, int]]] = contextvars.ContextVar(
    "monitor_net_permitted_private", default=frozenset()
)


@contextlib.contextmanager
def permit_private(host: str, port: int) -> Iterator[None]:
    """Let connections made in this block reach a private address, for ``host:port`` only.

    Only effective on clients built with ``make_client(permit_private_origins=True)``.
    """
    token = _PERMITTED_PRIVATE.set(frozenset({(host.lower(), port)}))
    try:
        yield
    finally:
        _PERMITTED_PRIVATE.reset(token)


async def resolve_host(host: str, port: int) -> list[IPAddress]:
    """Return the addresses ``host`` resolves to, in the resolver's order of preference.

    Module-level so that tests can substitute a fake resolver (no DNS on test machines).
    """
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[IPAddress] = []
    for *_, sockaddr in infos:
        ip = parse_ip(str(sockaddr[0]))
        if ip is not None and ip not in addresses:
            addresses.append(ip)
    return addresses


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that refuses blocked addresses right before connecting."""

    def __init__(
        self,
        *,
        permit_private_origins: bool = False,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._permit_private_origins = permit_private_origins
        self._inner = inner if inner is not None else httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        permitted = (
            self._permit_private_origins and (host.lower(), port) in _PERMITTED_PRIVATE.get()
        )
        allowed: list[IPAddress] = []
        refusals: list[str] = []
        for ip in await self._resolve(host, port, timeout):
            reason = blocked_reason(ip)
            if reason is None or permitted:
                allowed.append(ip)
            else:
                refusals.append(reason)
        if not allowed:
            raise BlockedAddressError(_refusal_message(host, refusals), permanent=True)
        if refusals:
            # A name with both public and private addresses is suspicious; use only the public ones.
            logger.warning("%s: skipping blocked addresses: %s", host, "; ".join(refusals))

        last_error: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for ip in allowed:
            try:
                return await self._inner.connect_tcp(
                    str(ip),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    async def _resolve(self, host: str, port: int, timeout: float | None) -> list[IPAddress]:
        literal = parse_ip(host)
        if literal is not None:
            return [literal]
        try:
            with anyio.fail_after(timeout):
                addresses = await resolve_host(host, port)
        except TimeoutError as exc:
            raise FetchError(
                f"cannot resolve host {host}: the name server did not answer within {timeout:g} s"
            ) from exc
        except (socket.gaierror, UnicodeError) as exc:
            raise FetchError(f"cannot resolve host {host} ({_gai_detail(exc)})") from exc
        except OSError as exc:
            raise FetchError(f"cannot resolve host {host} ({exc.strerror or exc})") from exc
        if not addresses:
            raise FetchError(f"cannot resolve host {host} (no addresses)")
        return addresses

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddressError("refused: the crawler never connects to local sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _gai_detail(exc: OSError | UnicodeError) -> str:
    if isinstance(exc, UnicodeError):
        return "the name is not a valid internationalised domain name"
    if exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", None)):
        return "no such name; check the address for typos or an expired domain"
    if exc.errno == socket.EAI_AGAIN:
        return "the name server failed; this is usually temporary"
    return str(exc.strerror or exc)


def _refusal_message(host: str, refusals: list[str]) -> str:
    reason = refusals[0] if refusals else "no usable address"
    if parse_ip(host) is not None:
        return f"refused: {reason}; the crawler never contacts local or private addresses"
    return (
        f"refused: {host} points to a blocked address ({reason}); "
        "the crawler never contacts local or private addresses"
    )


class _GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport with the connection pool rebuilt on the guarded backend."""

    def __init__(
        self, *, ssl_context: ssl.SSLContext, limits: httpx.Limits, permit_private_origins: bool
    ) -> None:
        super().__init__(verify=ssl_context, limits=limits, trust_env=False)
        # httpx 0.28 has no public way to hand the pool a network backend (encode/httpx#3749), so
        # the pool built above (never used, holds no connection) is replaced with an identical one
        # that has the guard. Request/response mapping and exception mapping stay httpx's own.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=GuardedNetworkBackend(permit_private_origins=permit_private_origins),
        )


def make_client(
    *,
    user_agent: str = USER_AGENT,
    timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    max_connections: int = 32,
    permit_private_origins: bool = False,
    verify: ssl.SSLContext | bool = True,
) -> httpx.AsyncClient:
    """Build the project's HTTP client: our User-Agent, timeouts, no automatic redirects, guarded.

    Redirects are not followed (``Fetcher`` follows them by hand so each hop is re-checked), proxies
    and netrc from the environment are ignored (a proxy would connect on our behalf, out of the
    guard's sight), and ``Accept-Encoding`` is limited to what ``Fetcher`` decodes with bounded
    memory. Callers that read bodies themselves must apply their own byte cap; prefer ``Fetcher``.

    ``permit_private_origins=True`` builds a client on which ``permit_private(host, port)`` can
    lift the guard for that one origin; without it, private addresses are refused unconditionally.
    """
    ssl_context = httpx.create_ssl_context(verify=verify)
    limits = httpx.Limits(
        max_connections=max_connections,
        max_keepalive_connections=max_connections,
        keepalive_expiry=30.0,
    )
    transport = _GuardedTransport(
        ssl_context=ssl_context, limits=limits, permit_private_origins=permit_private_origins
    )
    return httpx.AsyncClient(
        transport=transport,
        headers={"User-Agent": user_agent, "Accept-Encoding": ACCEPT_ENCODING},
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
    )


# ---------------------------------------------------------------------------------------------
# The fetcher.
# ---------------------------------------------------------------------------------------------


@dataclass
class FetchResponse:
    """A usable answer: a body (``status`` 2xx) or "not modified" (``status`` 304)."""

    url: str
    status: int
    headers: httpx.Headers
    content: builtins.bytes
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    redirects: list[str] = field(default_factory=list)
    elapsed_seconds: float = 0.0

    @property
    def bytes(self) -> int:
        """Size of the (decompressed) body."""
        return len(self.content)


@dataclass
class _Redirect:
    location: str
    status: int


@dataclass
class _Answer:
    status: int
    headers: httpx.Headers
    content: bytes
    not_modified: bool


class Fetcher:
    """Polite, guarded GETs for the crawler; use as ``async with Fetcher() as fetcher:``.

    One ``Fetcher`` per crawl round: it caches robots.txt, remembers Retry-After holds and keeps
    connections alive for its lifetime, and shares its concurrency limits among all its requests.

    ``deadline`` bounds the time one ``get`` spends talking to servers: every redirect hop and
    reading the body. Waiting for a free slot, for the politeness delay or for a short Retry-After
    is not counted, so a long queue does not time requests out; robots.txt is fetched under its
    own deadline. A Retry-After of up to 5 s is waited out; after a longer one, requests to that
    host fail at once with ``RateLimitedError`` (``retry_after`` = what remains) until it passes.
    """

    def __init__(
        self,
        *,
        max_concurrency: int = 8,
        per_host_concurrency: int = 2,
        politeness_delay: float = 1.0,
        deadline: float = 30.0,
        max_redirects: int = 5,
        user_agent: str = USER_AGENT,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        if max_concurrency < 1 or per_host_concurrency < 1:
            raise ValueError("max_concurrency and per_host_concurrency must be at least 1")
        if deadline <= 0 or politeness_delay < 0 or max_redirects < 0:
            raise ValueError("deadline must be positive, politeness_delay and max_redirects >= 0")
        self.user_agent = user_agent
        self._per_host_concurrency = per_host_concurrency
        self._politeness_delay = politeness_delay
        self._deadline = deadline
        self._max_redirects = max_redirects
        self._timeout = timeout
        self._verify = verify
        self._global_slots = asyncio.Semaphore(max_concurrency)
        self._host_slots: dict[str, asyncio.Semaphore] = {}
        self._next_start: dict[str, float] = {}  # host -> loop time the next request may start
        self._holds: dict[str, float] = {}  # host -> wall-clock time the server asked us to wait
        self._robots = RobotsCache(user_agent)
        self._client: httpx.AsyncClient | None = None
        self._private_client: httpx.AsyncClient | None = None
        self._closed = False

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pools."""
        self._closed = True
        for client in (self._client, self._private_client):
            if client is not None:
                await client.aclose()
        self._client = self._private_client = None

    def _client_for(self, private_ok: bool) -> httpx.AsyncClient:
        # Requests allowed to reach a private origin get their own pool: a connection to a private
        # address opened under that permission must never be reused by a request without it.
        if private_ok:
            if self._private_client is None:
                self._private_client = self._make_client(permit_private_origins=True)
            return self._private_client
        if self._client is None:
            self._client = self._make_client(permit_private_origins=False)
        return self._client

    def _make_client(self, *, permit_private_origins: bool) -> httpx.AsyncClient:
        return make_client(
            user_agent=self.user_agent,
            timeout=self._timeout,
            permit_private_origins=permit_private_origins,
            verify=self._verify,
        )

    async def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        allow_private: bool = False,
        respect_robots: bool = True,
        max_bytes: int = 10_000_000,
        accept: str | None = None,
    ) -> FetchResponse:
        """Fetch ``url`` and return its body, or raise ``FetchError`` saying why not.

        ``etag``/``last_modified`` are the validators stored from the previous fetch; a 304 comes
        back as ``not_modified=True`` with an empty body. ``allow_private`` lets the origin of
        ``url`` itself (scheme, host, port) be a private or loopback address, for intranet sources
        and tests; redirects elsewhere are guarded as usual. ``max_bytes`` caps the body after
        decompression. ``elapsed_seconds`` is the wall time of the whole call, waits included.
        """
        if self._closed:
            raise RuntimeError("this Fetcher is closed")
        started = time.monotonic()
        with _at_the_edge(url, "fetching"):
            return await self._get(
                url,
                etag=etag,
                last_modified=last_modified,
                allow_private=allow_private,
                respect_robots=respect_robots,
                max_bytes=max_bytes,
                accept=accept,
                started=started,
            )

    async def post_json(
        self,
        url: str,
        payload: object,
        *,
        allow_private: bool = False,
        timeout: float | None = None,
    ) -> int:
        """POST ``payload`` as JSON to ``url`` (a webhook) and return the 2xx status.

        The address guard applies as for ``get`` (``allow_private`` lets this one origin be a
        private address) and ``timeout`` (default: the fetcher's ``deadline``) bounds the whole
        exchange. No robots.txt and no politeness delay: we are delivering, not crawling. A
        redirect is not followed, because re-sending a POST elsewhere is not ours to decide; it
        fails as permanent, like any 4xx but 408 and 429. Raises ``FetchError`` otherwise.
        """
        if self._closed:
            raise RuntimeError("this Fetcher is closed")
        # Outside the try: a payload that is not JSON is a bug in the caller, not a network error.
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        with _at_the_edge(url, "posting"):
            target = _checked_url(url)
            budget = _Budget(self._deadline if timeout is None else timeout)
            async with budget.spend():
                with self._network_errors(target):
                    return await self._post(target, body, allow_private)

    async def _open(
        self, method: str, url: httpx.URL, private_ok: bool, **request: Any
    ) -> httpx.Response:
        """Send one request, streaming, with a private origin permitted only when asked."""
        client = self._client_for(private_ok)
        built = client.build_request(method, url, **request)
        permission = (
            permit_private(url.raw_host.decode("ascii"), _port(url))
            if private_ok
            else contextlib.nullcontext()
        )
        with permission:
            return await client.send(built, stream=True)

    @contextlib.contextmanager
    def _network_errors(self, url: httpx.URL) -> Iterator[None]:
        """Turn httpx's and the socket's exceptions into FetchError with a plain reason."""
        try:
            yield
        except httpx.HTTPError as exc:
            raise _describe_http_error(exc, url, self._timeout) from exc
        except OSError as exc:
            raise FetchError(f"network error talking to {url.host}: {exc}") from exc

    async def _post(self, url: httpx.URL, body: bytes, private_ok: bool) -> int:
        headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "*/*"}
        response = await self._open("POST", url, private_ok, content=body, headers=headers)
        try:
            status = response.status_code
            if 200 <= status < 300:
                return status
            said = f"the server answered {status} {_phrase(response)}".rstrip()
            if status in (429, 503):
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                raise RateLimitedError(said, status=status, retry_after=retry_after)
            if status in REDIRECT_STATUSES:
                where = response.headers.get("Location") or "nowhere"
                raise FetchError(
                    f"{said}, redirecting to {where}; a webhook address must answer itself",
                    status=status,
                    permanent=True,
                )
            permanent = 400 <= status < 500 and status not in (408, 429)
            raise FetchError(said, status=status, permanent=permanent)
        finally:
            await _drain(response)
            await response.aclose()

    async def _get(
        self,
        url: str,
        *,
        etag: str | None,
        last_modified: str | None,
        allow_private: bool,
        respect_robots: bool,
        max_bytes: int,
        accept: str | None,
        started: float,
    ) -> FetchResponse:
        current = _checked_url(url)
        origin = _origin(current)
        headers = {"Accept": accept or "*/*"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        budget = _Budget(self._deadline)
        visited = {str(current)}
        redirects: list[str] = []
        while True:
            private_ok = allow_private and _origin(current) == origin
            if respect_robots:
                await self._check_robots(current, private_ok)
            outcome = await self._exchange(current, headers, private_ok, max_bytes, budget)
            if isinstance(outcome, _Redirect):
                current = self._follow(current, outcome, visited, redirects)
                continue
            return FetchResponse(
                url=str(current),
                status=outcome.status,
                headers=outcome.headers,
                content=outcome.content,
                not_modified=outcome.not_modified,
                etag=outcome.headers.get("ETag") or (etag if outcome.not_modified else None),
                last_modified=outcome.headers.get("Last-Modified")
                or (last_modified if outcome.not_modified else None),
                content_type=outcome.headers.get("Content-Type"),
                redirects=redirects,
                elapsed_seconds=time.monotonic() - started,
            )

    def _follow(
        self, current: httpx.URL, redirect: _Redirect, visited: set[str], redirects: list[str]
    ) -> httpx.URL:
        """Return the next hop of a redirect, refusing loops, chains too long and bad targets."""
        try:
            target = current.join(redirect.location).copy_with(fragment=None)
        except httpx.InvalidURL as exc:
            raise FetchError(
                f"the server redirected to an invalid address: {redirect.location!r}",
                status=redirect.status,
            ) from exc
        target = _checked_url(str(target), redirected_from=current)
        if str(target) in visited:
            raise FetchError(
                f"redirect loop: {current} sends us back to {target}", status=redirect.status
            )
        if len(redirects) >= self._max_redirects:
            raise FetchError(
                f"too many redirects (more than {self._max_redirects}); last one to {target}",
                status=redirect.status,
            )
        visited.add(str(target))
        redirects.append(str(target))
        return target

    async def _check_robots(self, url: httpx.URL, private_ok: bool) -> None:
        async def load(robots_url: str) -> RobotsAnswer:
            try:
                answer = await self._get(
                    robots_url,
                    etag=None,
                    last_modified=None,
                    allow_private=private_ok,
                    respect_robots=False,
                    max_bytes=ROBOTS_MAX_BYTES,
                    accept="text/plain",
                    started=time.monotonic(),
                )
            except BlockedAddressError as exc:
                # Either the origin itself is blocked (the page request is refused by the guard
                # right after this, with the right message) or robots.txt redirected somewhere
                # blocked (no usable rules). Neither is worth remembering as "allow all".
                return RobotsAnswer(status=None, problem=exc.user_message, cacheable=False)
            except FetchError as exc:
                if exc.status is not None and exc.status >= 400:
                    return RobotsAnswer(status=exc.status, problem=exc.user_message)
                return RobotsAnswer(status=None, problem=exc.user_message)
            return RobotsAnswer(status=answer.status, body=answer.content)

        if not await self._robots.allows(str(url), load):
            raise RobotsDisallowedError(
                f"robots.txt of {url.host} disallows {url.raw_path.decode('ascii')}",
                permanent=True,
            )

    async def _exchange(
        self,
        url: httpx.URL,
        headers: dict[str, str],
        private_ok: bool,
        max_bytes: int,
        budget: _Budget,
    ) -> _Redirect | _Answer:
        """One request/response, once the host's turn has come; the deadline runs only here."""
        host = url.host
        host_slots = self._host_slots.setdefault(
            host, asyncio.Semaphore(self._per_host_concurrency)
        )
        async with host_slots, self._global_slots:
            await self._wait_for_turn(host)
            async with budget.spend():
                with self._network_errors(url):
                    return await self._send(url, headers, private_ok, max_bytes)

    async def _wait_for_turn(self, host: str) -> None:
        """Honour a Retry-After hold and the politeness delay between starts on one host."""
        remaining = self._holds.get(host, 0.0) - time.time()
        if remaining > MAX_HOLD_WAIT:
            raise RateLimitedError(
                f"{host} asked us to slow down; "
                f"not contacting it again for {math.ceil(remaining)} s",
                retry_after=remaining,
            )
        if remaining > 0:
            await asyncio.sleep(remaining)
        loop = asyncio.get_running_loop()
        now = loop.time()
        start = max(now, self._next_start.get(host, now))
        self._next_start[host] = start + self._politeness_delay
        if start > now:
            await asyncio.sleep(start - now)

    async def _send(
        self, url: httpx.URL, headers: dict[str, str], private_ok: bool, max_bytes: int
    ) -> _Redirect | _Answer:
        response = await self._open("GET", url, private_ok, headers=headers)
        try:
            outcome = await self._interpret(url, response, max_bytes)
        except FetchError:
            await _drain(response)
            raise
        finally:
            await response.aclose()
        return outcome

    async def _interpret(
        self, url: httpx.URL, response: httpx.Response, max_bytes: int
    ) -> _Redirect | _Answer:
        status = response.status_code
        said = f"the server answered {status} {_phrase(response)}".rstrip()
        if status in REDIRECT_STATUSES:
            location = response.headers.get("Location")
            if not location:
                raise FetchError(f"{said} but did not say where to", status=status)
            await _drain(response)
            return _Redirect(location=location, status=status)
        if status == 304:
            await _drain(response)
            return _Answer(status, response.headers, b"", not_modified=True)
        if status in (429, 503):
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_after is not None:
                self._holds[url.host] = max(
                    self._holds.get(url.host, 0.0), time.time() + retry_after
                )
                said += f"; it asks us to wait {math.ceil(retry_after)} s"
            raise RateLimitedError(said, status=status, retry_after=retry_after)
        if status in (404, 410):
            raise FetchError(f"not found: {said}", status=status)
        if not 200 <= status < 300:
            raise FetchError(said, status=status)
        content = await read_capped(response, max_bytes)
        return _Answer(status, response.headers, content, not_modified=False)


@contextlib.contextmanager
def _at_the_edge(url: str, doing: str) -> Iterator[None]:
    """The network edge promises FetchError only, naming the URL; anything else is a bug worth
    a traceback, reported as a FetchError too so one source's oddity never stops the rest."""
    try:
        yield
    except FetchError as exc:
        if exc.url is None:
            exc.url = url
        raise
    except Exception as exc:
        logger.exception("unexpected error while %s %s", doing, url)
        raise FetchError(
            f"unexpected error while {doing} ({type(exc).__name__}: {exc})", url=url
        ) from exc


class _Budget:
    """The per-request deadline, spent only while talking to servers (not while queueing)."""

    def __init__(self, seconds: float) -> None:
        self.total = seconds
        self.remaining = seconds

    @contextlib.asynccontextmanager
    async def spend(self) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        began = loop.time()
        timer = asyncio.timeout(max(self.remaining, 0.0))
        try:
            async with timer:
                yield
        except TimeoutError as exc:
            if timer.expired():
                raise DeadlineExceededError(
                    f"no complete answer within {self.total:g} s; the server is too slow"
                ) from exc
            raise
        finally:
            self.remaining -= loop.time() - began


# ---------------------------------------------------------------------------------------------
# Small helpers.
# ---------------------------------------------------------------------------------------------


async def _drain(response: httpx.Response) -> None:
    """Read a short unwanted body (error page, redirect) so the connection can be reused."""
    length = response.headers.get("Content-Length", "")
    if response.is_stream_consumed or not length.isdigit() or int(length) > _DRAIN_LIMIT:
        return  # closing is cheaper than reading a long or open-ended body
    with contextlib.suppress(httpx.HTTPError):
        async for _ in response.aiter_raw():
            pass


def _checked_url(url: str, *, redirected_from: httpx.URL | None = None) -> httpx.URL:
    """Parse ``url`` and refuse what the crawler must not fetch, before any network activity."""
    prefix = "" if redirected_from is None else f"redirect from {redirected_from} refused: "
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError) as exc:
        raise FetchError(f"{prefix}not a valid web address: {url!r}", permanent=True) from exc
    if parsed.scheme not in ("http", "https"):
        shown = f"{parsed.scheme}:" if parsed.scheme else "an address without scheme"
        raise FetchError(
            f"{prefix}only http and https addresses can be fetched, not {shown}",
            permanent=True,
        )
    if not parsed.host:
        raise FetchError(f"{prefix}the address {url!r} has no host", permanent=True)
    return parsed


def _port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


def _origin(url: httpx.URL) -> tuple[str, str, int]:
    return (url.scheme, url.host.lower(), _port(url))


def _phrase(response: httpx.Response) -> str:
    try:
        return http.HTTPStatus(response.status_code).phrase
    except ValueError:
        return response.reason_phrase


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Return the seconds a Retry-After header asks for (delta-seconds or HTTP-date), if valid."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _find_cause(exc: BaseException, kind: type[_E]) -> _E | None:
    """Return the first exception of ``kind`` in ``exc``'s cause chain (groups included)."""
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, kind):
            return current
        if isinstance(current, BaseExceptionGroup):
            stack.extend(current.exceptions)
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                stack.append(linked)
    return None


def _describe_http_error(
    exc: httpx.HTTPError, url: httpx.URL, timeout: httpx.Timeout
) -> FetchError:
    """Translate an httpx exception into words about the host, the port and what to check."""
    host, port = url.host, _port(url)
    message: str
    if isinstance(exc, httpx.ConnectTimeout):
        message = f"{host} did not accept a connection within {timeout.connect or 0:g} s"
    elif isinstance(exc, httpx.ConnectError):
        cert = _find_cause(exc, ssl.SSLCertVerificationError)
        tls = _find_cause(exc, ssl.SSLError)
        refused = _find_cause(exc, ConnectionRefusedError)
        oserror = _find_cause(exc, OSError)
        if cert is not None:
            message = f"the TLS certificate of {host} is not valid ({cert.verify_message})"
        elif tls is not None:
            message = f"TLS handshake with {host} failed ({tls.reason or tls})"
        elif refused is not None:
            message = f"{host} refused the connection on port {port} (no web server there?)"
        elif oserror is not None and not isinstance(oserror, ssl.SSLError):
            detail = oserror.strerror or str(oserror)
            message = f"cannot connect to {host} on port {port}: {detail}"
        else:
            message = f"cannot connect to {host} on port {port}: {exc}"
    elif isinstance(exc, httpx.ReadTimeout):
        message = f"{host} stopped sending for more than {timeout.read or 0:g} s"
    elif isinstance(exc, httpx.WriteTimeout):
        message = f"{host} stopped accepting our request for more than {timeout.write or 0:g} s"
    elif isinstance(exc, httpx.PoolTimeout):
        message = "too many requests at once: no connection became free in time"
    elif isinstance(exc, httpx.RemoteProtocolError):
        message = f"{host} sent a broken or incomplete HTTP answer ({exc})"
    elif isinstance(exc, httpx.NetworkError):
        message = f"the connection to {host} was cut ({exc or type(exc).__name__})"
    elif isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return FetchError(f"not a valid web address: {url} ({exc})", permanent=True)
    else:
        message = f"could not fetch from {host} ({type(exc).__name__}: {exc})"
    return FetchError(message)


# ---------------------------------------------------------------------------------------------
# Reading bodies: decompress with bounded memory, cap applied after decompression.
# ---------------------------------------------------------------------------------------------


def human_size(n: int) -> str:
    """Return ``n`` bytes in words for messages: ``1 MB``, ``1.5 MB``, ``512 kB``, ``900 bytes``."""
    for unit, size in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n} bytes"


class _TooLarge(Exception):
    """Internal: a decoding stage produced more than its limit."""


class _ZlibStage:
    """One gzip or deflate layer, decompressing at most ``limit`` bytes in total."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.encoding = encoding
        self.gzip = encoding in ("gzip", "x-gzip")
        self.limit = limit
        self.produced = 0
        self.finished = False
        # Bytes held back until we can tell what comes next: the zlib header of "deflate" (some
        # servers send raw deflate instead) or the magic of another gzip member.
        self._pending = b""
        self._zlib: zlib._Decompress | None = None
        self._streams_done = 0

    def _open(self, data: bytes) -> bool:
        """Create the decompressor for the stream starting with ``data``; False if undecidable."""
        if len(data) < 2:
            return False
        if self.gzip:
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16)
        else:
            cmf, flg = data[0], data[1]
            zlib_wrapped = cmf & 0x0F == 8 and cmf >> 4 <= 7 and ((cmf << 8) | flg) % 31 == 0
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS if zlib_wrapped else -zlib.MAX_WBITS)
        return True

    def feed(self, data: bytes) -> bytes:
        out: list[bytes] = []
        data = self._pending + data
        self._pending = b""
        while data and not self.finished:
            if self._zlib is None:
                if self._streams_done and not data.startswith(b"\x1f\x8b"[: len(data)]):
                    self.finished = True  # padding or garbage after the last gzip member: ignore
                    break
                if not self._open(data):
                    self._pending = data
                    break
            assert self._zlib is not None
            try:
                chunk = self._zlib.decompress(data, self.limit - self.produced + 1)
            except zlib.error as exc:
                raise FetchError(
                    f"the answer could not be decompressed (corrupt {self.encoding} data: {exc})"
                ) from exc
            self.produced += len(chunk)
            if self.produced > self.limit:
                raise _TooLarge
            out.append(chunk)
            if self._zlib.eof:
                data = self._zlib.unused_data
                self._streams_done += 1
                if self.gzip:
                    self._zlib = None  # a multi-member gzip may continue with another member
                else:
                    self.finished = True
            else:
                # Non-empty only when max_length stopped us, i.e. the limit was reached.
                data = self._zlib.unconsumed_tail
        return b"".join(out)

    def flush(self) -> bytes:
        if self.finished or self._zlib is None:
            return b""
        chunk = self._zlib.flush()
        self.produced += len(chunk)
        if self.produced > self.limit:
            raise _TooLarge
        return chunk


class CappedDecoder:
    """Undo a Content-Encoding chain, raising ``ResponseTooLargeError`` beyond ``max_bytes``.

    Memory stays around ``max_bytes`` plus one network chunk whatever the compression ratio,
    because every zlib call is told how much output it may produce (``max_length``); httpx's own
    decoders would inflate a whole network chunk at once, which a gzip bomb turns into gigabytes.
    """

    def __init__(self, content_encoding: str | None, max_bytes: int) -> None:
        names = [e.strip().lower() for e in (content_encoding or "").split(",")]
        names = [e for e in names if e and e != "identity"]
        for name in names:
            if name not in ("gzip", "x-gzip", "deflate"):
                raise FetchError(
                    f"the server compressed the answer with {name!r}, which we did not ask for "
                    "and cannot read"
                )
        self.max_bytes = max_bytes
        self.compressed = bool(names)
        # Content-Encoding lists codings in the order applied; undo them in reverse.
        self._stages = [_ZlibStage(name, max_bytes) for name in reversed(names)]
        self._size = 0

    def feed(self, data: bytes) -> bytes:
        try:
            for stage in self._stages:
                data = stage.feed(data)
        except _TooLarge:
            raise self._too_large() from None
        return self._count(data)

    def flush(self) -> bytes:
        data = b""
        try:
            for stage in self._stages:
                data = stage.feed(data) + stage.flush()
        except _TooLarge:
            raise self._too_large() from None
        return self._count(data)

    def _count(self, data: bytes) -> bytes:
        self._size += len(data)
        if self._size > self.max_bytes:
            raise self._too_large()
        return data

    def _too_large(self) -> ResponseTooLargeError:
        after = " after decompression" if self.compressed else ""
        return ResponseTooLargeError(
            f"the answer is larger than the {human_size(self.max_bytes)} limit{after}",
            permanent=False,
        )


async def read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    """Read a streamed response's body, decompressed and capped at ``max_bytes``."""
    declared = response.headers.get("Content-Length")
    if declared is not None and declared.strip().isdigit() and int(declared) > max_bytes:
        raise ResponseTooLargeError(
            f"the answer is larger than the {human_size(max_bytes)} limit "
            f"(the server announced {human_size(int(declared))})",
            status=response.status_code,
        )
    decoder = CappedDecoder(response.headers.get("Content-Encoding"), max_bytes)
    parts: list[bytes] = []
    async for raw in response.aiter_raw():
        parts.append(decoder.feed(raw))
    parts.append(decoder.flush())
    return b"".join(parts)
