"""``FeatureCache`` on :class:`~musicgenre.audio.cache.ContentCache`: the entries users already have still hit."""

from __future__ import annotations

import numpy as np

from musicgenre.features.cache import FeatureCache
from musicgenre.features.recipes import FEATURE_VERSION

KEY = "ef" + "1" * 62


def test_an_entry_written_before_the_shared_cache_still_hits(tmp_path):
    old = tmp_path / f"kaggle30-v{FEATURE_VERSION}" / KEY[:2] / f"{KEY}.npz"
    old.parent.mkdir(parents=True)
    with open(old, "wb") as f:  # as the previous FeatureCache.put wrote it
        np.savez(f, values=np.arange(57, dtype=np.float64), length=np.int64(661794))
    row = FeatureCache(tmp_path, "kaggle30").get(KEY, 57)
    assert row is not None and row.length == 661794 and row.values.tolist() == list(range(57))
    assert FeatureCache(tmp_path, "kaggle30").get(KEY, 58) is None  # another recipe size: recomputed


def test_roundtrip_and_a_failure_to_write_is_not_an_error(tmp_path):
    cache = FeatureCache(tmp_path, "r")
    cache.put(KEY, np.ones(4, dtype=np.float32), 22050)
    row = cache.get(KEY, 4)
    assert row is not None and row.values.dtype == np.float64 and row.length == 22050
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    FeatureCache(blocker, "r").put(KEY, np.ones(4), 1)  # no exception
    assert FeatureCache(blocker, "r").get(KEY, 4) is None


def test_an_entry_with_a_bad_length_is_a_miss(tmp_path):
    cache = FeatureCache(tmp_path, "r")
    cache.entries.put(KEY, {"values": np.ones(4), "length": np.arange(2)})
    assert cache.get(KEY, 4) is None
