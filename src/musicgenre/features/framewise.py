"""Frame-wise building blocks of the fast ``kaggle30`` path, each equal to a librosa feature.

They work on a block of frames cut from a long signal so that memory stays bounded: frame ``j``
of a centred analysis with ``n_fft``-sample frames and hop ``hop`` is ``ypad[j*hop : j*hop+n_fft]``,
where ``ypad`` is the signal with ``n_fft // 2`` samples mirrored (``reflect``) on both sides.
"""

from __future__ import annotations

import functools

import librosa
import numpy as np
import scipy.fft


def stft_frames(ypad: np.ndarray, first: int, stop: int, n_fft: int = 2048, hop: int = 512) -> np.ndarray:
    """Hann-windowed STFT of frames ``first .. stop-1`` of the padded signal, frames as rows.

    Returns complex64 ``(stop - first, 1 + n_fft // 2)`` (C order: each frame's spectrum contiguous),
    the transpose of columns ``first:stop`` of ``librosa.stft(y, center=True, pad_mode="reflect")``
    (equal to float32 rounding). One real FFT over a strided view of the frames, no framing copy.
    """
    frames = np.lib.stride_tricks.sliding_window_view(ypad[first * hop : (stop - 1) * hop + n_fft], n_fft)[::hop]
    return scipy.fft.rfft(frames * _hann(n_fft, ypad.dtype), axis=1, overwrite_x=True)


@functools.lru_cache(maxsize=8)
def _hann(n: int, dtype) -> np.ndarray:
    """librosa's periodic Hann window of ``n`` samples, read-only (one copy per size and dtype is kept)."""
    window = librosa.filters.get_window("hann", n, fftbins=True).astype(dtype)
    window.setflags(write=False)
    return window


