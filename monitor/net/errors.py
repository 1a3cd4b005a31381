"""Errors from the network edge, each with a message an officer can act on."""

from __future__ import annotations


class FetchError(Exception):
    """A fetch that did not yield a usable body.

    ``user_message`` is plain words for the sources table ("server answered 500", "refused: the
    address 127.0.0.1 is private"); ``permanent`` marks errors that retrying will not fix soon
    (blocked address, robots.txt disallow, scheme not allowed); ``retry_after`` is the delay in
    seconds the server asked for (429/503), if any.
    """

    def __init__(
        self,
        user_message: str,
        *,
        status: int | None = None,
        permanent: bool = False,
        retry_after: float | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(user_message)
        self.user_message = user_message
        self.status = status
        self.permanent = permanent
        self.retry_after = retry_after
        self.url = url


class BlockedAddressError(FetchError):
    """The URL resolves to an address we refuse to contact (loopback, private, ...)."""


class RobotsDisallowedError(FetchError):
    """The site's robots.txt asks crawlers like ours to stay away from this path."""


class ResponseTooLargeError(FetchError):
    """The answer (after decompression) exceeds the byte cap of the request."""


class DeadlineExceededError(FetchError):
    """No complete answer within the per-request deadline (slow or trickling server)."""


class RateLimitedError(FetchError):
    """The server asked us to slow down (429/503), or we are still honouring such a request."""
