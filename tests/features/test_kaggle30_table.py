"""kaggle30 (reference and fast) against the public GTZAN table, on every shared clip that has a row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from musicgenre.audio import AUDIO_EXTENSIONS, load
from musicgenre.features.kaggle30 import KAGGLE30_COLUMNS, kaggle30_features, kaggle30_reference

SHARED_AUDIO = Path(__file__).resolve().parents[2].parent / "shared" / "gtzan" / "audio"
CLIPS = (
    sorted(p for p in SHARED_AUDIO.rglob("*") if p.suffix.lower() in AUDIO_EXTENSIONS) if SHARED_AUDIO.is_dir() else []
)
NEAR_ZERO = ("harmony_mean", "perceptr_mean")  # compared in absolute terms
#: blues.00099.mp3 is a 56 kbit/s re-encode of the original: its worst column is 1.9 % off
#: (mfcc16_mean; measured with both recipes), so it is held to 3 % instead of 1 %.
MP3_RELATIVE = 0.03


@pytest.fixture(scope="module")
def table(feature_table: Path) -> pd.DataFrame:
    return pd.read_csv(feature_table).set_index("filename")


def test_columns_are_the_tables(table):
    assert list(table.columns) == ["length", *KAGGLE30_COLUMNS, "label"]
    assert len(KAGGLE30_COLUMNS) == 57


def _check(path: Path, table: pd.DataFrame, values: np.ndarray, n_samples: int) -> None:
    row = table.loc[path.stem + ".wav"]  # the table names every clip .wav
    assert n_samples == row["length"]
    expected = row[list(KAGGLE30_COLUMNS)].to_numpy(float)
    assert values.shape == (57,) and values.dtype == np.float64
    relative_limit = MP3_RELATIVE if path.suffix == ".mp3" else 0.01
    for name, got, want in zip(KAGGLE30_COLUMNS, values, expected, strict=True):
        if name in NEAR_ZERO:
            assert abs(got - want) <= 1e-4, f"{path.name} {name}: {got} vs table {want}"
        else:
            assert abs(got - want) <= relative_limit * abs(want), f"{path.name} {name}: {got} vs table {want}"


@pytest.mark.parametrize("path", CLIPS, ids=[p.name for p in CLIPS])
def test_fast_matches_table(shared_audio, table, path):
    y = load(path)
    _check(path, table, kaggle30_features(y), y.size)


@pytest.mark.slow
@pytest.mark.parametrize("path", CLIPS, ids=[p.name for p in CLIPS])
def test_reference_matches_table(shared_audio, table, path):
    y = load(path)
    _check(path, table, kaggle30_reference(y), y.size)


def test_original_audio_matches_far_tighter_than_required(shared_audio, table):
    """On original audio the recipe is the table's to float rounding, not just to 1 %."""
    path = shared_audio / "blues" / "blues.00000.wav"
    got = kaggle30_features(load(path))
    want = table.loc["blues.00000.wav", list(KAGGLE30_COLUMNS)].to_numpy(float)
    big = np.abs(want) > 1e-3
    assert np.max(np.abs(got[big] - want[big]) / np.abs(want[big])) < 1e-4
