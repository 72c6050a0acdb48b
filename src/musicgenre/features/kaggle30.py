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
``beat_track`` (``feature.tempo`` with ``aggregate=np.mean`` over an onset envelope whose mel bands
are aggregated with ``np.median``, as ``beat_track`` does; not the mean of ``onset_strength``), MFCC
are librosa's 20 default coefficients (128 mel bands, power to dB with ``ref=1``, ``top_db=80``).

Two implementations, same 57 numbers in :data:`KAGGLE30_COLUMNS` order:

* :func:`kaggle30_reference` - plain librosa calls, one per feature, each recomputing its own
  STFT (about 1.2 s per 30 s clip on one core, most of it in scipy's HPSS median filters);
* :func:`kaggle30_features` - the fast path used for prediction: one STFT shared by every spectral
  feature, one mel spectrogram shared by MFCC and the onset envelope, HPSS median filters from
  SciPy's 1-D rank filter (:mod:`musicgenre.features.hpss`), one inverse STFT (the percussive part is
  the input minus the harmonic part, because the two soft masks sum to one). About 120 ms per 30 s
  clip on one core here, two thirds of it in the two exact 31-point medians.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import librosa
import numpy as np
import scipy.sparse

from musicgenre.features.framewise import (
    mean_tempogram,
    overlap_add,
    rms,
    spectral_shape,
    stft_frames,
    tuning_from_peaks,
    tuning_peaks,
    zero_crossing_rate,
)
from musicgenre.features.hpss import KERNEL, harmonic_mask
from musicgenre.features.spectrum import PAD_MODE

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


def pad_short(y: np.ndarray) -> np.ndarray:
    """Zero-pad signals shorter than one frame (``N_FFT`` samples) so every feature has a frame."""
    y = np.ascontiguousarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise ValueError(f"expected a mono signal of shape (n,), got shape {y.shape}")
    return np.pad(y, (0, N_FFT - y.size)) if y.size < N_FFT else y


def _mean_var(x: np.ndarray) -> tuple[float, float]:
    """Mean and population variance (ddof=0) over every element, in float64."""
    x = np.asarray(x, dtype=np.float64)
    return float(x.mean()), float(x.var())


def _assemble(stats: Mapping[str, np.ndarray | tuple[float, ...]], tempo: float, mfcc: np.ndarray) -> np.ndarray:
    """Order the statistics as :data:`KAGGLE30_COLUMNS`; ``mfcc`` is ``(20, t)``."""
    out: list[float] = []
    for name in _FRAME_FEATURES:
        value = stats[name]
        out.extend(value if isinstance(value, tuple) else _mean_var(value))
    out.append(float(tempo))
    m = np.asarray(mfcc, dtype=np.float64)
    for row_mean, row_var in zip(m.mean(axis=1), m.var(axis=1), strict=True):
        out.extend((float(row_mean), float(row_var)))
    return np.asarray(out, dtype=np.float64)


def kaggle30_reference(y: np.ndarray, sr: int = KAGGLE30_SR) -> np.ndarray:
    """The 57 table statistics of signal ``y`` (mono, ``(n,)``, at ``sr`` Hz) with plain librosa calls.

    Each feature is one documented librosa call with the table's old defaults restored (see the
    module docstring). Slow on purpose: it is the yardstick that :func:`kaggle30_features` is
    tested against. Returns ``(57,)`` float64 in :data:`KAGGLE30_COLUMNS` order.
    """
    y = pad_short(y)
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


#: Frames analysed at a time by :func:`kaggle30_features` (2048 frames = 47.6 s at 22050 Hz): memory
#: stays bounded for any signal length, and a 30 s clip is one block.
BLOCK_FRAMES = 2048
_MEDIAN_HALF = KERNEL // 2  # frames of context the harmonic median needs on each side
_OLA_REACH = N_FFT // HOP_LENGTH - 1  # frames overlapping a sample on each side, minus one


class _Moments:
    """Running count, sum and sum of squares (float64) of every value fed in; mean and variance (ddof=0)."""

    def __init__(self, shape: tuple[int, ...] = ()):
        self.n = 0
        self.sum = np.zeros(shape)
        self.sumsq = np.zeros(shape)

    def add(self, x: np.ndarray) -> None:
        x = np.asarray(x, dtype=np.float64).ravel()
        self.n += x.size
        self.sum += x.sum()
        self.sumsq += np.dot(x, x)

    def count(self, n: int) -> None:
        """Account for ``n`` more values that are zero."""
        self.n += n

    def mean_var(self) -> tuple[np.ndarray, np.ndarray]:
        mean = self.sum / self.n
        return mean, np.maximum(self.sumsq / self.n - mean**2, 0.0)


