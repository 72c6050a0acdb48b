"""Scores of predicted genres, each with a 95 % bootstrap interval over the scored clips."""

from __future__ import annotations

import numpy as np
import pandas as pd

from musicgenre.genres import GENRES

N_BOOT = 2000


def bootstrap_interval(
    correct: np.ndarray, *, n_boot: int = N_BOOT, level: float = 0.95, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``correct`` (bool/0-1, shape ``(n,)``).

    Resamples the clips with replacement ``n_boot`` times; returns ``(low, high)`` fractions.
    An empty input gives ``(nan, nan)``.
    """
    correct = np.asarray(correct, dtype=float)
    if correct.size == 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = correct[rng.integers(0, correct.size, size=(n_boot, correct.size))].mean(axis=1)
    tail = (1 - level) / 2
    return float(np.quantile(means, tail)), float(np.quantile(means, 1 - tail))


def grouped_bootstrap_interval(
    correct: np.ndarray, groups: np.ndarray, *, n_boot: int = N_BOOT, level: float = 0.95, seed: int = 0
) -> tuple[float, float]:
    """Like :func:`bootstrap_interval`, resampling whole groups (``groups`` ``(n,)``, e.g. each track's artist).

    Tracks of one artist succeed or fail together more than strangers do; resampling them as one keeps the
    interval from claiming more certainty than the number of artists allows. Empty input: ``(nan, nan)``.
    """
    correct = np.asarray(correct, dtype=float)
    if correct.size == 0:
        return float("nan"), float("nan")
    _, member = np.unique(np.asarray(groups), return_inverse=True)
    hits = np.bincount(member, weights=correct)
    sizes = np.bincount(member).astype(float)
    picks = np.random.default_rng(seed).integers(0, hits.size, size=(n_boot, hits.size))
    means = hits[picks].sum(axis=1) / sizes[picks].sum(axis=1)
    tail = (1 - level) / 2
    return float(np.quantile(means, tail)), float(np.quantile(means, 1 - tail))


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = len(GENRES)) -> np.ndarray:
    """Counts ``(n_classes, n_classes)``: rows true genre, columns predicted genre."""
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(y_true, int), np.asarray(y_pred, int)), 1)
    return matrix


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = len(GENRES)) -> float:
    """Unweighted mean of per-genre F1 over the genres present in ``y_true``."""
    matrix = confusion(y_true, y_pred, n_classes)
    tp = np.diag(matrix).astype(float)
    support, predicted = matrix.sum(1), matrix.sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(support + predicted > 0, 2 * tp / (support + predicted), 0.0)
    present = support > 0
    return float(f1[present].mean()) if present.any() else float("nan")


def per_genre(y_true: np.ndarray, y_pred: np.ndarray, *, seed: int = 0) -> pd.DataFrame:
    """One row per genre: ``genre, n, correct, accuracy, ci_low, ci_high`` (recall of that genre)."""
    y_true, y_pred = np.asarray(y_true, int), np.asarray(y_pred, int)
    rows = []
    for index, genre in enumerate(GENRES):
        hits = y_pred[y_true == index] == index
        low, high = bootstrap_interval(hits, seed=seed)
        rows.append(
            {
                "genre": genre,
                "n": int(hits.size),
                "correct": int(hits.sum()),
                "accuracy": float(hits.mean()) if hits.size else float("nan"),
                "ci_low": low,
                "ci_high": high,
            }
        )
    return pd.DataFrame(rows)


def summarise(y_true: np.ndarray, y_pred: np.ndarray, *, seed: int = 0) -> dict[str, float]:
    """``accuracy, ci_low, ci_high, macro_f1, n_test`` of one set of predictions."""
    correct = np.asarray(y_true) == np.asarray(y_pred)
    low, high = bootstrap_interval(correct, seed=seed)
    return {
        "accuracy": float(correct.mean()) if correct.size else float("nan"),
        "ci_low": low,
        "ci_high": high,
        "macro_f1": macro_f1(y_true, y_pred),
        "n_test": int(correct.size),
    }
