"""The worker plugin that prepares each Dask worker once per run; importing it imports ``distributed``."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin


class WorkerSetup(WorkerPlugin):
    """A worker plugin: once per worker process, keeps freed memory, limits BLAS to one thread, runs the caller's
    ``prepare()`` and keeps ``load()``'s result as ``state``.

    Registered under a name unique to one run; tasks find it with :func:`worker_state`.
    """

    def __init__(self, load: Callable[[], Any] | None = None, prepare: Callable[[], object] | None = None):
        self.name = f"musicgenre-{uuid.uuid4().hex[:12]}"
        self.load = load
        self.prepare = prepare
        self.state: Any = None

    def setup(self, worker=None) -> None:
        from musicgenre.runtime import keep_freed_memory

        keep_freed_memory()
        try:
            from threadpoolctl import threadpool_limits

            threadpool_limits(1)
        except ImportError:
            pass
        if self.prepare is not None:
            self.prepare()
        self.state = self.load() if self.load is not None else None

    def teardown(self, worker=None) -> None:
        self.state = None
