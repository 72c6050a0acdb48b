"""Temperature scaling and calibration measures of class probabilities (pure NumPy/SciPy, no I/O).

    t = fit_temperature(oof_proba, y_train)          # on out-of-fold predictions of the training clips only
    calibrated = apply_temperature(test_proba, t)
    expected_calibration_error(calibrated, y_test)   # 15 equal-width confidence bins
    uncertainty_threshold(apply_temperature(oof_proba, t), y_train)

Inputs are either logits or probabilities ``(n, classes)``: rows that are non-negative and sum to 1 are taken as
probabilities and turned into logits by ``log`` (clipped at ``1e-12``), so a model whose only output is
probabilities (a Platt-scaled SVM, a softmaxed ridge score, a mean of frames' probabilities) can be scaled too.
Temperature ``T`` divides the logits: ``T > 1`` softens over-confident probabilities, ``T < 1`` sharpens.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

EPS = 1e-12


def _is_proba(x: np.ndarray) -> bool:
    return bool(np.all(x >= 0) and np.allclose(x.sum(axis=1), 1.0, atol=1e-4))


def as_logits(logits_or_probs: np.ndarray) -> np.ndarray:
    """Logits ``(n, classes)`` float64: probabilities' logs (clipped at ``1e-12``), logits as they are."""
    x = np.asarray(logits_or_probs, np.float64)
    if x.ndim != 2:
        raise ValueError(f"expected (n, classes), got shape {x.shape}")
    return np.log(np.clip(x, EPS, None)) if _is_proba(x) else x


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of ``(n, k)`` logits (scipy's, stable for large values)."""
    return special.softmax(logits, axis=1)


def apply_temperature(logits_or_probs: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities ``softmax(logits / T)``."""
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    return softmax(as_logits(logits_or_probs) / temperature)


def negative_log_likelihood(logits_or_probs: np.ndarray, y: np.ndarray, temperature: float = 1.0) -> float:
    """Mean negative log-likelihood (nats) of the true classes ``y`` under ``softmax(logits / T)``."""
    z = as_logits(logits_or_probs) / temperature
    y = np.asarray(y, np.int64)
    z = z - z.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(z).sum(axis=1))
    return float(np.mean(log_norm - z[np.arange(len(y)), y]))


def fit_temperature(logits_or_probs: np.ndarray, y: np.ndarray, bounds: tuple[float, float] = (0.05, 20.0)) -> float:
    """The temperature minimizing :func:`negative_log_likelihood` on ``(logits_or_probs, y)``.

    A bounded one-dimensional search over ``log T`` (the NLL is smooth and unimodal in it for
    ordinary data). Fit it on held-out predictions (out-of-fold on the training clips), never on test.
    """
    from scipy.optimize import minimize_scalar

    z = as_logits(logits_or_probs)
    y = np.asarray(y, np.int64)
    if len(z) != len(y) or not len(y):
        raise ValueError(f"{len(z)} predictions for {len(y)} labels")
    lo, hi = np.log(bounds[0]), np.log(bounds[1])
    found = minimize_scalar(
        lambda s: negative_log_likelihood(z, y, float(np.exp(s))),
        bounds=(lo, hi),
        method="bounded",
        options={"xatol": 1e-6},
    )
    return float(np.exp(found.x))


@dataclass(frozen=True)
class ReliabilityCurve:
    """Per equal-width confidence bin: its edges, clip count, mean confidence and accuracy (NaN when empty)."""

    edges: np.ndarray
    counts: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray

    @property
    def ece(self) -> float:
        """Expected calibration error: sum over bins of ``count / n * |accuracy - confidence|``."""
        filled = self.counts > 0
        n = self.counts.sum()
        gaps = np.abs(self.accuracy[filled] - self.confidence[filled])
        return float((self.counts[filled] / n * gaps).sum()) if n else float("nan")


def reliability_curve(probs: np.ndarray, y: np.ndarray, n_bins: int = 15) -> ReliabilityCurve:
    """Top-class confidence against accuracy in ``n_bins`` equal-width bins over [0, 1] (right-closed;
    a confidence of exactly 0 falls in the first bin)."""
    p = np.asarray(probs, np.float64)
    y = np.asarray(y, np.int64)
    confidence = p.max(axis=1)
    correct = (p.argmax(axis=1) == y).astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, n_bins - 1)
    counts = np.bincount(which, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        conf = np.bincount(which, confidence, minlength=n_bins) / counts
        acc = np.bincount(which, correct, minlength=n_bins) / counts
    return ReliabilityCurve(edges, counts, conf, acc)


def expected_calibration_error(probs: np.ndarray, y: np.ndarray, n_bins: int = 15) -> float:
    """ECE of the top-class confidence in ``n_bins`` equal-width bins (a fraction in [0, 1])."""
    return reliability_curve(probs, y, n_bins).ece


def uncertainty_threshold(
    probs: np.ndarray, y: np.ndarray, *, below: float = 0.5, min_count: int = 10, fallback_coverage: float = 0.9
) -> tuple[float, str]:
    """A top-probability threshold for flagging predictions as uncertain, and how it was found.

    Accuracy as a function of the top probability is estimated by isotonic regression (non-decreasing) of
    right/wrong on confidence; ``t`` is the lowest observed confidence where that estimate reaches ``below``,
    so the flagged predictions (confidence < ``t``) are those whose estimated accuracy is under ``below``:
    more often wrong than right for 0.5. Needs at least ``min_count`` predictions below ``t``; otherwise ``t`` is
    the confidence quantile that leaves ``fallback_coverage`` of the predictions unflagged. Choose it on held-out
    training predictions (out-of-fold), already calibrated, never on test.
    """
    from sklearn.isotonic import IsotonicRegression

    p = np.asarray(probs, np.float64)
    y = np.asarray(y, np.int64)
    confidence = p.max(axis=1)
    correct = (p.argmax(axis=1) == y).astype(np.float64)
    fitted = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True).fit(confidence, correct).predict(confidence)
    reached = confidence[fitted >= below]
    if len(reached):
        t = float(reached.min())
        n = int((confidence < t).sum())
        if n >= min_count:
            return t, (
                f"lowest calibrated top probability at which the out-of-fold accuracy, estimated by isotonic "
                f"regression of right/wrong on confidence, reaches {below:.0%}: below it predictions were "
                f"more often wrong than right ({n} of {len(confidence)} out-of-fold predictions below, "
                f"{correct[confidence < t].mean():.1%} of them right)"
            )
    t = float(np.quantile(confidence, 1.0 - fallback_coverage))
    return t, (
        f"out-of-fold accuracy (isotonic in confidence) is under {below:.0%} for fewer than {min_count} "
        f"predictions; t = the {1 - fallback_coverage:.0%} quantile of the calibrated top probability "
        f"(coverage {fallback_coverage:.0%})"
    )


__all__ = [
    "ReliabilityCurve",
    "apply_temperature",
    "as_logits",
    "expected_calibration_error",
    "fit_temperature",
    "negative_log_likelihood",
    "reliability_curve",
    "softmax",
    "uncertainty_threshold",
]
