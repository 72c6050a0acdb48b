"""``musicgenre report RUN_DIR -o report.html`` (the experiment) and ``report PREDICTIONS`` (the library)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from visualization.fake_experiment import write_experiment

from musicgenre.genres import GENRES
from musicgenre.interfaces.cli.main import cli


def test_report_writes_one_self_contained_page(tmp_path):
    run = write_experiment(tmp_path / "run")
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", str(run), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"wrote {out}"
    page = out.read_text(encoding="utf-8")
    assert "Protocol: fault-filtered" in page and page.count("data:image/png;base64,") == 6
    assert "https://" not in page and "<link" not in page


def test_report_names_missing_files(tmp_path):
    run = write_experiment(tmp_path / "run")
    (run / "experiment.json").unlink()
    result = CliRunner().invoke(cli, ["report", str(run), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 0
    assert f"missing: {run / 'experiment.json'}" in result.output
    assert "<code>experiment.json</code>" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_report_of_no_folder_is_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["report", str(tmp_path / "absent"), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {tmp_path / 'absent'}: no such experiment folder"
    assert not (tmp_path / "r.html").exists()


def test_a_predictions_file_builds_the_library_report(tmp_path):
    from visualization.fake_predictions import write_fake_predictions

    fake = write_fake_predictions(tmp_path / "genres.csv", 120, "csv")
    out = tmp_path / "library.html"
    result = CliRunner().invoke(cli, ["report", str(fake.path), "-o", str(out), "--no-cache"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote {out} (120 tracks, ")
    page = out.read_text(encoding="utf-8")
    assert "<title>Library report — genres.csv</title>" in page and 'id="map-data"' in page


def test_a_file_that_is_no_predictions_is_one_line(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    result = CliRunner().invoke(cli, ["report", str(notes), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 1
    reason = "not a predictions file (expected CSV, JSONL or JSON from predict -o)"
    assert result.output.strip() == f"Error: {notes}: {reason}"
    assert not (tmp_path / "r.html").exists()


def test_help_names_both_kinds():
    result = CliRunner().invoke(cli, ["report", "--help"])
    assert "RUN_DIR|PREDICTIONS" in result.output and "predict -o" in result.output


@pytest.fixture(scope="module")
def shared_predictions(shared_audio, tmp_path_factory):
    """``predict --timeline --explain`` (CSV) of the real clips of ``visualization.shared_library``."""
    from visualization.shared_library import predict_shared_library

    return predict_shared_library(shared_audio, tmp_path_factory.mktemp("shared-library"))


def test_the_library_report_of_real_clips(shared_predictions, tmp_path):
    import csv
    import json
    import re

    out = tmp_path / "library.html"
    result = CliRunner().invoke(cli, ["report", str(shared_predictions), "-o", str(out), "--no-cache"])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    rows = list(csv.DictReader(shared_predictions.open(encoding="utf-8")))
    tracks = {Path(r["file"]).name: r for r in rows if r["scope"] == "track"}
    classified = {name: r for name, r in tracks.items() if r["genre"]}
    music = {name: r for name, r in classified.items() if not r["not_music"]}
    assert len(tracks) == 14 and len(classified) == 13 and len(music) == 12
    assert f'id="folder">Files under <code>{shared_predictions.parent / "music"}/</code>' in page

    # genre shares: one bar per genre found, counted as predict wrote them
    bars = dict(re.findall(r'<g class="bar" data-genre="(\w+)" data-count="(\d+)">', page))
    expected = {g: str(sum(r["genre"] == g for r in music.values())) for g in GENRES}  # the tone not counted
    assert bars == {g: n for g, n in expected.items() if n != "0"}
    # to review: what the model marked, the tone as not music, the broken file with its reason
    shaky = [n for n, r in classified.items() if r["uncertain"] == "true" and not r["not_music"]]
    assert f"<summary>Uncertain: {len(shaky)}</summary>" in page or (not shaky and "Uncertain: none." in page)
    assert tracks["tone.wav"]["not_music"] and "<summary>Not music: 1</summary>" in page
    not_music = page[page.index('id="not-music"') : page.index('id="failed"')]
    assert "tone.wav" in not_music and tracks["tone.wav"]["not_music"] in not_music
    failed = page[page.index('id="failed"') :]
    assert "<summary>Failed: 1</summary>" in page and "broken.wav" in failed[: failed.index("</details>")]
    # the 60 s track changes from classical to metal along its windows
    strip = re.search(r'classical then metal\.flac</td>.*?<svg class="strip".*?</svg>', page, re.S)
    assert strip, "the classical-then-metal track is listed among the tracks that change genre"
    genres = re.findall(r'<rect class="run" data-genre="(\w+)"', strip[0])
    assert genres[0] == "classical" and genres[-1] == "metal"
    # the map places every music track by its --explain tags
    data = json.loads(re.search(r'id="map-data">(.*?)</script>', page, re.S)[1])
    assert sorted(Path(f).name for f in data["files"]) == sorted(music)
    assert data["genres"][data["points"][data["files"].index("classical.00000.wav")][2]] == "classical"


def test_without_explain_the_map_comes_from_the_embedding_cache(shared_audio, tmp_path):
    """``musicgenre embed`` fills the cache; a report of predictions without tags places those files by it."""
    import json
    import re

    pytest.importorskip("torch", reason="musicgenre embed needs musicgenre[backbones]")
    clips = [str(shared_audio / g / f"{g}.00000.wav") for g in ("classical", "metal", "jazz")]
    cache, predictions = tmp_path / "cache", tmp_path / "genres.jsonl"
    run = CliRunner().invoke(cli, ["predict", *clips, "--format", "jsonl", "-o", str(predictions), "-j", "1"])
    assert run.exit_code == 0, run.output
    out = tmp_path / "library.html"
    result = CliRunner().invoke(cli, ["report", str(predictions), "-o", str(out), "--cache-dir", str(cache)])
    assert result.exit_code == 0 and "map: no tags" in result.output  # nothing cached yet
    assert 'id="no-map"' in out.read_text(encoding="utf-8")

    embed = CliRunner().invoke(cli, ["embed", *clips[:2], "-o", str(tmp_path / "e.csv"), "--cache-dir", str(cache)])
    assert embed.exit_code == 0, embed.output
    result = CliRunner().invoke(cli, ["report", str(predictions), "-o", str(out), "--cache-dir", str(cache)])
    assert result.exit_code == 0 and "map: no tags" not in result.output
    page = out.read_text(encoding="utf-8")
    assert "mean musicnn taggram, read from the embedding cache" in page
    data = json.loads(re.search(r'id="map-data">(.*?)</script>', page, re.S)[1])
    assert sorted(Path(data["prefix"] + f).name for f in data["files"]) == ["classical.00000.wav", "metal.00000.wav"]


@pytest.mark.parametrize("command", ["report", "playlists"])
@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json"])
@pytest.mark.parametrize("case", ["nan", "inf", "wrong type", "start_s", "missing"])
def test_a_malformed_predictions_file_is_one_line(tmp_path, command, fmt, case):
    from visualization.malformed_predictions import write_malformed

    path, line = write_malformed(tmp_path, case, fmt)
    out = tmp_path / ("r.html" if command == "report" else "lists")
    result = CliRunner().invoke(cli, [command, str(path), "-o", str(out), *(["--no-cache"] * (command == "report"))])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)  # no traceback
    assert result.output == f"Error: {line}\n"
    assert not out.exists() or not any(out.iterdir())


def test_files_that_are_no_regular_files_are_skipped_not_read(tmp_path):
    """A FIFO would block the hashing for the embedding cache, /dev/zero never end: both are skipped, with a reason."""
    pytest.importorskip("torch", reason="reading the embedding cache needs musicgenre[backbones]")
    import json
    import os
    import subprocess
    import sys

    import numpy as np

    from musicgenre.audio import file_hash
    from musicgenre.backbones.musicnn.cache import ARRAYS, output_cache

    (tmp_path / "a.wav").write_bytes(b"a")
    os.mkfifo(tmp_path / "fifo.wav")
    arrays = {name: np.zeros((2, 3), np.float32) for name in ARRAYS} | {"taggram": np.ones((2, 50), np.float32)}
    output_cache(tmp_path / "cache", "MSD_musicnn").put(file_hash(tmp_path / "a.wav"), arrays)
    files = ["a.wav", "fifo.wav", "/dev/zero"]
    records = [{"file": f, "genre": "jazz", "probability": 0.6, "duration_s": 30.0, "error": None} for f in files]
    predictions = tmp_path / "p.jsonl"
    predictions.write_text("".join(json.dumps(r) + "\n" for r in records))
    code = "from musicgenre.interfaces.cli.main import cli; cli()"
    args = ["report", predictions, "-o", tmp_path / "r.html", "--cache-dir", tmp_path / "cache", "--base", tmp_path]
    result = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "map: skipped 'fifo.wav' (a FIFO, not a regular file)" in result.stderr
    assert "map: skipped '/dev/zero' (a character device, not a regular file)" in result.stderr
    assert result.stdout.startswith(f"wrote {tmp_path / 'r.html'} (3 tracks, ")


def test_the_report_replaces_a_planted_link_instead_of_following_it(tmp_path):
    from visualization.fake_predictions import write_fake_predictions

    fake = write_fake_predictions(tmp_path / "genres.jsonl", 20, "jsonl")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    out = tmp_path / "out" / "library.html"
    out.parent.mkdir()
    out.symlink_to(victim)
    (out.parent / "library.html.part").symlink_to(victim)
    result = CliRunner().invoke(cli, ["report", str(fake.path), "-o", str(out), "--no-cache"])
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "keep me" and not out.is_symlink()
    assert "Library report" in out.read_text(encoding="utf-8")
    run = write_experiment(tmp_path / "run")
    (tmp_path / "run.html").symlink_to(victim)
    result = CliRunner().invoke(cli, ["report", str(run), "-o", str(tmp_path / "run.html")])
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "keep me" and "Protocol: fault-filtered" in (tmp_path / "run.html").read_text()
