"""``musicgenre plot …``: each sub-command writes its PNG; bad input is one line and a non-zero exit."""

from __future__ import annotations

import pytest
import signals
from click.testing import CliRunner
from visualization.fake_experiment import write_experiment
from visualization.pngcheck import assert_png

from musicgenre.genres import GENRES
from musicgenre.interfaces.cli.main import cli


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    for index, genre in enumerate(GENRES[:3]):
        (root / genre).mkdir()
        signals.write(root / genre / f"{genre}.00000.wav", signals.tone(200.0 * (index + 1), 1.5))
    return root


def _run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.mark.parametrize(
    "sub, name, extra",
    [
        ("waveforms", "waveforms.png", ["--seconds", "1"]),
        ("spectrograms", "specs.png", ["--seconds", "1"]),
    ],
)
def test_folder_commands_write_pngs(data, tmp_path, sub, name, extra):
    out = tmp_path / "figs" / name
    result = _run("plot", sub, data, "-o", out, *extra)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"wrote {out}"
    assert_png(out, 1000, 300)


@pytest.mark.parametrize("sub", ["spectrogram", "features"])
def test_file_commands_write_pngs(data, tmp_path, sub):
    out = tmp_path / f"{sub}.png"
    result = _run("plot", sub, data / "classical" / "classical.00000.wav", "-o", out)
    assert result.exit_code == 0, result.output
    assert_png(out, 1000, 400)


@pytest.mark.parametrize("sub", ["waveforms", "spectrograms", "spectrogram", "features"])
def test_missing_input_is_one_line_naming_it(tmp_path, sub):
    result = _run("plot", sub, tmp_path / "absent", "-o", tmp_path / "x.png")
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and str(tmp_path / "absent") in lines[0] and lines[0].startswith("Error: ")
    assert not (tmp_path / "x.png").exists()


def test_undecodable_file_is_one_line(tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"\x00\x01garbage" * 100)
    result = _run("plot", "spectrogram", bad, "-o", tmp_path / "x.png")
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and f"Error: {bad}: not a readable audio file" in result.output


def test_experiment_writes_every_figure(tmp_path):
    run = write_experiment(tmp_path / "run")
    result = _run("plot", "experiment", run, "-o", tmp_path / "figs")
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "figs").iterdir())
    assert written == sorted(
        [
            "leaderboard.png",
            "cnn_learning_curves.png",
            "cnn_confusion.png",
            "cnn_per_genre.png",
            "svm_confusion.png",
            "svm_per_genre.png",
        ]
    )
    for name in written:
        assert_png(tmp_path / "figs" / name, 600, 250)


def test_experiment_with_a_missing_file_draws_the_rest_and_says_so(tmp_path):
    run = write_experiment(tmp_path / "run")
    (run / "cnn" / "confusion.csv").unlink()
    result = _run("plot", "experiment", run, "-o", tmp_path / "figs")
    assert result.exit_code == 0
    assert f"missing: {run / 'cnn' / 'confusion.csv'}" in result.output  # stderr, merged by CliRunner
    assert not (tmp_path / "figs" / "cnn_confusion.png").exists()
    assert (tmp_path / "figs" / "cnn_per_genre.png").exists()


def test_experiment_folder_absent(tmp_path):
    result = _run("plot", "experiment", tmp_path / "nope", "-o", tmp_path / "figs")
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {tmp_path / 'nope'}: no such experiment folder"


def test_shared_gtzan_waveforms(shared_audio, tmp_path):
    """One real clip per genre from ../shared (3 s each, to stay quick)."""
    out = tmp_path / "waveforms.png"
    result = _run("plot", "waveforms", shared_audio, "-o", out, "--seconds", "3")
    assert result.exit_code == 0, result.output
    assert_png(out, 1400, 1000)  # ten genres: 5 x 2 grid


def test_too_short_file_is_one_line(tmp_path):
    short = signals.write(tmp_path / "blip.wav", signals.noise(0.01))
    result = _run("plot", "features", short, "-o", tmp_path / "x.png")
    assert result.exit_code == 1
    assert result.output == f"Error: {short}: too short to draw: 0.010 s (at least 0.093 s needed)\n"
