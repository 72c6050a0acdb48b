"""``musicgenre predict``: real clips among broken files, every output format, resume, examples, jobs, exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from signals import clicks, tone, write

from musicgenre.datasets.splits import clip_id
from musicgenre.genres import GENRES
from musicgenre.inference import load_model
from musicgenre.interfaces.cli.main import cli


def run(*args):
    return CliRunner().invoke(cli, ["predict", *map(str, args)])


@pytest.fixture(scope="module")
def music(tmp_path_factory) -> Path:
    """Two synthesized tracks: 40 s (two windows) and 12 s (one short window)."""
    root = tmp_path_factory.mktemp("music")
    beat = clicks(bpm=100.0, seconds=40.0) + tone(196.0, 40.0, amplitude=0.2)
    write(root / "long.wav", beat)
    write(root / "short.flac", tone(330.0, 12.0, amplitude=0.3) + clicks(bpm=140.0, seconds=12.0))
    return root


@pytest.fixture()
def broken(tmp_path, shared_audio) -> list[Path]:
    """A real clip cut short (a truncated download) and a text file named .wav."""
    cut = tmp_path / "truncated.wav"
    cut.write_bytes((shared_audio / "rock" / "rock.00000.wav").read_bytes()[:300_000])
    text = tmp_path / "notes.wav"
    text.write_text("this is not audio\n")
    return [cut, text]


def test_real_clips_among_broken_files(shared_audio, feature_table, broken):
    real = sorted(shared_audio.glob("*/*.00000.wav"))
    result = run(*real, *broken, "--format", "json", "--model", "features")
    assert result.exit_code == 1  # some failed
    rows = {row["file"]: row for row in json.loads(result.stdout)}
    assert set(rows) == {str(p) for p in real + broken}
    for path in real:
        row = rows[str(path)]
        assert row["error"] is None and row["genre"] in GENRES and 0 < row["probability"] <= 1
        assert abs(sum(row["probabilities"].values()) - 1) < 1e-4
    assert rows[str(broken[0])]["error"].startswith("truncated") and rows[str(broken[0])]["genre"] is None
    assert rows[str(broken[1])]["error"].startswith("not a readable audio file")
    # the genre of each clip is the one the features model gives the public table's row of that clip
    table = pd.read_csv(feature_table)
    table.index = table["filename"].map(clip_id)
    model = load_model("features")
    for path in real:
        from_table = model.predict_proba(
            table.loc[[clip_id(path.name)], list(model.feature_names)].to_numpy(np.float32)
        )[0]
        assert rows[str(path)]["genre"] == GENRES[int(np.argmax(from_table))]
    assert f"{len(real)} classified, 2 failed" in result.stderr


def test_all_formats_parse(music):
    args = [music, "--top", "3", "--timeline"]
    rows = json.loads(run(*args, "--format", "json").stdout)
    by_name = {Path(r["file"]).name: r for r in rows}
    assert [len(by_name["long.wav"]["timeline"]), len(by_name["short.flac"]["timeline"])] == [2, 1]
    assert [(w["start_s"], w["end_s"]) for w in by_name["long.wav"]["timeline"]] == [(0.0, 30.0), (10.0, 40.0)]
    assert by_name["short.flac"]["timeline"][0]["end_s"] == 12.0 and len(by_name["long.wav"]["top"]) == 3
    lines = [json.loads(line) for line in run(*args, "--format", "jsonl").stdout.splitlines()]
    assert [r["genre"] for r in lines] == [r["genre"] for r in rows]
    table = list(csv.DictReader(io.StringIO(run(*args, "--format", "csv").stdout)))
    assert [(Path(r["file"]).name, r["scope"]) for r in table] == [
        ("long.wav", "window"),
        ("long.wav", "window"),
        ("long.wav", "track"),
        ("short.flac", "window"),
        ("short.flac", "track"),
    ]
    assert [r["genre"] for r in table if r["scope"] == "track"] == [r["genre"] for r in rows]
    text = run(*args).stdout.splitlines()
    assert text[0].split()[0] == "file" and len(text) == 1 + 2 + 2 + 1  # header, long + 2 windows, short + 1 window
    assert text[1].split()[1] == by_name["long.wav"]["genre"]


def test_explain_in_every_format(music):
    """--explain: a why/tags line pair under each table row, an ``explanation`` object in JSON and JSONL, its
    columns on CSV track rows; the feature model says in one line that it has none."""
    args = [music, "--explain"]
    rows = {Path(r["file"]).name: r for r in json.loads(run(*args, "--format", "json").stdout)}
    for row in rows.values():
        e = row["explanation"]
        assert e["genre"] == row["genre"] and e["summary"].startswith(f"{row['genre']} {row['probability']:.2f}: ")
        assert len(e["logit"]["contributions"]) == 50 and e["rival"] != row["genre"]
    lines = [json.loads(line) for line in run(*args, "--format", "jsonl").stdout.splitlines()]
    assert [r["explanation"]["summary"] for r in lines] == [
        rows[Path(r["file"]).name]["explanation"]["summary"] for r in lines
    ]
    table = list(csv.DictReader(io.StringIO(run(*args, "--format", "csv").stdout)))
    assert {r["explanation"] for r in table} == {r["explanation"]["summary"] for r in rows.values()}
    text = run(*args).stdout.splitlines()
    assert len(text) == 1 + 2 * 3  # header, then per file its row, why and tags
    assert [line[:10] for line in text[2:4] + text[5:7]] == ["    why:  ", "    tags: "] * 2
    features = run(*args, "--model", "features", "--format", "jsonl")
    assert features.exit_code == 0
    assert [json.loads(line)["explanation"] for line in features.stdout.splitlines()] == [None, None]
    notes = [line for line in features.stderr.splitlines() if line.startswith("--explain:")]
    assert len(notes) == 1 and "not tags" in notes[0]


def test_output_file_and_resume(music, tmp_path):
    out = tmp_path / "out.jsonl"
    first = run(music / "long.wav", "--format", "jsonl", "-o", out)
    assert first.exit_code == 0 and first.stdout == ""
    before = out.read_text()
    second = run(music, "--format", "jsonl", "-o", out, "--resume")
    assert second.exit_code == 0
    assert "1 classified, 0 failed, 1 already in" in second.stderr  # long.wav skipped
    lines = out.read_text().splitlines()
    assert lines[0] == before.strip() and [Path(json.loads(line)["file"]).name for line in lines] == [
        "long.wav",
        "short.flac",
    ]
    again = run(music, "--format", "jsonl", "-o", out, "--resume")
    assert "0 classified, 0 failed, 2 already in" in again.stderr and out.read_text().splitlines() == lines


def test_resume_retries_failed_files(music, broken, tmp_path):
    out = tmp_path / "out.csv"
    assert run(music / "short.flac", broken[1], "--format", "csv", "-o", out).exit_code == 1
    broken[1].unlink()
    write(broken[1], tone(220.0, 3.0))  # the bad file got fixed
    result = run(music / "short.flac", broken[1], "--format", "csv", "-o", out, "--resume")
    assert result.exit_code == 0 and "1 classified, 0 failed, 1 already in" in result.stderr
    rows = list(csv.DictReader(out.open()))
    assert [(Path(r["file"]).name, r["error"]) for r in rows] == [("short.flac", ""), ("notes.wav", "")]


def test_examples_are_labelled_synthetic():
    result = run("--examples", "--format", "json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert len(rows) >= 3 and all(r["file"].startswith("synthetic:") and r["genre"] in GENRES for r in rows)
    assert "not music of any genre" in result.stderr


def test_usage_errors_and_bad_model(tmp_path, music):
    assert run().exit_code == 2
    assert run(music, "--resume").exit_code == 2  # --resume needs -o
    assert (
        run(music, "--resume", "-o", tmp_path / "t.txt").exit_code == 0
    )  # a table cannot be resumed, but there is none yet
    (tmp_path / "t.txt").write_text("file genre\n")
    assert run(music, "--resume", "-o", tmp_path / "t.txt").exit_code == 2
    bad = tmp_path / "bad.onnx"
    bad.write_text("nope")
    result = run(music, "--model", bad)
    assert result.exit_code == 1 and result.stderr.strip().splitlines() == [
        f"Error: {bad}: not a readable ONNX model (" + result.stderr.split("(", 1)[1].strip()
    ]
    missing = run(tmp_path / "nothing-here.mp3")
    assert missing.exit_code == 1 and "no such file or folder" in missing.stdout


def test_parallel_jobs_match_serial(music, broken):
    serial = {r["file"]: r for r in json.loads(run(music, *broken, "--format", "json").stdout)}
    parallel = run(music, *broken, "--format", "json", "--jobs", "2")
    assert parallel.exit_code == 1
    rows = json.loads(parallel.stdout)
    assert {r["file"] for r in rows} == set(serial)
    for row in rows:
        assert row["error"] == serial[row["file"]]["error"]
        if row["genre"]:
            assert np.allclose(
                list(row["probabilities"].values()), list(serial[row["file"]]["probabilities"].values()), atol=1e-6
            )


def test_plot_writes_a_timeline_figure(music, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "timeline.png"
    result = run(music / "long.wav", "--plot", out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000


def test_a_run_in_this_process_loads_its_model_once(tmp_path, monkeypatch):
    import musicgenre.inference.batch
    import musicgenre.inference.loading

    loads = []

    def counted(*args, **kwargs):
        loads.append(args)
        return load_model(*args, **kwargs)

    monkeypatch.setattr(musicgenre.inference.loading, "load_model", counted)
    monkeypatch.setattr(musicgenre.inference.batch, "load_model", counted)
    files = [write(tmp_path / f"{i}.wav", clicks(bpm=90.0 + 10 * i, seconds=4.0) + tone(220.0, 4.0)) for i in range(3)]
    result = run(*files, "-j", "1", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 3 and len(loads) == 1
