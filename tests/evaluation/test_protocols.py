"""Protocols: right sizes, no track on two sides, segments follow their track."""

from __future__ import annotations

import numpy as np
import pytest

from musicgenre.datasets.gtzan import GTZAN_CLIP_IDS
from musicgenre.evaluation.data import StudyData, View
from musicgenre.evaluation.protocols import Fold, fault_filtered, holdout, kfold, make_folds
from musicgenre.evaluation.runner import fit_on, track_probabilities
from musicgenre.genres import GENRES

IDS = list(GTZAN_CLIP_IDS)
LABELS = np.array([GENRES.index(c.split(".")[0]) for c in IDS])


def _disjoint(fold: Fold) -> bool:
    a, b, c = set(fold.train), set(fold.valid), set(fold.test)
    return not (a & b or a & c or b & c)


def test_fault_filtered_is_443_197_290_of_the_published_lists():
    (fold,) = fault_filtered(IDS)
    assert (len(fold.train), len(fold.valid), len(fold.test)) == (443, 197, 290)
    assert _disjoint(fold)
    from musicgenre.datasets.splits import load_split

    assert sorted(IDS[i] for i in fold.test) == sorted(load_split("filtered", "test"))


def test_fault_filtered_refuses_partial_data():
    with pytest.raises(ValueError, match="lacks"):
        fault_filtered(IDS[:500])


def test_kfold_partitions_every_track_once_with_stratified_folds():
    folds = kfold(LABELS, 10, seed=0)
    assert len(folds) == 10
    tests = np.concatenate([f.test for f in folds])
    assert sorted(tests.tolist()) == list(range(1000))
    for fold in folds:
        assert _disjoint(fold)
        assert len(fold.test) == 100 and len(fold.train) + len(fold.valid) == 900 and len(fold.valid) == 90
        assert np.bincount(LABELS[fold.test], minlength=10).tolist() == [10] * 10
        assert np.bincount(LABELS[fold.valid], minlength=10).tolist() == [9] * 10


def test_kfold_depends_on_the_seed_and_only_on_it():
    a, b, c = kfold(LABELS, 5, seed=1), kfold(LABELS, 5, seed=1), kfold(LABELS, 5, seed=2)
    assert all(np.array_equal(x.test, y.test) for x, y in zip(a, b, strict=True))
    assert not all(np.array_equal(x.test, y.test) for x, y in zip(a, c, strict=True))


def test_holdout_is_one_random_70_15_15_split():
    (fold,) = holdout(LABELS, seed=3)
    assert (len(fold.train), len(fold.valid), len(fold.test)) == (700, 150, 150) and _disjoint(fold)
    assert make_folds("holdout", IDS, LABELS, seed=3)[0].test.tolist() == fold.test.tolist()
    with pytest.raises(ValueError, match="unknown protocol"):
        make_folds("random", IDS, LABELS)


class _Spy:
    """Records what it was fitted on; "predicts" the first ten values of each sample."""

    def fit(self, x, y, x_val=None, y_val=None, **_):
        self.x, self.y, self.x_val = x, y, x_val
        return self

    def predict_proba(self, x):
        return x[:, :10, 0, 0]


def test_segments_of_a_track_never_cross_a_split():
    n_tracks, per_track = 40, 5
    track = np.repeat(np.arange(n_tracks), per_track)
    x = np.zeros((len(track), 11, 1, 1), np.float32)
    x[:, :10, 0, 0] = np.eye(10)[track % 10]
    x[:, 10, 0, 0] = track  # the owner track, written into the sample itself
    view = View("logmel", x, ("v",), "test", 3.0, track=track)
    data = StudyData(
        "synthetic", "audio", np.array([f"t{i}" for i in range(n_tracks)]), np.arange(n_tracks) % 10, {"logmel": view}
    )
    for fold in kfold(data.y, 4, seed=0):
        spy = fit_on(_Spy(), data, view, fold.train, fold.valid)
        seen = set(spy.x[:, 10, 0, 0].astype(int).tolist())
        seen_val = set(spy.x_val[:, 10, 0, 0].astype(int).tolist())
        assert seen == set(fold.train.tolist()) and seen_val == set(fold.valid.tolist())
        assert not (seen | seen_val) & set(fold.test.tolist())
        assert len(spy.x) == per_track * len(fold.train)
        np.testing.assert_array_equal(spy.y, data.y[spy.x[:, 10, 0, 0].astype(int)])
        rows_train, rows_test = view.rows(fold.train), view.rows(fold.test)
        assert not set(track[rows_train]) & set(track[rows_test])


def test_track_probabilities_average_the_segments_of_each_track():
    track = np.array([0, 0, 1, 1, 1, 2])
    x = np.zeros((6, 10, 1, 1), np.float32)
    x[[0, 1, 2, 3, 4, 5], [0, 2, 1, 1, 3, 4], 0, 0] = 1.0
    view = View("logmel", x, ("v",), "test", 3.0, track=track)
    proba = track_probabilities(_Spy(), view, np.array([2, 0, 1]))
    np.testing.assert_allclose(proba[0, 4], 1.0)
    np.testing.assert_allclose(proba[1, [0, 2]], [0.5, 0.5])
    np.testing.assert_allclose(proba[2, [1, 3]], [2 / 3, 1 / 3], rtol=1e-6)
