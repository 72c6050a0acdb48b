"""Output writers: every format parses back; resume reads what an earlier (even interrupted) run finished."""

from __future__ import annotations

import csv
import io
import json

import pytest

from musicgenre.genres import GENRES
from musicgenre.inference.batch import FileResult
from musicgenre.inference.output import OutputConfig, ResumeError, Writer, read_finished, to_record
from musicgenre.inference.prediction import Prediction, WindowPrediction


def prediction(file: str, genre: str = "jazz") -> Prediction:
    probabilities = {g: (0.55 if g == genre else 0.05) for g in GENRES}
    windows = [WindowPrediction(0.0, 30.0, genre, probabilities), WindowPrediction(10.0, 40.0, genre, probabilities)]
    return Prediction(file, 40.0, genre, probabilities, windows, windows=2)


RESULTS = [
    FileResult("a.wav", prediction("a.wav")),
    FileResult("dir/b c.mp3", prediction("dir/b c.mp3", "rock")),
    FileResult("bad.wav", error="truncated: the header promises 10 bytes, the file holds 2"),
]


def written(config: OutputConfig, results=RESULTS) -> str:
    stream = io.StringIO()
    writer = Writer(stream, config)
    writer.begin()
    for result in results:
        writer.write(to_record(result, config))
    writer.end()
    return stream.getvalue()


def test_json_parses_with_top_k_and_timeline():
    rows = json.loads(written(OutputConfig("json", top=3, timeline=True)))
    assert [r["file"] for r in rows] == ["a.wav", "dir/b c.mp3", "bad.wav"]
    assert rows[0]["genre"] == "jazz" and rows[0]["probability"] == 0.55 and len(rows[0]["top"]) == 3
    assert rows[0]["top"][0] == {"genre": "jazz", "probability": 0.55}
    assert [(w["start_s"], w["end_s"]) for w in rows[0]["timeline"]] == [(0.0, 30.0), (10.0, 40.0)]
    assert rows[2]["genre"] is None and rows[2]["error"].startswith("truncated")
    assert json.loads(written(OutputConfig("json"), [])) == []


def test_jsonl_parses_line_by_line():
    lines = written(OutputConfig("jsonl")).splitlines()
    assert len(lines) == 3 and [json.loads(line)["file"] for line in lines] == ["a.wav", "dir/b c.mp3", "bad.wav"]
    assert "timeline" not in json.loads(lines[0])


def test_csv_parses_with_window_rows():
    rows = list(csv.DictReader(io.StringIO(written(OutputConfig("csv", top=2, timeline=True)))))
    # window rows first, the track row last (so a cut-off file never looks finished)
    assert [(r["file"], r["scope"]) for r in rows] == [
        ("a.wav", "window"),
        ("a.wav", "window"),
        ("a.wav", "track"),
        ("dir/b c.mp3", "window"),
        ("dir/b c.mp3", "window"),
        ("dir/b c.mp3", "track"),
        ("bad.wav", "track"),
    ]
    assert rows[2]["genre"] == "jazz" and float(rows[2]["probability"]) == 0.55 and rows[2]["genre_2"] in GENRES
    assert (rows[1]["start_s"], rows[1]["end_s"]) == ("10.0", "40.0") and rows[2]["end_s"] == "40.0"
    assert rows[-1]["genre"] == "" and "truncated" in rows[-1]["error"]


def test_table_has_one_line_per_file_and_window_lines():
    text = written(OutputConfig("table", top=2, timeline=True, file_width=12))
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["a.wav", "jazz", "0.55"]
    assert lines[1].split()[0] == "0:00-0:30" and lines[2].split()[0] == "0:10-0:40"
    assert lines[-1].split()[:2] == ["bad.wav", "ERROR"] and "truncated" in lines[-1]


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_resume_reads_finished_files_and_drops_errors(tmp_path, fmt):
    config = OutputConfig(fmt, top=2, timeline=True)
    path = tmp_path / f"out.{fmt}"
    path.write_text(written(config))
    kept = read_finished(path, config)
    assert [r["file"] for r in kept] == ["a.wav", "dir/b c.mp3"]  # bad.wav will be tried again
    # an interrupted run: b's record cut in the middle (json without its closing bracket)
    cut = written(config, RESULTS[:2]).rstrip("]\n")
    path.write_text(cut[: len(cut) - 20])
    assert [r["file"] for r in read_finished(path, config)] == ["a.wav"]


def test_resumed_csv_rows_are_written_back_verbatim(tmp_path):
    config = OutputConfig("csv", top=2, timeline=True)
    path = tmp_path / "out.csv"
    path.write_text(written(config))
    stream = io.StringIO()
    writer = Writer(stream, config)
    writer.begin(read_finished(path, config))
    writer.end()
    assert stream.getvalue() == "".join(line for line in written(config).splitlines(True) if "bad.wav" not in line)


def test_resume_refuses_other_columns_and_tables(tmp_path):
    path = tmp_path / "out.csv"
    path.write_text(written(OutputConfig("csv", top=1)))
    with pytest.raises(ResumeError, match="other columns"):
        read_finished(path, OutputConfig("csv", top=3))
    with pytest.raises(ResumeError, match="machine-readable"):
        read_finished(path, OutputConfig("table"))
    assert read_finished(tmp_path / "absent.json", OutputConfig("json")) == []