def rms(ypad_segment: np.ndarray, n_frames: int, frame_length: int = 2048, hop: int = 512) -> np.ndarray:
    """Root mean square of each frame (no window), ``(n_frames,)``: ``librosa.feature.rms(y, pad_mode="reflect")``.

    ``ypad_segment`` starts at the first frame's first sample and holds at least the frames' samples,
    ``(n_frames - 1) * hop + frame_length``. A frame is ``frame_length / hop`` whole hops, so its energy is the
    sum of that many per-hop energies (float64).
    """
    needed = (n_frames - 1) * hop + frame_length
    if frame_length % hop or ypad_segment.size < needed:
        raise ValueError("rms needs frame_length to be a multiple of hop and every frame's samples")
    per_hop = np.square(ypad_segment[:needed], dtype=np.float64).reshape(-1, hop).sum(axis=1)
    energy = sum(per_hop[i : i + n_frames] for i in range(frame_length // hop))
    return np.sqrt(np.maximum(energy, 0.0) / frame_length)


def zero_crossing_rate(
    y: np.ndarray, first: int, stop: int, frame_length: int = 2048, hop: int = 512, threshold: float = 1e-10
) -> np.ndarray:
    """Zero-crossing rate of frames ``first .. stop-1`` of ``y`` ``(n,)``, ``(stop-first,)`` in crossings per sample.

    Equals ``librosa.feature.zero_crossing_rate(y)``: frames centred on ``j*hop`` with the signal's
    edge values repeated outside it, |y| <= ``threshold`` counted as +0, crossings counted between
    neighbours inside a frame and divided by ``frame_length``.
    """
    half = frame_length // 2
    lo, hi = first * hop - half, (stop - 1) * hop + half
    segment = y[max(lo, 0) : min(hi, y.size)]
    negative = segment < -threshold  # |y| <= threshold counts as +0; -0.0 is not negative either
    negative = np.pad(negative, (max(-lo, 0), max(hi - y.size, 0)), mode="edge")
    crossings = np.concatenate(([0], np.cumsum(negative[1:] != negative[:-1], dtype=np.int64)))
    starts = np.arange(stop - first) * hop
    return (crossings[starts + frame_length - 1] - crossings[starts]) / frame_length


def spectral_shape(
    S: np.ndarray, freq: np.ndarray, roll_percent: float = 0.85
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centroid, bandwidth and roll-off (Hz) of each frame of magnitude spectrogram ``S`` ``(t, bins)`` (frames as
    rows).

    Three ``(t,)`` arrays equal to librosa's ``spectral_centroid``, ``spectral_bandwidth`` (p=2) and
    ``spectral_rolloff`` (85 %), from one matrix product with the frequency moments
    ``[1, f, f**2]`` instead of three normalised copies of ``S``. All-zero frames give 0 Hz, as in librosa.
    """
    moments = S.astype(np.float64) @ np.stack([np.ones_like(freq), freq, freq**2], axis=1)  # (t, 3)
    total = moments[:, 0]
    total = np.where(total < np.finfo(S.dtype).tiny, 1.0, total)
    centroid = moments[:, 1] / total
    spread = (moments[:, 2] - 2 * centroid * moments[:, 1] + centroid**2 * moments[:, 0]) / total
    bandwidth = np.sqrt(np.maximum(spread, 0.0))
    cumulative = np.cumsum(S, axis=1)  # float32 and sequential, as librosa: the same bin at near-ties
    rolloff = freq[np.argmax(cumulative >= roll_percent * cumulative[:, -1:], axis=1)]
    return centroid, bandwidth, rolloff


def overlap_add(D: np.ndarray, n_fft: int = 2048, hop: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """Inverse FFT, Hann synthesis window and overlap-add of the frames (rows) of ``D`` ``(t, 1 + n_fft//2)``.

    Returns the summed signal and the summed squared window, both ``((t - 1) * hop + n_fft,)`` in ``D``'s real
    dtype (as librosa) starting at the first frame's first sample; their ratio (where the window sum is not tiny)
    is ``librosa.istft`` over the samples that every overlapping frame of ``D`` covers.
    """
    if n_fft % hop:
        raise ValueError("overlap_add needs n_fft to be a multiple of hop")
    k = n_fft // hop
    t = D.shape[0]
    window = _hann(n_fft, D.real.dtype)
    frames = scipy.fft.irfft(D, n=n_fft, axis=1)
    frames *= window
    chunks = frames.reshape(t, k, hop)
    out = np.zeros((t + k - 1, hop), dtype=frames.dtype)
    wss = np.zeros((t + k - 1, hop), dtype=frames.dtype)
    window_sq = (window.astype(np.float64) ** 2).astype(frames.dtype).reshape(k, hop)  # one dtype: no casts per add
    for i in range(k):
        out[i : i + t] += chunks[:, i, :]
        wss[i : i + t] += window_sq[i]
    return out.ravel(), wss.ravel()


def tuning_peaks(
    P: np.ndarray, sr: int = 22050, n_fft: int = 2048, fmin: float = 150.0, fmax: float = 4000.0, threshold: float = 0.1
) -> tuple[np.ndarray, np.ndarray]:
    """Spectral peaks that ``librosa.estimate_tuning(S=P)`` uses, found only inside ``[fmin, fmax)`` Hz.

    ``P`` is the power spectrogram ``(1 + n_fft//2, t)`` (as ``chroma_stft`` passes it; a transposed
    view of a frames-as-rows array is fine). Returns the
    peaks' interpolated frequencies (Hz) and magnitudes, two 1-D float32 arrays, identical to
    ``librosa.piptrack(S=P)``'s non-zero entries but computed on the ~35 % of bins inside the band.
    Feed them to :func:`tuning_from_peaks`.
    """
    freqs = librosa.fft_frequencies(sr=sr, n_fft=n_fft)
    band = np.flatnonzero((freqs >= max(fmin, 0.0)) & (freqs < min(fmax, sr / 2)))
    lo, hi = max(band[0] - 1, 0), min(band[-1] + 2, P.shape[0])  # one neighbour each side
    S = np.abs(P[lo:hi])
    ref = threshold * np.abs(P).max(axis=0)
    x = S * (S > ref)
    prev_x, next_x = np.vstack([x[:1], x[:-1]]), np.vstack([x[1:], x[-1:]])  # librosa.util.localmax: edge padding
    peak = (x > prev_x) & (x >= next_x)
    inside = np.zeros(S.shape[0], bool)
    inside[band - lo] = True
    peak &= inside[:, None]
    k, t = np.nonzero(peak)
    s0, sm, sp = S[k, t], S[k - 1, t], S[k + 1, t]  # band never touches bin 0 or the last bin
    a = sp + sm - 2 * s0
    b = (sp - sm) / 2
    shift = np.where(np.abs(b) >= np.abs(a), np.float32(0), -b / np.where(a == 0, np.float32(1), a)).astype(np.float32)
    pitch = ((k + lo + shift) * float(sr) / n_fft).astype(np.float32)
    mag = (s0 + (0.5 * ((sp - sm) / 2) * shift)).astype(np.float32)  # S + dskew; np.gradient = central difference
    return pitch, mag


def tuning_from_peaks(pitch: np.ndarray, mag: np.ndarray, bins_per_octave: int = 12) -> float:
    """librosa's tuning estimate (fraction of a bin, in [-0.5, 0.5)) from spectral peaks: median-magnitude
    threshold, histogram."""
    voiced = pitch > 0
    threshold = np.median(mag[voiced]) if voiced.any() else 0.0
    chosen = pitch[(mag >= threshold) & voiced]
    if chosen.size == 0:
        return 0.0
    return float(librosa.pitch_tuning(chosen, bins_per_octave=bins_per_octave))


def mean_tempogram(onset: np.ndarray, win_length: int = 384, block: int = 4096) -> np.ndarray:
    """Mean over frames of librosa's autocorrelation tempogram of onset envelope ``onset`` ``(t,)``: ``(win_length,)``.

    Same as ``librosa.feature.tempogram(onset_envelope=onset, win_length=win_length).mean(axis=1)``
    (centred Hann windows, linear-ramp edges, each frame's autocorrelation divided by its maximum,
    which is its lag-0 value, the frame's energy). The inverse FFT is linear, so the normalised
    power spectra are averaged first and inverted once; ``block`` frames at a time bound memory.
    Computed in the onset envelope's precision (float32 from librosa, as the reference).
    """
    half = win_length // 2
    padded = np.pad(onset, (half, half), mode="linear_ramp", end_values=(0, 0))
    window = _hann(win_length, padded.dtype)
    n_fft = scipy.fft.next_fast_len(2 * win_length - 1, real=True)
    frames_all = np.lib.stride_tricks.sliding_window_view(padded, win_length)[: onset.size]
    total = np.zeros(n_fft // 2 + 1)
    for first in range(0, onset.size, block):
        frames = frames_all[first : first + block] * window
        spectrum = scipy.fft.rfft(frames, n=n_fft, axis=1)
        power = spectrum.real**2 + spectrum.imag**2
        energy = np.einsum("ij,ij->i", frames, frames, dtype=np.float64)  # lag-0 autocorrelation
        energy[energy < np.finfo(frames.dtype).tiny] = 1.0  # librosa leaves all-zero frames as they are
        total += (power / energy[:, None]).sum(axis=0)
    return scipy.fft.irfft(total, n=n_fft)[:win_length] / onset.size
