"""Defences against hostile clients that are not about one upload's bytes: which ``Host`` names are served, and how
many uploads one client address may have in progress.

:class:`HostGuard` is plain ASGI middleware: while the server listens on loopback only, a request whose ``Host``
is not a loopback name (or a name the user allowed) is answered 400 before the app sees it. That closes DNS
rebinding: a web page whose own name has been re-pointed at 127.0.0.1 still sends its own name as ``Host``.
:class:`ClientSlots` counts uploads in progress per client address.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from contextlib import contextmanager
from typing import Any

from musicgenre.interfaces.web.settings import is_loopback


def host_name(header: str) -> str:
    """The name in a ``Host`` header, lower case, without port, brackets or trailing dot: ``[::1]:8000`` → ``::1``."""
    value = header.strip().lower()
    if value.startswith("["):
        return value[1:].partition("]")[0]
    return value.partition(":")[0].rstrip(".")


class HostGuard:
    """ASGI middleware serving only requests whose ``Host`` is a loopback name or one of ``allowed``; others get 400
    with one line saying how to allow the name. A request without ``Host`` (HTTP/1.0; never a browser) passes."""

    def __init__(self, app: Any, allowed: Iterable[str] = ()):
        self.app = app
        self.allowed = frozenset(host_name(name) for name in allowed)

    def accepts(self, header: str | None) -> bool:
        """Whether a request with this ``Host`` header value (None: no header) is served."""
        if header is None:
            return True
        name = host_name(header)
        return is_loopback(name) or name in self.allowed

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":  # lifespan; the app serves no websockets
            await self.app(scope, receive, send)
            return
        header = next((value.decode("latin-1") for key, value in scope["headers"] if key == b"host"), None)
        if self.accepts(header):
            await self.app(scope, receive, send)
            return
        shown = "".join(ch if ch.isprintable() else "?" for ch in (header or ""))[:100]
        detail = (
            f"Host {shown!r} is not served: this server listens on loopback only "
            f"(musicgenre serve --allow-host {host_name(shown) or 'NAME'} serves that name too)"
        )
        body = json.dumps({"detail": detail}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 400,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class ClientSlots:
    """Uploads in progress per client address, at most ``limit`` each (one event loop; no locking needed)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.held: dict[str, int] = {}

    def full(self, client: str) -> bool:
        """Whether ``client`` already holds its ``limit`` slots."""
        return self.held.get(client, 0) >= self.limit

    @contextmanager
    def hold(self, client: str):
        """Hold one of ``client``'s slots for the ``with`` block."""
        self.held[client] = self.held.get(client, 0) + 1
        try:
            yield
        finally:
            left = self.held[client] - 1
            if left:
                self.held[client] = left
            else:
                del self.held[client]
