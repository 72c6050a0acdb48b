"""``musicgenre experiment``: one subcommand a mode, each with its own help (no torch for it); ``experiment audio``
on folders that are not the complete GTZAN: k-fold by itself, said in one line."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
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
        result = experiment("audio", "--data", root, "--models", "logreg", "-o", out)
        assert result.exit_code == 0, result.output
        (line,) = [line for line in result.stderr.splitlines() if line.startswith("protocol:")]
        assert line.startswith("protocol: kfold with 3 folds, chosen because these clips are not the complete GTZAN")
        assert json.loads((out / "experiment.json").read_text())["config"]["protocol"] == "kfold"
    asked = experiment(
        "audio", "--data", root, "--models", "logreg", "--protocol", "fault-filtered", "-o", tmp_path / "ff"
    )
    assert asked.exit_code != 0 and "protocol: kfold" not in asked.output  # what was asked for, not a substitute


def test_genres_of_ones_own_are_pointed_to_learn(tmp_path):
    root = folders(tmp_path / "mine", ("drone", "hiss"), lambda g, i: f"{i}.wav")
    for mode in (["audio"], ["backbone", "--backbone", "musicnn-msd"], ["fit-all", "logreg"]):
        result = experiment(*mode, "--data", root, "-o", tmp_path / "zoo")
        assert result.exit_code == 2 and f"musicgenre learn {root} --from folders -o MODEL.onnx" in result.output
        assert "genre graph" not in result.output and not (tmp_path / "zoo").exists()  # nothing fitted, nothing written


MODES = ("list", "table", "audio", "backbone", "taggrams", "fit-all")


def test_help_lists_one_subcommand_a_mode():
    result = experiment("--help")
    assert result.exit_code == 0, result.output
    rows = result.output.split("Commands:")[1].splitlines()
    assert [row.split()[0] for row in rows if row[:4].strip() and row.split()[0] in MODES] == list(MODES)


def test_each_subcommands_help_shows_its_example_without_importing_torch():
    code = textwrap.dedent(f"""
        import sys
        from musicgenre.interfaces.cli.main import cli
        for args in (["--help"], ["experiment", "--help"], *(["experiment", m, "--help"] for m in {MODES!r})):
            try:
                cli(args, standalone_mode=False)
            except SystemExit as done:
                assert not done.code, (args, done.code)
        print("HEAVY", sorted(m for m in ("torch", "matplotlib", "sklearn") if m in sys.modules))
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stdout, result.stdout
    for mode in MODES:  # each shows its own command line
        assert f"musicgenre experiment {mode}" in result.stdout


def test_write_modes_require_output(tmp_path):
    csv = tmp_path / "t.csv"
    csv.write_text("filename,label\n")
    for args in (
        ["table", "--table", csv],
        ["fit-all", "logreg", "--table", csv],
        ["taggrams", "--taggrams", tmp_path],
    ):
        result = experiment(*args)
        assert result.exit_code == 2 and "Missing option '-o' / '--output'" in result.output, result.output


@pytest.mark.parametrize(
    ("old", "mode"),
    [
        (["--list"], "list"),
        (["--table", "t.csv", "--protocol", "kfold", "-o", "x"], "table"),
        (["--data", "d", "--models", "logreg", "-o", "x"], "audio"),
        (["--data", "d", "--backbone", "musicnn-msd", "-o", "x"], "backbone"),
        (["--taggrams", "t", "--table", "t.csv", "-o", "x"], "taggrams"),
        (["--table", "t.csv", "--fit-all=ensemble", "-o", "m.onnx"], "fit-all"),
        (["-k", "3", "--table", "t.csv"], "table"),
    ],
)
def test_the_old_flag_form_is_a_usage_error_naming_the_subcommand(old, mode):
    result = experiment(*old)
    assert result.exit_code == 2
    assert "the modes are subcommands now (list, table, audio, backbone, taggrams, fit-all)" in result.output
    assert f"musicgenre experiment {mode} ..." in result.output
