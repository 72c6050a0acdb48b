"""EfficientAT's log-mel front end in numpy: what upstream's ``AugmentMelSTFT`` computes in eval mode.

    mel = log_mel(y)          # y (n,) float32 at 32 kHz -> (128, 1 + (n - 1) // 320) float32

Steps (``InputConfig``): pre-emphasis ``y[n + 1] - 0.97 y[n]`` (one sample shorter: upstream's valid
convolution), a centred STFT (reflect-padded by ``n_fft // 2``; a symmetric 800-sample Hann window centred in
1024 samples; hop 320), the power spectrum, 128 triangular mel bands on Kaldi's mel scale
(``1127 ln(1 + f / 700)``) from 0 to 15 kHz with a zero weight on the Nyquist bin, ``log(x + 1e-5)``, then
``(x + 4.5) / 5``. Frame ``f`` is centred on sample ``f * 320`` of the pre-emphasised signal.
"""

from __future__ import annotations

import functools

import numpy as np
import scipy.fft

from musicgenre.backbones.efficientat.config import InputConfig


def kaldi_mel(hz: np.ndarray | float) -> np.ndarray:
    """Kaldi's mel scale: ``1127 ln(1 + f / 700)`` for ``f`` in Hz (float64)."""
    return 1127.0 * np.log1p(np.asarray(hz, dtype=np.float64) / 700.0)


@functools.cache
def mel_filterbank(cfg: InputConfig = InputConfig()) -> np.ndarray:
    """Triangular mel weights ``(n_mels, n_fft // 2 + 1)`` float32, computed in float64.

    Band ``m`` rises from mel ``lo + m d`` to ``lo + (m + 1) d`` and falls to ``lo + (m + 2) d`` with
    ``d = (mel(f_max) - mel(f_min)) / (n_mels + 1)``, each FFT bin ``k < n_fft / 2`` weighted at its own mel
    (``k * sample_rate / n_fft`` Hz); the Nyquist bin gets 0, as Kaldi's banks have ``n_fft / 2`` columns."""
    lo, hi = kaldi_mel(cfg.f_min), kaldi_mel(cfg.f_max)
    step = (hi - lo) / (cfg.n_mels + 1)
    left = lo + step * np.arange(cfg.n_mels)[:, None]
    bins = kaldi_mel(np.arange(cfg.n_fft // 2) * cfg.sample_rate / cfg.n_fft)[None, :]
    rising = (bins - left) / step
    falling = (left + 2 * step - bins) / step
    weights = np.maximum(0.0, np.minimum(rising, falling))
    out = np.zeros((cfg.n_mels, cfg.n_fft // 2 + 1), np.float32)
    out[:, :-1] = weights
    out.setflags(write=False)
    return out


@functools.cache
def stft_window(cfg: InputConfig = InputConfig()) -> np.ndarray:
    """The analysis window ``(n_fft,)`` float32: a symmetric Hann of ``win_length`` samples, zero-padded on both
    sides to ``n_fft`` (as ``torch.stft`` centres a shorter window)."""
    k = np.arange(cfg.win_length, dtype=np.float64)
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * k / (cfg.win_length - 1))
    out = np.zeros(cfg.n_fft, np.float32)
    start = (cfg.n_fft - cfg.win_length) // 2
    out[start : start + cfg.win_length] = hann
    out.setflags(write=False)
    return out


def n_frames(n_samples: int, cfg: InputConfig = InputConfig()) -> int:
    """Frames :func:`log_mel` gives for ``n_samples`` samples (pre-emphasis takes one)."""
    return 1 + (n_samples - 1) // cfg.hop_length


def preemphasis(y: np.ndarray, cfg: InputConfig = InputConfig()) -> np.ndarray:
    """``y[n + 1] - 0.97 y[n]`` ``(len(y) - 1,)`` float32."""
    y = np.asarray(y, dtype=np.float32)
    return y[1:] - np.float32(cfg.preemphasis) * y[:-1]


def power_frames(x: np.ndarray, cfg: InputConfig = InputConfig()) -> np.ndarray:
    """Power spectra ``(frames, n_fft // 2 + 1)`` float32 of the frames of an already padded signal ``x``: frame
    ``f`` reads ``x[f * hop : f * hop + n_fft]`` (scipy's FFT: float32 throughout, faster than numpy's on many
    short frames)."""
    frames = np.lib.stride_tricks.sliding_window_view(x, cfg.n_fft)[:: cfg.hop_length]
    spectrum = scipy.fft.rfft(frames * stft_window(cfg), axis=1)
    return (spectrum.real**2 + spectrum.imag**2).astype(np.float32, copy=False)


def mel_from_power(power: np.ndarray, cfg: InputConfig = InputConfig()) -> np.ndarray:
    """Normalised log-mel ``(n_mels, frames)`` float32 of power spectra ``(frames, n_fft // 2 + 1)``."""
    mel = mel_filterbank(cfg) @ power.T
    return ((np.log(mel + np.float32(cfg.log_offset)) + np.float32(cfg.shift)) / np.float32(cfg.scale)).astype(
        np.float32, copy=False
    )


def log_mel(y: np.ndarray, cfg: InputConfig = InputConfig()) -> np.ndarray:
    """Normalised log-mel ``(n_mels, 1 + (len(y) - 1) // hop)`` float32 of a mono signal ``y`` ``(n,)`` at
    ``cfg.sample_rate`` Hz (at least 2 samples; upstream's input)."""
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1 or y.size < 2:
        raise ValueError(f"expected a mono signal of two samples or more, got shape {y.shape}")
    x = preemphasis(y, cfg)
    half = cfg.n_fft // 2
    if x.size <= half:
        raise ValueError(f"signal too short for a reflect-padded STFT: {y.size} samples (needs {half + 2})")
    padded = np.pad(x, half, mode="reflect")
    return mel_from_power(power_frames(padded, cfg), cfg)
