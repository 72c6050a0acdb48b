"""A musicnn genre model's linear head on window statistics of tag probabilities.

Numpy only (no torch), so the inference engine can use a model file of
:mod:`musicgenre.backbones.musicnn.genre_graph` without the training stack: feed a track's log-mel patches to the
graph in batches of :data:`RECOMMENDED_BATCH` (memory grows with the patches fed at once), keep its ``taggram``
output ``(n, 50)``, and score each window's rows with :meth:`LinearHead.window_proba` (the same numbers as the
graph's own ``probabilities``; the file carries the head as JSON in ``musicgenre.head``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import softmax

from musicgenre.features.taggram_stats import STATISTICS, statistic_names

RECIPE = "musicnn-msd-logmel"
#: Statistics the graph can compute per window (the taggram study's others, quantiles, are not graph ops here).
GRAPH_STATISTICS = ("mean", "max", "std")
#: Patches per graph call for long tracks: onnxruntime's peak grows with the batch (figures: docs/benchmarks.md).
RECOMMENDED_BATCH = 10
#: Tags of MSD_musicnn.
N_TAGS = 50


def window_statistics(taggram: np.ndarray, statistics: Sequence[str]) -> np.ndarray:
    """``(50 * len(statistics),)``: each statistic (:data:`~musicgenre.features.taggram_stats.STATISTICS`) of
    one window's tags ``(patches, 50)``, all 50 tags of the first, then of the next (the heads' column layout)."""
    frames = np.asarray(taggram, dtype=np.float64)
    return np.concatenate([STATISTICS[s](frames) for s in statistics])


@dataclass(frozen=True)
class LinearHead:
    """A linear genre head on clip statistics of the 50 MSD tag probabilities.

    ``statistics`` in column order (each of :data:`GRAPH_STATISTICS`), ``center``/``scale`` ``(d,)`` the
    standardization, ``coef`` ``(k, d)``, ``intercept`` ``(k,)``, ``genres`` the ``k`` class names in output
    order; ``d = 50 * len(statistics)``, columns as :func:`~musicgenre.features.taggram_stats.clip_statistics`.
    """

    statistics: tuple[str, ...]
    center: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    genres: tuple[str, ...]
    temperature: float = 1.0
    n_tags: int = N_TAGS

    def __post_init__(self) -> None:
        object.__setattr__(self, "statistics", tuple(self.statistics))
        object.__setattr__(self, "genres", tuple(str(g) for g in self.genres))
        unknown = [s for s in self.statistics if s not in GRAPH_STATISTICS]
        if unknown or not self.statistics:
            raise ValueError(f"statistics must be among {', '.join(GRAPH_STATISTICS)}, got {self.statistics}")
        d, k = self.n_tags * len(self.statistics), len(self.genres)
        for name, shape in (("center", (d,)), ("scale", (d,)), ("coef", (k, d)), ("intercept", (k,))):
            value = np.asarray(getattr(self, name), dtype=np.float64)
            if value.shape != shape:
                raise ValueError(f"{name} has shape {value.shape}, expected {shape}")
            value.setflags(write=False)
            object.__setattr__(self, name, value)
        if not self.temperature > 0:
            raise ValueError(f"temperature must be > 0, got {self.temperature}")

    @property
    def n_features(self) -> int:
        return self.n_tags * len(self.statistics)

    def feature_names(self, tags: Sequence[str]) -> tuple[str, ...]:
        """``"mean(rock)"``, ... for tag names ``tags`` in column order
        (:func:`~musicgenre.features.taggram_stats.statistic_names`)."""
        return statistic_names(tags, self.statistics)

    def decision(self, stats: np.ndarray) -> np.ndarray:
        """Logits before the temperature, ``(w, d)`` -> ``(w, k)`` (float64)."""
        x = np.asarray(stats, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.n_features:
            raise ValueError(f"expected statistics (windows, {self.n_features}), got {x.shape}")
        return ((x - self.center) / self.scale) @ self.coef.T + self.intercept

    def predict_proba(self, stats: np.ndarray) -> np.ndarray:
        """Genre probabilities ``(w, k)`` of clip statistics ``(w, d)``."""
        return softmax(self.decision(stats) / self.temperature, axis=-1)

    def window_statistics(self, taggram: np.ndarray) -> np.ndarray:
        """The head's statistics ``(d,)`` of one window's tags ``(patches, 50)``, with the study's functions."""
        return window_statistics(taggram, self.statistics)

    def window_proba(
        self, taggram: np.ndarray, windows: Sequence[Sequence[int] | np.ndarray | slice] | None = None
    ) -> np.ndarray:
        """Probabilities ``(w, k)`` of windows of a taggram ``(n, 50)``: ``windows`` lists each window's patch
        indices (or slices); ``None`` is one window over all patches. What the graph's ``probabilities`` give."""
        taggram = np.asarray(taggram)
        windows = [slice(None)] if windows is None else windows
        stats = np.stack([self.window_statistics(taggram[w]) for w in windows])
        return self.predict_proba(stats)

    @classmethod
    def from_sklearn(
        cls, model: Any, statistics: Sequence[str], genres: Sequence[str] | None = None, temperature: float = 1.0
    ) -> LinearHead:
        """From a fitted ``StandardScaler -> LogisticRegression | RidgeClassifier`` pipeline (or the bare
        estimator, or an object holding one as ``pipeline_``).

        Logistic regression: multinomial (sklearn's multi-class default), so ``predict_proba`` is the softmax of
        ``decision_function``; a binary one (one row of ``coef_``) becomes two rows ``-s/2, s/2`` whose softmax is
        its sigmoid. Ridge: the softmax of its decision values (as ``models.taggram_heads.SoftmaxRidge``).
        ``genres``: the names of ``estimator.classes_`` in that order (default: ``classes_`` themselves).
        """
        from sklearn.linear_model import LogisticRegression, RidgeClassifier
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler

        model = getattr(model, "pipeline_", model)
        steps = [step for _, step in model.steps] if isinstance(model, Pipeline) else [model]
        steps = [s for s in steps if s is not None and s != "passthrough"]
        *scalers, estimator = steps
        d = N_TAGS * len(statistics)
        center, scale = np.zeros(d), np.ones(d)
        if len(scalers) > 1 or (scalers and not isinstance(scalers[0], StandardScaler)):
            raise ValueError(f"expected at most one StandardScaler before the estimator, got {scalers}")
        if scalers:
            s = scalers[0]
            if getattr(s, "mean_", None) is not None:
                center = np.asarray(s.mean_, np.float64)
            if getattr(s, "scale_", None) is not None:
                scale = np.asarray(s.scale_, np.float64)
        if isinstance(estimator, LogisticRegression):
            if getattr(estimator, "multi_class", "auto") == "ovr":
                raise ValueError("one-vs-rest logistic regression is not a softmax head; fit it multinomial")
        elif not isinstance(estimator, RidgeClassifier):
            raise ValueError(f"expected LogisticRegression or RidgeClassifier, got {type(estimator).__name__}")
        coef = np.asarray(estimator.coef_, np.float64)
        intercept = np.broadcast_to(np.asarray(estimator.intercept_, np.float64), (coef.shape[0],))
        if coef.shape[0] == 1:  # binary: one score s; softmax([-s/2, s/2]) = [1 - sigmoid(s), sigmoid(s)]
            coef, intercept = np.vstack([-coef / 2, coef / 2]), np.array([-intercept[0] / 2, intercept[0] / 2])
        classes = [str(c) for c in estimator.classes_]
        names = classes if genres is None else [str(g) for g in genres]
        if len(names) != len(classes):
            raise ValueError(f"{len(names)} genre names for {len(classes)} classes")
        return cls(tuple(statistics), center, scale, coef, intercept, tuple(names), float(temperature))

    def to_json(self) -> str:
        """The head as JSON (the Model file's ``musicgenre.head``): plain lists, no pickles."""
        return json.dumps(
            {
                "statistics": list(self.statistics),
                "genres": list(self.genres),
                "temperature": self.temperature,
                "n_tags": self.n_tags,
                **{k: getattr(self, k).tolist() for k in ("center", "scale", "coef", "intercept")},
            }
        )

    @classmethod
    def from_json(cls, text: str) -> LinearHead:
        """The head written by :meth:`to_json`."""
        d = json.loads(text)
        return cls(
            tuple(d["statistics"]),
            np.array(d["center"]),
            np.array(d["scale"]),
            np.array(d["coef"]),
            np.array(d["intercept"]),
            tuple(d["genres"]),
            float(d["temperature"]),
            int(d["n_tags"]),
        )
