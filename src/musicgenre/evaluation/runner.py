"""Fit one model over the folds of a protocol and collect per-track probabilities.

Segment models are fitted on the segments of the training tracks (validation loss on the segments
of the validation tracks) and scored per track by averaging their segments' probabilities.

A fold without valid tracks (``fault-filtered-cv``) has a model with a grid (baselines, taggram heads)
choose its hyper-parameters by k-fold CV over the fold's *training tracks* (:func:`select_by_cv`; by default
``blocked``: contiguous clip-number blocks within each genre, an artist proxy; or ``stratified``): folds are made
over tracks, so a track's segments never sit on two sides.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from musicgenre.evaluation.data import StudyData, View
from musicgenre.evaluation.protocols import Fold
from musicgenre.genres import GENRES
from musicgenre.training.zoo import make_model, model_grid


def track_probabilities(model, view: View, tracks: np.ndarray) -> np.ndarray:
    """Probabilities ``(len(tracks), 10)`` per track: rows of the view, averaged over segments."""
    tracks = np.asarray(tracks, dtype=np.int64)
    if not len(tracks):
        return np.zeros((0, len(GENRES)), np.float32)
    rows = view.rows(tracks)
    proba = model.predict_proba(view.x[rows])
    if not view.per_segment:
        return proba
    owner = view.row_tracks(rows)
    out = np.zeros((len(tracks), proba.shape[1]), np.float64)
    position = {int(t): i for i, t in enumerate(tracks)}
    index = np.array([position[int(t)] for t in owner])
    np.add.at(out, index, proba)
    counts = np.bincount(index, minlength=len(tracks))
    return (out / np.maximum(counts, 1)[:, None]).astype(np.float32)


def fit_on(
    model,
    data: StudyData,
    view: View,
    fit_tracks: np.ndarray,
    valid_tracks: np.ndarray | None,
    on_epoch: Callable[[dict[str, float]], None] | None = None,
):
    """Fit ``model`` on the rows of ``fit_tracks`` (validation: rows of ``valid_tracks``); return it."""
    rows = view.rows(fit_tracks)
    y_rows = data.y[view.row_tracks(rows)]
    if valid_tracks is not None and len(valid_tracks):
        vrows = view.rows(valid_tracks)
        yv = data.y[view.row_tracks(vrows)]
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
    #: with no valid tracks: the pooled CV accuracy over the training tracks of the chosen hyper-parameters
    selection_accuracy: float | None = None
    #: with no valid tracks: repr(params) -> pooled CV accuracy, for every grid entry tried
    cv_scores: dict[str, float] | None = None
    #: with no valid tracks: the chosen entry's out-of-fold probabilities of the training tracks (fold.train order)
    oof_proba: np.ndarray | None = None
    #: with no valid tracks: which inner CV chose the hyper-parameters (``blocked`` or ``stratified``)
    inner_cv: str | None = None


#: How :func:`select_by_cv` cuts the training tracks: ``blocked`` (contiguous clip-number blocks within each
#: genre, an artist proxy on GTZAN; the default) or ``stratified`` (shuffled, stratified by genre only).
INNER_CV = ("blocked", "stratified")


def clip_numbers(clip_ids) -> np.ndarray:
    """The number of each clip id (``blues.00012`` -> 12); the position in ``clip_ids`` when any id has none."""
    import re

    found = [re.search(r"(\d+)(?:\.\w+)?$", str(c)) for c in clip_ids]
    matches = [m for m in found if m is not None]
    if len(matches) == len(found):
        return np.array([int(m.group(1)) for m in matches], np.int64)
    return np.arange(len(clip_ids), dtype=np.int64)


def inner_folds(
    data: StudyData, train: np.ndarray, *, k: int = 5, seed: int = 0, inner_cv: str = "blocked"
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The ``k`` (fit, held-out) index pairs into ``train`` that :func:`select_by_cv` uses.

    ``blocked``: per genre, its training tracks sorted by clip number and cut into ``k`` contiguous blocks;
    fold i holds block i of every genre (GTZAN's clips of one artist mostly sit in consecutive numbers within
    a genre, so this mirrors the artist-conditional outer split). ``stratified``: shuffled stratified k-fold.
    """
    from musicgenre.datasets.kfold import blocked_kfold, stratified_kfold

    train = np.asarray(train, np.int64)
    if inner_cv == "blocked":
        return list(blocked_kfold(data.y[train], clip_numbers(data.clip_ids[train]), k=k))
    if inner_cv == "stratified":
        return list(stratified_kfold(data.y[train], k=k, seed=seed))
    raise ValueError(f"unknown inner CV {inner_cv!r}; known: {', '.join(INNER_CV)}")


