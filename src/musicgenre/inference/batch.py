"""Classify many files: run in parallel, yield results as they finish.

Which files: :func:`musicgenre.audio.find_audio_files` (files, folders, globs).

A file that fails yields a :class:`FileResult` with its one-line reason; the batch goes on.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from musicgenre.audio import AudioError
from musicgenre.features.warmup import warm_numba_cache
from musicgenre.inference.classify import DEFAULT_HOP_S, classify
from musicgenre.inference.model import GenreModel, load_model
from musicgenre.inference.prediction import Prediction
from musicgenre.inference.recipes import FeatureRecipe
from musicgenre.runtime import keep_freed_memory


@dataclass(frozen=True)
class BatchConfig:
    """How a batch runs: which model (None: the shipped one), window hop (s), timeline rows, worker processes."""

    model_path: str | None = None
    recipe: FeatureRecipe | None = None  # overrides the model's recipe (must be picklable for jobs > 1)
    hop_s: float = DEFAULT_HOP_S
    timeline: bool = False
    jobs: int = 1


@dataclass(frozen=True)
class FileResult:
    """One file's outcome: a prediction, or the reason it failed (one line)."""

    file: str
    prediction: Prediction | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def classify_file(path: str, model: GenreModel, config: BatchConfig) -> FileResult:
    """Classify one file, turning any failure into a :class:`FileResult` with a one-line reason."""
    try:
        return FileResult(path, classify(path, model=model, timeline=config.timeline, hop_s=config.hop_s))
    except AudioError as error:
        return FileResult(path, error=error.reason)
    except Exception as error:  # a bug or a library failure on one file must not stop the batch
        return FileResult(path, error=" ".join(f"{type(error).__name__}: {error}".split())[:300])


def run_batch(files: Sequence[str | Path], config: BatchConfig = BatchConfig()) -> Iterator[FileResult]:
    """Yield a :class:`FileResult` per file (its ``file`` the path as a string), in the order they finish.

    ``jobs == 1`` runs in this process; more use a pool of worker processes, each loading the model once.
    A worker that dies (e.g. a crashing decoder) costs the files it held an error row, not the batch.
    """
    paths = [str(f) for f in files]
    if not paths:
        return
    if config.jobs <= 1 or len(paths) == 1:
        model = load_model(config.model_path, recipe=config.recipe)
        for path in paths:
            yield classify_file(path, model, config)
        return
    yield from _run_pool(paths, config)


_worker_model: GenreModel | None = None
_worker_config: BatchConfig | None = None


def _init_worker(config: BatchConfig) -> None:
    global _worker_model, _worker_config
    keep_freed_memory()
    _worker_model, _worker_config = load_model(config.model_path, recipe=config.recipe), config


def _work(path: str) -> FileResult:
    assert _worker_model is not None and _worker_config is not None, "the pool's initializer loads them first"
    return classify_file(path, _worker_model, _worker_config)


def _run_pool(files: list[str], config: BatchConfig) -> Iterator[FileResult]:
    warm_numba_cache()  # before the workers: their first concurrent compiles could corrupt numba's cache
    pending = list(reversed(files))  # pop() takes the next file in order
    suspects: list[str] = []  # files a worker was holding when it died
    while pending:
        yield from _pool_pass(pending, suspects, config, config.jobs)
    for path in suspects:  # each alone, so a crash is pinned on the file that caused it
        retry = [path]
        crashed: list[str] = []
        yield from _pool_pass(retry, crashed, config, 1)
        if crashed:
            yield FileResult(path, error="the worker process crashed while reading this file")


def _pool_pass(pending: list[str], suspects: list[str], config: BatchConfig, jobs: int) -> Iterator[FileResult]:
    """Run files popped from ``pending`` in one pool until done or the pool breaks (then its files go to
    ``suspects``)."""
    context = multiprocessing.get_context("spawn")  # no fork of a process holding onnxruntime threads
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_init_worker, initargs=(config,)
    ) as pool:
        running: dict[Future, str] = {}
        while pending or running:
            while pending and len(running) < 2 * jobs:  # a short queue: results stream, memory stays flat
                path = pending.pop()
                running[pool.submit(_work, path)] = path
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            broken = False
            for future in done:
                path = running.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    suspects.append(path)
                    broken = True
                    continue
                yield result
            if broken:
                suspects.extend(running.values())
                return
