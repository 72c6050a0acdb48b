"""The fast kaggle30 path piece by piece against librosa/scipy, block invariance, silence and memory."""

from __future__ import annotations

import tracemalloc

import librosa
import numpy as np
import pytest
import scipy.ndimage
from signals import SR, clicks, noise, tone

from musicgenre.features import framewise, hpss, kaggle30
from musicgenre.features.kaggle30 import KAGGLE30_COLUMNS, kaggle30_features, kaggle30_reference


def music_like(seconds: float = 8.0) -> np.ndarray:
    """A chord, a click track and some noise: harmonic and percussive parts both present."""
    chord = tone(220, seconds) + tone(277.18, seconds, amplitude=0.3) + tone(329.63, seconds, amplitude=0.3)
    return (0.5 * chord + clicks(bpm=100, seconds=seconds) + noise(seconds, amplitude=0.02)).astype(np.float32)


@pytest.mark.parametrize("shape", [(200, 300), (7, 12)])  # the small one is shorter than the window both ways
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("offset", [0.0, -0.5])  # magnitudes are compared as bit patterns, signed data as floats
def test_moving_median_equals_scipy_reflect(axis, shape, offset, rng):
    S = (rng.random(shape) ** 3 + offset).astype(np.float32)
    size = [1, 1]
    size[axis] = 31
    expected = scipy.ndimage.median_filter(S, size=tuple(size), mode="reflect")
    np.testing.assert_array_equal(hpss.median_filter(S, 31, axis=axis), expected)


def test_spectral_shape_equals_librosa_on_awkward_frames(rng):
    """Random spectra, all-zero frames, energy only in the last bin: roll-off bin for bin as librosa."""
    S = (rng.random((300, 1025)) ** 8).astype(np.float32)
    S[:20] = 0.0
    S[20:40, :-1] = 0.0
    S[40:60, 700:] *= 1000
    freq = librosa.fft_frequencies(sr=SR)
    centroid, _, rolloff = framewise.spectral_shape(S, freq)
    np.testing.assert_array_equal(rolloff, librosa.feature.spectral_rolloff(S=S.T, sr=SR)[0])
    assert (rolloff[:20] == 0).all() and (rolloff[20:40] == freq[-1]).all() and (centroid[:20] == 0).all()


def test_harmonic_part_equals_librosa():
    y = music_like(4.0)
    np.testing.assert_allclose(hpss.harmonic(y), librosa.effects.harmonic(y), atol=1e-5)


def test_hpss_masks_equal_librosa_and_sum_to_one():
    S = np.abs(librosa.stft(music_like(4.0)))
    harm, perc = hpss.hpss_masks(S)
    lib_harm, lib_perc = librosa.decompose.hpss(S, mask=True)
    np.testing.assert_allclose(harm, lib_harm, atol=1e-5)
    np.testing.assert_allclose(harm + perc, 1.0, atol=1e-6)


def test_framewise_pieces_equal_librosa():
    y = music_like(5.0)
    y[1000:3000] = 0.0  # exact zeros for the zero-crossing threshold
    ypad = np.pad(y, 1024, mode="reflect")
    n_frames = 1 + y.size // 512
    D = framewise.stft_frames(ypad, 0, n_frames)
    np.testing.assert_allclose(D.T, librosa.stft(y, pad_mode="reflect"), atol=2e-4)
    S = np.abs(D)
    centroid, bandwidth, rolloff = framewise.spectral_shape(S, librosa.fft_frequencies(sr=SR))
    np.testing.assert_allclose(centroid, librosa.feature.spectral_centroid(S=S.T, sr=SR)[0], rtol=1e-5)
    np.testing.assert_allclose(bandwidth, librosa.feature.spectral_bandwidth(S=S.T, sr=SR)[0], rtol=1e-4)
    np.testing.assert_allclose(rolloff, librosa.feature.spectral_rolloff(S=S.T, sr=SR)[0], atol=11.0)  # one bin
    np.testing.assert_allclose(
        framewise.rms(ypad, n_frames), librosa.feature.rms(y=y, pad_mode="reflect")[0], rtol=1e-5
    )
    np.testing.assert_array_equal(
        framewise.zero_crossing_rate(y, 0, n_frames), librosa.feature.zero_crossing_rate(y)[0]
    )
    P = (S**2).T
    assert framewise.tuning_from_peaks(*framewise.tuning_peaks(P)) == librosa.estimate_tuning(
        S=P, sr=SR, bins_per_octave=12
    )
    onset = librosa.onset.onset_strength(y=y, sr=SR, aggregate=np.median)
    expected = librosa.feature.tempogram(onset_envelope=onset, sr=SR, win_length=384).mean(axis=1)
    np.testing.assert_allclose(framewise.mean_tempogram(onset, 384, block=50), expected, atol=1e-5)


