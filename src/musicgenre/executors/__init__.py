"""Executors: where a batch's items run, chosen by the caller and passed down to the batch runners.

Every executor has one shape (:class:`Executor`): ``run(items, work, lost, *, load=None, prepare=None)`` yields
``(item, result)`` for every item, in the order they finish, where

- ``work(item, state)`` computes one item's result (it must turn a failing item into a result, not raise), with
  the ``state`` that ``load()`` made once where it runs (a model, a configuration; None without ``load``);
- ``lost(item, reason)`` is the result of an item that killed its worker or ran past its time limit (``reason``:
  one line, :data:`musicgenre.executors.base.CRASH_REASON` or :func:`~musicgenre.executors.serial.overtime_reason`);
- ``prepare()`` readies a machine before several processes work at once (numba's cache).

:class:`~musicgenre.executors.serial.Serial` runs in this process, :class:`~musicgenre.executors.local.LocalPool`
on a pool of worker processes here, :class:`~musicgenre.executors.dask.DaskExecutor` on a Dask cluster;
:func:`executor_for` picks one from ``-j`` / ``--cluster`` / ``--timeout``. Importing this package imports neither
a process pool nor distributed.
"""

from __future__ import annotations

from musicgenre.executors.base import Executor
from musicgenre.executors.dask import CLUSTER_ENV, ClusterError, DaskExecutor
from musicgenre.executors.local import LocalPool
from musicgenre.executors.serial import Serial, overtime_reason

__all__ = [
    "CLUSTER_ENV",
    "ClusterError",
    "DaskExecutor",
    "Executor",
    "LocalPool",
    "Serial",
    "executor_for",
    "overtime_reason",
]


def executor_for(jobs: int, cluster: str | None = None, time_limit_s: float | None = None) -> Executor:
    """The executor ``-j jobs`` / ``--cluster`` / ``--timeout`` ask for: the Dask cluster ``cluster`` when given
    (a scheduler address or ``local:N``; it has no time limit), else ``jobs`` worker processes here, else (``jobs
    <= 1``) this process."""
    if cluster:
        return DaskExecutor(cluster)
    if jobs > 1:
        return LocalPool(jobs, time_limit_s)
    return Serial(time_limit_s)
