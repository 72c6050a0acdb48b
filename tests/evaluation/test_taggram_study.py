"""The study on musicnn taggrams: CV selection inside the training clips only, the CLI end to end on
synthesized taggram files (always run), and the published GTZAN taggrams (skipped without ../shared)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from taggram_files import write_split_taggrams

from musicgenre.evaluation.protocols import fault_filtered, make_folds
from musicgenre.evaluation.runner import select_by_cv
from musicgenre.evaluation.taggram_study import fusion_verdict, load_taggram_study, run_taggram_study
from musicgenre.genres import GENRES
from musicgenre.interfaces.cli.main import cli
from musicgenre.models.taggram_heads import TAGGRAM_HEADS
from musicgenre.training.zoo import available_models


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    return write_split_taggrams(tmp_path_factory.mktemp("taggrams"))


def test_views_per_feature_set_and_frames(synthetic):
    data = load_taggram_study(synthetic)
    assert len(data) == 733 and data.kind == "taggram"
    assert data.views["taggram-meanmax"].x.shape == (733, 100)
    assert data.views["taggram-meanmaxstd"].x.shape == (733, 150)
    assert data.views["taggram-quantiles"].x.shape == (733, 300)
    frames = data.views["taggram-frames"]
    assert frames.x.shape == (733 * 3, 50) and frames.per_segment and np.bincount(frames.track).tolist() == [3] * 733
    assert data.views["taggram-meanmax"].feature_names[:2] == ("mean(rock)", "mean(pop)")
    assert {available_models()[h].inputs for h in TAGGRAM_HEADS} <= set(data.views)


def test_no_valid_clips_and_cv_only_sees_the_training_clips(synthetic, monkeypatch):
    data = load_taggram_study(synthetic)
    fold = make_folds("fault-filtered-cv", data.clip_ids.tolist(), data.y)[0]
    assert (len(fold.train), len(fold.valid), len(fold.test)) == (443, 0, 290)
    with pytest.raises(ValueError, match="valid names 197"):
        fault_filtered(data.clip_ids.tolist())
    seen = []
    import musicgenre.evaluation.runner as runner

    real_fit_on = runner.fit_on
    monkeypatch.setattr(
        runner, "fit_on", lambda m, d, v, fit, valid: seen.append(set(fit.tolist())) or real_fit_on(m, d, v, fit, valid)
    )
    view = data.views["taggram-frames"]
    params, scores, oof = select_by_cv("tag-frames-logreg", data, view, fold.train, k=3)
    assert len(seen) == 3 * len(TAGGRAM_HEADS["tag-frames-logreg"].grid) and len(scores) == len(seen) // 3
    assert all(s <= set(fold.train.tolist()) for s in seen)  # never a test clip
    assert params == {"C": 0.1} and all(v == 1.0 for v in scores.values())  # separable: ties go to the default


def test_cli_writes_the_leaderboard_and_picks_the_right_genre(synthetic, tmp_path):
    out = tmp_path / "tag"
    result = CliRunner().invoke(
        cli,
        [
            "experiment",
            "taggrams",
            "--taggrams",
            str(synthetic),
            "--models",
            "tag-meanmax-logreg,tag-meanmax-ridge,tag-frames-logreg",
            "--cv",
            "3",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "fault-filtered-cv" in result.output and "443" in result.output and "290" in result.output
    board = pd.read_csv(out / "leaderboard.csv")
    assert set(board["model"]) == {"tag-meanmax-logreg", "tag-meanmax-ridge", "tag-frames-logreg"}
    assert (
        (board["accuracy"] == 1.0).all() and (board["n_test"] == 290).all() and (board["valid_accuracy"] == 1.0).all()
    )
    md = (out / "leaderboard.md").read_text()
    assert "CV inside the 443 training clips" in md and "scored once on the 290 test clips" in md
    assert "CV acc % (train)" in md and "Hyper-parameters chosen by CV" in md and "Per genre" in md
    assert "seed study" not in md
    meta = json.loads((out / "experiment.json").read_text())
    assert meta["protocol"] == "fault-filtered-cv" and meta["folds"] == [
        {"name": "fault-filtered-cv", "train": 443, "valid": 0, "test": 290}
    ]
    for name in board["model"]:
        folder = out / name
        assert {"per_genre.csv", "confusion.csv", "predictions.csv", "result.json"} <= {
            p.name for p in folder.iterdir()
        }
        predictions = pd.read_csv(folder / "predictions.csv")
        assert set(predictions["part"]) == {"test", "oof"} and (predictions["part"] == "test").sum() == 290
        picked = predictions[[f"p_{g}" for g in GENRES]].to_numpy().argmax(1)
        assert (np.array(GENRES)[picked] == predictions["genre"]).all()
        assert "chosen_params" in json.loads((folder / "result.json").read_text())


def test_cli_refuses_other_protocols_and_other_inputs(synthetic, tmp_path):
    runner = CliRunner()
    for extra in (["--protocol", "kfold"], ["--backbone", "musicnn-msd"], ["--models", "logreg"]):
        result = runner.invoke(
            cli, ["experiment", "taggrams", "--taggrams", str(synthetic), *extra, "-o", str(tmp_path / "x")]
        )
        assert result.exit_code == 2, result.output


def test_fusion_verdict_needs_more_than_half_the_interval():
    head = {"model": "tag", "accuracy": 0.80}
    ens = {"model": "table-ensemble", "accuracy": 0.58}
    beats, text = fusion_verdict({"accuracy": 0.82, "ci_low": 0.77, "ci_high": 0.87}, [head, ens])
    assert not beats and "NOT" in text and "`tag`" in text
    beats, text = fusion_verdict({"accuracy": 0.90, "ci_low": 0.86, "ci_high": 0.94}, [head, ens])
    assert beats and "NOT" not in text


def test_published_taggrams_best_head_reaches_78_percent(shared_taggrams, tmp_path):
    data = load_taggram_study(shared_taggrams)
    board = run_taggram_study(data, tmp_path, models=("tag-meanmax-logreg", "tag-meanmax-ridge"), log=lambda m: None)
    assert (board["n_test"] == 290).all() and board["protocol"].eq("fault-filtered-cv").all()
    assert board["accuracy"].max() >= 0.78
    assert (board["valid_accuracy"] > 0.6).all()  # CV accuracy on the 443 training clips


def test_blocked_inner_cv_holds_out_contiguous_numbers_per_genre(synthetic):
    from musicgenre.evaluation.runner import clip_numbers, inner_folds

    data = load_taggram_study(synthetic)
    train = make_folds("fault-filtered-cv", data.clip_ids.tolist(), data.y)[0].train
    folds = inner_folds(data, train, k=5)
    assert sorted(np.concatenate([h for _, h in folds]).tolist()) == list(range(len(train)))
    numbers, y = clip_numbers(data.clip_ids[train]), data.y[train]
    for _, held in folds:
        for genre in range(len(GENRES)):
            mine = np.sort(numbers[y == genre])
            held_numbers = np.sort(numbers[held][y[held] == genre])
            # the held-out block is a run of consecutive training clips of that genre (in clip-number order)
            start = np.searchsorted(mine, held_numbers[0])
            assert np.array_equal(mine[start : start + len(held_numbers)], held_numbers)
            assert abs(len(held_numbers) - len(mine) / 5) < 1
    assert clip_numbers(["blues.00012", "rock.00099"]).tolist() == [12, 99]
    strat = inner_folds(data, train, k=5, inner_cv="stratified")
    assert not all(np.array_equal(a[1], b[1]) for a, b in zip(folds, strat, strict=True))
    with pytest.raises(ValueError, match="unknown inner CV"):
        inner_folds(data, train, inner_cv="random")


def test_cli_inner_cv_is_recorded_with_selected_head_and_calibration(synthetic, tmp_path):
    out = tmp_path / "strat"
    result = CliRunner().invoke(
        cli,
        [
            "experiment",
            "taggrams",
            "--taggrams",
            str(synthetic),
            "--models",
            "tag-meanmax-logreg,tag-meanmax-ridge",
            "--cv",
            "3",
            "--inner-cv",
            "stratified",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "3-fold stratified CV" in result.output
    meta = json.loads((out / "experiment.json").read_text())
    assert meta["inner_cv"] == "stratified" and meta["config"]["inner_cv"] == "stratified"
    assert meta["selected_head"]["model"] == "tag-meanmax-logreg"  # CV tie (1.0): the earlier head
    md = (out / "leaderboard.md").read_text()
    assert "**Selected head** (best stratified CV accuracy" in md and "`tag-meanmax-logreg`" in md
    calib = meta["calibration"]
    assert set(calib["per_model"]) == {"tag-meanmax-logreg", "tag-meanmax-ridge"}
    assert calib["per_model"]["tag-meanmax-logreg"]["temperature"] > 0
    assert 0 <= calib["uncertain"]["test_fraction_flagged"] <= 1 and "chosen_how" in calib["uncertain"]
    assert (out / "reliability.png").stat().st_size > 1000 and "## Calibration" in md
    result = json.loads((out / "tag-meanmax-logreg" / "result.json").read_text())
    assert result["inner_cv"] == "stratified"
    # a rerun with the other inner CV does not reuse the stratified rows
    again = CliRunner().invoke(
        cli,
        [
            "experiment",
            "taggrams",
            "--taggrams",
            str(synthetic),
            "--models",
            "tag-meanmax-ridge",
            "--cv",
            "3",
            "-o",
            str(out),
        ],
    )
    assert again.exit_code == 0 and "finished earlier" not in again.output
    assert json.loads((out / "tag-meanmax-ridge" / "result.json").read_text())["inner_cv"] == "blocked"
