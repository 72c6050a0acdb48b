"""``musicgenre data check``: text and JSON on a synthesized folder and on the shared clips; clear errors."""

from __future__ import annotations

import json

from click.testing import CliRunner
from signals import noise, write

from musicgenre.interfaces.cli.main import cli


def _tree(root):
    (root / "rock").mkdir(parents=True)
    write(root / "rock" / "rock.00001.wav", noise(30.0, seed=1))
    (root / "rock" / "rock.00002.wav").write_bytes(b"")
    return root


def test_check_prints_report(tmp_path):
    result = CliRunner().invoke(cli, ["data", "check", str(_tree(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "2 audio files (.wav 2) -> 2 distinct clips" in result.output
    assert "rock/rock.00002.wav: empty file (0 bytes)" in result.output
    assert "missing     998 of the 1000 GTZAN clips" in result.output


def test_check_json_and_strict(tmp_path):
    result = CliRunner().invoke(cli, ["data", "check", str(_tree(tmp_path)), "--json", "--strict"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["n_files"] == 2 and data["undecodable"][0]["reason"] == "empty file (0 bytes)"


def test_check_seconds_option(tmp_path):
    result = CliRunner().invoke(cli, ["data", "check", str(_tree(tmp_path)), "--seconds", "10", "--json"])
    assert [w["clip_id"] for w in json.loads(result.stdout)["wrong_length"]] == ["rock.00001"]


def test_check_bad_path_is_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["data", "check", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"musicgenre data check: {tmp_path / 'nope'}: no such folder"


def test_check_shared(shared_audio):
    result = CliRunner().invoke(cli, ["data", "check", str(shared_audio)])
    assert result.exit_code == 0
    files = [p for p in shared_audio.rglob("*") if p.is_file()]
    clips = {p.stem for p in files}
    assert (
        f"{len(files)} audio files" in result.output and f"-> {len(clips)} distinct clips in 10 labels" in result.output
    )
    assert f"missing     {1000 - len(clips)} of the 1000 GTZAN clips" in result.output
    assert "known fault jazz.00054" in result.output and "this copy is sound" in result.output
    assert "known fault 70 clips left out of the fault-filtered split" in result.output
