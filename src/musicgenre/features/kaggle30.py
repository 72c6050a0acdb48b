"""The ``kaggle30`` recipe: the 57 per-clip statistics of the public GTZAN table ``features_30_sec.csv``.

The table (Kaggle "GTZAN Dataset - Music Genre Classification") was made with an older librosa
(0.7/0.8 era). Today's librosa 0.11 reproduces it to float rounding (relative error ~1e-7 on the
real clips) once three old defaults are restored:

* ``pad_mode="reflect"`` for every centred STFT and for ``rms`` (librosa 0.10 changed the default
  to zero padding, which moves the variances by ~0.1 %);
* ``effects.hpss`` inverted *without* ``length=``, i.e. ``istft`` returns ``(n_frames - 1) * hop``
  samples and the tail is zero-filled to the input length (what old ``util.fix_length`` did);
* statistics are ``np.mean`` and ``np.var`` (population variance, ``ddof=0``) over all frames
  (for harmony/perceptr: over all samples of the time-domain signals).

Chroma keeps librosa's default tuning estimation (``tuning=None``), tempo is the global estimate of
``beat_track`` (``feature.tempo`` with ``aggregate=np.mean`` over the default onset envelope), MFCC
are librosa's 20 default coefficients (128 mel bands, power to dB with ``ref=1``, ``top_db=80``).

Two implementations, same 57 numbers in :data:`KAGGLE30_COLUMNS` order:

* :func:`kaggle30_reference` - plain librosa calls, one per feature, each recomputing its own
  STFT (about 1.2 s per 30 s clip on one core, most of it in scipy's HPSS median filters);
* :func:`kaggle30_features` - the fast path used for prediction: one STFT shared by every spectral
  feature, one mel spectrogram shared by MFCC and the onset envelope, HPSS median filters from
  ``bottleneck.move_median``, one inverse STFT (the percussive part is the input minus the
  harmonic part, because the two soft masks sum to one).
"""

from __future__ import annotations

import librosa
import numpy as np

from musicgenre.features.hpss import hpss_signals
from musicgenre.features.spectrum import PAD_MODE, stft

#: Sample rate of the table's audio (Hz); the recipe's frames are 2048 samples with a 512-sample hop.
KAGGLE30_SR = 22050
N_FFT = 2048
HOP_LENGTH = 512
N_MFCC = 20

_FRAME_FEATURES = (
    "chroma_stft",
    "rms",
    "spectral_centroid",
    "spectral_bandwidth",
    "rolloff",
    "zero_crossing_rate",
    "harmony",
    "perceptr",
)

#: The 57 statistic names, in the column order of ``features_30_sec.csv`` (between ``length`` and ``label``).
KAGGLE30_COLUMNS: tuple[str, ...] = (
    *(f"{name}_{stat}" for name in _FRAME_FEATURES for stat in ("mean", "var")),
    "tempo",
    *(f"mfcc{i}_{stat}" for i in range(1, N_MFCC + 1) for stat in ("mean", "var")),
)
assert len(KAGGLE30_COLUMNS) == 57


def _pad_short(y: np.ndarray) -> np.ndarray:
    """Zero-pad signals shorter than one frame (``N_FFT`` samples) so every feature has a frame."""
    y = np.ascontiguousarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise ValueError(f"expected a mono signal of shape (n,), got shape {y.shape}")
    return np.pad(y, (0, N_FFT - y.size)) if y.size < N_FFT else y


def _mean_var(x: np.ndarray) -> tuple[float, float]:
    """Mean and population variance (ddof=0) over every element, in float64."""
    x = np.asarray(x, dtype=np.float64)
    return float(x.mean()), float(x.var())


def _assemble(stats: dict[str, np.ndarray | tuple[float, float]], tempo: float, mfcc: np.ndarray) -> np.ndarray:
    """Order the statistics as :data:`KAGGLE30_COLUMNS`; ``mfcc`` is ``(20, t)``."""
    out: list[float] = []
    for name in _FRAME_FEATURES:
        value = stats[name]
        out.extend(value if isinstance(value, tuple) else _mean_var(value))
    out.append(float(tempo))
    m = np.asarray(mfcc, dtype=np.float64)
    for row_mean, row_var in zip(m.mean(axis=1), m.var(axis=1)):
        out.extend((float(row_mean), float(row_var)))
    return np.asarray(out, dtype=np.float64)


