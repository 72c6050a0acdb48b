"""EfficientAT's outputs of many files, per 10 s part, through the shipped ONNX graph (onnxruntime, no torch: the
graph predict runs): the ``embedding`` (384, the last convolution's mean over frequency and time) and the
``taggram`` (527 sigmoid class probabilities). Cached per file content and run through an executor as musicnn's
are (:mod:`musicgenre.backbones.embedding`).

    run = embed_files(["a.wav", "music/"], cache_dir=None)      # EmbedRun: tracks (per-part outputs) and failures
    run.tracks[0].patches("embedding")                          # (parts, 384)
    x = embed_tracks(paths, "embedding")                         # (n_files, 384): mean over parts

Files are decoded to 32 kHz mono (:func:`musicgenre.audio.load`) and cut into parts by
:func:`~.parts.patches_from_signal`; files shorter than a second or silent (peak below -70 dBFS) are failures, as
musicnn's are. Cache layout: ``<cache_dir>/efficientat_mn04-v<EMBED_VERSION>/<hash[:2]>/<sha256>.npz`` holding
``embedding``, ``taggram``, ``patch_starts_s`` and ``part_frames`` (frames of the track in each part). Each
process runs one onnxruntime session with one thread.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from musicgenre.audio import AudioError, FileFailure, is_silent, load
from musicgenre.audio.cache import ContentCache
from musicgenre.backbones.efficientat.config import InputConfig
from musicgenre.backbones.efficientat.graph import GRAPH_PATH, run_graph
from musicgenre.backbones.efficientat.parts import patches_from_signal
from musicgenre.backbones.embedding import (
    EmbedRun,
    Job,
    TrackOutputs,
    embed_one,
    run_files,
)
from musicgenre.backbones.interface import DEFAULT_CACHE_DIR
from musicgenre.executors import Executor, executor_for
from musicgenre.executors.dask import checked_on_worker

#: The network's name in feature names and in the cache.
NETWORK = "efficientat_mn04"
#: Bump when the outputs for the same file change (weights, input pipeline, parts, which files are refused).
EMBED_VERSION = 1
#: Embedding layers -> width.
LAYERS: Mapping[str, int] = MappingProxyType({"embedding": 384})
#: The arrays of one file's entry.
ARRAYS = ("embedding", "taggram", "patch_starts_s", "part_frames")
#: Parts per onnxruntime call.
BATCH_PARTS = 8
#: Shorter files are refused (as musicnn's embeddings refuse them).
MIN_SECONDS = 1.0
#: A file whose peak stays below this level (dBFS) is silence: nothing to embed.
SILENCE_DB = -70.0

INPUT = InputConfig()


@functools.cache
def default_session() -> Any:
    """This process's onnxruntime session of the shipped graph (one intra-op thread, as predict's)."""
    from musicgenre.models.sessions import ort_session

    return ort_session(GRAPH_PATH, threads=1)


def _cache(cache_dir: Path) -> ContentCache:
    return ContentCache(Path(cache_dir), f"{NETWORK}-v{EMBED_VERSION}", ARRAYS)


def outputs_of_signal(y: np.ndarray, session: Any = None) -> dict[str, np.ndarray]:
    """The per-part outputs (:data:`ARRAYS`) of a mono signal ``(n,)`` at 32 kHz through ``session`` (None: this
    process's :func:`default_session`)."""
    session = session if session is not None else default_session()
    patches, lengths = patches_from_signal(y, INPUT)
    mel = patches.transpose(0, 2, 1)  # the graph reads (n, mel bands, frames)
    logits, embedding = [], []
    for start in range(0, len(mel), BATCH_PARTS):
        batch_logits, batch_embedding = run_graph(session, mel[start : start + BATCH_PARTS])
        logits.append(batch_logits)
        embedding.append(batch_embedding)
    probabilities = 1.0 / (1.0 + np.exp(-np.concatenate(logits).astype(np.float64)))
    starts = np.arange(len(lengths)) * INPUT.part_frames * INPUT.hop_length / INPUT.sample_rate
    return {
        "embedding": np.concatenate(embedding).astype(np.float32),
        "taggram": probabilities.astype(np.float32),
        "patch_starts_s": starts.astype(np.float32),
        "part_frames": lengths,
    }


def _checked(y: np.ndarray, name: str | Path) -> np.ndarray:
    seconds = y.size / INPUT.sample_rate
    if round(seconds, 3) < MIN_SECONDS:
        raise AudioError(name, f"too short for efficientat: {seconds:.2f} s (needs at least {MIN_SECONDS:g} s)")
    if is_silent(y, SILENCE_DB):
        raise AudioError(name, f"silent: peak below {SILENCE_DB:g} dBFS, nothing to tag or embed")
    return y


def embed_file(
    path: str | Path, cache_dir: Path | None = None, key: str | None = None, session: Any = None
) -> TrackOutputs | FileFailure:
    """EfficientAT outputs of one file, or a :class:`FileFailure` (:func:`~musicgenre.backbones.embedding.embed_one`:
    URLs through a local copy); cached in ``cache_dir`` under ``key`` when both are given."""

    def compute(local: Path) -> dict[str, np.ndarray]:
        return outputs_of_signal(_checked(load(local, sr=INPUT.sample_rate), local), session)

    return embed_one(path, compute, None if cache_dir is None else _cache(cache_dir), key)


def _worker_session() -> Any:
    """A worker process's session (made once there; the executors' ``load``)."""
    return default_session()


def _embed_here(cache_dir: Path | None, job: Job, session: Any) -> TrackOutputs | FileFailure:
    """A file in this process or a worker process of this machine, cached there."""
    return embed_file(job[1], cache_dir, job[2], session)


def _embed_on_worker(job: Job, session: Any) -> TrackOutputs | FileFailure:
    """A file on a worker that may be another machine, uncached there; a path the worker cannot see says so."""
    outcome = embed_file(job[1], session=session)
    return checked_on_worker(job[1], outcome, isinstance(outcome, FileFailure), FileFailure)


def embed_files(
    paths: Iterable[str | Path],
    *,
    cache_dir: Path | None = DEFAULT_CACHE_DIR,
    jobs: int = 1,
    cluster: str | None = None,
    progress: Callable[[int], object] | None = None,
    total: Callable[[int], object] | None = None,
    executor: Executor | None = None,
) -> EmbedRun:
    """EfficientAT outputs of every audio file named by ``paths`` (files, folders searched recursively, glob
    patterns, URLs; an input that names no audio is a failure), cached by content in ``cache_dir`` (None: no
    cache); ``executor`` runs them (None: the one ``jobs`` and ``cluster`` ask for). Tracks keep the input order."""
    if executor is None:
        executor = executor_for(jobs, cluster)
    work = _embed_on_worker if executor.remote else partial(_embed_here, cache_dir)
    cache = None if cache_dir is None else _cache(cache_dir)
    return run_files(paths, cache, executor, work, load=_worker_session, progress=progress, total=total)


def embed_tracks(
    paths: Sequence[str | Path],
    layer: str = "embedding",
    *,
    cache_dir: Path | None = DEFAULT_CACHE_DIR,
    jobs: int = 1,
    progress: Callable[[int], object] | None = None,
) -> np.ndarray:
    """Track outputs ``(len(paths), width)`` float32 (mean over parts) of ``layer`` (``embedding``, 384, or
    ``taggram``, 527), rows in the order of ``paths`` (audio files, one row each). Raises
    :class:`~musicgenre.audio.AudioError` naming the first file that could not be embedded."""
    from musicgenre.backbones.efficientat.graph import read_classes

    files = [Path(p) for p in paths]
    for p in files:
        if p.is_dir():
            raise ValueError(f"{p}: embed_tracks takes audio files, one row each, not folders")
    widths = {**LAYERS, "taggram": len(read_classes())}
    if layer not in widths:
        raise ValueError(f"unknown layer {layer!r}: choose one of {', '.join(widths)}")
    if not files:
        return np.zeros((0, widths[layer]), np.float32)
    run = embed_files(files, cache_dir=cache_dir, jobs=jobs, progress=progress)
    if run.failures:
        first = run.failures[0]
        raise AudioError(first.path, first.reason)
    by_path = {Path(t.path).resolve(): t for t in run.tracks}
    return np.stack([by_path[p.resolve()].track(layer) for p in files]).astype(np.float32)


__all__ = [
    "ARRAYS",
    "EMBED_VERSION",
    "LAYERS",
    "NETWORK",
    "default_session",
    "embed_file",
    "embed_files",
    "embed_tracks",
    "outputs_of_signal",
]
