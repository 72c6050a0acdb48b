"""A 2-D map of a library: each track's tag vector projected on its first two principal components.

The vectors are the track's tag probabilities: the top tags ``predict --explain`` writes (the tags not written
count as 0: they were less probable than the last one written), or the mean musicnn taggram from the embedding
cache (all tags). A plain PCA (centred, numpy SVD) is enough to show which tracks sound alike to the tagger and
where each genre sits; it is a view of the tags, not a measure of distance between songs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from musicgenre.inference.library import LibraryTrack


@dataclass(frozen=True)
class LibraryMap:
    """Where each mapped track lies: ``points`` ``(n, 2)`` float64 scaled into [0, 1] (y up), ``indices`` into
    the library's tracks, the share of the tag variance the two axes hold (``explained``), and ``source``: what
    was projected (one line for the page)."""

    points: np.ndarray
    indices: tuple[int, ...]
    explained: float
    source: str


def tag_matrix(
    tracks: Sequence[LibraryTrack], tags: Sequence[str] | None = None
) -> tuple[np.ndarray, tuple[str, ...], tuple[int, ...]]:
    """Tracks' ``--explain`` top tags as rows ``(n, n_tags)`` float32 over ``tags`` (default: every tag any
    track names, in the order first seen); only classified music with tags is a row (``indices``)."""
    rows = [(i, t.top_tags) for i, t in enumerate(tracks) if t.music and t.top_tags]
    names = tuple(tags) if tags is not None else tuple(dict.fromkeys(tag for _, pairs in rows for tag, _ in pairs))
    column = {tag: j for j, tag in enumerate(names)}
    matrix = np.zeros((len(rows), len(names)), np.float32)
    for r, (_, pairs) in enumerate(rows):
        for tag, probability in pairs:
            if tag in column:
                matrix[r, column[tag]] = probability
    return matrix, names, tuple(i for i, _ in rows)


def pca_2d(matrix: np.ndarray) -> tuple[np.ndarray, float]:
    """The rows of ``matrix`` on its first two principal components, ``(n, 2)`` float64, and the share of the
    variance they hold. Fewer than two distinct rows (or one column) give zeros in the missing axes; signs are
    fixed so that each axis's largest loading is positive (the same data draws the same map)."""
    x = np.asarray(matrix, dtype=np.float64)
    out = np.zeros((len(x), 2))
    if len(x) < 2 or x.shape[1] == 0:
        return out, 0.0
    centred = x - x.mean(axis=0)
    _, singular, vt = np.linalg.svd(centred, full_matrices=False)
    total = float(np.sum(singular**2))
    if total <= 0.0:
        return out, 0.0
    k = min(2, len(singular))
    for axis in range(k):
        component = vt[axis] * np.sign(vt[axis][np.argmax(np.abs(vt[axis]))])
        out[:, axis] = centred @ component
    return out, float(np.sum(singular[:k] ** 2) / total)


def unit_square(points: np.ndarray) -> np.ndarray:
    """Points scaled into [0, 1] on both axes with one common scale (the map keeps its aspect), centred."""
    p = np.asarray(points, dtype=np.float64)
    if len(p) == 0:
        return p.reshape(0, 2)
    low, high = p.min(axis=0), p.max(axis=0)
    span = float(np.max(high - low))
    if span <= 0.0:
        return np.full_like(p, 0.5)
    return (p - (low + high) / 2) / span + 0.5


def library_map(
    tracks: Sequence[LibraryTrack],
    cached: Mapping[int, np.ndarray] | None = None,
) -> LibraryMap | None:
    """The map from the tracks' ``--explain`` tags when any track has them, else from ``cached`` mean taggrams
    (``{track index: (n_tags,)}``, :func:`musicgenre.inference.library.tags_from_cache`); None with fewer than
    two tracks to place."""
    matrix, _, indices = tag_matrix(tracks)
    source = "the top tags predict --explain wrote for each track (tags not written count as 0)"
    if len(indices) < 2 and cached:
        indices = tuple(i for i in sorted(cached) if tracks[i].music)
        matrix = np.stack([cached[i] for i in indices]) if indices else np.zeros((0, 0), np.float32)
        source = "each track's mean musicnn taggram, read from the embedding cache"
    if len(indices) < 2:
        return None
    points, explained = pca_2d(matrix)
    return LibraryMap(unit_square(points), indices, explained, source)
