"""The local executor (:class:`LocalPool`): a pool of fresh (spawned) worker processes on this machine.

* Each worker runs ``load()`` once; its result is the ``state`` every ``work(item, state)`` there gets. A worker
  keeps freed memory and uses one BLAS thread. The caller's ``prepare()`` runs here before the first pool starts.
* At most ``2 * jobs`` items are in flight, so results stream and a broken pool holds few items.
* A worker that dies (killed, out of memory, a crashing decoder) breaks its pool. The items the pool was holding
  run again, each alone in a fresh pool. Only an item that kills its worker alone gets ``lost(item,
  CRASH_REASON)``.
* With a time limit per item, each worker reports when it starts an item. An item past the limit gets its worker
  killed (SIGKILL) and ``lost(item, overtime_reason(limit))``; the items the other workers held run again.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from musicgenre.executors.base import CRASH_REASON, Executor, Load, Lost, Prepare, Work
from musicgenre.executors.serial import Serial, overtime_reason
from musicgenre.runtime import keep_freed_memory

#: How often the parent looks at the clock when items have a time limit (s).
TICK_S = 0.25

_worker_work: Callable[[Any, Any], Any] | None = None
_worker_state: Any = None
_worker_starts: Any = None  # a queue of (index, pid, monotonic time) when an item begins; None without a limit


def _init_worker(work: Callable[[Any, Any], Any], load: Callable[[], Any] | None, starts: Any) -> None:
    global _worker_work, _worker_state, _worker_starts
    keep_freed_memory()
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)  # the pool already uses the cores
    except ImportError:
        pass
    _worker_work, _worker_starts = work, starts
    _worker_state = load() if load is not None else None


def _run_item(index: int, item: Any) -> Any:
    assert _worker_work is not None, "the pool's initializer sets it first"
    if _worker_starts is not None:
        _worker_starts.put((index, os.getpid(), time.monotonic()))
    return _worker_work(item, _worker_state)


def _overdue(starts: Any, begun: dict[int, tuple[int, float]], running: set[int], limit: float):
    """Record the starts reported so far; the first running item past ``limit`` seconds and its worker's pid."""
    while True:
        try:
            index, pid, at = starts.get_nowait()
        except queue.Empty:
            break
        begun[index] = (pid, at)
    now = time.monotonic()
    for index in running:
        if index in begun and now - begun[index][1] > limit:
            return index, begun[index][0]
    return None


class LocalPool(Executor):
    """Items on ``jobs`` spawned worker processes of this machine (one item, or ``jobs <= 1``: in this process, as
    :class:`~musicgenre.executors.serial.Serial` runs them), with an optional time limit per item.

    ``work``, ``lost``'s items and ``load`` must be picklable (module-level functions, ``functools.partial``)."""

    remote = False

    def __init__(self, jobs: int, time_limit_s: float | None = None):
        self.jobs = max(1, jobs)
        self.time_limit_s = time_limit_s or None

    def in_process(self, n_items: int) -> bool:
        return self.jobs <= 1 or n_items <= 1

    def _run(self, items: Sequence[Any], work: Work, lost: Lost, load: Load, prepare: Prepare) -> Iterator[Any]:
        if self.in_process(len(items)):
            yield from Serial(self.time_limit_s).run(items, work, lost, load=load)
            return
        if prepare is not None:
            prepare()  # before the workers: e.g. their first concurrent numba compiles could corrupt its cache
        jobs = min(self.jobs, len(items))
        pending = list(reversed(range(len(items))))  # pop() takes the next item in order
        suspects: list[int] = []  # items a pool was holding when a worker died
        while pending:
            yield from self._pass(items, pending, suspects, work, lost, load, jobs)
        for index in sorted(suspects):  # each alone, so a crash is pinned on the item that caused it
            crashed: list[int] = []
            yield from self._pass(items, [index], crashed, work, lost, load, 1)
            if crashed:
                yield items[index], lost(items[index], CRASH_REASON)

    def _pass(self, items, pending: list[int], suspects: list[int], work, lost, load, jobs: int) -> Iterator:
        """Run items popped from ``pending`` in one pool until done or the pool breaks (then the items it held go to
        ``suspects``, or with a worker killed at the time limit, back to ``pending``)."""
        context = multiprocessing.get_context("spawn")  # no fork of a process holding onnxruntime or torch threads
        limit = self.time_limit_s
        starts = context.Queue() if limit else None
        with ProcessPoolExecutor(
            max_workers=jobs, mp_context=context, initializer=_init_worker, initargs=(work, load, starts)
        ) as pool:
            running: dict[Future, int] = {}
            begun: dict[int, tuple[int, float]] = {}
            stopped: int | None = None  # the item whose worker was killed for running past the limit
            while pending or running:
                while pending and len(running) < 2 * jobs:  # a short queue: results stream, memory stays flat
                    index = pending.pop()
                    running[pool.submit(_run_item, index, items[index])] = index
                done, _ = wait(running, timeout=TICK_S if limit else None, return_when=FIRST_COMPLETED)
                if starts is not None and limit is not None and stopped is None:
                    late = _overdue(starts, begun, set(running.values()) - {running[f] for f in done}, limit)
                    if late:
                        stopped = late[0]
                        os.kill(late[1], signal.SIGKILL)
                broken = False
                for future in done:
                    index = running.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        broken = True
                        yield from self._settle(items, index, stopped, suspects, pending, lost)
                        continue
                    yield items[index], result
                if broken or stopped is not None:
                    for index in running.values():
                        yield from self._settle(items, index, stopped, suspects, pending, lost)
                    return

    def _settle(self, items, index: int, stopped: int | None, suspects: list[int], pending: list[int], lost):
        """An item a broken pool held: stopped at the limit (its lost row), innocent of a kill at the limit (run
        again), else a suspect."""
        if index == stopped:
            yield items[index], lost(items[index], overtime_reason(self.time_limit_s))
        elif stopped is None:
            suspects.append(index)
        else:
            pending.append(index)

    def __repr__(self) -> str:
        return f"LocalPool({self.jobs}, time_limit_s={self.time_limit_s!r})"
