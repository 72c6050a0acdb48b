"""Feature families in librosa's calling style: ``f(y=None, sr=22050, S=None, ..., n_fft=2048, hop_length=512)``.

Each takes either the signal ``y`` (mono, ``(n,)``, at ``sr`` Hz) or a precomputed spectrogram so
that one STFT can feed several families (see :mod:`musicgenre.features.spectrum`). Frames are
``n_fft`` samples centred every ``hop_length`` samples: ``t = 1 + n // hop_length`` frames, frame
``j`` at ``j * hop_length / sr`` seconds. Centred frames use ``reflect`` padding (as the public GTZAN
table did). Outputs are ``(n_features, t)`` arrays, float32 (contrast and tonnetz: float64).
"""

from __future__ import annotations

import librosa
import numpy as np

from musicgenre.features.spectrum import PAD_MODE, magnitude

N_FFT = 2048
HOP_LENGTH = 512
N_MELS = 128


def _spectrogram(y: np.ndarray | None, n_fft: int, hop_length: int, power: float = 1.0) -> np.ndarray:
    """``|STFT(y)| ** power`` for a family called with the signal rather than a spectrogram."""
    if y is None:
        raise ValueError("give the signal y or a spectrogram S")
    return magnitude(y, n_fft=n_fft, hop_length=hop_length, power=power)


def log_mel(
    y: np.ndarray | None = None,
    sr: int = 22050,
    S: np.ndarray | None = None,
    n_fft: int = N_FFT,
    hop_length: int = HOP_LENGTH,
    n_mels: int = N_MELS,
    fmin: float = 0.0,
    fmax: float | None = None,
    top_db: float | None = 80.0,
) -> np.ndarray:
    """Log-power mel spectrogram in dB (``10 log10`` of power, ``ref=1``), shape ``(n_mels, t)``.

    ``S`` is an optional power spectrogram ``|STFT|**2`` of shape ``(1 + n_fft // 2, t)``. Bands are
    Slaney-style mel filters between ``fmin`` and ``fmax`` Hz (``sr / 2`` by default); values below
    ``max - top_db`` are clipped, so silence gives -100 dB (librosa's ``amin=1e-10``), never -inf.
    """
    if S is None:
        S = _spectrogram(y, n_fft, hop_length, power=2.0)
    mel = librosa.feature.melspectrogram(S=S, sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)
    return librosa.power_to_db(mel, top_db=top_db)


def mfcc(
    y: np.ndarray | None = None,
    sr: int = 22050,
    S: np.ndarray | None = None,
    n_mfcc: int = 40,
    n_fft: int = N_FFT,
    hop_length: int = HOP_LENGTH,
    n_mels: int = N_MELS,
) -> np.ndarray:
    """Mel-frequency cepstral coefficients, shape ``(n_mfcc, t)``: type-II orthonormal DCT of :func:`log_mel`.

    ``S`` is an optional log-mel spectrogram in dB ``(n_mels, t)`` (e.g. from :func:`log_mel`).
    Coefficient 0 is the overall loudness (dB-scaled); ``n_mfcc`` may be any number up to ``n_mels``.
    """
    if S is None:
        S = log_mel(y, sr=sr, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels)
    return librosa.feature.mfcc(S=S, n_mfcc=n_mfcc)


def chroma_stft(
    y: np.ndarray | None = None,
    sr: int = 22050,
    S: np.ndarray | None = None,
    n_fft: int = N_FFT,
    hop_length: int = HOP_LENGTH,
    tuning: float | None = None,
    n_chroma: int = 12,
) -> np.ndarray:
    """Chromagram from the STFT, shape ``(n_chroma, t)``, each frame scaled so its largest class is 1.

    Row 0 is pitch class C, row 9 is A. ``S`` is an optional power spectrogram ``(1 + n_fft // 2, t)``.
    ``tuning`` (fractions of a bin) is estimated from the spectrum when ``None``, as librosa does.
    """
    if S is None:
        S = _spectrogram(y, n_fft, hop_length, power=2.0)
    return librosa.feature.chroma_stft(S=S, sr=sr, n_fft=n_fft, tuning=tuning, n_chroma=n_chroma)


def chroma_cqt(
    y: np.ndarray | None = None,
    sr: int = 22050,
    C: np.ndarray | None = None,
    hop_length: int = HOP_LENGTH,
    fmin: float | None = None,
    n_octaves: int = 7,
    bins_per_octave: int = 36,
    tuning: float | None = None,
    n_chroma: int = 12,
) -> np.ndarray:
    """Chromagram from a constant-Q transform, shape ``(n_chroma, t)``, frames scaled to a maximum of 1.

    Row 0 is C. ``C`` is an optional CQT magnitude ``(n_octaves * bins_per_octave, t)`` starting at
    ``fmin`` (C1 = 32.7 Hz by default). Finer pitch resolution at low notes than :func:`chroma_stft`,
    about 3x slower.
    """
    return librosa.feature.chroma_cqt(
        y=y,
        sr=sr,
        C=C,
        hop_length=hop_length,
        fmin=fmin,
        n_octaves=n_octaves,
        bins_per_octave=bins_per_octave,
        tuning=tuning,
        n_chroma=n_chroma,
    )


def spectral_contrast(
    y: np.ndarray | None = None,
    sr: int = 22050,
    S: np.ndarray | None = None,
    n_fft: int = N_FFT,
    hop_length: int = HOP_LENGTH,
    fmin: float = 200.0,
    n_bands: int = 6,
) -> np.ndarray:
    """Spectral contrast in dB (peak minus valley per octave band), shape ``(n_bands + 1, t)``.

    ``S`` is an optional magnitude spectrogram ``(1 + n_fft // 2, t)``. Band 0 is below ``fmin`` Hz,
    band k covers ``[fmin * 2**(k-1), fmin * 2**k)``; the last band runs to ``sr / 2``. High values mean
    clear peaks (tonal), low values flat noise-like bands.
    """
    if S is None:
        S = _spectrogram(y, n_fft, hop_length)
    return librosa.feature.spectral_contrast(S=S, sr=sr, n_fft=n_fft, fmin=fmin, n_bands=n_bands)


def tonnetz(
    y: np.ndarray | None = None,
    sr: int = 22050,
    chroma: np.ndarray | None = None,
    hop_length: int = HOP_LENGTH,
) -> np.ndarray:
    """Tonal centroid features (Harte et al. 2006), shape ``(6, t)``, values in [-1, 1].

    Rows: fifths (x, y), minor thirds (x, y), major thirds (x, y). ``chroma`` is an optional
    ``(12, t)`` chromagram; by default librosa's CQT chroma of the harmonic part of ``y``
    (:func:`musicgenre.features.hpss.harmonic`, librosa's ``effects.harmonic`` with fast medians).
    Silent frames give zeros.
    """
    if chroma is None:
        from musicgenre.features.hpss import harmonic

        chroma = chroma_cqt(y=harmonic(np.asarray(y, dtype=np.float32)), sr=sr, hop_length=hop_length)
    out = librosa.feature.tonnetz(sr=sr, chroma=chroma)
    return np.nan_to_num(out, nan=0.0)


__all__ = ["PAD_MODE", "chroma_cqt", "chroma_stft", "log_mel", "mfcc", "spectral_contrast", "tonnetz"]
