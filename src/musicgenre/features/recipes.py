"""Feature recipes by name: what turns one clip into one row of numbers.

A :class:`Recipe` is a function ``(y, sr) -> (n_features,) float64``, its column names and the
sample rate its input must have. Batch extraction, the CLI and the model file
(``musicgenre.recipe`` metadata) refer to recipes by name.

* ``kaggle30``: the 57 statistics of the public GTZAN table ``features_30_sec.csv`` (fast path,
  :func:`musicgenre.features.kaggle30.kaggle30_features`).
* ``kaggle30_reference``: the same 57 numbers with plain librosa calls (slow yardstick).
* ``mfcc40``: the means over frames of 40 MFCCs (128 mel bands, 2048/512 frames): the seed
  MLP's input. Not in the public table; it must be computed from audio.
* ``mfcc20stats``: the table's own MFCC columns (means and variances of 20 MFCCs,
  ``mfcc1_mean … mfcc20_var``, the same numbers as in ``kaggle30``), for models trained on
  that part of the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from musicgenre.features.kaggle30 import KAGGLE30_COLUMNS, KAGGLE30_SR, kaggle30_features, kaggle30_reference

#: Bump when any recipe's numbers change; part of the cache key so stale cached rows are never reused.
FEATURE_VERSION = "1"


@dataclass(frozen=True)
class Recipe:
    """One named way to turn a mono signal into a feature vector."""

    name: str
    function: Callable[[np.ndarray, int], np.ndarray]  # (y (n,), sr) -> (len(columns),) float64
    columns: tuple[str, ...]
    sample_rate: int  # Hz the input must be resampled to
    description: str

    def __call__(self, y: np.ndarray, sr: int | None = None) -> np.ndarray:
        sr = self.sample_rate if sr is None else sr
        if sr != self.sample_rate:
            raise ValueError(f"recipe {self.name} expects {self.sample_rate} Hz audio, got {sr} Hz")
        out = np.asarray(self.function(y, sr), dtype=np.float64)
        if out.shape != (len(self.columns),):
            raise AssertionError(f"recipe {self.name} returned shape {out.shape}, expected ({len(self.columns)},)")
        return out


def mfcc40_means(y: np.ndarray, sr: int = KAGGLE30_SR) -> np.ndarray:
    """Means over frames of 40 MFCCs of ``y`` (see :func:`musicgenre.features.families.mfcc`), ``(40,)``."""
    from musicgenre.features.families import mfcc

    y = np.asarray(y, dtype=np.float32)
    if y.size < 2048:
        y = np.pad(y, (0, 2048 - y.size))
    return mfcc(y=y, sr=sr, n_mfcc=40).mean(axis=1, dtype=np.float64)


def mfcc20_stats(y: np.ndarray, sr: int = KAGGLE30_SR) -> np.ndarray:
    """The table's 40 MFCC columns (``mfcc1_mean, mfcc1_var, … mfcc20_var``) of ``y``, ``(40,)``."""
    from musicgenre.features.families import mfcc
    from musicgenre.features.kaggle30 import pad_short

    m = mfcc(y=pad_short(y), sr=sr, n_mfcc=20).astype(np.float64)
    return np.stack([m.mean(axis=1), m.var(axis=1)], axis=1).ravel()


RECIPES: dict[str, Recipe] = {
    r.name: r
    for r in (
        Recipe(
            "kaggle30",
            kaggle30_features,
            KAGGLE30_COLUMNS,
            KAGGLE30_SR,
            "the 57 statistics of the public GTZAN table features_30_sec.csv (fast path)",
        ),
        Recipe(
            "kaggle30_reference",
            kaggle30_reference,
            KAGGLE30_COLUMNS,
            KAGGLE30_SR,
            "the same 57 statistics with plain librosa calls (slow yardstick)",
        ),
        Recipe(
            "mfcc40",
            mfcc40_means,
            tuple(f"mfcc{i}_mean" for i in range(1, 41)),
            KAGGLE30_SR,
            "means over frames of 40 MFCCs (the seed MLP's input)",
        ),
        Recipe(
            "mfcc20stats",
            mfcc20_stats,
            tuple(c for c in KAGGLE30_COLUMNS if c.startswith("mfcc")),
            KAGGLE30_SR,
            "means and variances of 20 MFCCs: the table's MFCC columns",
        ),
    )
}


def get_recipe(name: str) -> Recipe:
    """The recipe called ``name``; ``KeyError`` listing the known names otherwise."""
    try:
        return RECIPES[name]
    except KeyError:
        raise KeyError(f"unknown feature recipe {name!r}; known: {', '.join(sorted(RECIPES))}") from None
