"""Classify many files: run in parallel, yield results as they finish.

Which files: :func:`musicgenre.audio.find_audio_files` (files, folders, globs).

A file that fails yields a :class:`FileResult` with its one-line reason; the batch goes on. A time limit per file
(``BatchConfig.timeout_s``) turns a file that runs past it into an error row: in this process by an interval timer
(the main thread only; it fires when the running code next returns to Python), in a pool by killing the worker
holding it (each worker reports when it starts a file); the files the other workers held run again.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path

from musicgenre.audio import AudioError, is_url, local_copy
from musicgenre.features.warmup import warm_numba_cache, warm_numba_cache_once
from musicgenre.inference.classify import DEFAULT_HOP_S, classify, warm_up
from musicgenre.inference.loading import load_model
from musicgenre.inference.model import GenreModel
from musicgenre.inference.prediction import Prediction
from musicgenre.inference.recipes import FeatureRecipe
from musicgenre.parallel import CRASH_REASON
from musicgenre.runtime import Overtime, keep_freed_memory, time_limit


@dataclass(frozen=True)
class BatchConfig:
    """How a batch runs: which model (None: the shipped one), window hop (s), timeline rows, worker processes,
    and the most seconds one file may take (None: no limit; with a limit files always run in worker processes);
    ``explain``: each prediction says which tags pushed its answer (tag models only); ``keep_statistics``: each
    keeps its windows' tag statistics (what ``musicgenre learn`` fits a head on)."""

    model_path: str | None = None
    recipe: FeatureRecipe | None = None  # overrides the model's recipe (must be picklable for jobs > 1)
    hop_s: float = DEFAULT_HOP_S
    timeline: bool = False
    jobs: int = 1
    timeout_s: float | None = None
    cluster: str | None = None  # a Dask scheduler address or local:N (musicgenre.cluster); None: this machine
    explain: bool = False
    keep_statistics: bool = False


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
        if is_url(path):  # object storage and the like: a local copy for the decoders, named by its URL
            with local_copy(path) as local:
                prediction = _classify(local, model, config)
            return FileResult(path, replace(prediction, file=path))
        return FileResult(path, _classify(path, model, config))
    except AudioError as error:
        return FileResult(path, error=error.reason)
    except Exception as error:  # a bug or a library failure on one file must not stop the batch
        return FileResult(path, error=" ".join(f"{type(error).__name__}: {error}".split())[:300])


def _classify(path: str | Path, model: GenreModel, config: BatchConfig) -> Prediction:
    return classify(
        path,
        model=model,
        timeline=config.timeline,
        hop_s=config.hop_s,
        explain=config.explain,
        keep_statistics=config.keep_statistics,
    )


def run_batch(
    files: Sequence[str | Path], config: BatchConfig = BatchConfig(), model: GenreModel | None = None
) -> Iterator[FileResult]:
    """Yield a :class:`FileResult` per file (its ``file`` the path as a string), in the order they finish.

    ``jobs == 1`` runs in this process, with ``model`` when the caller has already loaded the one
    ``config.model_path`` names (else it is loaded here); more use a pool of worker processes, each loading the
    model once. A worker that dies (e.g. a crashing decoder) costs the files it held an error row, not the batch.
    """
    paths = [str(f) for f in files]
    if not paths:
        return
    if config.cluster:
        yield from _run_cluster(paths, config)
        return
    if config.jobs <= 1 or len(paths) == 1:
        if model is None or config.recipe is not None:
            model = load_model(config.model_path, recipe=config.recipe)
        if config.timeout_s:
            warm_up(model)  # first-call costs do not count against the first file's limit
        for path in paths:
            try:
                with time_limit(config.timeout_s):
                    result = classify_file(path, model, config)
            except Overtime:
                result = FileResult(path, error=_overtime_reason(config.timeout_s))
            yield result
        return
    yield from _run_pool(paths, config)


def _run_cluster(files: list[str], config: BatchConfig) -> Iterator[FileResult]:
    """The files on a Dask cluster (``config.cluster``): the model reaches each worker once (its bytes, when it
    is a file here), batches of files are the tasks (:func:`musicgenre.cluster.run_on_cluster`)."""
    from functools import partial

    from musicgenre.cluster import run_on_cluster

    model_bytes = None
    if config.model_path and Path(config.model_path).is_file():
        model_bytes = (Path(config.model_path).name, Path(config.model_path).read_bytes())
    load = partial(_load_on_worker, config, model_bytes)
    for _, result in run_on_cluster(
        config.cluster or "", files, _cluster_task, _crashed, load, prepare=warm_numba_cache_once
    ):
        yield result


