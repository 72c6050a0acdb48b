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
