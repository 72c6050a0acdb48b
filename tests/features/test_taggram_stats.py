"""Per-clip statistics of taggrams: shapes, column layout, values against plain numpy."""

from __future__ import annotations

import numpy as np
import pytest

from musicgenre.features.taggram_stats import FEATURE_SETS, clip_statistics, statistic_names


def test_columns_are_grouped_by_statistic_and_match_numpy(rng):
    frames = rng.random((9, 4)).astype(np.float32)
    clip = np.array([1, 0, 1, 1, 0, 2, 2, 2, 2])
    x = clip_statistics(frames, clip, 3, FEATURE_SETS["quantiles"])
    assert x.shape == (3, 6 * 4) and x.dtype == np.float32
    for c in range(3):
        block = frames[clip == c].astype(np.float64)
        expected = np.concatenate(
            [
                block.mean(0),
                block.max(0),
                block.std(0),
                np.quantile(block, 0.1, axis=0),
                np.median(block, 0),
                np.quantile(block, 0.9, axis=0),
            ]
        )
        np.testing.assert_allclose(x[c], expected, rtol=1e-6)
    assert statistic_names(["rock", "jazz"], ("mean", "max")) == ("mean(rock)", "mean(jazz)", "max(rock)", "max(jazz)")


def test_mean_max_is_the_default_and_bad_input_is_refused():
    frames = np.array([[0.1, 0.9], [0.3, 0.5]], np.float32)
    np.testing.assert_allclose(clip_statistics(frames, np.array([0, 0]), 1), [[0.2, 0.7, 0.3, 0.9]], rtol=1e-6)
    with pytest.raises(ValueError, match="unknown statistic"):
        clip_statistics(frames, np.array([0, 0]), 1, ("mode",))
    with pytest.raises(ValueError, match="at least one frame"):
        clip_statistics(frames, np.array([0, 0]), 2)
