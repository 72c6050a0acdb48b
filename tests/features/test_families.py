"""Feature families on signals the tests make: shapes, pitch classes, silence, shared spectrograms."""

from __future__ import annotations

import numpy as np
import pytest
from signals import SR, clicks, noise, tone

from musicgenre.features import families
from musicgenre.features.spectrum import magnitude

FAMILIES = ["log_mel", "mfcc", "chroma_stft", "chroma_cqt", "spectral_contrast", "tonnetz"]


@pytest.mark.parametrize("n_mfcc", [13, 20, 40])
def test_mfcc_shape(n_mfcc):
    y = noise(2.0)
    m = families.mfcc(y=y, sr=SR, n_mfcc=n_mfcc)
    assert m.shape == (n_mfcc, 1 + y.size // 512)


def test_mfcc_default_is_40_and_accepts_a_log_mel():
    y = clicks(seconds=2.0)
    S = families.log_mel(y=y, sr=SR)
    assert S.shape == (128, 1 + y.size // 512)
    np.testing.assert_allclose(families.mfcc(S=S), families.mfcc(y=y, sr=SR), rtol=1e-5, atol=1e-4)
    assert families.mfcc(y=y).shape[0] == 40


@pytest.mark.parametrize("family", ["chroma_stft", "chroma_cqt"])
@pytest.mark.parametrize(("freq_hz", "pitch_class"), [(440.0, 9), (261.63, 0), (392.0, 7), (311.13, 3)])
def test_pure_tone_chroma_peaks_at_its_pitch_class(family, freq_hz, pitch_class):
    chroma = getattr(families, family)(y=tone(freq_hz, 2.0), sr=SR)
    assert chroma.shape[0] == 12
    profile = chroma[:, 4:-4].mean(axis=1)
    assert int(np.argmax(profile)) == pitch_class
    assert profile[pitch_class] > 2 * np.sort(profile)[-2]  # a clear peak, not a tie


@pytest.mark.parametrize("family", FAMILIES)
def test_silence_gives_finite_features(family):
    out = getattr(families, family)(y=np.zeros(SR * 2, np.float32), sr=SR)
    assert out.ndim == 2 and out.shape[1] == 1 + 2 * SR // 512
    assert np.all(np.isfinite(out))


def test_precomputed_spectrograms_give_the_same_features():
    y = tone(330, 2.0) + noise(2.0, amplitude=0.05)
    np.testing.assert_allclose(
        families.chroma_stft(S=magnitude(y, power=2.0), sr=SR), families.chroma_stft(y=y, sr=SR), atol=1e-6
    )
    np.testing.assert_allclose(
        families.spectral_contrast(S=magnitude(y), sr=SR), families.spectral_contrast(y=y, sr=SR), atol=1e-6
    )
    chroma = families.chroma_cqt(y=y, sr=SR)
    assert families.tonnetz(chroma=chroma, sr=SR).shape == (6, chroma.shape[1])


def test_spectral_contrast_is_higher_for_a_tone_than_for_noise():
    tonal = families.spectral_contrast(y=tone(440, 2.0), sr=SR)
    flat = families.spectral_contrast(y=noise(2.0), sr=SR)
    assert tonal.shape == (7, 1 + 2 * SR // 512)
    assert tonal[2].mean() > flat[2].mean() + 10  # band 400-800 Hz holds the tone: a peak tens of dB over its valley


def test_log_mel_is_in_decibels_with_an_80_db_floor():
    S = families.log_mel(y=tone(1000, 1.0), sr=SR)
    assert S.max() - S.min() <= 80.0 + 1e-3
    assert -100 <= S.min() and S.max() < 100
