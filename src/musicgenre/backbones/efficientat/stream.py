"""The log-mel of a track of any length, fed in consecutive pieces: memory stays that of a piece, and the frames
equal :func:`~musicgenre.backbones.efficientat.frontend.log_mel` of the whole track.

    stream = LogMelStream()
    for y in pieces:                 # consecutive mono float32 pieces at 32 kHz, in order
        mel = stream.push(y)         # (128, k) float32: the frames whose samples have all arrived
    mel = stream.finish()            # the last frames (the end reflect-padded, as the whole-track STFT pads it)

Frame ``f`` is centred on sample ``f * hop`` of the pre-emphasised track; it is given once the ``n_fft // 2``
samples after that have arrived. The start is reflect-padded once ``n_fft`` pre-emphasised samples are in.
"""

from __future__ import annotations

import numpy as np

from musicgenre.backbones.efficientat.config import InputConfig
from musicgenre.backbones.efficientat.frontend import log_mel, mel_from_power, power_frames


class LogMelStream:
    """Streaming :func:`~.frontend.log_mel` (see the module's docstring); one per track."""

    def __init__(self, cfg: InputConfig = InputConfig()):
        self.cfg = cfg
        self._last_y: np.float32 | None = None  # the previous piece's last sample, for the pre-emphasis
        self._head: list[np.ndarray] = []  # pre-emphasised samples before the start could be padded
        self._buffer: np.ndarray | None = None  # padded track from sample ``_buffer_start`` on
        self._buffer_start = 0  # index in the padded track of _buffer[0]
        self._next_frame = 0
        self._y_head: list[np.ndarray] = []  # the raw start, for a track too short to stream

    def push(self, y: np.ndarray) -> np.ndarray:
        """The frames ``(n_mels, k)`` float32 completed by the next piece ``y`` ``(n,)`` of the track."""
        y = np.asarray(y, dtype=np.float32).reshape(-1)
        if y.size == 0:
            return self._empty()
        joined = y if self._last_y is None else np.concatenate(([self._last_y], y))
        x = joined[1:] - np.float32(self.cfg.preemphasis) * joined[:-1]
        self._last_y = y[-1]
        if self._buffer is None:
            self._head.append(x)
            self._y_head.append(y)
            if sum(h.size for h in self._head) < 2 * self.cfg.n_fft:
                return self._empty()
            start = np.concatenate(self._head)
            half = self.cfg.n_fft // 2
            self._buffer = np.concatenate((start[half:0:-1], start))
            self._head, self._y_head = [], []
        else:
            self._buffer = np.concatenate((self._buffer, x))
        return self._emit()

    def finish(self) -> np.ndarray:
        """The remaining frames ``(n_mels, k)``: the end of the track reflect-padded (a track shorter than
        ``2 n_fft`` samples is computed whole here)."""
        if self._buffer is None:
            if not self._y_head:
                return self._empty()
            return log_mel(np.concatenate(self._y_head), self.cfg)
        half = self.cfg.n_fft // 2
        self._buffer = np.concatenate((self._buffer, self._buffer[-2 : -half - 2 : -1]))
        return self._emit()

    def _emit(self) -> np.ndarray:
        cfg, buffer = self.cfg, self._buffer
        assert buffer is not None
        first = self._next_frame * cfg.hop_length - self._buffer_start  # the next frame's first sample in the buffer
        n = (buffer.size - first - cfg.n_fft) // cfg.hop_length + 1
        if n <= 0:
            return self._empty()
        mel = mel_from_power(power_frames(buffer[first : first + (n - 1) * cfg.hop_length + cfg.n_fft], cfg), cfg)
        self._next_frame += n
        keep = self._next_frame * cfg.hop_length - self._buffer_start
        self._buffer = buffer[keep:].copy()
        self._buffer_start += keep
        return mel

    def _empty(self) -> np.ndarray:
        return np.zeros((self.cfg.n_mels, 0), np.float32)
