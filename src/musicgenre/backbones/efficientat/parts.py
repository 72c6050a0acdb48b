"""A track's log-mel cut into the fixed-length parts the backbone interface hands out: 10 s (1000 frames), one after
another, no overlap, each frame in one part.

    patches, lengths = patches_from_signal(y)   # (n, 1000, 128) float32, frames of the track in each part (n,)

The last part: the frames after the last whole part are kept when there are at least :data:`MIN_TAIL_FRAMES`
(1 s; predict's parts follow the same rule, ``inference.audioset_model``), else dropped, unless they
are the whole track. A kept part shorter than 1000 frames is filled by repeating its own frames (``np.tile``
along time, cut at 1000): the rule musicnn applies to a spectrogram shorter than one patch
(``backbones.musicnn.preprocess.to_patches``, after its models' ``"repeat-pad"``), applied to the part, so the
network hears only that part's sound and a patch keeps the interface's fixed length. (Predict runs such a part
unpadded, the graph takes any length and pools over time; repetition changes its output only through the
convolutions' edges.)

The log-mel is :func:`~.frontend.log_mel`'s, streamed :data:`BLOCK_PARTS` parts at a time so memory stays that of a
block's STFT (the same values up to float32 rounding of the mel products).
"""

from __future__ import annotations

import numpy as np

from musicgenre.backbones.efficientat.config import InputConfig
from musicgenre.backbones.efficientat.frontend import log_mel
from musicgenre.backbones.efficientat.stream import LogMelStream

#: A last part shorter than this many frames (1 s) is dropped, unless it is the track's only one.
MIN_TAIL_FRAMES = 100
#: Parts whose log-mel is computed at once (5 minutes: ~60 MB of power spectra).
BLOCK_PARTS = 30


def part_lengths(frames: int, cfg: InputConfig = InputConfig()) -> np.ndarray:
    """Frames of the track in each part ``(n_parts,)`` int64: ``part_frames`` for every whole part, then the tail
    when it has :data:`MIN_TAIL_FRAMES` frames or more or is the whole track (none for ``frames == 0``)."""
    whole, tail = divmod(frames, cfg.part_frames)
    lengths = [cfg.part_frames] * whole
    if tail >= MIN_TAIL_FRAMES or (tail and not whole):
        lengths.append(tail)
    return np.asarray(lengths, dtype=np.int64)


def blocked_log_mel(y: np.ndarray, cfg: InputConfig = InputConfig()) -> np.ndarray:
    """:func:`~.frontend.log_mel` ``(n_mels, frames)`` float32 of ``y`` ``(n,)``, streamed :data:`BLOCK_PARTS` parts
    of samples at a time (:class:`~.stream.LogMelStream`), so memory stays that of a block's STFT."""
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1:
        return log_mel(y, cfg)  # refuses it with its one-line reason
    step = BLOCK_PARTS * cfg.part_frames * cfg.hop_length
    stream = LogMelStream(cfg)
    pieces = [stream.push(y[first : first + step]) for first in range(0, y.size, step)]
    return np.concatenate([*pieces, stream.finish()], axis=1)


def to_parts(mel: np.ndarray, cfg: InputConfig = InputConfig()) -> tuple[np.ndarray, np.ndarray]:
    """Log-mel ``(n_mels, frames)`` -> parts ``(n_parts, part_frames, n_mels)`` float32 and the frames of the track
    in each ``(n_parts,)`` (:func:`part_lengths`; a short part filled by repeating its own frames)."""
    if mel.ndim != 2 or mel.shape[0] != cfg.n_mels or mel.shape[1] == 0:
        raise ValueError(f"expected a ({cfg.n_mels}, frames) log-mel with frames > 0, got shape {mel.shape}")
    size = cfg.part_frames
    lengths = part_lengths(mel.shape[1], cfg)
    out = np.empty((lengths.size, size, cfg.n_mels), np.float32)
    for i, length in enumerate(lengths):
        part = mel[:, i * size : i * size + length].T
        out[i] = part if length == size else np.tile(part, (-(-size // length), 1))[:size]
    return out, lengths


def patches_from_signal(y: np.ndarray, cfg: InputConfig = InputConfig()) -> tuple[np.ndarray, np.ndarray]:
    """Mono signal ``(n,)`` at ``cfg.sample_rate`` -> parts ``(n_parts, 1000, 128)`` float32 and the frames of the
    track in each (:func:`to_parts` of :func:`blocked_log_mel`). ValueError for a signal too short for the STFT
    (under 514 samples) or not 1-D."""
    return to_parts(blocked_log_mel(y, cfg), cfg)


__all__ = ["BLOCK_PARTS", "MIN_TAIL_FRAMES", "blocked_log_mel", "part_lengths", "patches_from_signal", "to_parts"]
