"""What every executor is (:class:`Executor`); see :mod:`musicgenre.executors`."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

#: The error row of a file that killed every worker process that read it (a process pool's or a cluster's).
CRASH_REASON = "the worker process crashed while reading this file"


def default_jobs() -> int:
    """How many worker processes a batch uses by default (``-j 0`` / no ``--jobs``): the cores this process may
    use (its CPU affinity where the system has one, else every core)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


T = TypeVar("T")
R = TypeVar("R")

#: ``work(item, state)``: one item's result (a failing item is a result, not an exception).
Work = Callable[[Any, Any], Any]
#: ``lost(item, reason)``: the result of an item that killed its worker or ran past its time limit.
Lost = Callable[[Any, str], Any]
#: ``load()``: the state every ``work`` of one worker gets, made there once.
Load = Callable[[], Any] | None
#: ``prepare()``: readies a machine before several processes work at once.
Prepare = Callable[[], object] | None


class Executor(ABC):
    """Where a batch's items run."""

    #: Whether workers may be other machines: a path the client sees may be missing there, and what is cached is
    #: cached by the caller, on the client.
    remote: bool = False
    #: The most seconds one item may take (None: no limit).
    time_limit_s: float | None = None

    def in_process(self, n_items: int) -> bool:
        """Whether ``n_items`` items run in this process (``load``'s result and ``work`` are then not pickled)."""
        return False

    def run(
        self,
        items: Sequence[T],
        work: Callable[[T, Any], R],
        lost: Callable[[T, str], R],
        *,
        load: Callable[[], Any] | None = None,
        prepare: Callable[[], object] | None = None,
    ) -> Iterator[tuple[T, R]]:
        """Yield ``(item, result)`` for every item, in the order they finish (see :mod:`musicgenre.executors`)."""
        return self._run(items, work, lost, load, prepare)

    @abstractmethod
    def _run(self, items: Sequence[Any], work: Work, lost: Lost, load: Load, prepare: Prepare) -> Iterator[Any]: ...
