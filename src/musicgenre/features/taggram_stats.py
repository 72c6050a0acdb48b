"""Per-clip statistics of a taggram (frames x tags): the inputs of the genre heads on musicnn tags.

Pure functions, numpy in and out. A *feature set* is a named tuple of statistics; each statistic gives one
value per tag, and a feature set's columns are grouped by statistic (all tags' means, then all tags' maxima...).

    x = clip_statistics(frames, clip, n_clips, FEATURE_SETS["meanmax"])     # (n_clips, 2 * n_tags)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

#: Statistic name -> function of one clip's frames ``(n_frames, n_tags)`` -> ``(n_tags,)``.
STATISTICS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "mean": lambda f: f.mean(axis=0),
    "max": lambda f: f.max(axis=0),
    "std": lambda f: f.std(axis=0),
    "p10": lambda f: np.quantile(f, 0.10, axis=0),
    "p50": lambda f: np.quantile(f, 0.50, axis=0),
    "p90": lambda f: np.quantile(f, 0.90, axis=0),
}

#: Named feature sets (one study view each).
FEATURE_SETS: dict[str, tuple[str, ...]] = {
    "meanmax": ("mean", "max"),
    "meanmaxstd": ("mean", "max", "std"),
    "quantiles": ("mean", "max", "std", "p10", "p50", "p90"),
}


def clip_statistics(
    frames: np.ndarray, clip: np.ndarray, n_clips: int, stats: Sequence[str] = FEATURE_SETS["meanmax"]
) -> np.ndarray:
    """Statistics of every clip's frames.

    ``frames`` ``(n_frames, n_tags)``, ``clip`` ``(n_frames,)`` int index in ``[0, n_clips)`` of each frame's
    clip; returns float32 ``(n_clips, len(stats) * n_tags)``, column ``s * n_tags + t`` = statistic ``stats[s]``
    of tag ``t``. Raises ValueError for an unknown statistic or a clip without frames.
    """
    frames = np.asarray(frames, np.float64)
    clip = np.asarray(clip, np.int64)
    if frames.ndim != 2 or clip.shape != (len(frames),):
        raise ValueError(f"frames {frames.shape} and clip {clip.shape} do not match")
    unknown = [s for s in stats if s not in STATISTICS]
    if unknown:
        raise ValueError(f"unknown statistic(s) {', '.join(unknown)}; known: {', '.join(STATISTICS)}")
    counts = np.bincount(clip, minlength=n_clips)
    if len(counts) > n_clips or (counts == 0).any():
        raise ValueError("every clip needs at least one frame (and clip indices must be below n_clips)")
    order = np.argsort(clip, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(counts)])
    out = np.empty((n_clips, len(stats) * frames.shape[1]), np.float64)
    for i in range(n_clips):
        block = frames[order[bounds[i] : bounds[i + 1]]]
        out[i] = np.concatenate([STATISTICS[s](block) for s in stats])
    return out.astype(np.float32)


def statistic_names(tag_names: Sequence[str], stats: Sequence[str]) -> tuple[str, ...]:
    """Column names of :func:`clip_statistics`: ``"<stat>(<tag>)"``, ``len(stats) * len(tag_names)`` of them."""
    return tuple(f"{s}({t})" for s in stats for t in tag_names)


__all__ = ["FEATURE_SETS", "STATISTICS", "clip_statistics", "statistic_names"]
