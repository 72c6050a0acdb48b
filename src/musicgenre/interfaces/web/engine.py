"""Where decoding and inference run: a process (or thread) pool beside the event loop, with a time limit.

The app depends only on the :class:`Analyzer` protocol; :class:`PoolAnalyzer` is the real one. A
request that runs past its time limit gets :class:`AnalysisTimeout` (the app answers 504) while the
worker finishes or fails on its own (its temporary file is removed by the app, so a long track stops
at its next window).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Protocol, runtime_checkable

from musicgenre.features.warmup import warm_numba_cache
from musicgenre.interfaces.web.analysis import (
    AnalysisJob,
    AnalysisTimeout,
    AnalyzerFailed,
    UnreadableAudio,
    WorkerLost,
    analyze,
    init_worker,
)

__all__ = [
    "AnalysisJob",
    "AnalysisTimeout",
    "Analyzer",
    "AnalyzerFailed",
    "PoolAnalyzer",
    "UnreadableAudio",
    "WorkerLost",
    "model_card",
]


@runtime_checkable
class Analyzer(Protocol):
    """What the web app needs from the analysis side."""

    workers: int

    def start(self) -> None:
        """Start the pool (called once when the app starts)."""

    def close(self) -> None:
        """Stop the pool (called once when the app stops)."""

    def model_card(self) -> dict:
        """Facts about the model: name, recipe, rate, clip length, genres, file metadata."""

    async def analyze(self, job: AnalysisJob, timeout_s: float) -> dict:
        """Run ``job``; return the result dict (see :func:`~musicgenre.interfaces.web.analysis.analyze`).

        Raises :class:`UnreadableAudio`, :class:`AnalysisTimeout`, :class:`WorkerLost` (a new worker has taken the
        dead one's place) or :class:`AnalyzerFailed`.
        """


def model_card(model) -> dict:
    """The facts of a loaded :class:`~musicgenre.inference.GenreModel` as plain JSON data; a model of several
    networks (the fused default) names each one's file and recipe."""
    from musicgenre.inference import DEFAULT_HOP_S
    from musicgenre.inference.fused_model import FusedModel
    from musicgenre.models.model_file import key as model_file_key

    metadata = dict(getattr(model, "metadata", {}) or {})
    # listed below, or large JSON (a head; EfficientAT's 527 AudioSet class names)
    skip = {model_file_key(field) for field in ("feature_names", "genres", "head", "classes")}
    members = {"musicnn": model.musicnn, "efficientat": model.efficientat} if isinstance(model, FusedModel) else {}
    networks = [
        {"name": name, "file": Path(m.path).name, "recipe": m.recipe_name, "sample_rate": int(m.sample_rate)}
        for name, m in members.items()
    ]
    card = {
        "name": model.name,
        "file": " + ".join(Path(m.path).name for m in members.values()) if members else Path(model.path).name,
        "recipe": " + ".join(m.recipe_name for m in members.values()) if members else model.recipe_name,
        "uncertain_below": model.uncertain_below,
        "sample_rate": int(model.sample_rate),
        "clip_seconds": float(model.clip_seconds),
        "window_hop_seconds": float(min(DEFAULT_HOP_S, model.clip_seconds)),
        "genres": list(model.genres),
        "multi_label": model.multi_label,
        "networks": networks,
        "n_features": len(model.feature_names),
        "feature_names": list(model.feature_names),
        "metadata": {
            key.removeprefix("musicgenre."): value for key, value in sorted(metadata.items()) if key not in skip
        },
    }
    extra = getattr(model, "card", None)  # richer facts, when the inference package offers them
    if callable(extra):
        extra = extra()
    if isinstance(extra, dict):
        card["card"] = extra
    return card


class PoolAnalyzer:
    """Runs ``job_function`` (default :func:`~musicgenre.interfaces.web.analysis.analyze`) in a pool of ``workers``.

    ``pool="process"`` uses spawned processes (each loads the model once); ``"thread"`` uses threads of this
    process. The model is also loaded here, once, to check it and to answer :meth:`model_card`.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        workers: int = 1,
        pool: str = "process",
        job_function: Callable[[AnalysisJob], dict] = analyze,
    ):
        from musicgenre.inference import load_model

        self.model_path = None if model_path is None else str(model_path)
        self.workers = int(workers)
        self.pool = pool
        self.job_function = job_function
        self._model = load_model(self.model_path)  # raises ModelError now, not at the first request
        self._card = model_card(self._model)
        self._executor: Executor | None = None
        self._lock = threading.Lock()

    def model_card(self) -> dict:
        return self._card

    def _new_executor(self) -> Executor:
        if self.pool == "thread":
            return ThreadPoolExecutor(
                self.workers,
                thread_name_prefix="musicgenre-analysis",
                initializer=init_worker,
                initargs=(self.model_path,),
            )
        return ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=init_worker,
            initargs=(self.model_path,),
        )

    def start(self) -> None:
        with self._lock:
            if self._executor is None:
                if self.pool == "process":  # once, before the first workers (a restarted pool finds the cache warm)
                    warm_numba_cache()  # their first concurrent compiles could corrupt numba's cache
                self._executor = self._new_executor()
                if self.pool == "process":  # start (and warm up) every worker now, not at the first uploads
                    for _ in range(self.workers):
                        self._executor.submit(int)

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            # wait: the workers are joined (a running analysis ends within its time limit); without it a worker
            # still starting when the server stops outlives it, orphaned
            executor.shutdown(wait=True, cancel_futures=True)

    def _restart(self, broken: Executor) -> None:
        with self._lock:
            if self._executor is broken:
                self._executor = self._new_executor()
        broken.shutdown(wait=False, cancel_futures=True)

    async def analyze(self, job: AnalysisJob, timeout_s: float) -> dict:
        if self._executor is None:
            self.start()
        executor = self._executor
        assert executor is not None
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(loop.run_in_executor(executor, self.job_function, job), timeout_s)
        except (asyncio.TimeoutError, TimeoutError):
            raise AnalysisTimeout(
                f"{job.filename}: analysis took longer than the time limit ({timeout_s:.1f} s left for it)"
            ) from None
        except BrokenProcessPool:
            self._restart(executor)
            raise WorkerLost(
                f"{job.filename}: the analysis worker stopped unexpectedly; it has been restarted, try again"
            ) from None