def test_overlap_add_inverts_the_stft():
    y = music_like(3.0)
    ypad = np.pad(y, 1024, mode="reflect")
    n_frames = 1 + y.size // 512
    summed, wss = framewise.overlap_add(framewise.stft_frames(ypad, 0, n_frames))
    inverse = summed[1024 : 1024 + (n_frames - 1) * 512] / wss[1024 : 1024 + (n_frames - 1) * 512]
    np.testing.assert_allclose(inverse, y[: inverse.size], atol=1e-5)


def test_fast_equals_reference_on_a_synthesized_signal():
    y = music_like(10.0)
    fast, reference = kaggle30_features(y), kaggle30_reference(y)
    for name, a, b in zip(KAGGLE30_COLUMNS, fast, reference, strict=True):
        assert a == pytest.approx(b, rel=1e-4, abs=1e-7), name


def test_blocks_give_the_same_numbers_as_one_block(monkeypatch):
    """Long signals are cut into blocks with context; the statistics must not depend on the cut."""
    y = music_like(12.0)  # 517 frames
    whole = kaggle30_features(y)
    monkeypatch.setattr(kaggle30, "BLOCK_FRAMES", 100)
    np.testing.assert_allclose(kaggle30_features(y), whole, rtol=1e-7, atol=1e-12)  # summation order only


@pytest.mark.parametrize("recipe", [kaggle30_features, kaggle30_reference])
def test_silence_and_tiny_inputs_give_finite_features(recipe):
    for y in (np.zeros(SR * 3, np.float32), np.zeros(100, np.float32), tone(440, 0.05)):
        out = recipe(y)
        assert out.shape == (57,) and np.all(np.isfinite(out))
    silent = recipe(np.zeros(SR * 3, np.float32))
    values = dict(zip(KAGGLE30_COLUMNS, silent, strict=True))
    assert values["rms_mean"] == 0.0 and values["zero_crossing_rate_mean"] == 0.0 and values["harmony_var"] == 0.0


def test_pure_tone_statistics_make_sense():
    values = dict(zip(KAGGLE30_COLUMNS, kaggle30_features(tone(1000, 5.0, amplitude=0.5)), strict=True))
    assert values["spectral_centroid_mean"] == pytest.approx(1000, rel=0.02)
    assert values["rms_mean"] == pytest.approx(0.5 / np.sqrt(2), rel=0.01)
    assert values["zero_crossing_rate_mean"] == pytest.approx(2 * 1000 / SR, rel=0.02)
    assert values["harmony_var"] > 50 * values["perceptr_var"]  # a steady tone is harmonic


def test_rejects_non_mono_input():
    with pytest.raises(ValueError, match="mono"):
        kaggle30_features(np.zeros((2, SR), np.float32))


@pytest.mark.slow
def test_ten_minutes_stay_within_bounded_memory():
    """Measured: the fast path peaks near 145 MB for 10 minutes (one block of 2048 frames plus
    ~0.6 kB per frame); computing it on the whole spectrogram at once peaked at 1.0 GB."""
    y = music_like(600.0)
    tracemalloc.start()
    try:
        out = kaggle30_features(y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert np.all(np.isfinite(out))
    assert peak < 220e6, f"peak {peak / 1e6:.0f} MB"
