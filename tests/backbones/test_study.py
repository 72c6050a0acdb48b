"""The musicnn view for the study: rows follow the study's clip ids (synthesized labelled folders)."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from musicgenre.backbones import musicnn
from musicgenre.backbones.musicnn.study import add_backbone_view


def _write(path, freq, seed, sr=16000, seconds=3.2):
    t = np.arange(int(sr * seconds)) / sr
    y = 0.3 * np.sin(2 * np.pi * freq * t) + 0.05 * np.random.default_rng(seed).standard_normal(t.size)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, y.astype(np.float32), sr)
    return path


def test_view_rows_follow_the_clip_ids(tmp_path):
    from musicgenre.evaluation.data import StudyData

    root = tmp_path / "data"
    paths = {"jazz/a": _write(root / "jazz" / "a.wav", 220, 1), "rock/b": _write(root / "rock" / "b.wav", 880, 2)}
    # the study's order, deliberately not the folder order
    data = StudyData(str(root), "audio", np.array(["rock/b", "jazz/a"]), np.array([9, 5]))
    out = add_backbone_view(data, root, "musicnn-msd", cache_dir=None)
    view = out.views["musicnn-msd"]
    assert view.x.shape == (2, 753) and view.recipe == "musicnn-msd-max_pool" and not view.per_segment
    expected = musicnn.embed_dataset([paths["rock/b"], paths["jazz/a"]], cache_dir=None)
    np.testing.assert_allclose(view.x, expected, atol=1e-6)
    assert not np.allclose(view.x[0], view.x[1])  # different signals, different rows
    with pytest.raises(ValueError, match="unknown backbone"):
        add_backbone_view(data, root, "musicnn-big", cache_dir=None)
