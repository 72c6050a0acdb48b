"""Tell music from steady tones, hums and noise: not music in any useful sense, yet the network gives them a genre.

A network trained on music gives a genre to anything: the musicnn model calls a 440 Hz sine "classical 0.99" and
white noise "reggae". :class:`SteadinessMeter` reads the log-mel frames the model computes anyway. It flags a
track whose spectrum does not change, in one of two ways. (Constant and DC-only signals are refused earlier, as
silent.)

* **a steady tone**: in the bands within 30 dB of the loudest, the median of each band's frame-to-frame standard
  deviation is below 0.5 dB. A sine, a square wave or a hum gives 0.2-0.3 dB; the shared GTZAN clips give
  4.9-10.4 dB.
* **steady noise**: the median spectral flatness of the frames is above 0.5, and the bands' 1 s means vary by
  less than 1 dB. White noise gives flatness 0.75 and 0.45 dB; the GTZAN clips give flatness at most 0.20 and
  1.8-8.4 dB.

Both margins are tenfold or more on real music, so a track of music is not flagged for being quiet or simple. A
track that is music only in part is not flagged either: the statistics are medians over the whole track.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

ACTIVE_RANGE_DB = 30.0  # bands this far below the loudest band's mean level are left out
TONE_MAX_STD_DB = 0.5  # frame-to-frame band variation below this: nothing changes
NOISE_MIN_FLATNESS = 0.5  # Wiener entropy of the mel spectrum (1: white)
NOISE_MAX_STD_DB = 1.0  # variation of 1 s band means below this: no temporal structure
SECOND_FRAMES = 62  # log-mel frames per second (hop 256 at 16 kHz)

STEADY_TONE = "a steady tone or hum (nothing changes over time)"
STEADY_NOISE = "steady noise (no temporal structure)"


@dataclass
class SteadinessMeter:
    """Accumulates a track's log-mel frames, block by block, and says whether the track is steady (not music).

    Frames are the musicnn log-mel, ``log10(1 + 10000 * mel)``, shape ``(frames, n_mels)``; memory grows by one
    mean per band per second and one flatness value per frame.
    """

    n_mels: int = 96
    _count: int = field(default=0, init=False)
    _sum: np.ndarray = field(init=False)
    _sum_sq: np.ndarray = field(init=False)
    _carry: list[np.ndarray] = field(default_factory=list, init=False)
    _second_means: list[np.ndarray] = field(default_factory=list, init=False)
    _flatness: list[np.ndarray] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self._sum = np.zeros(self.n_mels)
        self._sum_sq = np.zeros(self.n_mels)

    def add(self, log_mel: np.ndarray) -> None:
        """Take the next frames ``(n, n_mels)`` of the track, in order."""
        db = 10.0 * np.asarray(log_mel, np.float64)
        self._count += len(db)
        self._sum += db.sum(axis=0)
        self._sum_sq += np.square(db).sum(axis=0)
        power = np.maximum((np.power(10.0, db / 10.0) - 1.0) / 1e4, 1e-12)
        self._flatness.append(np.exp(np.log(power).mean(axis=1)) / power.mean(axis=1))
        pending = np.concatenate([*self._carry, db]) if self._carry else db
        whole = len(pending) // SECOND_FRAMES * SECOND_FRAMES
        if whole:
            self._second_means.append(pending[:whole].reshape(-1, SECOND_FRAMES, self.n_mels).mean(axis=1))
        self._carry = [pending[whole:]] if whole < len(pending) else []

    def verdict(self) -> str | None:
        """:data:`STEADY_TONE`, :data:`STEADY_NOISE`, or None (music, or too short to tell: under 2 s)."""
        if self._count < 2 * SECOND_FRAMES:
            return None
        mean = self._sum / self._count
        active = mean >= mean.max() - ACTIVE_RANGE_DB
        frame_std = np.sqrt(np.maximum(self._sum_sq / self._count - np.square(mean), 0.0))
        if np.median(frame_std[active]) < TONE_MAX_STD_DB:
            return STEADY_TONE
        seconds = np.concatenate(self._second_means)
        flatness = np.median(np.concatenate(self._flatness))
        if flatness > NOISE_MIN_FLATNESS and np.median(seconds[:, active].std(axis=0)) < NOISE_MAX_STD_DB:
            return STEADY_NOISE
        return None


def steadiness(log_mel: np.ndarray) -> str | None:
    """The verdict of :class:`SteadinessMeter` on a whole log-mel ``(frames, n_mels)`` at once."""
    meter = SteadinessMeter(n_mels=log_mel.shape[1])
    meter.add(log_mel)
    return meter.verdict()
