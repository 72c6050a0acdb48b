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
    mel = librosa.feature.melspectrogram(
        y=y, sr=cfg.sample_rate, n_fft=cfg.n_fft, hop_length=cfg.hop_length, n_mels=cfg.n_mels, pad_mode=cfg.pad_mode
    ).T
    whole = np.log10(np.float32(10000) * mel.astype(np.float16).astype(np.float32) + np.float32(1))
    np.testing.assert_allclose(log_mel(y, cfg, block_frames=37), whole, rtol=0, atol=1e-6)


@pytest.mark.parametrize("n", [100, 256, 5 * 16000 + 13])  # shorter than the padding, one frame, many frames
def test_log_mel_frames_from_a_segment_equal_the_whole_signal(n, rng):
    """Any run of frames computed from just the samples it needs (what a streaming reader holds) equals the
    whole-signal spectrogram's rows, at the start, the end and in between; a segment that lacks samples fails."""
    from musicgenre.backbones.musicnn.preprocess import log_mel_frames

    y = rng.standard_normal(n).astype(np.float32)
    whole = log_mel(y)
    n_frames = whole.shape[0]
    for first in sorted({f for f in (0, 1, n_frames // 3, n_frames - 5, n_frames - 1) if 0 <= f < n_frames}):
        for count in sorted({min(c, n_frames - first) for c in (1, 5, n_frames)}):
            a = max(first * 256 - 256 - 37, 0)
            b = min((first + count - 1) * 256 + 256 + 11, n)
            np.testing.assert_array_equal(log_mel_frames(y[a:b], a, first, count, n), whole[first : first + count])
    if n_frames > 3:
        with pytest.raises(ValueError, match="do not cover"):
            log_mel_frames(y[300:], 300, 0, 2, n)  # frame 0 needs samples from 0
