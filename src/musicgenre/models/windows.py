"""Where the windows of a track lie: fixed-length windows with a hop, the last one aligned to the end; and which
of a network's patches each window reads.

Pure arithmetic on seconds; nothing here reads audio.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np

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


class WindowPlan(Sequence[Window]):
    """The windows of a track, each made when asked for: a header may claim any length (the fuzz found one
    claiming 13 million years), so nothing is built up front; readers stop at the decoded end."""

    def __init__(self, duration_s: float, config: WindowConfig = WindowConfig()):
        if not (duration_s > 0 and math.isfinite(duration_s)):
            raise ValueError(f"duration must be a positive number of seconds, got {duration_s}")
        self.duration_s = float(duration_s)
        self._window, self._hop = config.window_s, config.hop_s
        if duration_s <= config.window_s + config.tail_tolerance_s:
            self._regular, self._last = 0, Window(0.0, self.duration_s)
            return
        count = int(math.floor((duration_s - config.window_s) / config.hop_s + 1e-9)) + 1
        last = Window((count - 1) * config.hop_s, (count - 1) * config.hop_s + config.window_s)
        remainder = duration_s - last.end_s
        if remainder > config.tail_tolerance_s:
            self._regular, self._last = count, Window(duration_s - config.window_s, self.duration_s)
        elif remainder > 0:
            self._regular, self._last = count - 1, Window(last.start_s, self.duration_s)
        else:
            self._regular, self._last = count - 1, last

    def __len__(self) -> int:
        return self._regular + 1

    @overload
    def __getitem__(self, index: int) -> Window: ...

    @overload
    def __getitem__(self, index: slice) -> list[Window]: ...

    def __getitem__(self, index: int | slice) -> Window | list[Window]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"window {index} of {len(self)}")
        if index == self._regular:
            return self._last
        return Window(index * self._hop, index * self._hop + self._window)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (WindowPlan, list, tuple)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # equal to lists, like a list: not hashable

    def __repr__(self) -> str:
        return f"WindowPlan({self.duration_s:g} s: {len(self)} windows, last {self._last})"


def plan_windows(duration_s: float, config: WindowConfig = WindowConfig()) -> WindowPlan:
    """Windows covering a track of ``duration_s`` seconds, as a lazy sequence (:class:`WindowPlan`).

    - ``duration_s <= window_s + tail_tolerance_s``: one window, the whole track (shorter tracks are scored as
      they are).
    - longer: windows ``[k*hop, k*hop + window)`` while they fit; if more than ``tail_tolerance_s`` is left after the
      last of them, one more window ``[duration - window, duration)`` aligned to the end, else the last window is
      stretched to the end. Every second of the track lies in at least one window. Starts never decrease.

    Examples (30 s windows, 15 s hop): 20 s -> [0, 20]; 30.01 s -> [0, 30.01]; 40 s -> [0, 30], [10, 40];
    60 s -> [0, 30], [15, 45], [30, 60].
    """
    return WindowPlan(duration_s, config)


def patch_centres(
    n_patches: int, patch_hop: int = 187, patch_frames: int = 187, hop_length: int = 256, sample_rate: int = 16000
) -> np.ndarray:
    """Centre of each patch in seconds from the track's start ``(n_patches,)`` (patch ``i`` starts at frame
    ``i * patch_hop``, as :func:`~musicgenre.backbones.musicnn.preprocess.patch_starts`)."""
    return (np.arange(n_patches) * patch_hop + patch_frames / 2) * hop_length / sample_rate


def window_patches(centres: np.ndarray, start_s: float, end_s: float) -> np.ndarray:
    """Indices of the patches centred in ``[start_s, end_s)``; the nearest one when none is (a track under 1.5 s)."""
    inside = np.flatnonzero((centres >= start_s) & (centres < end_s))
    if inside.size:
        return inside
    return np.array([int(np.argmin(np.abs(centres - (start_s + end_s) / 2)))])


def heard_windows(
    windows: Sequence[Window], centres: np.ndarray, decoded_s: float, silent: np.ndarray | None = None
) -> tuple[list[Window], list[np.ndarray]]:
    """The windows worth scoring and the patches each reads (:func:`window_patches` of the patch ``centres``, s):
    windows start in order, so the first that begins under :data:`MIN_SECONDS` before the decoded end
    ``decoded_s`` (s) ends the list; a window with under a second decoded is left out, and so is one whose
    patches are all ``silent`` ``(n_patches,)`` bool (None: silence is not checked)."""
    scored: list[Window] = []
    groups: list[np.ndarray] = []
    if not len(centres):
        return scored, groups
    for window in windows:
        if decoded_s - window.start_s < MIN_SECONDS:
            break  # this window and every later one lie past the decoded end
        if min(window.end_s, decoded_s) - window.start_s < MIN_SECONDS:
            continue  # under a second of it decoded
        rows = window_patches(centres, window.start_s, window.end_s)
        if silent is not None and silent[rows].all():
            continue
        scored.append(window)
        groups.append(rows)
    return scored, groups


def window_matrix(n_patches: int, windows: Sequence[Sequence[int] | slice]) -> np.ndarray:
    """0/1 ``(w, n_patches)`` float32 from each window's patch indices (or slices)."""
    out = np.zeros((len(windows), n_patches), np.float32)
    for i, w in enumerate(windows):
        out[i, w] = 1.0
    if (out.sum(axis=1) == 0).any():
        raise ValueError("every window needs at least one patch")
    return out
