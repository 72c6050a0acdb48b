"""What a classification returns: the track's genre and probabilities, and optionally one row per window."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from musicgenre.inference.explain import Explanation


@dataclass(frozen=True)
class WindowPrediction:
    """The model's answer for one window ``[start_s, end_s)`` (seconds) of a track."""

    start_s: float
    end_s: float
    genre: str
    probabilities: dict[str, float]

    def to_dict(self) -> dict:
        return {
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
            "genre": self.genre,
            "probabilities": _rounded(self.probabilities),
        }


@dataclass(frozen=True)
class Prediction:
    """A track's genre: window probabilities averaged over the track.

    ``file``: the path classified (None for an array). ``duration_s``: the track's length in seconds.
    ``probabilities``: genre -> probability, in the model's genre order, summing to 1 (``multi_label``: a model of
    independent class probabilities, such as ``audioset-genres``, whose values need not sum to 1).
    ``timeline``: one :class:`WindowPrediction` per scored window when asked for (else empty).
    ``windows``: how many windows were scored (silent windows are left out of the average).
    ``uncertain``: the top probability is below the model's "uncertain" threshold (its calibrated
    probabilities say it is more often wrong than right there), or the track is not music; None when the model
    has no threshold. ``not_music``: why the track is not music (a steady tone, steady noise), else None; the
    genre is then the nearest the model found, not an answer. ``explanation``: which tags pushed the answer
    (:class:`~musicgenre.inference.explain.Explanation`) when asked for and the model has tags, else None.
    In a model of several networks (the default) the explanation is that of musicnn's head, on its own answer, with
    each network's answer in ``explanation.networks``.
    ``window_statistics``: ``(windows, d)`` the tag statistics the model's head read for each scored window,
    when asked for (what a head learns from; not part of :meth:`to_dict`), else None.
    """

    file: str | None
    duration_s: float
    genre: str
    probabilities: dict[str, float]
    timeline: list[WindowPrediction] = field(default_factory=list)
    windows: int = 1
    uncertain: bool | None = None
    not_music: str | None = None
    explanation: Explanation | None = None
    multi_label: bool = False
    window_statistics: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def probability(self) -> float:
        """Probability of the top genre."""
        return self.probabilities[self.genre]

    def top(self, k: int = 1) -> list[tuple[str, float]]:
        """The ``k`` most probable genres with their probabilities, most probable first."""
        return sorted(self.probabilities.items(), key=lambda item: -item[1])[:k]

    def to_dict(self) -> dict:
        """Plain JSON-ready dict (probabilities rounded to 6 decimals); ``explanation`` only when there is one."""
        record = {
            "file": self.file,
            "duration_s": round(self.duration_s, 3),
            "genre": self.genre,
            "probability": round(self.probability, 6),
            "probabilities": _rounded(self.probabilities),
            "uncertain": self.uncertain,
            "not_music": self.not_music,
            "windows": self.windows,
            "timeline": [w.to_dict() for w in self.timeline],
        }
        if self.explanation is not None:
            record["explanation"] = self.explanation.to_dict()
        return record


def average_probabilities(probabilities: np.ndarray, multi_label: bool = False) -> np.ndarray:
    """Track probabilities ``(n_genres,)``: the mean of window rows ``(n_windows, n_genres)``, renormalised to sum 1
    (``multi_label``: independent class probabilities, the plain mean)."""
    mean = np.asarray(probabilities, dtype=np.float64).mean(axis=0)
    return mean if multi_label else mean / mean.sum()


def probabilities_by_genre(row: np.ndarray, genres: tuple[str, ...]) -> dict[str, float]:
    """``(n_genres,)`` array -> ``{genre: probability}`` in the given order."""
    return {genre: float(p) for genre, p in zip(genres, row, strict=True)}


def _rounded(probabilities: dict[str, float]) -> dict[str, float]:
    return {genre: round(p, 6) for genre, p in probabilities.items()}
