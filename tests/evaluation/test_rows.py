"""Leaderboard rows: result.json round trip, what the selection score was, one kind of score per column."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from musicgenre.evaluation.leaderboard import COLUMNS, leaderboard_frame, leaderboard_markdown
from musicgenre.evaluation.rows import LeaderboardRow, infer_selected_by, protocol_selection, scored

# a result.json as run_experiment wrote it before rows had selected_by (a CV-selected taggram head)
HEAD = {
    "model": "tag-meanmax-ridge",
    "protocol": "fault-filtered-cv",
    "accuracy": 0.82,
    "ci_low": 0.77,
    "ci_high": 0.86,
    "macro_f1": 0.81,
    "n_test": 290,
    "accuracy_std": 0.0,
    "folds": 1,
    "valid_accuracy": 0.824,
    "fold_accuracies": [0.82],
    "train_seconds": 1.5,
    "selection": "cv",
    "inner_cv": "blocked",
    "cv_scores": {"{'alpha': 10.0}": 0.81, "{'alpha': 100.0}": 0.824},
    "chosen_params": "{'alpha': 100.0}",
    "inputs": "taggram-meanmax",
    "description": "ridge classifier on tag means and maxima, alpha by CV",
}
ENSEMBLE = {
    "model": "ensemble",
    "protocol": "fault-filtered",
    **{k: HEAD[k] for k in ("accuracy", "ci_low", "ci_high", "macro_f1", "n_test")},
    "accuracy_std": 0.0,
    "folds": 1,
    "valid_accuracy": 0.457,
    "fold_accuracies": [0.58],
    "train_seconds": 9.0,
    "members": ["logreg", "svm"],
    "best_epochs": [12],
    "inputs": "kaggle57",
    "description": "mean probability of logreg, svm",
}


@pytest.mark.parametrize("record", [HEAD, ENSEMBLE])
def test_result_json_round_trip_keeps_keys_and_order_and_appends_selected_by(record):
    row = LeaderboardRow.from_dict(json.loads(json.dumps(record)))
    out = row.to_dict()
    assert list(out) == [*record, "selected_by"]
    assert json.dumps({k: v for k, v in out.items() if k != "selected_by"}, indent=1) == json.dumps(record, indent=1)
    assert LeaderboardRow.from_dict(out) == row


def test_selected_by_is_inferred_for_old_files_and_checked():
    assert LeaderboardRow.from_dict(HEAD).selected_by == "inner-cv"
    assert LeaderboardRow.from_dict(ENSEMBLE).selected_by == "validation"
    assert infer_selected_by({**ENSEMBLE, "valid_accuracy": float("nan")}) == "none"
    assert LeaderboardRow.from_dict({**HEAD, "selected_by": "validation"}).selected_by == "validation"
    with pytest.raises(ValueError, match="selected_by"):
        LeaderboardRow.from_dict({**HEAD, "selected_by": "test"})
    assert protocol_selection("fault-filtered-cv") == "inner-cv" and protocol_selection("kfold") == "validation"


def test_frame_shows_one_kind_of_selection_score():
    head, ens = LeaderboardRow.from_dict(HEAD), LeaderboardRow.from_dict(ENSEMBLE)
    frame = leaderboard_frame([ens, head], "inner-cv")
    assert list(frame.columns) == COLUMNS and frame["model"].tolist() == ["ensemble", "tag-meanmax-ridge"]
    assert math.isnan(frame.loc[0, "valid_accuracy"]) and frame.loc[1, "valid_accuracy"] == 0.824
    assert leaderboard_frame([ens, head])["valid_accuracy"].tolist() == [0.457, 0.824]
    assert leaderboard_frame([]).empty


def test_markdown_of_rows():
    head, ens = LeaderboardRow.from_dict(HEAD), LeaderboardRow.from_dict(ENSEMBLE)
    fusion = scored("fusion", "fault-filtered-cv", {**HEAD, "accuracy": 0.9}, train_seconds=10.5, inputs="mean")
    rows = [head, ens, fusion]
    data = type("D", (), {"source": "x", "kind": "taggram", "__len__": lambda self: 733})()
    md = leaderboard_markdown(leaderboard_frame(rows, "inner-cv"), "fault-filtered-cv", data, 1, rows, note="n")
    lines = md.splitlines()
    assert lines[2] == "**n**" and "CV acc % (train)" in md
    assert lines[9].startswith("| 1 | `fusion` | mean | **90.0** |") and "| – | 290 | 10.5 |" in lines[9]
    assert "| 3 | `ensemble` | kaggle57 | **82.0** | [77.0, 86.0] |  | 0.810 | – | 290 | 9.0 |" in lines
    assert "`ensemble`: the mean probability of `logreg`, `svm` (members fixed in advance, equal weights)." in md
    assert "| `tag-meanmax-ridge` | {'alpha': 100.0} | {'alpha': 10.0} 81.0, {'alpha': 100.0} 82.4 |" in lines
    assert "seed study" not in md and md.endswith("\n")
    table = type("D", (), {"source": "t.csv", "kind": "table", "__len__": lambda self: 1000})()
    seed = LeaderboardRow.from_dict({**ENSEMBLE, "model": "mlp-mfcc", "members": None, "valid_accuracy": 0.6})
    md = leaderboard_markdown(leaderboard_frame([seed], "validation"), "holdout", table, 1, [seed])
    assert "| this run, `mlp-mfcc` | holdout | 60.0 | 82.0 [77.0, 86.0] |" in md and "In table mode" in md
    assert "valid acc %" in md and isinstance(leaderboard_frame([seed]), pd.DataFrame)
