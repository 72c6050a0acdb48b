"""What the server is told at start: where to bind, which model, how much it accepts, how many workers."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path

#: Bytes allowed on top of the file in a multipart body (boundaries, part headers, small fields).
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address to bind, or a name in a ``Host`` header) is this machine only: ``localhost``,
    a name under ``.localhost`` (browsers resolve those to loopback themselves), or a loopback address."""
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def default_workers() -> int:
    """One analysis worker per CPU core, at most four."""
    return max(1, min(4, os.cpu_count() or 1))


@dataclass(frozen=True)
class WebSettings:
    """Configuration of the web app (``musicgenre serve`` options map one to one).

    ``model_path``: a shipped model's name or an ONNX model file (None: the shipped default). ``max_upload_bytes``:
    largest audio file accepted. ``workers``: size of the analysis pool. ``pool``: ``"process"`` (default: real
    parallelism, a crashing decoder cannot take the server down) or ``"thread"``. ``time_limit_s``: per request,
    from the first byte of the upload to the answer. ``max_pending``: analyses running or queued at once; more are
    refused with 503. ``tmp_dir``: where uploads are spooled (None: a private folder made at start and removed at
    stop).

    Slow or hostile clients: ``upload_timeout_s`` is each upload's deadline for its whole body (then 408), so a slow
    body cannot hold a slot for the whole time limit; ``header_timeout_s`` is each request's deadline for its request
    line and headers (then 408 and the connection is closed); ``max_uploads_per_client``: uploads one client address
    may have in progress at once (more get 429). While ``host`` is a loopback address only loopback ``Host`` names
    and ``allowed_hosts`` are served (400 otherwise), so a web page cannot reach the server through DNS rebinding.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    model_path: str | Path | None = None
    max_upload_bytes: int = 50 * 1024 * 1024
    workers: int = field(default_factory=default_workers)
    pool: str = "process"
    time_limit_s: float = 60.0
    max_pending: int = 64
    tmp_dir: Path | None = None
    upload_timeout_s: float = 30.0
    header_timeout_s: float = 10.0
    max_uploads_per_client: int = 4
    allowed_hosts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.max_upload_bytes <= 0:
            raise ValueError(f"max_upload_bytes must be > 0 (got {self.max_upload_bytes})")
        if self.workers < 1:
            raise ValueError(f"workers must be >= 1 (got {self.workers})")
        if self.pool not in ("process", "thread"):
            raise ValueError(f"pool must be 'process' or 'thread' (got {self.pool!r})")
        if self.time_limit_s <= 0:
            raise ValueError(f"time_limit_s must be > 0 (got {self.time_limit_s})")
        if self.max_pending < 1:
            raise ValueError(f"max_pending must be >= 1 (got {self.max_pending})")
        for name in ("upload_timeout_s", "header_timeout_s"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be > 0 (got {getattr(self, name)})")
        if self.max_uploads_per_client < 1:
            raise ValueError(f"max_uploads_per_client must be >= 1 (got {self.max_uploads_per_client})")
        object.__setattr__(self, "allowed_hosts", tuple(self.allowed_hosts))

    @property
    def checks_host(self) -> bool:
        """Whether ``Host`` headers are checked: the server is bound to a loopback address."""
        return is_loopback(self.host)

    @property
    def max_body_bytes(self) -> int:
        """Largest request body accepted: the file plus multipart framing."""
        return self.max_upload_bytes + MULTIPART_OVERHEAD_BYTES
