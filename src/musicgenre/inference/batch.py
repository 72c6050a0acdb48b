"""Classify many files: run in parallel, yield results as they finish.

Which files: :func:`musicgenre.audio.find_audio_files` (files, folders, globs).

A file that fails yields a :class:`FileResult` with its one-line reason; the batch goes on. The caller's executor
(:mod:`musicgenre.executors`) runs the files; its time limit per file turns a file that runs past it into an error
row: in this process by an interval timer (the main thread only; it fires when the running code next returns to
Python), in a pool by killing the worker holding it; the files the other workers held run again.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from musicgenre.audio import AudioError, is_url, local_copy
from musicgenre.executors import Executor, executor_for
from musicgenre.executors.dask import checked_on_worker
from musicgenre.features.warmup import warm_numba_cache, warm_numba_cache_once
from musicgenre.inference.classify import DEFAULT_HOP_S, classify, warm_up
from musicgenre.inference.loading import load_model
from musicgenre.inference.model import GenreModel
from musicgenre.inference.prediction import Prediction
from musicgenre.inference.recipes import FeatureRecipe


@dataclass(frozen=True)
class BatchConfig:
    """How a batch runs: which model (None: the shipped one), window hop (s), timeline rows, worker processes,
    and the most seconds one file may take (None: no limit) -- ``jobs``, ``timeout_s`` and ``cluster`` choose the
    executor when :func:`run_batch` is given none;
    ``explain``: each prediction says which tags pushed its answer (tag models only); ``keep_statistics``: each
    keeps its windows' tag statistics (what ``musicgenre learn`` fits a head on)."""

    model_path: str | None = None
    recipe: FeatureRecipe | None = None  # overrides the model's recipe (must be picklable for jobs > 1)
    hop_s: float = DEFAULT_HOP_S
    timeline: bool = False
    jobs: int = 1
    timeout_s: float | None = None
    cluster: str | None = None  # a Dask scheduler address or local:N (musicgenre.executors.dask); None: this machine
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
    files: Sequence[str | Path],
    config: BatchConfig = BatchConfig(),
    model: GenreModel | None = None,
    executor: Executor | None = None,
) -> Iterator[FileResult]:
    """Yield a :class:`FileResult` per file (its ``file`` the path as a string), in the order they finish.

    ``executor`` runs the files (:mod:`musicgenre.executors`; None: the one ``config.jobs``, ``config.cluster``
    and ``config.timeout_s`` ask for, :func:`~musicgenre.executors.executor_for`). In this process the files use
    ``model`` when the caller has already loaded the one ``config.model_path`` names (else it is loaded here);
    worker processes each load the model once. A worker that dies (e.g. a crashing decoder) costs the files it
    held an error row, not the batch.
    """
    paths = [str(f) for f in files]
    if not paths:
        return
    if executor is None:
        executor = executor_for(config.jobs, config.cluster, config.timeout_s)
    warm = executor.time_limit_s is not None  # first-call costs do not count against the first file's limit
    if executor.in_process(len(paths)):
        if model is None or config.recipe is not None:
            model = load_model(config.model_path, recipe=config.recipe)
        load = partial(_ready, model, config, warm)
    else:
        model_bytes = None  # workers elsewhere get the model's bytes when it is a file here
        if executor.remote and config.model_path and Path(config.model_path).is_file():
            model_bytes = (Path(config.model_path).name, Path(config.model_path).read_bytes())
        load = partial(_load_on_worker, config, model_bytes, warm)
    work = _classify_on_worker if executor.remote else _classify_here
    prepare = warm_numba_cache_once if executor.remote else warm_numba_cache
    for _, result in executor.run(paths, work, _lost, load=load, prepare=prepare):
        yield result


def _lost(path: str, reason: str) -> FileResult:
    return FileResult(path, error=reason)


def _ready(model: GenreModel, config: BatchConfig, warm: bool) -> tuple[GenreModel, BatchConfig]:
    if warm:
        warm_up(model)
    return model, config


def _load_on_worker(
    config: BatchConfig, model_bytes: tuple[str, bytes] | None, warm: bool
) -> tuple[GenreModel, BatchConfig]:
    """Runs once per worker: the model from the bytes the client sent (else by name), and the configuration."""
    model_path = config.model_path
    if model_bytes is not None:
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="musicgenre-model-"))
        model_path = str(folder / model_bytes[0])
        Path(model_path).write_bytes(model_bytes[1])
    return _ready(load_model(model_path, recipe=config.recipe), config, warm)


def _classify_here(path: str, state: tuple[GenreModel, BatchConfig]) -> FileResult:
    model, config = state
    return classify_file(path, model, config)


def _classify_on_worker(path: str, state: tuple[GenreModel, BatchConfig]) -> FileResult:
    """A file on a worker that may be another machine: a path it cannot see says so."""
    result = _classify_here(path, state)
    return checked_on_worker(path, result, not result.ok, _lost)
