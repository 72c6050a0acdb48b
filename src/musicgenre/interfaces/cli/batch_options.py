"""Options and helpers the batch commands share (``predict``, ``label``, ``features``, ``embed``): one definition
each, so the same flag means the same thing everywhere."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable)

#: With ``-j 0`` a pool of worker processes starts from this many files on: starting workers (imports, model,
#: numba warm-up) costs seconds, which a handful of clips never wins back (figures: docs/benchmarks.md).
AUTO_POOL_FILES = 16


def jobs_option(f: F) -> F:
    """``-j/--jobs N`` (0: one per core from :data:`AUTO_POOL_FILES` files on); see :func:`pick_jobs`."""
    return click.option(
        "-j",
        "--jobs",
        type=click.IntRange(min=0),
        default=0,
        show_default=True,
        help=f"Worker processes (0: one per core from {AUTO_POOL_FILES} files on, below that this process).",
    )(f)


def pick_jobs(jobs: int, n_files: int) -> int:
    """The worker processes ``-j`` asks for: ``jobs``, or for 0 every core when there are enough files, else 1."""
    from musicgenre.executors.base import default_jobs

    if jobs:
        return jobs
    return default_jobs() if n_files >= AUTO_POOL_FILES else 1


def timeout_option(f: F) -> F:
    """``--timeout SECONDS`` per file (0: none), as ``timeout_s``."""
    return click.option(
        "--timeout",
        "timeout_s",
        type=click.FloatRange(min=0),
        default=600.0,
        show_default=True,
        help="Most seconds one file may take; a file past it gets an error row and the run goes on (0: no limit).",
    )(f)


def cluster_option(note: str) -> Callable[[F], F]:
    """``--cluster ADDRESS|local:N`` (default from ``MUSICGENRE_CLUSTER``); ``note`` ends its help."""
    return click.option(
        "--cluster",
        "cluster",
        metavar="ADDRESS|local:N",
        envvar="MUSICGENRE_CLUSTER",
        default=None,
        help="Run on a Dask cluster: a scheduler address (tcp://host:8786) or local:N worker processes here "
        f"[env MUSICGENRE_CLUSTER]; needs musicgenre[cluster]. {note}",
    )


def progress_option(f: F) -> F:
    """``--progress/--no-progress`` (None: a bar when stderr is a terminal)."""
    return click.option(
        "--progress/--no-progress", default=None, help="Progress bar on stderr (default: when stderr is a terminal)."
    )(f)


def progress_bar(total: int, enabled: bool):
    """A tqdm bar of ``total`` files on stderr (a no-op bar when not ``enabled``); cleared when closed."""
    from tqdm import tqdm

    return tqdm(total=total, disable=not enabled, file=sys.stderr, unit="file", dynamic_ncols=True, leave=False)
