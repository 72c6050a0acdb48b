"""Example clips the package synthesizes, for machines without real music at hand (``musicgenre predict --examples``).

They are demonstrations that the pipeline runs end to end on any signal; they are *not* music of any genre,
so the genres the model gives them say nothing about its accuracy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SR = 22050  # Hz


@dataclass(frozen=True)
class ExampleClip:
    """A synthesized clip: ``name``, what it is, and the mono float32 signal ``(seconds * SR,)`` at :data:`SR` Hz."""

    name: str
    description: str
    signal: np.ndarray


def _envelope(n: int, attack_s: float, decay_s: float) -> np.ndarray:
    t = np.arange(n) / SR
    return np.minimum(t / attack_s, 1.0) * np.exp(-t / decay_s)


def _hit(kind: str, rng: np.random.Generator) -> np.ndarray:
    """One drum hit: kick (pitch-dropping sine), snare (noise + tone), hat (short bright noise)."""
    if kind == "kick":
        n = int(0.25 * SR)
        t = np.arange(n) / SR
        return np.sin(2 * np.pi * (50 + 80 * np.exp(-t * 30)) * t) * np.exp(-t * 12)
    if kind == "snare":
        n = int(0.18 * SR)
        t = np.arange(n) / SR
        return (0.6 * rng.standard_normal(n) + 0.4 * np.sin(2 * np.pi * 190 * t)) * np.exp(-t * 25)
    n = int(0.05 * SR)
    return 0.3 * np.diff(rng.standard_normal(n + 1)) * np.exp(-np.arange(n) / SR * 80)


def _drums(seconds: float, bpm: float, pattern: dict[str, list[int]], rng: np.random.Generator) -> np.ndarray:
    """A 16-step drum loop; ``pattern`` maps a drum to the steps (0-15) of each bar it plays on."""
    y = np.zeros(int(seconds * SR))
    step = 60.0 / bpm / 4
    for index in range(int(seconds / step)):
        for kind, steps in pattern.items():
            if index % 16 in steps:
                hit, start = _hit(kind, rng), int(index * step * SR)
                y[start : start + hit.size] += hit[: y.size - start]
    return y


def _chords(seconds: float, roots_hz: list[float], chord_s: float, wave: str) -> np.ndarray:
    """Triads on each root in turn, ``chord_s`` seconds each; ``wave`` ``"sine"`` (soft) or ``"saw"`` (bright,
    clipped)."""
    y = np.zeros(int(seconds * SR))
    n = int(chord_s * SR)
    t = np.arange(n) / SR
    for k in range(int(seconds / chord_s)):
        root = roots_hz[k % len(roots_hz)]
        tone = np.zeros(n)
        for ratio in (1.0, 1.26, 1.5):  # root, major third, fifth
            phase = (root * ratio * t) % 1.0
            tone += np.sin(2 * np.pi * phase) if wave == "sine" else (2 * phase - 1)
        tone *= _envelope(n, 0.05, chord_s * 1.5)
        y[k * n : (k + 1) * n] += tone[: y.size - k * n]
    return y


def example_clips(seconds: float = 30.0) -> list[ExampleClip]:
    """Four synthesized clips of ``seconds`` s each (deterministic)."""
    rng = np.random.default_rng(0)
    four = {"kick": [0, 4, 8, 12], "snare": [4, 12], "hat": list(range(0, 16, 2))}
    backbeat = {"kick": [0, 3, 8, 10], "snare": [4, 12], "hat": list(range(16))}
    clips = [
        (
            "sine-chords",
            "soft sine-wave triads, 4 s each, no drums",
            0.25 * _chords(seconds, [220, 175, 196, 147], 4.0, "sine"),
        ),
        (
            "drum-loop-92bpm",
            "kick/snare/hat loop at 92 bpm with a sine bass",
            _drums(seconds, 92, backbeat, rng) + 0.3 * np.sin(2 * np.pi * 55 * np.arange(int(seconds * SR)) / SR),
        ),
        (
            "four-on-the-floor-124bpm",
            "kick on every beat at 124 bpm with bright chords",
            _drums(seconds, 124, four, rng) + 0.15 * _chords(seconds, [262, 220, 175, 196], 1.94, "saw"),
        ),
        (
            "distorted-saw-chords",
            "hard-clipped sawtooth chords over a fast drum loop",
            np.tanh(4 * _chords(seconds, [82, 98, 110, 73], 1.0, "saw")) + _drums(seconds, 160, backbeat, rng),
        ),
    ]
    out = []
    for name, description, y in clips:
        y = 0.5 * y / np.max(np.abs(y))
        out.append(ExampleClip(f"synthetic:{name}", description, y.astype(np.float32)))
    return out
