"""Frame-wise building blocks of the fast ``kaggle30`` path, each equal to a librosa feature.

They work on a block of frames cut from a long signal so that memory stays bounded: frame ``j``
of a centred analysis with ``n_fft``-sample frames and hop ``hop`` is ``ypad[j*hop : j*hop+n_fft]``,
where ``ypad`` is the signal with ``n_fft // 2`` samples mirrored (``reflect``) on both sides.
"""

from __future__ import annotations

import librosa
import numpy as np
import scipy.fft


def stft_frames(ypad: np.ndarray, first: int, stop: int, n_fft: int = 2048, hop: int = 512) -> np.ndarray:
    """Hann-windowed STFT of frames ``first .. stop-1`` of the padded signal: complex64 ``(1 + n_fft//2, stop-first)``.

    Equals columns ``first:stop`` of ``librosa.stft(y, center=True, pad_mode="reflect")``.
    """
    segment = ypad[first * hop: (stop - 1) * hop + n_fft]
    return librosa.stft(segment, n_fft=n_fft, hop_length=hop, center=False)


def moving_sums(x: np.ndarray, width: int, starts: np.ndarray) -> np.ndarray:
    """``x[s : s + width].sum()`` for every ``s`` in ``starts``, float64, from one cumulative sum."""
    c = np.concatenate(([0.0], np.cumsum(x, dtype=np.float64)))
    return c[starts + width] - c[starts]


def rms(ypad_segment: np.ndarray, n_frames: int, frame_length: int = 2048, hop: int = 512) -> np.ndarray:
    """Root mean square of each frame (no window), ``(n_frames,)``: ``librosa.feature.rms(y, pad_mode="reflect")``."""
    energy = moving_sums(np.square(ypad_segment, dtype=np.float64), frame_length, np.arange(n_frames) * hop)
    return np.sqrt(np.maximum(energy, 0.0) / frame_length)


def zero_crossing_rate(y: np.ndarray, first: int, stop: int, frame_length: int = 2048, hop: int = 512,
                       threshold: float = 1e-10) -> np.ndarray:
    """Zero-crossing rate of frames ``first .. stop-1`` of ``y`` ``(n,)``, ``(stop-first,)`` in crossings per sample.

    Equals ``librosa.feature.zero_crossing_rate(y)``: frames centred on ``j*hop`` with the signal's
    edge values repeated outside it, |y| <= ``threshold`` counted as +0, crossings counted between
    neighbours inside a frame and divided by ``frame_length``.
    """
    half = frame_length // 2
    index = np.clip(np.arange(first * hop - half, (stop - 1) * hop + half), 0, y.size - 1)
    segment = y[index]
    negative = np.signbit(np.where(np.abs(segment) <= threshold, 0.0, segment))
    crossings = negative[1:] != negative[:-1]  # between sample k and k+1
    counts = moving_sums(crossings, frame_length - 1, np.arange(stop - first) * hop)
    return counts / frame_length


def spectral_shape(S: np.ndarray, freq: np.ndarray, roll_percent: float = 0.85) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centroid, bandwidth and roll-off (Hz) of each frame of magnitude spectrogram ``S`` ``(bins, t)``.

    Three ``(t,)`` arrays equal to librosa's ``spectral_centroid``, ``spectral_bandwidth`` (p=2) and
    ``spectral_rolloff`` (85 %), from one matrix product with the frequency moments
    ``[1, f, f**2]`` instead of three normalised copies of ``S``. All-zero frames give 0 Hz, as in librosa.
    """
    moments = np.stack([np.ones_like(freq), freq, freq**2]) @ S.astype(np.float64)  # (3, t)
    total = moments[0]
    total = np.where(total < np.finfo(S.dtype).tiny, 1.0, total)
    centroid = moments[1] / total
    spread = moments[2] / total - 2 * centroid * moments[1] / total + centroid**2 * moments[0] / total
    bandwidth = np.sqrt(np.maximum(spread, 0.0))
    cumulative = np.cumsum(S, axis=0)
    rolloff = freq[np.argmax(cumulative >= roll_percent * cumulative[-1], axis=0)]
    return centroid, bandwidth, rolloff


def overlap_add(D: np.ndarray, n_fft: int = 2048, hop: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """Inverse FFT, Hann synthesis window and overlap-add of the frames of ``D`` ``(1 + n_fft//2, t)``.

    Returns the summed signal and the summed squared window, both ``((t - 1) * hop + n_fft,)``
    starting at the first frame's first sample; their ratio (where the window sum is not tiny) is
    ``librosa.istft`` over the samples that every overlapping frame of ``D`` covers.
    """
    if n_fft % hop:
        raise ValueError("overlap_add needs n_fft to be a multiple of hop")
    k = n_fft // hop
    t = D.shape[1]
    window = librosa.filters.get_window("hann", n_fft, fftbins=True)
    frames = scipy.fft.irfft(D, n=n_fft, axis=0).T * window.astype(D.real.dtype)  # (t, n_fft)
    chunks = frames.reshape(t, k, hop)
    out = np.zeros((t + k - 1, hop), dtype=frames.dtype)
    wss = np.zeros((t + k - 1, hop), dtype=np.float64)
    window_sq = (window**2).reshape(k, hop)
    for i in range(k):
        out[i:i + t] += chunks[:, i, :]
        wss[i:i + t] += window_sq[i]
    return out.ravel(), wss.ravel()
