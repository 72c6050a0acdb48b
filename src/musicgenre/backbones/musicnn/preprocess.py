"""musicnn's input pipeline as pure functions: signal -> log-mel spectrogram -> 3 s patches.

Faithful to the original ``extractor.batch_data``: librosa's mel power spectrogram rounded to
float16, then ``log10(10000 * x + 1)``, then non-overlapping 187-frame patches. Under the numpy the
original required (< 1.17, value-based casting) ``10000 * float16_array`` is computed in float32, so the
log is float32 of float16-rounded powers (under numpy 2 the same line would overflow float16 to inf).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import librosa
import numpy as np

from musicgenre.backbones.musicnn.config import InputConfig

if TYPE_CHECKING:
    from musicgenre.features.spectrum import PadMode

DEFAULT_INPUT = InputConfig()


#: Frames whose STFT is held at once by :func:`log_mel` (4096 frames = 65 s at 16 kHz, ~4 MB of spectrum):
#: an hour of audio then needs its mel bands (~90 MB), not its whole STFT (~1 GB).
BLOCK_FRAMES = 4096


def log_mel(y: np.ndarray, cfg: InputConfig = DEFAULT_INPUT, block_frames: int = BLOCK_FRAMES) -> np.ndarray:
    """Log-compressed mel spectrogram, shape ``(frames, n_mels)`` float32, of a mono signal at ``cfg.sample_rate``.

    ``librosa.feature.melspectrogram`` (centred frames, ``cfg.pad_mode`` padding), computed ``block_frames``
    frames at a time from the padded signal so that memory stays bounded for long tracks; the mel powers are
    rounded to float16 before the log, as in the original.
    """
    y = np.asarray(y, dtype=np.float32)
    n_frames = 1 + y.size // cfg.hop_length
    out = np.empty((n_frames, cfg.n_mels), dtype=np.float32)
    for first in range(0, n_frames, block_frames):
        stop = min(first + block_frames, n_frames)
        out[first:stop] = log_mel_frames(y, 0, first, stop - first, y.size, cfg)
    return out


def log_mel_frames(
    segment: np.ndarray, offset: int, first: int, count: int, total: int, cfg: InputConfig = DEFAULT_INPUT
) -> np.ndarray:
    """Frames ``[first, first + count)`` of ``log_mel(y)``, shape ``(count, n_mels)``, from the part of ``y`` they
    need: ``segment = y[offset: offset + segment.size]`` and ``total = y.size`` (samples at ``cfg.sample_rate``).

    What a caller that streams a long track block by block uses: frame ``f`` is centred on sample
    ``f * hop_length`` and reads ``n_fft // 2`` samples on either side (the padding where that passes an end of
    ``y``, which ``segment`` must then include). Same values as the whole-signal :func:`log_mel`.
    """
    hop, n_fft = cfg.hop_length, cfg.n_fft
    padded = _padded_slice(
        np.asarray(segment, dtype=np.float32),
        first * hop,
        (first + count - 1) * hop + n_fft,
        n_fft // 2,
        cfg.pad_mode,
        offset,
        total,
    )
    mel = librosa.feature.melspectrogram(
        y=padded, sr=cfg.sample_rate, n_fft=n_fft, hop_length=hop, n_mels=cfg.n_mels, center=False
    ).T
    power = mel.astype(np.float16).astype(np.float32)
    return np.log10(np.float32(10000) * power + np.float32(1))


def _padded_slice(
    y: np.ndarray, start: int, stop: int, half: int, mode: PadMode, offset: int = 0, total: int | None = None
) -> np.ndarray:
    """``np.pad(full, half, mode=mode)[start:stop]`` where ``y = full[offset: offset + y.size]`` and ``total =
    full.size`` (default: ``y`` is all of it), without padding (copying) the whole signal: a view of ``y`` inside
    it, the padded ends built from the first and last ``half + 1`` samples where the slice reaches them.
    Raises ValueError when ``y`` lacks samples the slice needs."""
    n = offset + y.size if total is None else total
    low, high = max(start - half, 0), min(max(stop - half, 0), n)
    needs_head, needs_tail = start < half, stop > half + n
    if low < offset or high > offset + y.size or (needs_head and offset) or (needs_tail and offset + y.size != n):
        raise ValueError(
            f"samples [{offset}, {offset + y.size}) do not cover padded [{start}, {stop}) of a {n}-sample signal"
        )
    middle = y[low - offset : high - offset]
    if not (needs_head or needs_tail):
        return middle
    if n <= half:  # a signal shorter than the padding: numpy mirrors it repeatedly
        return np.pad(y, half, mode=mode)[start:stop]
    parts = []
    if needs_head:
        parts.append(np.pad(y[: half + 1], (half, 0), mode=mode)[:half][start:stop])  # what np.pad puts before y
    parts.append(middle)
    if needs_tail:
        tail = np.pad(y[-(half + 1) :], (0, half), mode=mode)[-half:]  # ... and after it
        parts.append(tail[max(start - half - n, 0) : stop - half - n])
    return np.concatenate(parts)


def patch_starts(n_frames: int, cfg: InputConfig = DEFAULT_INPUT) -> np.ndarray:
    """First frame of every patch: ``range(0, n_frames - patch_frames + 1, patch_hop)`` (at least one patch)."""
    return np.arange(0, max(n_frames - cfg.patch_frames + 1, 1), cfg.patch_hop)


def to_patches(spec: np.ndarray, cfg: InputConfig = DEFAULT_INPUT) -> np.ndarray:
    """Cut ``(frames, n_mels)`` into patches ``(n_patches, patch_frames, n_mels)``, a read-only view of ``spec``.

    A spectrogram shorter than one patch is repeated to fill it: both models were trained with
    ``"pad_short": "repeat-pad"`` (their ``config.json`` in the wheel), while the original extractor failed on
    such clips. The tail after the last full patch is dropped, as in the original.
    """
    if spec.ndim != 2 or spec.shape[0] == 0:
        raise ValueError(f"expected a (frames, mel bands) spectrogram with frames > 0, got shape {spec.shape}")
    if spec.shape[0] < cfg.patch_frames:
        reps = -(-cfg.patch_frames // spec.shape[0])
        spec = np.tile(spec, (reps, 1))[: cfg.patch_frames]
    n_patches = patch_starts(spec.shape[0], cfg).size
    windows = np.lib.stride_tricks.sliding_window_view(spec, cfg.patch_frames, axis=0)  # (starts, n_mels, frames)
    return windows[: (n_patches - 1) * cfg.patch_hop + 1 : cfg.patch_hop].transpose(0, 2, 1)  # a view: no copy


def patches_from_signal(y: np.ndarray, cfg: InputConfig = DEFAULT_INPUT) -> np.ndarray:
    """Mono signal at ``cfg.sample_rate`` -> patches ``(n_patches, 187, 96)`` float32."""
    return to_patches(log_mel(y, cfg), cfg)
