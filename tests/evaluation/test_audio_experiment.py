"""A small audio experiment on synthesized clips, end to end: features, segments, CNNs, ONNX, leaderboard.

Synthesized tones and noise are not music: the accuracies here only show that the pipeline runs and
learns something separable, never a genre accuracy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from signals import clicks, noise, tone, write

from musicgenre.evaluation import AudioConfig, ExperimentConfig, load_audio_study, run_experiment
from musicgenre.genres import GENRES
from musicgenre.models.export import onnx_predict
from musicgenre.training.zoo import ENSEMBLE_MEMBERS

torch.set_num_threads(1)
SECONDS = 6.0  # two 3-s segments per clip


def _clip(genre: str, i: int) -> np.ndarray:
    if genre == "classical":
        return tone(330.0 + 40 * i, SECONDS) + noise(SECONDS, amplitude=0.01, seed=i)
    if genre == "metal":
        return noise(SECONDS, amplitude=0.3, seed=100 + i)
    if genre == "disco":
        return clicks(110.0 + 5 * i, SECONDS)
    return 0.5 * tone(110.0 + 15 * i, SECONDS) + clicks(70.0 + 3 * i, SECONDS)  # "hiphop"


@pytest.fixture(scope="module")
def audio_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("clips")
    for genre in ("classical", "disco", "hiphop", "metal"):
        (root / genre).mkdir()
        for i in range(4):
            write(root / genre / f"{genre}.{i:05d}.wav", _clip(genre, i))
    return root


@pytest.fixture(scope="module")
def audio_data(audio_folder):
    return load_audio_study(audio_folder, AudioConfig())


def test_audio_views_have_segments_tagged_with_their_track(audio_data):
    assert len(audio_data) == 16 and audio_data.kind == "audio"
    logmel, frames = audio_data.views["logmel"], audio_data.views["mfcc_frames"]
    assert logmel.x.shape == (32, 1, 64, 129) and frames.x.shape == (32, 20, 129)
    assert np.bincount(logmel.track).tolist() == [2] * 16
    assert audio_data.views["mfcc40"].x.shape == (16, 40) and audio_data.views["kaggle57"].x.shape == (16, 57)
    assert {GENRES[i] for i in audio_data.y} == {"classical", "disco", "hiphop", "metal"}


def test_small_audio_experiment_runs_end_to_end(audio_data, tmp_path):
    models = ("cnn2d-gap", "cnn2d-flatten", "cnn1d-mfcc", "mlp-mfcc", "logreg", "ensemble")
    config = ExperimentConfig(protocol="kfold", k=2, models=models, max_epochs=3)
    board = run_experiment(audio_data, tmp_path, config, log=lambda _: None)
    assert set(board["model"]) == set(models) | set(ENSEMBLE_MEMBERS) and (board["n_test"] == 16).all()
    assert board["accuracy"].between(0, 1).all()
    for name in models:
        assert (tmp_path / name / "model.onnx").is_file() and (tmp_path / name / "per_genre.csv").is_file()
    assert len(pd.read_csv(tmp_path / "cnn2d-gap" / "history.csv")) <= 3
    # the exported CNN, fed the flattened segments of fold 1's test tracks, gives the reported track probabilities
    predictions = pd.read_csv(tmp_path / "cnn2d-gap" / "predictions.csv")
    test = predictions[(predictions["fold"] == "fold1") & (predictions["part"] == "test")]
    view = audio_data.views["logmel"]
    position = {c: i for i, c in enumerate(audio_data.clip_ids)}
    for clip, expected in zip(test["clip_id"], test[[f"p_{g}" for g in GENRES]].to_numpy(), strict=True):
        rows = view.rows(np.array([position[clip]]))
        got = onnx_predict(tmp_path / "cnn2d-gap" / "model.onnx", view.x[rows].reshape(len(rows), -1)).mean(0)
        np.testing.assert_allclose(got, expected, atol=1e-5)
