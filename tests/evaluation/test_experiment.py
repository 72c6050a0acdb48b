"""The experiment folder on the real table (fault-filtered), resume, fit-all, and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner

from musicgenre.evaluation import ExperimentConfig, export_all, load_table_study, run_experiment
from musicgenre.evaluation.data import mfcc40_table_columns
from musicgenre.genres import GENRES
from musicgenre.interfaces.cli.main import cli
from musicgenre.models.export import onnx_predict
from musicgenre.training.zoo import ENSEMBLE_MEMBERS

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def table(feature_table):
    return load_table_study(feature_table)


@pytest.fixture(scope="module")
def experiment(table, tmp_path_factory):
    out = tmp_path_factory.mktemp("ff")
    config = ExperimentConfig(protocol="fault-filtered", models=("logreg", "mlp-mfcc", "ensemble"), max_epochs=8)
    log: list[str] = []
    board = run_experiment(table, out, config, log=log.append)
    return out, board, log, config


def test_table_views(table):
    assert len(table) == 1000 and table.views["kaggle57"].x.shape == (1000, 57)
    mfcc = table.views["mfcc40"]
    assert mfcc.x.shape == (1000, 40) and mfcc.feature_names == mfcc40_table_columns()
    assert mfcc.feature_names[:2] == ("mfcc1_mean", "mfcc1_var")
    assert np.bincount(table.y).tolist() == [100] * 10


def test_experiment_folder_has_every_file_of_the_contract(experiment):
    out, board, _, _ = experiment
    assert {"leaderboard.csv", "leaderboard.md", "experiment.json"} <= {p.name for p in out.iterdir()}
    csv = pd.read_csv(out / "leaderboard.csv")
    assert list(csv.columns[:8]) == [
        "model",
        "protocol",
        "accuracy",
        "ci_low",
        "ci_high",
        "macro_f1",
        "n_test",
        "train_seconds",
    ]
    assert set(csv["model"]) == {"mlp-mfcc", "ensemble", *ENSEMBLE_MEMBERS} and (csv["n_test"] == 290).all()
    assert ((csv["ci_low"] <= csv["accuracy"]) & (csv["accuracy"] <= csv["ci_high"])).all()
    meta = json.loads((out / "experiment.json").read_text())
    assert meta["protocol"] == "fault-filtered" and meta["seed"] == 0 and "date" in meta and "data" in meta
    md = (out / "leaderboard.md").read_text()
    assert "62.0" in md and "64.4" in md and "random split" in md and "fault-filtered" in md
    for name in ("logreg", "mlp-mfcc", "ensemble"):
        folder = out / name
        assert {"per_genre.csv", "confusion.csv", "model.onnx"} <= {p.name for p in folder.iterdir()}
        assert not list(folder.glob("*.pkl")) and not list(folder.glob("*.pickle"))
        genre = pd.read_csv(folder / "per_genre.csv")
        assert genre["genre"].tolist() == list(GENRES) and genre["n"].sum() == 290
        matrix = pd.read_csv(folder / "confusion.csv", index_col=0)
        assert matrix.shape == (10, 10) and matrix.to_numpy().sum() == 290
        row = csv.set_index("model").loc[name]
        assert np.trace(matrix.to_numpy()) / 290 == pytest.approx(row["accuracy"], abs=1e-5)
    history = pd.read_csv(out / "mlp-mfcc" / "history.csv")
    assert list(history.columns) == ["epoch", "train_loss", "val_loss", "train_accuracy", "val_accuracy", "lr"]
    assert 1 <= len(history) <= 8
    best = int((out / "mlp-mfcc" / "best_epoch.txt").read_text())
    assert best == int(history["val_loss"].idxmin()) + 1


def test_exported_models_reproduce_the_reported_test_predictions(experiment, table):
    out, _, _, _ = experiment
    for name, view in (("logreg", "kaggle57"), ("mlp-mfcc", "mfcc40"), ("ensemble", "kaggle57")):
        predictions = pd.read_csv(out / name / "predictions.csv")
        test = predictions[predictions["part"] == "test"]
        position = {c: i for i, c in enumerate(table.clip_ids)}
        x = table.views[view].x[[position[c] for c in test["clip_id"]]]
        got = onnx_predict(out / name / "model.onnx", x)
        np.testing.assert_allclose(got, test[[f"p_{g}" for g in GENRES]].to_numpy(), atol=1e-5)


def test_every_exported_model_classifies_audio(experiment, tmp_path):
    """Each model.onnx names the recipe that makes its inputs from audio, so ``predict --model`` can run it."""
    from signals import tone

    from musicgenre.inference import classify, load_model

    out, board, _, _ = experiment
    for name in board["model"]:
        model = load_model(out / name / "model.onnx")
        assert model.recipe.name == ("mfcc20stats" if name == "mlp-mfcc" else "kaggle30")
        prediction = classify(tone(440.0, 5.0), 22050, model=model)
        assert sum(prediction.probabilities.values()) == pytest.approx(1.0, abs=1e-4)


def test_the_ensemble_is_the_mean_of_its_members(experiment):
    out, board, _, _ = experiment

    def test_probabilities(name: str) -> np.ndarray:
        predictions = pd.read_csv(out / name / "predictions.csv")
        return predictions[predictions["part"] == "test"].sort_values("clip_id")[[f"p_{g}" for g in GENRES]].to_numpy()

    expected = np.mean([test_probabilities(m) for m in ENSEMBLE_MEMBERS], axis=0)
    np.testing.assert_allclose(test_probabilities("ensemble"), expected, atol=1e-5)
    assert "mean probability of `logreg`" in (out / "leaderboard.md").read_text()


def test_a_second_run_into_the_same_folder_skips_finished_models(experiment, table):
    out, board, _, config = experiment
    stamp = (out / "logreg" / "result.json").stat().st_mtime_ns
    log: list[str] = []
    again = run_experiment(table, out, config, log=log.append)
    assert sum("finished earlier, skipped" in line for line in log) == len(again) == 2 + len(ENSEMBLE_MEMBERS)
    assert (out / "logreg" / "result.json").stat().st_mtime_ns == stamp
    pd.testing.assert_frame_equal(again, board)


def test_fit_all_writes_a_model_trained_on_every_row(table, tmp_path):
    path = export_all(table, "logreg", tmp_path / "model.onnx", log=lambda _: None)
    x = table.views["kaggle57"].x
    proba = onnx_predict(path, x)
    assert proba.shape == (1000, 10)
    # trained on all 1000 rows, it fits them better than the fault-filtered test
    assert (proba.argmax(1) == table.y).mean() > 0.7


def test_cli_lists_the_zoo_and_runs_a_model(feature_table, tmp_path):
    runner = CliRunner()
    listing = runner.invoke(cli, ["experiment", "list"])
    assert listing.exit_code == 0 and "mlp-mfcc" in listing.output and "cnn2d-gap" in listing.output
    result = runner.invoke(
        cli,
        [
            "experiment",
            "table",
            "--table",
            str(feature_table),
            "--protocol",
            "holdout",
            "--models",
            "logreg,cnn2d-gap",
            "-o",
            str(tmp_path / "run"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "skip cnn2d-gap: needs logmel from audio (--data)" in result.output
    assert "logreg" in result.output and "(holdout, n=150)" in result.output
    bad = runner.invoke(
        cli, ["experiment", "table", "--table", str(feature_table), "--models", "nope", "-o", str(tmp_path / "x")]
    )
    assert bad.exit_code == 2 and "unknown model" in bad.output