def _crashed(path: str, _reason: str) -> FileResult:
    return FileResult(path, error=CRASH_REASON)


def _load_on_worker(config: BatchConfig, model_bytes: tuple[str, bytes] | None) -> tuple[GenreModel, BatchConfig]:
    """Runs once per worker: the model from the bytes the client sent (else by name), and the configuration."""
    model_path = config.model_path
    if model_bytes is not None:
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="musicgenre-model-"))
        model_path = str(folder / model_bytes[0])
        Path(model_path).write_bytes(model_bytes[1])
    model = load_model(model_path, recipe=config.recipe)
    return model, config


def _cluster_task(paths: list[str], plugin: str) -> list[FileResult]:
    """A batch of files on a worker, with the model its plugin loaded."""
    from musicgenre.cluster import each_on_worker, worker_state

    model, config = worker_state(plugin)
    return each_on_worker(
        paths,
        lambda path: classify_file(path, model, config),
        lambda r: not r.ok,
        lambda p, why: FileResult(p, error=why),
    )


def _overtime_reason(limit: float | None) -> str:
    return f"took longer than the time limit of {limit:g} s; stopped"


_worker_model: GenreModel | None = None
_worker_config: BatchConfig | None = None
_worker_starts: multiprocessing.Queue | None = None  # (path, pid, monotonic time) when a file begins
_TICK_S = 0.25  # how often the parent looks at the clock when files have a time limit


def _init_worker(config: BatchConfig, starts: multiprocessing.Queue | None = None) -> None:
    global _worker_model, _worker_config, _worker_starts
    keep_freed_memory()
    _worker_model, _worker_config = load_model(config.model_path, recipe=config.recipe), config
    _worker_starts = starts
    if starts is not None:
        warm_up(_worker_model)


def _work(path: str) -> FileResult:
    assert _worker_model is not None and _worker_config is not None, "the pool's initializer loads them first"
    if _worker_starts is not None:
        _worker_starts.put((path, os.getpid(), time.monotonic()))
    return classify_file(path, _worker_model, _worker_config)


def _overdue(starts: multiprocessing.Queue, begun: dict[str, tuple[int, float]], running: set[str], limit: float):
    """Record the starts reported so far; the first running file past ``limit`` seconds and its worker's pid."""
    while True:
        try:
            path, pid, at = starts.get_nowait()
        except queue.Empty:
            break
        begun[path] = (pid, at)
    now = time.monotonic()
    for path in running:
        if path in begun and now - begun[path][1] > limit:
            return path, begun[path][0]
    return None


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
            yield FileResult(path, error=CRASH_REASON)


def _pool_pass(pending: list[str], suspects: list[str], config: BatchConfig, jobs: int) -> Iterator[FileResult]:
    """Run files popped from ``pending`` in one pool until done or the pool breaks (then its files go to
    ``suspects``)."""
    context = multiprocessing.get_context("spawn")  # no fork of a process holding onnxruntime threads
    limit = config.timeout_s
    starts = context.Queue() if limit else None
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_init_worker, initargs=(config, starts)
    ) as pool:
        running: dict[Future, str] = {}
        begun: dict[str, tuple[int, float]] = {}
        stopped: str | None = None  # the file whose worker was killed for running past the limit
        while pending or running:
            while pending and len(running) < 2 * jobs:  # a short queue: results stream, memory stays flat
                path = pending.pop()
                running[pool.submit(_work, path)] = path
            done, _ = wait(running, timeout=_TICK_S if limit else None, return_when=FIRST_COMPLETED)
            if starts is not None and limit is not None and stopped is None:
                late = _overdue(starts, begun, set(running.values()) - {running[f] for f in done}, limit)
                if late:
                    stopped = late[0]
                    os.kill(late[1], signal.SIGKILL)
            broken = False
            for future in done:
                path = running.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    broken = True
                    if stopped is None:
                        suspects.append(path)
                    elif path == stopped:
                        yield FileResult(path, error=_overtime_reason(limit))
                    else:
                        pending.append(path)  # another worker's file: innocent, run again
                    continue
                yield result
            if broken or stopped:
                for path in running.values():
                    if path == stopped:
                        yield FileResult(path, error=_overtime_reason(limit))
                    elif stopped is None:
                        suspects.append(path)
                    else:
                        pending.append(path)
                return
