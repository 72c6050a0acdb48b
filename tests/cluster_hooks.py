"""Feature functions for cluster tests: the tests pass them as ``FeatureRecipe`` objects (a model file names only
the package's recipes), and the workers unpickle them by reference from this module."""

from __future__ import annotations

import os

import numpy as np

#: A tone at this amplitude is the poison: its rms is POISON_AMPLITUDE / sqrt(2).
POISON_AMPLITUDE = 0.777


def rms(y: np.ndarray, sr: int = 22050) -> np.ndarray:
    """One feature: the root-mean-square of the window, ``(1,)``."""
    return np.array([np.sqrt(np.mean(np.square(y, dtype=np.float64)))])


def rms_or_die(y: np.ndarray, sr: int = 22050) -> np.ndarray:
    """:func:`rms`, except that the poison tone ends the process at once, as a crashing decoder would."""
    value = rms(y, sr)
    if abs(value[0] - POISON_AMPLITUDE / np.sqrt(2)) < 2e-3:
        os._exit(3)
    return value
