"""The resampler of the original musicnn pipeline: librosa 0.7's ``librosa.load(path, sr=16000)``.

musicnn 0.1.0 (and the GTZAN taggrams its author published, made in February 2020) loaded audio with
``librosa.load(file, sr=16000)``. librosa 0.7 resampled with resampy's ``kaiser_best`` filter (a Kaiser-windowed
sinc, 64 zero crossings, 512 table steps per crossing, roll-off 0.9476 of Nyquist, beta 14.77), then padded
the result with zeros to ``ceil(n * target / orig)`` samples. Today's librosa resamples with soxr, which keeps
less of the band between 7.3 and 8 kHz; musicnn's taggram is sensitive to that band (tags differ by up to 0.15
on GTZAN clips). :func:`kaiser_best` reproduces resampy 0.2.2's ``resample_f`` operation for operation in
NumPy (same time register accumulated by repeated addition, same table interpolation, the same float32
accumulation tap after tap), so its output equals librosa 0.7.2 + resampy 0.2.2 to the last bit or so
(checked on the shared GTZAN clips: ``tools/published_taggrams.py``). resampy is ISC-licensed (Brian McFee).
"""

from __future__ import annotations

import functools
from typing import TypedDict

import numpy as np


class KaiserFilter(TypedDict):
    """A resampy filter: zero crossings, log2 of table steps per crossing, Kaiser beta, roll-off."""

    num_zeros: int
    precision: int
    beta: float
    rolloff: float


#: resampy's ``kaiser_best`` filter: zero crossings, log2 of table steps per crossing, Kaiser beta, roll-off.
KAISER_BEST: KaiserFilter = {"num_zeros": 64, "precision": 9, "beta": 14.769656459379492, "rolloff": 0.9475937167399596}

#: Output samples computed at once (each holds a few float64 temporaries): bounded memory for long tracks.
BLOCK = 1 << 16

#: Names of the resamplers :func:`resample` knows.
RESAMPLERS = ("soxr", "kaiser_best")


@functools.lru_cache(maxsize=1)
def _kaiser_best_window() -> tuple[np.ndarray, int]:
    """Right wing of the interpolation filter, ``(num_zeros * 2**precision + 1,)`` float64, and the table size.

    resampy's ``filters.sinc_window`` with a Kaiser taper; resampy ships this table precomputed, and the two
    differ by at most one unit in the last place (2.2e-16).
    """
    from scipy.signal.windows import kaiser

    num_bits = 2 ** KAISER_BEST["precision"]
    n = num_bits * KAISER_BEST["num_zeros"]
    rolloff = KAISER_BEST["rolloff"]
    sinc_win = rolloff * np.sinc(rolloff * np.linspace(0, KAISER_BEST["num_zeros"], num=n + 1, endpoint=True))
    taper = kaiser(2 * n + 1, KAISER_BEST["beta"])[n:]
    window = taper * sinc_win
    window.flags.writeable = False
    return window, num_bits


def kaiser_best(y: np.ndarray, orig_sr: int, target_sr: int, block: int = BLOCK) -> np.ndarray:
    """``librosa.resample(y, orig_sr, target_sr)`` of librosa 0.7 (resampy ``kaiser_best``), float32
    ``(ceil(n * target / orig),)``.

    resampy makes ``int(n * ratio)`` samples; librosa then pads with zeros to ``ceil(n * ratio)``.
    """
    x = np.ascontiguousarray(y, dtype=np.float32)
    if x.ndim != 1:
        raise ValueError(f"expected a mono signal (n,), got shape {x.shape}")
    if orig_sr <= 0 or target_sr <= 0:
        raise ValueError(f"sample rates must be positive (got {orig_sr}, {target_sr})")
    if orig_sr == target_sr:
        return x
    ratio = float(target_sr) / orig_sr
    n_out = int(x.size * ratio)
    out = np.zeros(int(np.ceil(x.size * ratio)), dtype=np.float32)
    if n_out < 1:
        raise ValueError(f"signal of {x.size} samples too short to resample from {orig_sr} to {target_sr} Hz")

    window, num_table = _kaiser_best_window()
    interp_win = window * ratio if ratio < 1 else window.copy()
    interp_delta = np.zeros_like(interp_win)
    interp_delta[:-1] = np.diff(interp_win)
    # padded so that a dead tap's index (set to nwin) reads 0
    interp_win = np.append(interp_win, 0.0)
    interp_delta = np.append(interp_delta, 0.0)
    nwin = window.size

    scale = min(1.0, ratio)
    time_increment = 1.0 / ratio
    index_step = int(scale * num_table)
    max_taps = (nwin + index_step - 1) // index_step + 1
    n_orig = x.size
    register = 0.0
    for start in range(0, n_out, block):
        m = min(block, n_out - start)
        # resampy adds time_increment to a float64 register once per output sample; cumsum adds in the same order
        times = np.cumsum(np.concatenate(([register], np.full(m, time_increment))))
        register = times[m]
        times = times[:m]
        n = times.astype(np.int64)
        frac = scale * (times - n)
        acc = np.zeros(m, dtype=np.float32)
        # left wing (x[n], x[n-1], ...), then right wing (x[n+1], x[n+2], ...), one tap at a time
        for wing_frac, limit, sign, first in ((frac, n + 1, -1, 0), (scale - frac, n_orig - n - 1, 1, 1)):
            index_frac = wing_frac * num_table
            offset = index_frac.astype(np.int64)
            eta = index_frac - offset
            taps = np.minimum(limit, (nwin - offset) // index_step)
            for i in range(min(max_taps, int(taps.max(initial=0)))):
                live = i < taps
                idx = np.where(live, offset + i * index_step, nwin)
                weight = interp_win[idx] + eta * interp_delta[idx]
                src = np.clip(n + sign * (i + first), 0, n_orig - 1)
                acc = (acc + weight * x[src]).astype(np.float32)  # float64 sum stored as float32, as in resampy
        out[start : start + m] = acc
    return out


def resample(y: np.ndarray, orig_sr: int, target_sr: int, method: str = "soxr") -> np.ndarray:
    """Mono float32 signal from ``orig_sr`` to ``target_sr`` Hz with ``method`` (one of :data:`RESAMPLERS`)."""
    if method == "soxr":
        from musicgenre.audio import resample as soxr_resample

        return soxr_resample(np.asarray(y, dtype=np.float32), orig_sr, target_sr)
    if method == "kaiser_best":
        return kaiser_best(y, orig_sr, target_sr)
    raise ValueError(f"unknown resampler {method!r}: choose one of {', '.join(RESAMPLERS)}")
