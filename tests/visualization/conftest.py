"""Fixtures for the figure tests: synthesized clips and a genre-folder dataset of short tones."""

from __future__ import annotations

from pathlib import Path

import pytest
import signals

from musicgenre.genres import GENRES
from musicgenre.visualization.clips import Clip


@pytest.fixture(scope="session")
def genre_clips() -> list[Clip]:
    """Three 2-second clips labelled blues, jazz, metal: a tone, noise, and clicks."""
    return [
        Clip(signals.tone(220.0, 2.0), signals.SR, "tone.wav", "blues"),
        Clip(signals.noise(2.0, amplitude=0.3), signals.SR, "noise.wav", "jazz"),
        Clip(signals.clicks(120.0, 2.0), signals.SR, "clicks.wav", "metal"),
    ]


@pytest.fixture(scope="session")
def tone_folder(tmp_path_factory) -> Path:
    """``<genre>/<genre>.0000N.wav`` for four genres, 1.5 s tones at different pitches (GTZAN naming)."""
    root = tmp_path_factory.mktemp("genres")
    for index, genre in enumerate(GENRES[:4]):
        (root / genre).mkdir()
        for n in range(2):
            signals.write(root / genre / f"{genre}.{n:05d}.wav", signals.tone(220.0 * (index + 1) + 10 * n, 1.5))
    return root


@pytest.fixture()
def run_dir(tmp_path) -> Path:
    from visualization.fake_experiment import write_experiment

    return write_experiment(tmp_path / "run", models=("cnn", "svm"), networks=("cnn",))
