"""Where the windows of a track lie: fixed-length windows with a hop, the last one aligned to the end.

Pure arithmetic on seconds; nothing here reads audio.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: Shorter inputs (and windows) are not classified: too few frames for stable statistics (s).
MIN_SECONDS = 1.0


@dataclass(frozen=True)
class WindowConfig:
    """How a track is cut.

    ``window_s``: window length (s), normally the model's clip length (30 s for GTZAN models).
    ``hop_s``: distance between window starts (s).
    ``tail_tolerance_s``: a remainder after the last full window up to this long (s) is absorbed by
    stretching that window instead of adding one more (GTZAN clips are 29.9-30.1 s: one window each).
    """

    window_s: float = 30.0
    hop_s: float = 15.0
    tail_tolerance_s: float = 1.0

    def __post_init__(self) -> None:
        if not (0 < self.hop_s <= self.window_s and self.tail_tolerance_s >= 0):
            raise ValueError(f"need 0 < hop <= window and tail tolerance >= 0 (seconds), got {self}")


@dataclass(frozen=True)
class Window:
    """One window of a track, ``[start_s, end_s)`` in seconds from the start."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


def plan_windows(duration_s: float, config: WindowConfig = WindowConfig()) -> list[Window]:
    """Windows covering a track of ``duration_s`` seconds.

    - ``duration_s <= window_s + tail_tolerance_s``: one window, the whole track (shorter tracks are scored as
      they are).
    - longer: windows ``[k*hop, k*hop + window)`` while they fit; if more than ``tail_tolerance_s`` is left after the
      last of them, one more window ``[duration - window, duration)`` aligned to the end, else the last window is
      stretched to the end. Every second of the track lies in at least one window.

    Examples (30 s windows, 15 s hop): 20 s -> [0, 20]; 30.01 s -> [0, 30.01]; 40 s -> [0, 30], [10, 40];
    60 s -> [0, 30], [15, 45], [30, 60].
    """
    if not (duration_s > 0 and math.isfinite(duration_s)):
        raise ValueError(f"duration must be a positive number of seconds, got {duration_s}")
    window, hop = config.window_s, config.hop_s
    if duration_s <= window + config.tail_tolerance_s:
        return [Window(0.0, float(duration_s))]
    count = int(math.floor((duration_s - window) / hop + 1e-9)) + 1
    windows = [Window(k * hop, k * hop + window) for k in range(count)]
    remainder = duration_s - windows[-1].end_s
    if remainder > config.tail_tolerance_s:
        windows.append(Window(duration_s - window, float(duration_s)))
    elif remainder > 0:
        windows[-1] = Window(windows[-1].start_s, float(duration_s))
    return windows
