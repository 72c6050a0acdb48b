"""Stratified k-fold and its grouped variant (segments of a track never on both sides)."""

from __future__ import annotations

import numpy as np
import pytest

from musicgenre.datasets import grouped_kfold, stratified_kfold
from musicgenre.datasets.kfold import grouped_kfold_covering


def test_stratified_kfold_sizes_and_cover():
    labels = np.repeat(np.arange(10), 100)  # GTZAN-shaped: 10 genres x 100 clips
    folds = list(stratified_kfold(labels, k=10, seed=0))
    assert len(folds) == 10
    tested = np.concatenate([test for _, test in folds])
    assert np.array_equal(np.sort(tested), np.arange(1000))  # each clip tested exactly once
    for train, test in folds:
        assert test.size == 100 and train.size == 900 and train.dtype == np.int64
        assert np.intersect1d(train, test).size == 0
        assert np.array_equal(np.bincount(labels[test], minlength=10), np.full(10, 10))


def test_stratified_kfold_seed():
    labels = np.repeat(np.arange(4), 20)
    same = [t for _, t in stratified_kfold(labels, 5, seed=3)], [t for _, t in stratified_kfold(labels, 5, seed=3)]
    other = [t for _, t in stratified_kfold(labels, 5, seed=4)]
    assert all(np.array_equal(a, b) for a, b in zip(*same, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(same[0], other, strict=True))


def test_grouped_kfold_never_leaks_a_track():
    n_tracks, n_segments = 60, 10
    track_labels = np.repeat(np.arange(6), 10)
    labels = np.repeat(track_labels, n_segments)
    groups = np.repeat([f"t{i:02d}" for i in range(n_tracks)], n_segments)
    folds = list(grouped_kfold(labels, groups, k=5, seed=0))
    tested = np.concatenate([test for _, test in folds])
    assert np.array_equal(np.sort(tested), np.arange(labels.size))
    for train, test in folds:
        assert set(groups[train]).isdisjoint(groups[test])
        assert test.size == 120  # whole tracks only: 12 tracks of 10 segments
        assert np.array_equal(np.bincount(labels[test], minlength=6), np.full(6, 20))  # still stratified


def test_plain_kfold_on_segments_would_leak():
    """Why the grouped variant exists: folding segments independently splits tracks across sides."""
    labels = np.repeat(np.repeat(np.arange(6), 10), 10)
    groups = np.repeat(np.arange(60), 10)
    train, test = next(stratified_kfold(labels, k=5, seed=0))
    assert not set(groups[train]).isdisjoint(groups[test])


def test_bad_arguments():
    with pytest.raises(ValueError, match="cannot make 5 folds of 3 groups"):
        list(grouped_kfold(np.zeros(9), np.repeat([1, 2, 3], 3), k=5))
    with pytest.raises(ValueError, match="shape"):
        list(grouped_kfold(np.zeros(4), np.zeros(5), k=2))
    with pytest.raises(ValueError, match="at least 2"):
        list(stratified_kfold(np.zeros(4), k=1))


def test_blocked_kfold_cuts_each_label_into_contiguous_number_blocks():
    from musicgenre.datasets import blocked_kfold

    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1, 2], [10, 12, 7])
    numbers = np.concatenate([rng.permutation(10), rng.permutation(12) + 50, rng.permutation(7)])
    folds = list(blocked_kfold(labels, numbers, k=3))
    assert len(folds) == 3
    assert sorted(np.concatenate([t for _, t in folds]).tolist()) == list(range(labels.size))
    for train, test in folds:
        assert not set(train) & set(test) and len(train) + len(test) == labels.size
        for label in (0, 1, 2):
            held = np.sort(numbers[test][labels[test] == label])
            assert len(held) >= 2 and np.all(np.diff(held) == 1)  # one contiguous run of numbers per label
    first = folds[0][1]
    assert sorted(numbers[first][labels[first] == 0].tolist()) == [0, 1, 2, 3]  # array_split: 4, 3, 3
    with pytest.raises(ValueError, match="fewer than 8 folds"):
        list(blocked_kfold(labels, numbers, k=8))


def test_grouped_kfold_covering_keeps_artists_on_one_side_and_every_genre_in_training():
    rng = np.random.default_rng(0)
    # 3 genres; artists of 1-6 tracks each, one artist with tracks in two genres
    labels, groups = [], []
    for genre in range(3):
        for artist in range(4):
            n = int(rng.integers(1, 7))
            labels += [genre] * n
            groups += [f"g{genre}a{artist}"] * n
    labels += [0, 1]
    groups += ["both", "both"]
    labels, groups = np.array(labels), np.array(groups)
    folds = grouped_kfold_covering(labels, groups, k=5, seed=0)
    assert len(folds) == 4  # each genre has 4 or 5 artists: at most 4 folds hold one of each out
    tested = np.sort(np.concatenate([test for _, test in folds]))
    assert np.array_equal(tested, np.arange(labels.size))
    for train, test in folds:
        assert not set(groups[train]) & set(groups[test])  # no artist on both sides
        assert set(labels[train]) == {0, 1, 2}


def test_grouped_kfold_covering_refuses_a_genre_of_one_artist():
    labels = np.array([0, 0, 0, 1, 1, 1])
    with pytest.raises(ValueError, match="one group only: 1"):
        grouped_kfold_covering(labels, np.array(["a", "b", "c", "d", "d", "d"]), k=3)