def kaggle30_reference(y: np.ndarray, sr: int = KAGGLE30_SR) -> np.ndarray:
    """The 57 table statistics of signal ``y`` (mono, ``(n,)``, at ``sr`` Hz) with plain librosa calls.

    Each feature is one documented librosa call with the table's old defaults restored (see the
    module docstring). Slow on purpose: it is the yardstick that :func:`kaggle30_features` is
    tested against. Returns ``(57,)`` float64 in :data:`KAGGLE30_COLUMNS` order.
    """
    y = _pad_short(y)
    stats: dict[str, np.ndarray] = {
        "chroma_stft": librosa.feature.chroma_stft(y=y, sr=sr, pad_mode=PAD_MODE),
        "rms": librosa.feature.rms(y=y, pad_mode=PAD_MODE),
        "spectral_centroid": librosa.feature.spectral_centroid(y=y, sr=sr, pad_mode=PAD_MODE),
        "spectral_bandwidth": librosa.feature.spectral_bandwidth(y=y, sr=sr, pad_mode=PAD_MODE),
        "rolloff": librosa.feature.spectral_rolloff(y=y, sr=sr, pad_mode=PAD_MODE),
        "zero_crossing_rate": librosa.feature.zero_crossing_rate(y),
    }
    # Old librosa.effects.hpss: no length= to istft, then zero-fill the tail to len(y).
    D_harm, D_perc = librosa.decompose.hpss(librosa.stft(y, pad_mode=PAD_MODE))
    stats["harmony"] = librosa.util.fix_length(librosa.istft(D_harm, dtype=y.dtype), size=y.size)
    stats["perceptr"] = librosa.util.fix_length(librosa.istft(D_perc, dtype=y.dtype), size=y.size)
    tempo = np.atleast_1d(librosa.beat.beat_track(y=y, sr=sr)[0])[0]
    mfcc = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=N_MFCC, pad_mode=PAD_MODE)
    return _assemble(stats, tempo, mfcc)


def kaggle30_features(y: np.ndarray, sr: int = KAGGLE30_SR) -> np.ndarray:
    """The 57 table statistics of ``y`` (mono, ``(n,)``, at ``sr`` Hz), fast: what prediction calls.

    Same definitions as :func:`kaggle30_reference`, computed once and shared: one magnitude STFT
    ``S`` (``(1 + n_fft/2, t)`` float32, t = 1 + n // 512 frames) feeds chroma, the three spectral
    statistics and HPSS; one mel power spectrogram feeds MFCC and the onset envelope of the tempo
    estimate. HPSS uses a moving median (bottleneck) with scipy's ``mode="reflect"`` edges, so the
    masks equal scipy's. Returns ``(57,)`` float64 in :data:`KAGGLE30_COLUMNS` order.
    """
    y = _pad_short(y)
    D = stft(y, n_fft=N_FFT, hop_length=HOP_LENGTH)  # (1025, t) complex64
    S = np.abs(D)  # magnitude
    stats: dict[str, np.ndarray | tuple[float, float]] = {}

    # HPSS first: it needs the complex STFT, which is then released.
    harmony, perceptr = hpss_signals(y, D, S, hop_length=HOP_LENGTH)
    del D
    stats["harmony"] = _mean_var(harmony)
    stats["perceptr"] = _mean_var(perceptr)
    del harmony, perceptr

    freq = librosa.fft_frequencies(sr=sr, n_fft=N_FFT)
    stats["spectral_centroid"] = centroid = librosa.feature.spectral_centroid(S=S, sr=sr, freq=freq)
    stats["spectral_bandwidth"] = librosa.feature.spectral_bandwidth(S=S, sr=sr, freq=freq, centroid=centroid)
    stats["rolloff"] = librosa.feature.spectral_rolloff(S=S, sr=sr, freq=freq)

    power = np.square(S, out=S)  # S is not needed as magnitude any more
    stats["chroma_stft"] = librosa.feature.chroma_stft(S=power, sr=sr, n_fft=N_FFT)
    log_mel = librosa.power_to_db(librosa.feature.melspectrogram(S=power, sr=sr, n_fft=N_FFT))
    del power, S
    mfcc = librosa.feature.mfcc(S=log_mel, n_mfcc=N_MFCC)
    onset = librosa.onset.onset_strength(S=log_mel, sr=sr, hop_length=HOP_LENGTH)
    tempo = librosa.feature.tempo(onset_envelope=onset, sr=sr, hop_length=HOP_LENGTH)[0]

    stats["rms"] = librosa.feature.rms(y=y, frame_length=N_FFT, hop_length=HOP_LENGTH, pad_mode=PAD_MODE)
    stats["zero_crossing_rate"] = librosa.feature.zero_crossing_rate(y, frame_length=N_FFT, hop_length=HOP_LENGTH)
    return _assemble(stats, tempo, mfcc)
