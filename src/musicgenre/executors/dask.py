"""The Dask executor (:class:`DaskExecutor`): items run on a Dask cluster, behind the same result stream as the
process pool.

``--cluster ADDRESS`` (``tcp://host:8786``) joins an existing scheduler; ``local:N`` starts a ``LocalCluster`` of
N worker processes (one thread each) on this machine; ``MUSICGENRE_CLUSTER`` gives the default. Needs the
``cluster`` extra (``dask[distributed]``) here and on every worker.

- What every task needs (a model, a configuration) reaches each worker once, in a worker plugin
  (:class:`musicgenre.executors.plugin.WorkerSetup`) that also keeps freed memory, limits BLAS to one thread and
  runs the caller's ``prepare`` (the batch runners pass numba's cache warm-up, once per machine). Importing this
  module costs nothing: distributed is imported only when a cluster is used.
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
import os
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any, TypeVar

from musicgenre.executors.base import CRASH_REASON, Executor, Load, Lost, Prepare, Work

#: The environment variable that gives ``--cluster`` its default.
CLUSTER_ENV = "MUSICGENRE_CLUSTER"
#: Seconds to reach a scheduler (and for a first worker to join it) before giving up with one line.
CONNECT_TIMEOUT_S = 10.0
#: Worker deaths a task may see before the scheduler gives up on it (``KilledWorker``), for clusters we start.
ALLOWED_FAILURES = 1

T = TypeVar("T")
R = TypeVar("R")
P = TypeVar("P", bound="str | os.PathLike")


class ClusterError(RuntimeError):
    """The cluster cannot be used (not installed, bad address, unreachable scheduler); ``str()`` is one line."""


def _distributed():
    try:
        import distributed
    except ImportError:
        raise ClusterError("--cluster needs dask.distributed: pip install 'musicgenre[cluster]'") from None
    return distributed


@contextlib.contextmanager
def connect(spec: str, prepare: Callable[[], object] | None = None) -> Iterator[Any]:
    """A ``distributed.Client`` for ``spec`` (``local:N`` or a scheduler address), closed (and a local cluster
    stopped) on exit; ``prepare()`` runs here before a local cluster's workers start. Raises :class:`ClusterError`
    with one line when it cannot connect."""
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
        if prepare is not None:
            prepare()  # before the workers: e.g. their first concurrent numba compiles could corrupt its cache
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


def worker_state(name: str) -> Any:
    """The ``state`` of the :class:`WorkerSetup` called ``name`` on the worker running this task."""
    from distributed import get_worker

    from musicgenre.executors.plugin import WorkerSetup

    setup = get_worker().plugins[name]
    assert isinstance(setup, WorkerSetup), f"{name} is a musicgenre WorkerSetup"
    return setup.state


def worker_host() -> str:
    """The host name of the worker running this task (for error rows)."""
    import socket

    return socket.gethostname()


def unseen_path_reason(path: str | os.PathLike) -> str | None:
    """On a worker: why a file failed when its path does not exist there (it exists only on the client), else
    None (the file's own error stands)."""
    from musicgenre.audio.remote import is_url

    if is_url(path) or os.path.lexists(path):
        return None
    return (
        f"no such file on the worker ({worker_host()}): every worker must reach the path "
        "(a shared folder, or a URL such as s3://…)"
    )


def checked_on_worker(path: P, outcome: R, failed: bool, failure: Callable[[P, str], R]) -> R:
    """On a worker: ``outcome`` of ``path``, except that a failed outcome for a path this worker cannot see becomes
    ``failure(path, reason)`` saying so (:func:`unseen_path_reason`)."""
    unseen = unseen_path_reason(path) if failed else None
    return failure(path, unseen) if unseen else outcome


def chunk_size(n_files: int, workers: int) -> int:
    """Files per task: enough tasks to keep every worker busy (4 per worker), never more than 64 files."""
    return max(1, min(64, n_files // (max(workers, 1) * 4)))


def run_on_cluster(
    spec: str,
    items: Sequence[T],
    task: Callable[[list[T], str], list[R]],
    lost: Callable[[T, str], R],
    load: Callable[[], Any] | None = None,
    prepare: Callable[[], object] | None = None,
) -> Iterator[tuple[T, R]]:
    """Yield ``(item, result)`` for every item, in the order they finish, computed on the cluster ``spec``.

    ``task(batch, plugin_name)`` runs on a worker and returns one result per item of ``batch`` (it must turn a
    failing item into a result, not raise); ``prepare()`` then ``load()`` run once per worker (``load``'s result:
    ``worker_state``), ``prepare()`` also here before a local cluster starts;
    ``lost(item, reason)`` is the result of an item that killed every worker that tried it alone (``reason``:
    :data:`musicgenre.executors.base.CRASH_REASON`).
    """
    if not items:
        return
    distributed = _distributed()
    from musicgenre.executors.plugin import WorkerSetup

    with connect(spec, prepare) as client:
        setup = WorkerSetup(load, prepare)
        _register(client, setup)
        try:
            yield from _stream(client, distributed, items, task, lost, setup.name)
        finally:
            with contextlib.suppress(Exception):
                client.unregister_worker_plugin(setup.name)


#: Times the worker plugin is sent again when a worker dies while preparing (the others keep it).
REGISTER_TRIES = 3


def _register(client, setup) -> None:
    """Register the worker plugin; a worker that dies meanwhile (its connection closes) is no reason to give
    up: send it again once a worker is there. Any other failure (the plugin raising) is a ClusterError."""
    from distributed.comm.core import CommClosedError

    for attempt in range(1, REGISTER_TRIES + 1):
        try:
            client.register_plugin(setup, name=setup.name)
            return
        except (CommClosedError, OSError) as error:
            if attempt == REGISTER_TRIES:
                raise ClusterError(f"the workers could not prepare: {type(error).__name__}: {error}"[:300]) from None
            with contextlib.suppress(Exception):
                client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
        except Exception as error:
            raise ClusterError(f"the workers could not prepare: {type(error).__name__}: {error}"[:300]) from None


def _stream(client, distributed, items, task, lost, plugin: str):
    """Yield ``(item, result)`` once per item as batches finish on ``client``'s cluster, at most ``2 * workers``
    batches in flight; a batch that fails is retried file by file, and a file that still fails alone gets ``lost``."""
    run = _Batches(client, items, task, plugin)
    watch = _WorkerWatch(client)
    run.refill()
    while run.running:
        try:  # polled, not waited on for good: a cluster whose workers are all gone must not hang the run
            distributed.wait(list(run.running), timeout=POLL_S, return_when="FIRST_COMPLETED")
        except distributed.TimeoutError:  # asyncio's, which before Python 3.11 is not the builtin one
            watch.check(len(run.done), len(items))
            continue
        for future in [f for f in run.running if f.done()]:
            yield from run.settle(future, lost)
        run.refill()


class _Batches:
    """The bookkeeping of one :func:`_stream`: batches (lists of item indices) waiting, running and done."""

    def __init__(self, client, items, task, plugin: str):
        self.client, self.items, self.task, self.plugin = client, items, task, plugin
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        size = chunk_size(len(items), workers)
        self.batches: deque[list[int]] = deque(
            list(range(i, min(i + size, len(items)))) for i in range(0, len(items), size)
        )
        self.window = 2 * workers
        self.running: dict[Any, list[int]] = {}
        self.done: set[int] = set()
        self.suspects: deque[int] = deque()  # single files a worker died holding: each runs again alone on the cluster
        self.alone: int | None = None  # the suspect running with nothing else

    def submit(self, batch: list[int]) -> None:
        key = f"{self.plugin}-{uuid.uuid4().hex}"
        future = self.client.submit(self.task, [self.items[i] for i in batch], self.plugin, pure=False, key=key)
        self.running[future] = batch

    def refill(self) -> None:
        """Submit waiting batches up to the window; when nothing runs any more, one suspect alone."""
        while self.batches and len(self.running) < self.window:
            self.submit(self.batches.popleft())
        if not self.running and self.suspects:
            self.alone = self.suspects.popleft()
            self.submit([self.alone])

    def settle(self, future, lost) -> Iterator[tuple[Any, Any]]:
        """Yield ``(item, result)`` for the items of a finished ``future`` not yet done, or requeue a failed batch."""
        batch = self.running.pop(future)
        try:
            outcomes = future.result()
        except Exception:  # KilledWorker, or the cluster lost the task
            yield from self._failed(batch, lost)
        else:
            for i, outcome in zip(batch, outcomes, strict=True):
                if i not in self.done:  # once per item, whatever ran twice
                    self.done.add(i)
                    yield self.items[i], outcome
        future.release()

    def _failed(self, batch: list[int], lost) -> Iterator[tuple[Any, Any]]:
        if len(batch) > 1:
            self.batches.extendleft([i] for i in reversed(batch))  # each alone, so a crash is pinned on its file
        elif batch[0] == self.alone and batch[0] not in self.done:  # it killed workers with nothing else running
            self.done.add(batch[0])
            yield self.items[batch[0]], lost(self.items[batch[0]], CRASH_REASON)
        elif batch[0] not in self.done:
            self.suspects.append(batch[0])


#: Seconds between looks at the cluster while no task finishes.
POLL_S = 2.0
#: Seconds a cluster may have no worker at all before the run gives up (what is done is already written).
NO_WORKER_LIMIT_S = 60.0


class _WorkerWatch:
    """Raises :class:`ClusterError` once the cluster has had no worker for ``NO_WORKER_LIMIT_S`` seconds."""

    def __init__(self, client):
        self.client = client
        self.since: float | None = None

    def check(self, n_done: int, n_items: int) -> None:
        if self.client.nthreads():
            self.since = None
            return
        now = time.monotonic()
        self.since = self.since if self.since is not None else now
        if now - self.since > NO_WORKER_LIMIT_S:
            raise ClusterError(
                f"the cluster has had no worker for {NO_WORKER_LIMIT_S:g} s (they stopped and none joined); "
                f"{n_done} of {n_items} files were done and written: start workers and run again with --resume"
            )


def _each(work: Callable[[T, Any], R], batch: list[T], plugin: str) -> list[R]:
    """A task: ``work(item, state)`` for each item of a batch, with the state the worker's plugin loaded."""
    state = worker_state(plugin)
    return [work(item, state) for item in batch]


class DaskExecutor(Executor):
    """Items on the Dask cluster ``spec`` (``local:N`` or a scheduler address), in batches; no time limit.

    ``work`` runs on the workers, which may be other machines: a path the client sees may not be there
    (:func:`checked_on_worker`), and what is cached is cached by the caller, on the client."""

    remote = True

    def __init__(self, spec: str):
        self.spec = spec

    def _run(self, items: Sequence[Any], work: Work, lost: Lost, load: Load, prepare: Prepare) -> Iterator[Any]:
        return run_on_cluster(self.spec, items, partial(_each, work), lost, load, prepare)

    def __repr__(self) -> str:
        return f"DaskExecutor({self.spec!r})"
