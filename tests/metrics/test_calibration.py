"""Temperature scaling, ECE, the reliability curve and the uncertainty threshold on synthetic predictions."""

from __future__ import annotations

import numpy as np
import pytest

from musicgenre.metrics.calibration import (
    apply_temperature,
    as_logits,
    expected_calibration_error,
    fit_temperature,
    negative_log_likelihood,
    reliability_curve,
    softmax,
    uncertainty_threshold,
)


def _calibrated(n: int = 20000, classes: int = 10, scale: float = 3.0, seed: int = 0):
    """Logits whose softmax is the true class distribution: labels drawn from softmax(logits)."""
    rng = np.random.default_rng(seed)
    logits = scale * rng.normal(size=(n, classes))
    p = softmax(logits)
    y = (p.cumsum(1) > rng.uniform(size=(n, 1))).argmax(1)
    return logits, p, y


@pytest.mark.parametrize("true_t", [0.5, 1.0, 2.5])
def test_fit_temperature_recovers_a_known_temperature(true_t):
    logits, _, y = _calibrated()
    # the model reports logits * true_t: dividing by true_t gives back the calibrated ones
    t = fit_temperature(logits * true_t, y)
    assert t == pytest.approx(true_t, rel=0.05)


def test_fit_temperature_takes_probabilities_too():
    logits, _, y = _calibrated(seed=1)
    overconfident = softmax(2.0 * logits)
    assert fit_temperature(overconfident, y) == pytest.approx(2.0, rel=0.05)
    assert np.allclose(apply_temperature(overconfident, 2.0), softmax(logits), atol=1e-6)


def test_nll_falls_after_scaling_and_matches_the_definition():
    logits, p, y = _calibrated(n=2000, seed=2)
    assert negative_log_likelihood(p, y) == pytest.approx(-np.mean(np.log(p[np.arange(len(y)), y])), rel=1e-6)
    t = fit_temperature(3 * logits, y)
    assert negative_log_likelihood(3 * logits, y, t) < negative_log_likelihood(3 * logits, y)


def test_ece_small_when_calibrated_large_when_overconfident():
    logits, p, y = _calibrated(seed=3)
    assert expected_calibration_error(p, y) < 0.02
    assert expected_calibration_error(softmax(4 * logits), y) > 0.1
    # a model sure of every answer and right half the time: ECE = 0.5
    sure = np.eye(10)[np.r_[np.zeros(50, int), np.ones(50, int)]]
    assert expected_calibration_error(sure, np.zeros(100, int)) == pytest.approx(0.5)


def test_reliability_curve_bins_and_counts():
    p = np.array([[0.95, 0.05], [0.55, 0.45], [0.5, 0.5], [0.05, 0.95]])
    curve = reliability_curve(p, np.array([0, 1, 0, 0]), n_bins=10)
    assert curve.counts.sum() == 4 and curve.counts[9] == 2 and curve.counts[5] == 1 and curve.counts[4] == 1
    assert curve.accuracy[9] == 0.5 and curve.confidence[9] == pytest.approx(0.95) and curve.accuracy[5] == 0.0
    assert np.isnan(curve.accuracy[0])


def test_as_logits_leaves_logits_alone():
    z = np.array([[2.0, -1.0, 0.5]])
    assert np.array_equal(as_logits(z), z)
    with pytest.raises(ValueError):
        fit_temperature(np.zeros((3, 2)), np.zeros(2, int))


def test_uncertainty_threshold_flags_the_mostly_wrong_low_confidence_predictions():
    rng = np.random.default_rng(4)
    conf = np.r_[rng.uniform(0.2, 0.4, 100), rng.uniform(0.6, 1.0, 300)]
    right = np.r_[rng.uniform(size=100) < 0.2, rng.uniform(size=300) < 0.9]
    y = np.where(right, 0, 1)
    p = np.column_stack([conf, *[(1 - conf) / 9] * 9])  # ten classes, class 0 on top with probability conf
    t, how = uncertainty_threshold(p, y)
    assert 0.39 <= t <= 0.61 and "reaches 50%" in how
    flagged = p.max(1) < t
    assert (p.argmax(1) == y)[flagged].mean() < 0.5
    t2, how2 = uncertainty_threshold(np.column_stack([np.full(50, 0.9), np.full(50, 0.1)]), np.zeros(50, int))
    assert "quantile" in how2 and t2 == pytest.approx(0.9)
