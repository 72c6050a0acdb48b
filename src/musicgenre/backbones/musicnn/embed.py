"""musicnn embeddings of many files: cached per file content, in parallel, per track or per patch.

Cache layout (:mod:`~musicgenre.backbones.musicnn.cache`; :mod:`musicgenre.backbones.embedding` holds the run's
types and the loop over files that every backbone shares): ``<cache_dir>/<MODEL>-v<EMBED_VERSION>/<hash[:2]>/
<sha256>.npz`` holding every per-patch output (``taggram``, ``max_pool``, ``mean_pool``, ``penultimate``,
``patch_starts_s``), so any layer, per track or per patch, comes from one entry. Entries are written atomically,
as each file finishes, so an interrupted run resumes where it stopped.

Parallel runs (:mod:`musicgenre.executors`) use fresh (spawned) worker processes with one torch thread each. A
worker that dies (killed, out of memory, a decoder crash) costs only its own file: the files it and its pool were
holding are run again one at a time, and only the file that kills a worker alone is reported as failed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from musicgenre.audio import AudioError, FileFailure
from musicgenre.backbones.embedding import (
    EmbedRun,
    Job,
    TrackOutputs,
    embed_one,
    run_files,
)
from musicgenre.backbones.interface import DEFAULT_CACHE_DIR
from musicgenre.backbones.musicnn.cache import ARRAYS, output_cache
from musicgenre.backbones.musicnn.config import model_config
from musicgenre.backbones.musicnn.extract import LAYERS, MusicnnResult, analyze
from musicgenre.executors import Executor, executor_for
from musicgenre.executors.dask import checked_on_worker
from musicgenre.features.warmup import warm_numba_cache, warm_numba_cache_once


@dataclass(frozen=True)
class EmbedConfig:
    """How :func:`embed_files` runs: which model, where the cache lies (``None``: no cache), how many processes."""

    model: str = "msd"
    cache_dir: Path | None = DEFAULT_CACHE_DIR
    jobs: int = 1
    cluster: str | None = None  # a Dask scheduler address or local:N (musicgenre.executors.dask); None: this machine


def _arrays_of(result: MusicnnResult) -> dict[str, np.ndarray]:
    return {k: np.asarray(getattr(result, k), dtype=np.float32) for k in ARRAYS}


def embed_file(
    path: str | Path, model: str = "msd", cache_dir: Path | None = None, key: str | None = None
) -> TrackOutputs | FileFailure:
    """musicnn outputs of one file, or a :class:`FileFailure` (:func:`~musicgenre.backbones.embedding.embed_one`:
    URLs through a local copy); cached in ``cache_dir`` under ``key`` when both are given."""
    name = model_config(model).name
    cache = None if cache_dir is None else output_cache(cache_dir, name)
    return embed_one(path, lambda local: _arrays_of(analyze(local, model=name)), cache, key)


def _one_torch_thread() -> None:
    """One torch thread per worker process (the workers already use the cores)."""
    import torch

    torch.set_num_threads(1)


def _embed_here(worker: Callable, model: str, cache_dir: Path | None, job: Job, _state: object):
    """A file in this process or a worker process of this machine, cached there."""
    return worker(job[1], model, cache_dir, job[2])


def _embed_on_worker(model: str, job: Job, _state: object) -> TrackOutputs | FileFailure:
    """A file on a worker that may be another machine, uncached there; a path the worker cannot see says so."""
    outcome = embed_file(job[1], model)
    return checked_on_worker(job[1], outcome, isinstance(outcome, FileFailure), FileFailure)


def embed_files(
    paths: Iterable[str | Path],
    config: EmbedConfig = EmbedConfig(),
    progress: Callable[[int], object] | None = None,
    total: Callable[[int], object] | None = None,
    *,
    worker: Callable | None = None,
    executor: Executor | None = None,
) -> EmbedRun:
    """musicnn outputs of every audio file named by ``paths`` (files, folders searched recursively, glob patterns:
    :func:`musicgenre.audio.find_audio_files`; an input that names no audio is a failure).

    Cached files are read here; ``executor`` runs the rest (:mod:`musicgenre.executors`; None: the one
    ``config.jobs`` and ``config.cluster`` ask for). ``total(n)`` is called once, ``progress(1)`` after each file.
    Tracks keep the order of the inputs. ``worker`` replaces :func:`embed_file` on this machine (tests; it must be
    importable by a spawned process); on a cluster the client writes the cache.
    """
    worker = worker or embed_file
    name = model_config(config.model).name
    if executor is None:
        executor = executor_for(config.jobs, config.cluster)
    remote = executor.remote
    work = partial(_embed_on_worker, name) if remote else partial(_embed_here, worker, name, config.cache_dir)
    return run_files(
        paths,
        None if config.cache_dir is None else output_cache(config.cache_dir, name),
        executor,
        work,
        load=_one_torch_thread,
        prepare=warm_numba_cache_once if remote else warm_numba_cache,
        progress=progress,
        total=total,
    )


def to_frame(run: EmbedRun, layer: str = "max_pool", patches: bool = False, model: str = "msd"):
    """A pandas table: ``file, model, layer, [patch, start_s, end_s | n_patches], e0 … e{dim-1}``."""
    import pandas as pd

    if layer not in (*LAYERS, "taggram"):
        raise ValueError(f"unknown layer {layer!r}: choose one of {', '.join(LAYERS)}")
    name = model_config(model).name
    patch_s = 187 * 256 / 16000
    rows, meta = [], []
    for track in run.tracks:
        if patches:
            values = track.patches(layer)
            for j, start in enumerate(track.arrays["patch_starts_s"]):
                meta.append(
                    {
                        "file": str(track.path),
                        "model": name,
                        "layer": layer,
                        "patch": j,
                        "start_s": round(float(start), 3),
                        "end_s": round(float(start) + patch_s, 3),
                    }
                )
            rows.append(values)
        else:
            meta.append(
                {
                    "file": str(track.path),
                    "model": name,
                    "layer": layer,
                    "n_patches": int(track.patches(layer).shape[0]),
                }
            )
            rows.append(track.track(layer)[None, :])
    dim = rows[0].shape[1] if rows else 0
    values = np.concatenate(rows) if rows else np.zeros((0, dim), np.float32)
    columns = [f"e{i}" for i in range(dim)]
    return pd.concat([pd.DataFrame(meta), pd.DataFrame(values, columns=columns)], axis=1)


def embed_dataset(
    paths: Iterable[str | Path],
    layer: str = "max_pool",
    model: str = "msd",
    jobs: int = 1,
    cache_dir: Path | None = DEFAULT_CACHE_DIR,
    progress: Callable[[int], object] | None = None,
) -> np.ndarray:
    """Track embeddings ``(n_tracks, dim)`` float32 (mean over 3 s patches), rows in the order of ``paths``.

    ``paths`` are audio files (one row each). ``layer``: max_pool / mean_pool (753) or penultimate (200).
    Raises :class:`~musicgenre.audio.AudioError` naming the first file that could not be embedded.
    """
    files = [Path(p) for p in paths]
    for p in files:
        if p.is_dir():
            raise ValueError(f"{p}: embed_dataset takes audio files, one row each, not folders")
    if layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}: choose one of {', '.join(LAYERS)}")
    if not files:
        dim = model_config(model).pool_dim if layer != "penultimate" else model_config(model).backend_units
        return np.zeros((0, dim), np.float32)
    run = embed_files(files, EmbedConfig(model=model, cache_dir=cache_dir, jobs=jobs), progress=progress)
    if run.failures:
        first = run.failures[0]
        raise AudioError(first.path, first.reason)
    by_path = {Path(t.path).resolve(): t for t in run.tracks}
    return np.stack([by_path[p.resolve()].track(layer) for p in files]).astype(np.float32)
