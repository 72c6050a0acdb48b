"""How many worker processes a batch uses by default (``-j 0`` / no ``--jobs``)."""

from __future__ import annotations

import os


def default_jobs() -> int:
    """The cores this process may use (its CPU affinity where the system has one, else every core)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


#: The error row of a file that killed every worker process that read it (a process pool's or a cluster's).
CRASH_REASON = "the worker process crashed while reading this file"
