"""Per-file outputs of a backbone over many audio files, the part every backbone shares: what a run returns
(:class:`EmbedRun` of :class:`TrackOutputs` and :class:`FileFailure`), writing them to the cache by file
content (:class:`musicgenre.audio.cache.ContentCache`, :func:`keep_outputs`), and the loop that reads the cache here
and hands the other files to an executor (:func:`run_files`). A backbone brings only its own ``work``: one file's
outputs, or a failure.

Cache layout: ``<cache_dir>/<folder>/<hash[:2]>/<sha256>.npz``, ``folder`` naming the network and the version of
its outputs (``MSD_musicnn-v2``, ``efficientat_mn04-v1``), so several backbones share one ``cache_dir``. Entries
are written atomically as each file finishes, so an interrupted run resumes where it stopped, and read as plain
arrays (a damaged entry, or one holding pickles, is a miss).

Importing this module imports neither torch nor onnxruntime.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from musicgenre.audio import AudioError, FileFailure, file_hash, find_inputs, is_url, local_copy
from musicgenre.audio.cache import ContentCache, settle_from_cache
from musicgenre.executors import Executor
from musicgenre.executors.base import CRASH_REASON

#: One file of a run: its index among the inputs, its path (or URL), its content hash (None: uncached, or a URL,
#: which is hashed where it is read).
Job = tuple[int, "Path | str", "str | None"]
#: The error row of a file that killed every worker process of this machine that embedded it.
DIED_REASON = "the worker process died while embedding this file"


@dataclass
class TrackOutputs:
    """Per-patch outputs of one file (``path``: a local path, or the URL it was read from), layer -> array."""

    path: Path | str
    arrays: dict[str, np.ndarray]  # layer -> (patches, width); also per-patch facts such as patch_starts_s
    cached: bool = False
    cache_error: str | None = None  # why the outputs could not be written to the cache (the run goes on)

    def patches(self, layer: str) -> np.ndarray:
        """``(patches, width)`` of ``layer``."""
        return self.arrays[layer]

    def track(self, layer: str) -> np.ndarray:
        """``(width,)``: mean of ``layer`` over the file's patches."""
        return self.arrays[layer].mean(axis=0)


@dataclass
class EmbedRun:
    tracks: list[TrackOutputs] = field(default_factory=list)
    failures: list[FileFailure] = field(default_factory=list)

    @property
    def n_cached(self) -> int:
        return sum(t.cached for t in self.tracks)

    @property
    def cache_errors(self) -> list[str]:
        """Distinct reasons outputs could not be cached."""
        return sorted({t.cache_error for t in self.tracks if t.cache_error})


def keep_outputs(cache: ContentCache, outputs: TrackOutputs, key: str) -> TrackOutputs:
    """``outputs`` written to ``cache`` as the entry of ``key``; a full disk or read-only cache costs the cache, not
    the result (the returned outputs say why in ``cache_error``)."""
    reason = cache.put(key, outputs.arrays)
    return outputs if reason is None else TrackOutputs(outputs.path, outputs.arrays, cache_error=reason)


def embed_one(
    path: str | Path,
    compute: Callable[[Path], dict[str, np.ndarray]],
    cache: ContentCache | None = None,
    key: str | None = None,
) -> TrackOutputs | FileFailure:
    """One file's outputs, ``compute(local_path)`` its arrays; any failure becomes a :class:`FileFailure` with a
    one-line reason. A URL is read through a temporary local copy (its cache key is that copy's content hash,
    looked up first). The outputs are written to ``cache`` under ``key`` when both are given."""
    if isinstance(path, str) and is_url(path):
        try:
            with local_copy(path) as local:
                if cache is not None and key is None:
                    key = file_hash(local)
                    hit = cache.get(key)
                    if hit is not None:
                        return TrackOutputs(path, hit, cached=True)
                outcome = embed_one(local, compute, cache, key)
        except AudioError as error:
            return FileFailure(path, error.reason)
        return replace(outcome, path=path)
    path = Path(path)
    try:
        arrays = compute(path)
    except AudioError as error:
        return FileFailure(path, error.reason)
    except Exception as error:  # keep the run going; say what broke
        return FileFailure(path, error_reason(error))
    if cache is not None and key is not None:
        return keep_outputs(cache, TrackOutputs(path, arrays), key)
    return TrackOutputs(path, arrays)


def lost_job(remote: bool, job: Job, reason: str) -> FileFailure:
    """The failure of a file whose worker died or ran out of time (an executor's ``lost``)."""
    return FileFailure(job[1], DIED_REASON if reason == CRASH_REASON and not remote else reason)


def error_reason(error: Exception) -> str:
    """One line naming an unexpected error: its type and the first 200 characters of its message."""
    return f"{type(error).__name__}: {' '.join(str(error).split())[:200]}"


def run_files(
    paths: Iterable[str | Path],
    cache: ContentCache | None,
    executor: Executor,
    work: Callable[[Job, Any], TrackOutputs | FileFailure],
    *,
    load: Callable[[], Any] | None = None,
    prepare: Callable[[], object] | None = None,
    progress: Callable[[int], object] | None = None,
    total: Callable[[int], object] | None = None,
) -> EmbedRun:
    """Per-patch outputs of every audio file named by ``paths`` (files, folders searched recursively, glob patterns,
    URLs: :func:`musicgenre.audio.find_inputs`; an input that names no audio is a failure).

    Files whose content is in ``cache`` are read here; ``executor`` runs ``work(job, state)`` on the rest, with
    ``load()``'s state where the work runs in other processes (None in this one) and ``prepare`` before they start.
    On a remote executor this process writes the cache (workers may be other machines); elsewhere ``work`` writes
    it. ``total(n)`` is called once, ``progress(1)`` after each file. Tracks keep the order of the inputs.
    """
    names, missing = find_inputs(paths)
    files: list[Path | str] = [name if is_url(name) else Path(name) for name in names]
    if total:
        total(len(files))
    lookup = None if cache is None else _cached_outputs(cache)
    results, todo = settle_from_cache(files, lookup, progress)

    remote = executor.remote
    for (i, _, key), outcome in executor.run(
        todo,
        work,
        partial(lost_job, remote),
        load=None if executor.in_process(len(todo)) else load,
        prepare=prepare,
    ):
        if remote and isinstance(outcome, TrackOutputs) and cache is not None and key is not None:
            outcome = keep_outputs(cache, outcome, key)
        results[i] = outcome
        progress and progress(1)
    return _collect(results, missing)


def _cached_outputs(cache: ContentCache) -> Callable[[Path, str], TrackOutputs | None]:
    """The cache lookup of :func:`~musicgenre.audio.cache.settle_from_cache`: a file's outputs from ``cache``."""

    def lookup(path: Path, key: str) -> TrackOutputs | None:
        hit = cache.get(key)
        return None if hit is None else TrackOutputs(path, hit, cached=True)

    return lookup


def _collect(results: dict[int, TrackOutputs | FileFailure], missing: Sequence[tuple[str, str]]) -> EmbedRun:
    """The run: inputs that named no audio first, then every file's outcome in input order."""
    run = EmbedRun(failures=[FileFailure(Path(item), reason) for item, reason in missing])
    for i in sorted(results):
        outcome = results[i]
        if isinstance(outcome, TrackOutputs):
            run.tracks.append(outcome)
        else:
            run.failures.append(outcome)
    return run


__all__ = [
    "DIED_REASON",
    "EmbedRun",
    "Job",
    "TrackOutputs",
    "embed_one",
    "error_reason",
    "keep_outputs",
    "lost_job",
    "run_files",
]
