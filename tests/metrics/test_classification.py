"""Metrics: bootstrap intervals, confusion, macro F1, per-genre rows."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score

from musicgenre.metrics.classification import (
    bootstrap_interval,
    confusion,
    grouped_bootstrap_interval,
    macro_f1,
    per_genre,
    summarise,
)


def test_bootstrap_interval_brackets_the_mean_and_narrows_with_more_clips():
    rng = np.random.default_rng(0)
    small, large = rng.random(100) < 0.6, rng.random(2000) < 0.6
    lo_s, hi_s = bootstrap_interval(small)
    lo_l, hi_l = bootstrap_interval(large)
    assert lo_s <= small.mean() <= hi_s and lo_l <= large.mean() <= hi_l
    assert (hi_l - lo_l) < 0.5 * (hi_s - lo_s)
    # binomial standard error: the 95 % width is close to 4 * sqrt(p (1 - p) / n)
    assert abs((hi_l - lo_l) - 3.92 * np.sqrt(0.24 / 2000)) < 0.01
    assert bootstrap_interval(np.ones(50)) == (1.0, 1.0)
    assert all(np.isnan(bootstrap_interval(np.array([]))))


def test_confusion_and_macro_f1_agree_with_scikit_learn():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 10, 300)
    pred = np.where(rng.random(300) < 0.7, y, rng.integers(0, 10, 300))
    matrix = confusion(y, pred)
    assert matrix.sum() == 300 and np.trace(matrix) == int((y == pred).sum())
    assert matrix[y[0], pred[0]] >= 1
    assert abs(macro_f1(y, pred) - f1_score(y, pred, average="macro")) < 1e-12


def test_per_genre_rows_and_summary():
    y = np.array([0, 0, 1, 1, 1, 9])
    pred = np.array([0, 1, 1, 1, 0, 9])
    table = per_genre(y, pred)
    assert list(table.columns) == ["genre", "n", "correct", "accuracy", "ci_low", "ci_high"]
    assert table.loc[0, ["n", "correct"]].tolist() == [2, 1] and table.loc[1, "accuracy"] == 2 / 3
    assert table.loc[9, "accuracy"] == 1.0 and np.isnan(table.loc[5, "accuracy"])
    summary = summarise(y, pred)
    assert summary["n_test"] == 6 and summary["accuracy"] == 4 / 6
    assert summary["ci_low"] <= 4 / 6 <= summary["ci_high"]


def test_grouped_bootstrap_resamples_whole_groups():
    rng = np.random.default_rng(1)
    correct = rng.random(200) < 0.7
    # one item per group: the same draws as the plain bootstrap
    assert grouped_bootstrap_interval(correct, np.arange(200)) == bootstrap_interval(correct)
    # 10 artists of 20 tracks, each artist all right or all wrong: the interval is as wide as 10 draws allow
    artists = np.repeat(np.arange(10), 20)
    together = np.repeat(rng.random(10) < 0.7, 20)
    low, high = grouped_bootstrap_interval(together, artists)
    plain_low, plain_high = bootstrap_interval(together)
    assert low <= together.mean() <= high
    assert high - low > 2.5 * (plain_high - plain_low)
    assert np.isnan(grouped_bootstrap_interval(np.array([]), np.array([]))).all()