@functools.lru_cache(maxsize=4)
def _sparse_mel_basis(sr: int) -> scipy.sparse.csr_array:
    """librosa's 128-band mel filter bank for ``N_FFT`` at ``sr`` Hz as a sparse matrix (each band spans few bins)."""
    return scipy.sparse.csr_array(librosa.filters.mel(sr=sr, n_fft=N_FFT))


def _global_tuning(ypad: np.ndarray, n_frames: int, sr: int) -> float:
    """librosa's ``estimate_tuning`` of the whole power spectrogram, computed block by block.

    ``piptrack`` is frame-local; only its peaks (frequency and magnitude, far fewer than bins)
    are kept, then the median-magnitude threshold and the residual histogram are global, as in librosa.
    """
    pitches, mags = [], []
    for first in range(0, n_frames, BLOCK_FRAMES):
        stop = min(first + BLOCK_FRAMES, n_frames)
        pitch, mag = tuning_peaks(np.square(np.abs(stft_frames(ypad, first, stop, N_FFT, HOP_LENGTH))).T, sr, N_FFT)
        pitches.append(pitch)
        mags.append(mag)
    return tuning_from_peaks(np.concatenate(pitches), np.concatenate(mags))


def kaggle30_features(y: np.ndarray, sr: int = KAGGLE30_SR) -> np.ndarray:
    """The 57 table statistics of ``y`` (mono, ``(n,)``, at ``sr`` Hz), fast: what prediction calls.

    Same definitions as :func:`kaggle30_reference`, but each block of frames gets one STFT that
    feeds chroma, RMS, the spectral statistics, HPSS and the mel spectrogram; HPSS medians come from
    SciPy's 1-D rank filter (:mod:`musicgenre.features.hpss`) and only the harmonic part is
    inverted (percussive = signal - harmonic). Signals longer than :data:`BLOCK_FRAMES` frames are
    processed block by block with the context the medians and the overlap-add need, so memory is
    bounded by one block plus ~0.6 kB per frame (mel bands and spectral peaks for the global chroma
    tuning, MFCC ``top_db`` and tempo). Returns ``(57,)`` float64 in :data:`KAGGLE30_COLUMNS` order.
    """
    y = pad_short(y)
    n = y.size
    n_frames = 1 + n // HOP_LENGTH
    ypad = np.pad(y, N_FFT // 2, mode="reflect")
    freq = librosa.fft_frequencies(sr=sr, n_fft=N_FFT)
    mel_basis = _sparse_mel_basis(sr)  # (128, 1025), as melspectrogram; 2 % of it is non-zero
    tuning = _global_tuning(ypad, n_frames, sr) if n_frames > BLOCK_FRAMES else None
    inverted = (n_frames - 1) * HOP_LENGTH  # samples the old istft returned; the rest are zeros

    stats = {name: _Moments() for name in _FRAME_FEATURES}
    mel = np.empty((mel_basis.shape[0], n_frames), dtype=np.float32)
    for first in range(0, n_frames, BLOCK_FRAMES):
        stop = min(first + BLOCK_FRAMES, n_frames)
        S = _hpss_block(y, ypad, first, stop, stats)
        tuning = _spectral_block(S, freq, sr, tuning, stats, mel_basis, mel[:, first:stop])
        del S
        stats["rms"].add(
            rms(ypad[first * HOP_LENGTH : (stop - 1) * HOP_LENGTH + N_FFT], stop - first, N_FFT, HOP_LENGTH)
        )
        stats["zero_crossing_rate"].add(zero_crossing_rate(y, first, stop, N_FFT, HOP_LENGTH))

    stats["harmony"].count(n - inverted)  # the zero tail
    stats["perceptr"].count(n - inverted)
    log_mel = librosa.power_to_db(mel)
    del mel
    mfcc, tempo = _mfcc_and_tempo(log_mel, sr)
    return _assemble({k: tuple(float(v) for v in m.mean_var()) for k, m in stats.items()}, tempo, mfcc)


def _hpss_block(y: np.ndarray, ypad: np.ndarray, first: int, stop: int, stats: dict[str, _Moments]) -> np.ndarray:
    """STFT frames ``[first, stop)`` of ``ypad`` (``y`` reflect-padded by ``N_FFT // 2``) with the context HPSS needs.

    Adds this block's samples of the harmonic part and of the percussive part (``y`` minus harmonic) to
    ``stats``; returns the block's magnitude spectrogram, ``(stop - first, 1025)`` float32, frames as rows.
    """
    n_frames = 1 + y.size // HOP_LENGTH
    inverted = (n_frames - 1) * HOP_LENGTH  # samples the old istft returned; the rest are zeros
    context = _MEDIAN_HALF + _OLA_REACH
    c0, c1 = max(first - context, 0), min(stop + context, n_frames)
    D = stft_frames(ypad, c0, c1, N_FFT, HOP_LENGTH)  # (c1 - c0, 1025) complex64, frames as rows
    S = np.abs(D)

    # HPSS: masks for every frame that overlaps this block's samples, then one overlap-add.
    m0, m1 = max(first - _OLA_REACH, 0), min(stop + _OLA_REACH, n_frames)
    masked = D[m0 - c0 : m1 - c0]
    masked *= harmonic_mask(S, c0, c1, n_frames, m0, m1)  # D is not needed unmasked any more
    summed, wss = overlap_add(masked, N_FFT, HOP_LENGTH)
    del D, masked
    # summed[0] is padded sample m0*hop, i.e. y[m0*hop - n_fft/2]; this block owns y[first*hop : stop*hop].
    q0, q1 = first * HOP_LENGTH, min(stop * HOP_LENGTH, inverted)
    if q1 > q0:
        offset = q0 + N_FFT // 2 - m0 * HOP_LENGTH
        w = wss[offset : offset + q1 - q0]
        harmony = summed[offset : offset + q1 - q0]  # a view: divided in place, as librosa.istft does
        np.divide(harmony, w, out=harmony, where=w > np.finfo(w.dtype).tiny)
        stats["harmony"].add(harmony)
        stats["perceptr"].add(y[q0:q1] - harmony)
    del summed, wss
    return S[first - c0 : stop - c0]


def _spectral_block(
    S: np.ndarray,
    freq: np.ndarray,
    sr: int,
    tuning: float | None,
    stats: dict[str, _Moments],
    mel_basis: scipy.sparse.csr_array,
    mel_out: np.ndarray,
) -> float:
    """Add one block's spectral statistics and chroma to ``stats``; write its mel power into ``mel_out``.

    ``S`` is the block's magnitude, ``(frames, 1025)``; ``freq`` the bin frequencies in Hz; ``mel_out`` the
    ``(128, frames)`` slice of the whole signal's mel spectrogram. ``tuning`` (in bins) is estimated
    from this block when None (the whole signal is this one block); returns the tuning used.
    """
    centroid, bandwidth, rolloff = spectral_shape(S, freq)
    stats["spectral_centroid"].add(centroid)
    stats["spectral_bandwidth"].add(bandwidth)
    stats["rolloff"].add(rolloff)
    P = np.square(S).T  # power, (1025, frames) view as librosa expects
    if tuning is None:  # the whole signal is this one block
        tuning = tuning_from_peaks(*tuning_peaks(P, sr, N_FFT))
    stats["chroma_stft"].add(librosa.feature.chroma_stft(S=P, sr=sr, n_fft=N_FFT, tuning=tuning))
    mel_out[...] = mel_basis @ P
    return tuning


def _mfcc_and_tempo(log_mel: np.ndarray, sr: int) -> tuple[np.ndarray, float]:
    """MFCC ``(20, frames)`` and global tempo (BPM) of a mel spectrogram in dB ``(128, frames)``, as librosa's."""
    mfcc = librosa.feature.mfcc(S=log_mel, n_mfcc=N_MFCC)
    onset = librosa.onset.onset_strength(S=log_mel, sr=sr, hop_length=HOP_LENGTH, aggregate=np.median)  # as beat_track
    win_length = int(librosa.time_to_frames(8.0, sr=sr, hop_length=HOP_LENGTH))  # feature.tempo's ac_size
    tempogram = mean_tempogram(onset, win_length)[:, None]
    tempo = librosa.feature.tempo(tg=tempogram, sr=sr, hop_length=HOP_LENGTH)[0]
    return mfcc, tempo
