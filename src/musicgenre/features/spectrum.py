"""The one short-time Fourier transform every spectral feature of this package starts from."""

from __future__ import annotations

from typing import Literal

import librosa
import numpy as np

#: The edge paddings of centred frames librosa's STFT takes (``np.pad`` modes).
PadMode = Literal["constant", "edge", "linear_ramp", "reflect", "symmetric", "empty"]
#: Edge padding of centred frames. ``"reflect"`` is what the public GTZAN table was made with
#: (librosa < 0.10); librosa 0.10+ defaults to zeros, which shifts frame statistics by ~0.1 %.
PAD_MODE: PadMode = "reflect"


def stft(y: np.ndarray, n_fft: int = 2048, hop_length: int = 512, pad_mode: PadMode = PAD_MODE) -> np.ndarray:
    """Centred STFT of mono ``y`` ``(n,)`` with a Hann window: complex ``(1 + n_fft // 2, 1 + n // hop_length)``.

    Row ``k`` is the frequency ``k * sr / n_fft`` Hz; column ``j`` is centred on sample ``j * hop_length``.
    float32 input gives complex64 output (half the memory of complex128).
    """
    return librosa.stft(y, n_fft=n_fft, hop_length=hop_length, center=True, pad_mode=pad_mode)


def magnitude(y: np.ndarray, n_fft: int = 2048, hop_length: int = 512, power: float = 1.0) -> np.ndarray:
    """``|stft(y)| ** power``, shape ``(1 + n_fft // 2, t)`` float32: magnitude (1) or power (2) spectrogram."""
    S = np.abs(stft(y, n_fft=n_fft, hop_length=hop_length))
    return S if power == 1.0 else np.power(S, power, out=S)
