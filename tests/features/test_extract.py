"""``musicgenre features``: which files it reads (files, folders, globs) and one line per input that names no audio."""

from __future__ import annotations

import io

import pandas as pd
from click.testing import CliRunner
from signals import tone, write

from musicgenre.interfaces.cli.main import cli


def test_features_takes_globs_and_names_every_input_without_audio(tmp_path):
    root = tmp_path / "lib"
    (root / "jazz").mkdir(parents=True)
    (root / "empty").mkdir()
    write(root / "jazz" / "a.wav", tone(220.0, 1.0))
    write(root / "jazz" / "b.flac", tone(330.0, 1.0))
    write(root / "top.wav", tone(440.0, 1.0))
    absent = tmp_path / "absent.wav"
    result = CliRunner().invoke(
        cli,
        [
            "features",
            str(root / "**" / "*.flac"),
            str(root / "jazz"),
            str(root / "empty"),
            str(absent),
            "--recipe",
            "mfcc20stats",
            "--no-cache",
            "-j",
            "1",
            "-q",
        ],
    )
    assert result.exit_code == 1, result.output
    table = pd.read_csv(io.StringIO(result.stdout))
    assert list(table["filename"]) == ["b.flac", "a.wav"]  # the glob's file first, then the folder's rest, once each
    assert list(table["label"]) == ["jazz", "jazz"]
    assert f"FAILED {root / 'empty'}: folder holds no audio files" in result.stderr
    assert f"FAILED {absent}: no such file or folder, and no glob match" in result.stderr
    assert "2 file(s) written (0 from cache), 2 failed" in result.stderr
