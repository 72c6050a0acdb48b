"""musicnn's output cache needs no torch, and the entries users already have still hit."""

from __future__ import annotations

import numpy as np
from fresh_python import heavy_modules_after

from musicgenre.backbones.musicnn.cache import ARRAYS, EMBED_VERSION, output_cache

KEY = "0a" + "2" * 62


def test_an_entry_written_before_the_shared_cache_still_hits(tmp_path):
    old = tmp_path / f"MSD_musicnn-v{EMBED_VERSION}" / KEY[:2] / f"{KEY}.npz"
    old.parent.mkdir(parents=True)
    arrays = {name: np.full((2, 3), i, np.float32) for i, name in enumerate(ARRAYS)}
    with open(old, "wb") as f:  # as the previous OutputCache.put wrote it
        np.savez(f, allow_pickle=True, **arrays)
    got = output_cache(tmp_path, "MSD_musicnn").get(KEY)
    assert got is not None and list(got) == list(ARRAYS)
    assert all((got[name] == arrays[name]).all() for name in ARRAYS)
    assert output_cache(tmp_path, "MTT_musicnn").get(KEY) is None


def test_the_library_report_reads_the_cache_without_torch(tmp_path):
    song = tmp_path / "a.wav"
    song.write_bytes(b"a")
    code = f"""
import sys
sys.modules["torch"] = None  # importing torch fails, as without the backbones extra
import numpy as np
from pathlib import Path
from musicgenre.audio import file_hash
from musicgenre.backbones.musicnn.cache import ARRAYS, output_cache
from musicgenre.inference.library import tags_from_cache
root = Path({str(tmp_path)!r})
arrays = {{name: np.ones((2, 50), np.float32) for name in ARRAYS}}
assert output_cache(root / "cache", "MSD_musicnn").put(file_hash(root / "a.wav"), arrays) is None
found = tags_from_cache(["a.wav"], root / "cache", root)
assert list(found) == [0] and found[0].shape == (50,), found
del sys.modules["torch"]
"""
    assert heavy_modules_after(code) == []
