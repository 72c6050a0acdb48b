"""``musicgenre experiment --data`` on folders that are not the complete GTZAN: k-fold by itself, said in one line."""

from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner
from signals import SR, noise, tone, write

from musicgenre.interfaces.cli.main import cli


def folders(root, genres, file_name):
    """Three short synthesized clips in each genre folder, named by ``file_name(genre, i)``."""
    for g, genre in enumerate(genres):
        (root / genre).mkdir(parents=True)
        for i in range(3):
            y = tone(220.0 * (1 + 2 * g) * (1 + 0.05 * i), 3.0) + noise(3.0, amplitude=0.02 + 0.2 * g, seed=i)
            write(root / genre / file_name(genre, i), np.asarray(y, np.float32), SR)
    return root


def experiment(*args):
    return CliRunner().invoke(cli, ["experiment", *map(str, args)])


def test_folders_that_are_not_the_complete_gtzan_get_kfold_by_themselves_whatever_their_file_names(tmp_path):
    for kind, name in (("part", lambda g, i: f"{g}.{i:05d}.wav"), ("own", lambda g, i: f"take {i}.wav")):
        root = folders(tmp_path / kind, ("blues", "metal"), name)
        out = tmp_path / f"run-{kind}"
        result = experiment("--data", root, "--models", "logreg", "-o", out)
        assert result.exit_code == 0, result.output
        (line,) = [line for line in result.stderr.splitlines() if line.startswith("protocol:")]
        assert line.startswith("protocol: kfold with 3 folds, chosen because these clips are not the complete GTZAN")
        assert json.loads((out / "experiment.json").read_text())["config"]["protocol"] == "kfold"
    asked = experiment("--data", root, "--models", "logreg", "--protocol", "fault-filtered", "-o", tmp_path / "ff")
    assert asked.exit_code != 0 and "protocol: kfold" not in asked.output  # what was asked for, not a substitute


def test_genres_of_ones_own_are_pointed_to_learn(tmp_path):
    root = folders(tmp_path / "mine", ("drone", "hiss"), lambda g, i: f"{i}.wav")
    result = experiment("--data", root, "-o", tmp_path / "zoo")
    assert result.exit_code == 2 and f"musicgenre learn {root} --from folders -o MODEL.onnx" in result.output
