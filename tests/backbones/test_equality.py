"""Our PyTorch musicnn against the ORIGINAL musicnn code run under TensorFlow (fixtures by tools/musicnn_reference.py).

Tolerance: 1e-4 absolute for taggram, mean_pool and penultimate (observed: below 7e-6). max_pool
holds the mid-end's residual sums, up to ~150, where TensorFlow's own float32 result differs from a
float64 evaluation of the same graph by up to 1.8e-4: it is checked at max(1e-4, 2e-6 * the layer's
largest value), i.e. about 3e-4 (observed: up to 1.9e-4).
"""

from __future__ import annotations

import numpy as np
import pytest
from backbones.musicnn_ref import FIXTURES, reference

from musicgenre.audio import load
from musicgenre.backbones import musicnn
from musicgenre.backbones.musicnn.extract import run_patches

MODELS = ("MSD_musicnn", "MTT_musicnn")
CLIPS = ("metal00000", "classical00000", "synth16k")
ATOL = 1e-4
FLOAT32_SCALE = 2e-6  # float32 noise relative to a layer's largest magnitude


def tolerance(key: str, expected: np.ndarray) -> float:
    if key == "max_pool":
        return max(ATOL, FLOAT32_SCALE * float(np.abs(expected).max()))
    return ATOL


def assert_matches(ours: dict[str, np.ndarray], ref: dict[str, np.ndarray], n: int | None = None) -> None:
    for key in ("taggram", "max_pool", "mean_pool", "penultimate"):
        expected = ref[key][:n] if n else ref[key]
        assert ours[key].shape == expected.shape, key
        np.testing.assert_allclose(ours[key], expected, atol=tolerance(key, expected), rtol=0, err_msg=key)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("clip", CLIPS)
def test_network_matches_tensorflow_on_the_same_input(clip, model):
    ref = reference(clip, model)
    ours = run_patches(musicnn.load_model(model), ref["input"])
    assert_matches(ours, ref, n=len(ref["input"]))


@pytest.mark.parametrize("model", MODELS)
def test_synthesized_file_end_to_end(model):
    ref = reference("synth16k", model)
    result = musicnn.analyze(FIXTURES / "synth16k.wav", model=model)
    assert result.taggram.shape == (int(ref["n_patches"]), 50)
    assert_matches(vars(result), ref)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("clip,path", [("metal00000", "metal/metal.00000.wav"), ("classical00000", "classical/classical.00000.wav")])
def test_gtzan_clip_end_to_end(shared_audio, clip, path, model):
    ref = reference(clip, model)
    y = load(shared_audio / path, sr=16000)
    patches = musicnn.patches_from_signal(y)
    np.testing.assert_allclose(patches[: len(ref["input"])], ref["input"], atol=1e-5)  # same log-mel as librosa in the original
    result = musicnn.analyze(shared_audio / path, model=model)
    assert_matches(vars(result), ref)
