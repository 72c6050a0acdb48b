"""Fit one model over the folds of a protocol and collect per-track probabilities.

Segment models are fitted on the segments of the training tracks (validation loss on the segments
of the validation tracks) and scored per track by averaging their segments' probabilities.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from musicgenre.evaluation.data import StudyData, View
from musicgenre.evaluation.protocols import Fold
from musicgenre.models import make_model


def track_probabilities(model, view: View, tracks: np.ndarray) -> np.ndarray:
    """Probabilities ``(len(tracks), 10)`` per track: rows of the view, averaged over segments."""
    tracks = np.asarray(tracks, dtype=np.int64)
    rows = view.rows(tracks)
    proba = model.predict_proba(view.x[rows])
    if not view.per_segment:
        return proba
    owner = view.track[rows]
    out = np.zeros((len(tracks), proba.shape[1]), np.float64)
    position = {int(t): i for i, t in enumerate(tracks)}
    index = np.array([position[int(t)] for t in owner])
    np.add.at(out, index, proba)
    counts = np.bincount(index, minlength=len(tracks))
    return (out / np.maximum(counts, 1)[:, None]).astype(np.float32)


def fit_on(model, data: StudyData, view: View, fit_tracks: np.ndarray, valid_tracks: np.ndarray | None,
           on_epoch: Callable[[dict[str, float]], None] | None = None):
    """Fit ``model`` on the rows of ``fit_tracks`` (validation: rows of ``valid_tracks``); return it."""
    rows = view.rows(fit_tracks)
    y_rows = data.y[view.track[rows]] if view.per_segment else data.y[rows]
    if valid_tracks is not None and len(valid_tracks):
        vrows = view.rows(valid_tracks)
        yv = data.y[view.track[vrows]] if view.per_segment else data.y[vrows]
        return model.fit(view.x[rows], y_rows, view.x[vrows], yv, on_epoch=on_epoch)
    return model.fit(view.x[rows], y_rows, on_epoch=on_epoch)


@dataclass
class FoldResult:
    """What one fold produced: per-track probabilities on valid and test, and the fitted model."""

    fold: Fold
    valid_proba: np.ndarray
    test_proba: np.ndarray
    train_seconds: float
    model: object = field(repr=False, default=None)


def run_folds(name: str, data: StudyData, view: View, folds: list[Fold], *, seed: int = 0,
              keep_models: int = 1, max_epochs: int | None = None,
              progress: Callable[[str], None] | None = None) -> list[FoldResult]:
    """Fit a fresh ``name`` model per fold; keep the fitted models of the first ``keep_models`` folds."""
    results = []
    for i, fold in enumerate(folds):
        model = make_model(name, seed=seed, max_epochs=max_epochs)
        start = time.perf_counter()
        fit_on(model, data, view, fold.train, fold.valid)
        seconds = time.perf_counter() - start
        result = FoldResult(fold, track_probabilities(model, view, fold.valid),
                            track_probabilities(model, view, fold.test), seconds,
                            model if i < keep_models else None)
        results.append(result)
        if progress:
            acc = float((result.test_proba.argmax(1) == data.y[fold.test]).mean())
            progress(f"{name} {fold.name} ({i + 1}/{len(folds)}): test accuracy {acc:.3f}, {seconds:.1f} s")
    return results
