"""musicnn's input pipeline: frames, patches, short clips."""

from __future__ import annotations

import numpy as np
import pytest

from musicgenre.backbones.musicnn import InputConfig, log_mel, to_patches
from musicgenre.backbones.musicnn.preprocess import patch_starts


def test_log_mel_shape_and_range():
    sr = 16000
    y = 0.5 * np.sin(2 * np.pi * 1000 * np.arange(sr * 2) / sr).astype(np.float32)
    spec = log_mel(y)
    assert spec.shape == (1 + y.size // 256, 96)
    assert spec.dtype == np.float32 and np.isfinite(spec).all() and spec.min() >= 0
    # the 1 kHz tone's energy lies in the bands around 1 kHz, not at the top
    assert spec[10:-10].mean(0).argmax() in range(20, 45)
    # a loud signal stays finite (the float16 rounding must not overflow the log)
    assert np.isfinite(log_mel(np.clip(y * 100, -1, 1))).all()


def test_patches_do_not_overlap_and_drop_the_tail():
    cfg = InputConfig()
    assert list(patch_starts(1876, cfg)) == [187 * i for i in range(10)]  # a 30 s clip -> 10 patches
    spec = np.arange(400 * 96, dtype=np.float32).reshape(400, 96)
    patches = to_patches(spec)
    assert patches.shape == (2, 187, 96)
    np.testing.assert_array_equal(patches[1], spec[187:374])
    assert np.shares_memory(patches, spec)  # a view: an hour of audio is not held twice


def test_short_input_is_repeated_to_one_patch():
    spec = np.arange(50 * 96, dtype=np.float32).reshape(50, 96)
    patches = to_patches(spec)
    assert patches.shape == (1, 187, 96)
    np.testing.assert_array_equal(patches[0, 50:100], spec)
    with pytest.raises(ValueError):
        to_patches(np.zeros((0, 96), np.float32))


def test_analyze_refuses_short_and_silent_signals_and_repeats_short_clips():
    from musicgenre.audio import AudioError
    from musicgenre.backbones.musicnn import analyze

    sr = 16000
    t = np.arange(int(1.5 * sr)) / sr
    y = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    result = analyze(y, sr)
    assert result.repeated and result.duration_s == pytest.approx(1.5) and result.taggram.shape == (1, 50)
    assert not analyze(np.tile(y, 3), sr).repeated
    with pytest.raises(AudioError, match=r"^signal: too short for musicnn: 0.50 s \(needs at least 1 s\)$"):
        analyze(y[: sr // 2], sr)
    with pytest.raises(AudioError, match=r"^signal: silent"):
        analyze(np.zeros(3 * sr, np.float32), sr)
    # without the checks the network still runs on silence (the original had no such checks)
    assert analyze(np.zeros(3 * sr, np.float32), sr, check=False).taggram.shape == (1, 50)


@pytest.mark.parametrize("seconds", [0.01, 0.02, 5.0, 5.0 + 255 / 16000])  # shorter than the padding, than a
# frame; many blocks; one sample short of a whole number of hops
@pytest.mark.parametrize("pad_mode", ["reflect", "constant"])
def test_log_mel_in_blocks_equals_librosa_on_the_whole_signal(seconds, pad_mode, rng):
    """Block by block (bounded memory for long tracks) gives the whole-signal spectrogram, value for value."""
    import librosa

    cfg = InputConfig(pad_mode=pad_mode)
    t = np.arange(int(seconds * cfg.sample_rate)) / cfg.sample_rate
    y = (0.3 * np.sin(2 * np.pi * 440 * t) + 0.05 * rng.standard_normal(t.size)).astype(np.float32)
    mel = librosa.feature.melspectrogram(y=y, sr=cfg.sample_rate, n_fft=cfg.n_fft, hop_length=cfg.hop_length,
                                         n_mels=cfg.n_mels, pad_mode=cfg.pad_mode).T
    whole = np.log10(np.float32(10000) * mel.astype(np.float16).astype(np.float32) + np.float32(1))
    np.testing.assert_allclose(log_mel(y, cfg, block_frames=37), whole, rtol=0, atol=1e-6)
