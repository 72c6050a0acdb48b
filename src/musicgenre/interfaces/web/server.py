"""How the app is served: uvicorn's HTTP/1.1 protocol (h11) with a deadline for each request's headers.

uvicorn closes idle keep-alive connections, but a client that sends its request line and headers a byte at a time
keeps a connection open for as long as it likes. :func:`header_deadline_protocol` makes a protocol class that
gives each request ``header_timeout_s`` from the moment the server waits for it (connection made, or the previous
answer sent) to its last header byte; past that the client gets 408 (if it sent anything) and the connection is
closed. Trickling does not move the deadline.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from musicgenre.interfaces.web.settings import WebSettings

_TIMEOUT_TEXT = b"the request's headers took too long"
_TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(_TIMEOUT_TEXT), _TIMEOUT_TEXT)
)


class _HeaderDeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for the headers of every request (``header_timeout_s``, seconds)."""

    header_timeout_s = 10.0
    _header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._follow_state()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._follow_state()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._follow_state()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _follow_state(self) -> None:
        """Arm the deadline while the server waits for a request's headers (once per request); else disarm it."""
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            self._disarm()
        elif self._header_deadline is None:
            self._header_deadline = self.loop.call_later(self.header_timeout_s, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_too_slow(self) -> None:
        """The deadline passed with the headers unfinished: 408 when part of a request came, then close."""
        self._header_deadline = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        if self.conn.trailing_data[0]:
            self.transport.write(_TIMEOUT_RESPONSE)
        self.transport.close()


def header_deadline_protocol(header_timeout_s: float) -> type[H11Protocol]:
    """An h11 protocol class for uvicorn whose requests must finish their headers within ``header_timeout_s``."""
    return type("HeaderDeadlineProtocol", (_HeaderDeadlineProtocol,), {"header_timeout_s": float(header_timeout_s)})


def server_config(app: Any, settings: WebSettings, log_level: str = "info") -> uvicorn.Config:
    """uvicorn's configuration for serving ``app`` as ``settings`` say (h11 with the header deadline)."""
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=log_level,
        http=header_deadline_protocol(settings.header_timeout_s),
    )


def bind_socket(host: str, port: int = 0) -> socket.socket:
    """A TCP socket bound to ``host``:``port`` (0: a free port), not yet listening. Raises OSError."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    listening = socket.socket(family, kind, proto)
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind(address)
    except OSError:
        listening.close()
        raise
    return listening
