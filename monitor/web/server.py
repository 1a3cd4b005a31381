"""Serving the web app inside ``monitor run``, on the address MONITOR_WEB_LISTEN names."""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Iterator

import uvicorn
from starlette.applications import Starlette

log = logging.getLogger(__name__)


def parse_listen(value: str) -> tuple[str, int] | None:
    """``"127.0.0.1:8080"`` → (host, port); ``"off"`` → None. Raises ValueError with a hint."""
    if value.strip().lower() in ("off", "no", "none", "0"):
        return None
    host, sep, port = value.strip().rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(
            f"MONITOR_WEB_LISTEN must be HOST:PORT or off (got {value!r}); e.g. 127.0.0.1:8080"
        )
    return host.strip("[]") or "127.0.0.1", int(port)


class _Server(uvicorn.Server):
    """uvicorn's server without its signal handlers: Ctrl-C belongs to the service, which
    stops the server with the rest (uvicorn would swap the handlers and re-raise)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound before serving so a taken port is a clear message."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OSError(
            f"cannot listen on {host}:{port} ({exc.strerror}); set MONITOR_WEB_LISTEN to a free "
            "HOST:PORT, or off"
        ) from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


def make_server(app: Starlette, host: str, port: int) -> uvicorn.Server:
    """A uvicorn server for ``app``; ``await server.serve()`` runs it in the current loop, and
    ``server.should_exit = True`` stops it."""
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off")
    return _Server(config)
