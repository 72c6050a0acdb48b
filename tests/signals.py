"""Small signals the tests make themselves (no dataset audio needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

SR = 22050


def tone(freq_hz: float = 440.0, seconds: float = 2.0, sr: int = SR, amplitude: float = 0.5) -> np.ndarray:
    """A pure sine, shape ``(seconds*sr,)``, float32."""
    t = np.arange(int(seconds * sr)) / sr
    return (amplitude * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)


def noise(seconds: float = 2.0, sr: int = SR, amplitude: float = 0.1, seed: int = 0) -> np.ndarray:
    """White noise, shape ``(seconds*sr,)``, float32."""
    return (amplitude * np.random.default_rng(seed).standard_normal(int(seconds * sr))).astype(np.float32)


def clicks(bpm: float = 120.0, seconds: float = 4.0, sr: int = SR) -> np.ndarray:
    """A click track (short decaying noise bursts every beat), shape ``(seconds*sr,)``."""
    y = np.zeros(int(seconds * sr), np.float32)
    burst = noise(0.02, sr, 0.8) * np.exp(-np.linspace(0, 8, int(0.02 * sr))).astype(np.float32)
    for start in np.arange(0, seconds, 60.0 / bpm):
        i = int(start * sr)
        y[i : i + burst.size] += burst[: y.size - i]
    return y


def write(path: Path, y: np.ndarray, sr: int = SR, **kwargs) -> Path:
    """Write ``y`` to ``path`` (format from the extension) and return the path."""
    sf.write(path, y, sr, **kwargs)
    return path


def music(seconds: float = 8.0, sr: int = SR) -> np.ndarray:
    """A drum loop under a low note and a second note switching every half second, shape ``(seconds*sr,)``:
    enough rhythm and change that the musicnn model does not flag it as a steady tone (it calls it classical)."""
    pulse = (np.arange(int(seconds * sr)) // (sr // 2) % 2).astype(np.float32)
    chord = tone(196.0, seconds, sr, amplitude=0.2) + pulse * tone(247.0, seconds, sr, amplitude=0.1)
    return clicks(bpm=100.0, seconds=seconds, sr=sr) + chord