def select_by_cv(
    name: str, data: StudyData, view: View, train: np.ndarray, *, k: int = 5, seed: int = 0, inner_cv: str = "blocked"
) -> tuple[dict, dict[str, float], np.ndarray]:
    """Hyper-parameters of ``name`` chosen by ``k``-fold CV over the tracks ``train`` only.

    The folds are :func:`inner_folds` (``inner_cv``: ``blocked`` or ``stratified``). Each grid entry is
    fitted on k-1 folds' tracks (all their segments for a per-segment view) and scored by track accuracy
    (segments' probabilities averaged) on the held-out fold, pooled over the ``k`` folds.
    Returns ``(best params, {repr(params): CV accuracy}, out-of-fold probabilities)``: the last, shape
    ``(len(train), 10)`` in the order of ``train``, are the chosen entry's held-out probabilities (what
    calibration is fitted on). Ties go to the earlier entry (the default first).
    """
    train = np.asarray(train, np.int64)
    splits = inner_folds(data, train, k=k, seed=seed, inner_cv=inner_cv)
    scores: dict[str, float] = {}
    best: tuple[float, dict, np.ndarray] | None = None
    for params in model_grid(name):
        correct = 0
        oof = np.zeros((len(train), len(GENRES)), np.float64)
        for fit_part, held_part in splits:
            model = make_model(name, seed=seed, params=params)
            fit_on(model, data, view, train[fit_part], None)
            proba = track_probabilities(model, view, train[held_part])
            oof[held_part] = proba
            correct += int((proba.argmax(1) == data.y[train[held_part]]).sum())
        scores[repr(params)] = correct / len(train)
        if best is None or scores[repr(params)] > best[0]:
            best = (scores[repr(params)], params, oof)
    if best is None:
        raise ValueError(f"model {name!r} has no hyper-parameters to try")
    return best[1], scores, best[2]


def run_folds(
    name: str,
    data: StudyData,
    view: View,
    folds: list[Fold],
    *,
    seed: int = 0,
    keep_models: int = 1,
    max_epochs: int | None = None,
    cv: int = 5,
    inner_cv: str = "blocked",
    progress: Callable[[str], None] | None = None,
) -> list[FoldResult]:
    """Fit a fresh ``name`` model per fold; keep the fitted models of the first ``keep_models`` folds.

    A fold without valid tracks has a model with a grid choose its hyper-parameters by ``cv``-fold CV over
    the fold's training tracks (:func:`select_by_cv`, folds by ``inner_cv``), then fit them on all of those
    tracks.
    """
    results = []
    for i, fold in enumerate(folds):
        start = time.perf_counter()
        selected, scores, oof, used = None, None, None, None
        if not len(fold.valid) and model_grid(name):
            params, scores, oof = select_by_cv(name, data, view, fold.train, k=cv, seed=seed, inner_cv=inner_cv)
            selected, used = scores[repr(params)], inner_cv
            if progress:
                progress(
                    f"{name} {fold.name}: {cv}-fold {inner_cv} CV on {len(fold.train)} training tracks chose {params} "
                    f"(CV accuracy {selected:.3f})"
                )
            model = make_model(name, seed=seed, params=params)
        else:
            model = make_model(name, seed=seed, max_epochs=max_epochs)
        fit_on(model, data, view, fold.train, fold.valid)
        seconds = time.perf_counter() - start
        result = FoldResult(
            fold,
            track_probabilities(model, view, fold.valid),
            track_probabilities(model, view, fold.test),
            seconds,
            model if i < keep_models else None,
            selected,
            scores,
            oof,
            used,
        )
        results.append(result)
        if progress:
            acc = float((result.test_proba.argmax(1) == data.y[fold.test]).mean())
            progress(f"{name} {fold.name} ({i + 1}/{len(folds)}): test accuracy {acc:.3f}, {seconds:.1f} s")
    return results
