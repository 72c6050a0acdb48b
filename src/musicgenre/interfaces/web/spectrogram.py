"""A small log-mel picture of a whole track for the page: bands x columns of bytes, drawn on a canvas.

The track is decoded 30 s at a time (memory stays bounded for long files); frames are averaged in
groups so that at most ``max_columns`` columns come out; the dB values are clipped to the top
``db_range`` dB and scaled to 0..255.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from musicgenre import audio

SAMPLE_RATE = 22050
N_FFT = 2048
HOP_LENGTH = 512
N_MELS = 64
#: Frames decoded per chunk: 30 s of hops.
_CHUNK_FRAMES = int(30 * SAMPLE_RATE / HOP_LENGTH)


@dataclass(frozen=True)
class MelImage:
    """``values[band, column]`` uint8 (band 0 = lowest frequency), ``seconds_per_column`` apart, dB in
    ``[db_max - db_range, db_max]``."""

    values: np.ndarray
    seconds_per_column: float
    fmax_hz: float
    db_max: float
    db_range: float

    def to_dict(self) -> dict:
        """JSON form: the bytes as base64, band-major (row ``b`` holds band ``b``, lowest first)."""
        n_mels, n_columns = self.values.shape
        return {
            "n_mels": int(n_mels),
            "n_columns": int(n_columns),
            "seconds_per_column": round(self.seconds_per_column, 6),
            "fmin_hz": 0.0,
            "fmax_hz": float(self.fmax_hz),
            "db_max": round(float(self.db_max), 2),
            "db_range": float(self.db_range),
            "data": base64.b64encode(np.ascontiguousarray(self.values, dtype=np.uint8).tobytes()).decode("ascii"),
        }


def _log_mel(y: np.ndarray) -> np.ndarray:
    """Absolute log-mel power in dB ``(N_MELS, t)``: the features package's function when it has one."""
    try:
        from musicgenre.features.families import log_mel
    except ImportError:  # pragma: no cover - older tree
        import librosa

        mel = librosa.feature.melspectrogram(y=y, sr=SAMPLE_RATE, n_fft=N_FFT, hop_length=HOP_LENGTH, n_mels=N_MELS)
        return librosa.power_to_db(mel, top_db=None)
    return log_mel(y, sr=SAMPLE_RATE, n_fft=N_FFT, hop_length=HOP_LENGTH, n_mels=N_MELS, top_db=None)


def mel_image(path: str | Path, duration_s: float, *, max_columns: int = 600, db_range: float = 80.0) -> MelImage:
    """The log-mel picture of the audio file ``path`` (``duration_s`` seconds long, as measured by the caller)."""
    total_frames = max(1, int(math.ceil(duration_s * SAMPLE_RATE / HOP_LENGTH)))
    group = max(1, int(math.ceil(total_frames / max_columns)))
    chunk_frames = max(group, (_CHUNK_FRAMES // group) * group)  # whole groups per chunk
    chunk_s = chunk_frames * HOP_LENGTH / SAMPLE_RATE
    columns: list[np.ndarray] = []
    carry = np.zeros((N_MELS, 0), np.float32)
    offset = 0.0
    while offset < duration_s:
        last = offset + chunk_s >= duration_s - 1.0  # a tail under 1 s joins this chunk
        try:
            y = audio.load(path, sr=SAMPLE_RATE, offset=offset, duration=None if last else chunk_s)
        except audio.AudioError:
            if columns or carry.size:
                break  # header rounding: nothing left past the end
            raise
        frames = _log_mel(y)
        if not last:
            frames = frames[:, :chunk_frames]  # centred frames: drop the one that belongs to the next chunk
        carry = np.concatenate([carry, frames.astype(np.float32)], axis=1)
        whole = (carry.shape[1] // group) * group
        if whole:
            columns.append(carry[:, :whole].reshape(N_MELS, -1, group).mean(axis=2))
            carry = carry[:, whole:]
        offset += chunk_s
        if last:
            break
    if carry.shape[1]:
        columns.append(carry.mean(axis=1, keepdims=True))
    db = np.concatenate(columns, axis=1) if columns else np.full((N_MELS, 1), -100.0, np.float32)
    db_max = float(db.max())
    scaled = np.clip((db - (db_max - db_range)) / db_range, 0.0, 1.0)
    return MelImage(
        values=np.round(scaled * 255).astype(np.uint8),
        seconds_per_column=group * HOP_LENGTH / SAMPLE_RATE,
        fmax_hz=SAMPLE_RATE / 2,
        db_max=db_max,
        db_range=db_range,
    )
