"""Run batches on a Dask cluster: one more executor behind the same result stream as the process pool.

``--cluster ADDRESS`` (``tcp://host:8786``) joins an existing scheduler; ``local:N`` starts a ``LocalCluster`` of
N worker processes (one thread each) on this machine; ``MUSICGENRE_CLUSTER`` gives the default. Needs the
``cluster`` extra (``dask[distributed]``) here and on every worker.

- What every task needs (a model, a configuration) reaches each worker once, in a :class:`WorkerSetup` plugin
  that also keeps freed memory, limits BLAS to one thread and warms numba's cache once per machine.
- Tasks are batches of files (``chunk_size``), at most ``2 * workers`` in flight, so results stream and the
  client's memory stays flat.
- A worker that dies loses nothing: its tasks run again elsewhere; a batch that kills workers more often than
  the scheduler allows (``KilledWorker``) is split into single files; a single file that still kills them runs
  again at the end, alone on the cluster, and if it kills its workers then too it gets the caller's error row.
  Results are kept once per file.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

#: The environment variable that gives ``--cluster`` its default.
CLUSTER_ENV = "MUSICGENRE_CLUSTER"
#: Seconds to reach a scheduler (and for a first worker to join it) before giving up with one line.
CONNECT_TIMEOUT_S = 10.0
#: Worker deaths a task may see before the scheduler gives up on it (``KilledWorker``), for clusters we start.
ALLOWED_FAILURES = 1

try:  # the plugin's base class; without distributed, nothing here is used (connect() says what to install)
    from distributed.diagnostics.plugin import WorkerPlugin as _PluginBase
except ImportError:  # pragma: no cover - the cluster extra is missing
    _PluginBase = object  # type: ignore[misc,assignment]  # a stand-in base when distributed is absent

T = TypeVar("T")
R = TypeVar("R")


class ClusterError(RuntimeError):
    """The cluster cannot be used (not installed, bad address, unreachable scheduler); ``str()`` is one line."""


def _distributed():
    try:
        import distributed
    except ImportError:
        raise ClusterError("--cluster needs dask.distributed: pip install 'musicgenre[cluster]'") from None
    return distributed


@contextlib.contextmanager
def connect(spec: str) -> Iterator[Any]:
    """A ``distributed.Client`` for ``spec`` (``local:N`` or a scheduler address), closed (and a local cluster
    stopped) on exit. Raises :class:`ClusterError` with one line when it cannot connect."""
    distributed = _distributed()
    import dask

    spec = spec.strip()
    if spec.startswith("local:"):
        try:
            n = int(spec.partition(":")[2])
            if n < 1:
                raise ValueError
        except ValueError:
            raise ClusterError(f"--cluster {spec}: local:N needs a worker count N >= 1") from None
        from musicgenre.features.warmup import warm_numba_cache_once

        warm_numba_cache_once()  # before the workers: their first concurrent compiles could corrupt numba's cache
        with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}):
            cluster = distributed.LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=logging.CRITICAL,
            )
        try:
            with distributed.Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    if "://" not in spec:
        raise ClusterError(f"--cluster {spec}: give a scheduler address (tcp://host:8786) or local:N")
    try:
        client = distributed.Client(spec, timeout=f"{CONNECT_TIMEOUT_S}s")
    except (OSError, TimeoutError, ValueError) as error:
        reason = " ".join(str(error).split())[:200] or type(error).__name__
        raise ClusterError(
            f"cannot reach the Dask scheduler at {spec} within {CONNECT_TIMEOUT_S:g} s ({reason})"
        ) from None
    try:
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
        except TimeoutError:
            raise ClusterError(
                f"no worker joined the Dask scheduler at {spec} within {CONNECT_TIMEOUT_S:g} s"
            ) from None
        yield client
    finally:
        client.close()


class WorkerSetup(_PluginBase):
    """A worker plugin: once per worker process, prepares it and keeps ``load()``'s result as ``state``.

    Registered under a name unique to one run; tasks find it with :func:`worker_state`.
    """

    def __init__(self, load: Callable[[], Any] | None = None):
        self.name = f"musicgenre-{uuid.uuid4().hex[:12]}"
        self.load = load
        self.state: Any = None

    def setup(self, worker=None) -> None:
        from musicgenre.features.warmup import warm_numba_cache_once
        from musicgenre.runtime import keep_freed_memory

        keep_freed_memory()
        try:
            from threadpoolctl import threadpool_limits

            threadpool_limits(1)
        except ImportError:
            pass
        warm_numba_cache_once()
        self.state = self.load() if self.load is not None else None

    def teardown(self, worker=None) -> None:
        self.state = None


def worker_state(name: str) -> Any:
    """The ``state`` of the :class:`WorkerSetup` called ``name`` on the worker running this task."""
    from distributed import get_worker

    setup = get_worker().plugins[name]
    assert isinstance(setup, WorkerSetup), f"{name} is a musicgenre WorkerSetup"
    return setup.state


def worker_host() -> str:
    """The host name of the worker running this task (for error rows)."""
    import socket

    return socket.gethostname()


def chunk_size(n_files: int, workers: int) -> int:
    """Files per task: enough tasks to keep every worker busy (4 per worker), never more than 64 files."""
    return max(1, min(64, n_files // (max(workers, 1) * 4)))


def run_on_cluster(
    spec: str,
    items: Sequence[T],
    task: Callable[[list[T], str], list[R]],
    lost: Callable[[T, str], R],
    load: Callable[[], Any] | None = None,
) -> Iterator[tuple[T, R]]:
    """Yield ``(item, result)`` for every item, in the order they finish, computed on the cluster ``spec``.

    ``task(batch, plugin_name)`` runs on a worker and returns one result per item of ``batch`` (it must turn a
    failing item into a result, not raise); ``load()`` runs once per worker (its result: ``worker_state``);
    ``lost(item, reason)`` is the result of an item that killed every worker that tried it alone.
    """
    if not items:
        return
    distributed = _distributed()
    with connect(spec) as client:
        setup = WorkerSetup(load)
        try:
            client.register_plugin(setup, name=setup.name)
        except Exception as error:
            raise ClusterError(f"the workers could not prepare: {type(error).__name__}: {error}"[:300]) from None
        try:
            yield from _stream(client, distributed, items, task, lost, setup.name)
        finally:
            with contextlib.suppress(Exception):
                client.unregister_worker_plugin(setup.name)


def _stream(client, distributed, items, task, lost, plugin: str):
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    size = chunk_size(len(items), workers)
    batches: deque[list[int]] = deque(list(range(i, min(i + size, len(items)))) for i in range(0, len(items), size))
    window = 2 * workers
    running: dict[Any, list[int]] = {}
    done: set[int] = set()
    finished = distributed.as_completed()

    def submit(batch: list[int]) -> None:
        future = client.submit(task, [items[i] for i in batch], plugin, pure=False, key=f"{plugin}-{uuid.uuid4().hex}")
        running[future] = batch
        finished.add(future)

    while batches and len(running) < window:
        submit(batches.popleft())
    suspects: deque[int] = deque()  # single files a worker died holding: each runs again alone on the cluster
    alone: int | None = None  # the suspect running with nothing else

    def refill() -> None:
        nonlocal alone
        while batches and len(running) < window:
            submit(batches.popleft())
        if not running and suspects:
            alone = suspects.popleft()
            submit([alone])

    for future in finished:
        batch = running.pop(future)
        try:
            outcomes = future.result()
        except Exception as error:  # KilledWorker, or the cluster lost the task
            if len(batch) > 1:
                batches.extendleft([i] for i in reversed(batch))  # each alone, so a crash is pinned on its file
            elif batch[0] == alone and batch[0] not in done:  # it killed workers with nothing else running
                done.add(batch[0])
                yield items[batch[0]], lost(items[batch[0]], type(error).__name__)
            elif batch[0] not in done:
                suspects.append(batch[0])
        else:
            for i, outcome in zip(batch, outcomes, strict=True):
                if i not in done:  # once per item, whatever ran twice
                    done.add(i)
                    yield items[i], outcome
        future.release()
        refill()
