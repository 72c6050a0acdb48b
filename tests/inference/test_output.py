"""Output writers: every format parses back; resume reads what an earlier (even interrupted) run finished."""

from __future__ import annotations

import csv
import io
import json

import pytest

from musicgenre.backbones.efficientat.vocabulary import MUSIC_GENRES
from musicgenre.genres import GENRES
from musicgenre.inference.batch import FileResult
from musicgenre.inference.explain import NetworkAnswer
from musicgenre.inference.output import (
    MAX_GENRE_WIDTH,
    OutputConfig,
    ResumeError,
    Writer,
    csv_columns,
    csv_rows,
    explain_lines,
    genre_width,
    network_line,
    read_finished,
    table_header,
    to_record,
)
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


def test_many_long_independent_genres_fit_the_table_and_parse_from_csv():
    """A model of AudioSet's 50 classes (names with spaces, probabilities that need not sum to 1): the table's
    genre column fits the longest name and shows three decimals; CSV cells hold the names whole."""
    genres = MUSIC_GENRES
    probabilities = {g: 0.001 * (i + 1) for i, g in enumerate(genres)}
    probabilities["Electronic dance music"] = 0.4
    windows = [WindowPrediction(0.0, 30.0, "Electronic dance music", probabilities)]
    result = FileResult("x y.wav", Prediction("x y.wav", 30.0, "Electronic dance music", probabilities, windows))
    width = genre_width(genres)
    assert width == max(len(g) for g in genres) == 22 and genre_width(GENRES) == 9
    assert genre_width(["a" * 40, "b"]) == MAX_GENRE_WIDTH
    config = OutputConfig("table", 3, True, file_width=10, genre_width=width, multi_label=True)
    lines = (table_header(config) + written(config, [result])).splitlines()
    assert lines[0].index("genre 2") == lines[1].index("Independent music")  # columns line up
    assert lines[1][len("x y.wav   " + "  ") :].startswith(f"{'Electronic dance music':<22} 0.400  ")
    assert "Independent music      0.050" in lines[1] and "Traditional music      0.049" in lines[1]
    short = OutputConfig("table", 1, False, genre_width=9)
    assert "Electron… 0.40" in written(short, [result])  # a name longer than its column is cut, not spilled
    rows = list(csv.DictReader(io.StringIO(written(OutputConfig("csv", 3, True), [result]))))
    assert [(r["scope"], r["genre"], r["genre_2"], r["genre_3"]) for r in rows] == [
        ("window", "Electronic dance music", "Independent music", "Traditional music"),
        ("track", "Electronic dance music", "Independent music", "Traditional music"),
    ]


def test_each_networks_answer_in_table_and_csv():
    """An explanation with ``networks`` (the fused default): one line per network under the table row, and the
    CSV ``networks`` cell, as NetworkAnswer.summary() writes them; a single network's explanation leaves it empty."""
    answers = (
        NetworkAnswer("musicnn", "jazz", 0.62, {}, (("jazz", 0.41), ("instrumental", 0.14))),
        NetworkAnswer("efficientat", "blues", 0.4, {}, (("Blues", 0.17), ("Swing music", 0.08))),
    )
    explanation = {
        "summary": "jazz 0.62: jazz; against blues: guitar",
        "rival": "blues",
        "for": [{"tag": "jazz", "contribution": 0.5}],
        "against": [{"tag": "guitar", "contribution": -0.2}],
        "top_tags": [{"tag": "jazz", "probability": 0.41}],
        "networks": [a.to_dict() for a in answers],
    }
    record = {**to_record(RESULTS[0], OutputConfig(explain=True)), "explanation": explanation}
    lines = explain_lines(explanation)
    assert lines[2:] == ["    musicnn: jazz 0.62 (jazz 0.41, instrumental 0.14)", f"    {answers[1].summary()}"]
    assert [network_line(n) for n in explanation["networks"]] == [a.summary() for a in answers]
    config = OutputConfig("csv", explain=True)
    (row,) = csv.DictReader(io.StringIO(",".join(csv_columns(config)) + "\n" + written_rows(record, config)))
    assert row["networks"] == "; ".join(a.summary() for a in answers)
    single = {key: value for key, value in explanation.items() if key != "networks"}
    (row,) = csv.DictReader(
        io.StringIO(",".join(csv_columns(config)) + "\n" + written_rows({**record, "explanation": single}, config))
    )
    assert row["networks"] == "" and explain_lines(single)[2:] == []


def written_rows(record: dict, config: OutputConfig) -> str:
    stream = io.StringIO()
    csv.writer(stream, lineterminator="\n").writerows(csv_rows(record, config))
    return stream.getvalue()
