"""Reading experiment folders: complete, with missing files, with malformed files, and not at all."""

from __future__ import annotations

import numpy as np
import pytest

from musicgenre.genres import GENRES
from musicgenre.visualization.experiment import ExperimentError, load_experiment


def test_complete_folder(run_dir):
    run = load_experiment(run_dir)
    assert run.protocol == "fault-filtered"
    assert run.meta["seed"] == 0
    assert [m.name for m in run.models] == [r.model for r in run.leaderboard]
    assert run.all_missing() == [] and run.all_problems() == []
    cnn = next(m for m in run.models if m.name == "cnn")
    svm = next(m for m in run.models if m.name == "svm")
    assert cnn.best_epoch == 12 and cnn.history.epoch.tolist() == list(range(1, 21))
    assert svm.history is None and svm.best_epoch is None  # baselines have no history: not "missing"
    assert cnn.confusion.true == GENRES and cnn.confusion.counts.sum(axis=1).tolist() == [29] * 10
    assert np.allclose(cnn.confusion.row_normalized().sum(axis=1), 1.0)
    assert np.allclose(cnn.per_genre.accuracy, np.diag(cnn.confusion.counts) / 29)


def test_missing_files_are_listed_and_the_rest_still_read(run_dir):
    (run_dir / "cnn" / "best_epoch.txt").unlink()
    (run_dir / "svm" / "confusion.csv").unlink()
    (run_dir / "experiment.json").unlink()
    run = load_experiment(run_dir)
    assert sorted(run.all_missing()) == ["cnn/best_epoch.txt", "experiment.json", "svm/confusion.csv"]
    assert run.protocol == "fault-filtered"  # from the leaderboard's protocol column
    cnn = next(m for m in run.models if m.name == "cnn")
    assert cnn.history is not None and cnn.best_epoch is None


def test_malformed_files_are_named_with_the_reason(run_dir):
    (run_dir / "cnn" / "best_epoch.txt").write_text("twelve")
    (run_dir / "svm" / "per_genre.csv").write_text("name,score\nblues,1\n")
    run = load_experiment(run_dir)
    problems = run.all_problems()
    assert any(p.startswith("cnn/best_epoch.txt: not an epoch number") for p in problems)
    assert any(p.startswith("svm/per_genre.csv: no column genre, accuracy") for p in problems)


def test_model_folders_outside_the_leaderboard_are_found(run_dir):
    (run_dir / "leaderboard.csv").unlink()
    run = load_experiment(run_dir)
    assert sorted(m.name for m in run.models) == ["cnn", "svm"]
    assert run.missing == ["leaderboard.csv"]


def test_unusable_folders_raise_one_line(tmp_path):
    with pytest.raises(ExperimentError, match="no such experiment folder"):
        load_experiment(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ExperimentError, match="not an experiment folder"):
        load_experiment(tmp_path / "empty")
    (tmp_path / "file.csv").write_text("x")
    with pytest.raises(ExperimentError, match="is a file"):
        load_experiment(tmp_path / "file.csv")


def test_interval_is_named_from_the_notes(run_dir):
    run = load_experiment(run_dir)
    assert run.interval == "95 % bootstrap interval"
    run.meta.pop("notes")
    assert run.interval == "interval"
