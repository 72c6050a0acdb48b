"""``musicgenre predict``: real clips among broken files, every output format, resume, examples, jobs, exit codes."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from signals import clicks, tone, write

from musicgenre.backbones.efficientat.vocabulary import MUSIC_GENRES
from musicgenre.datasets.splits import clip_id
from musicgenre.genres import GENRES
from musicgenre.inference import MODEL_NAMES, SHIPPED_MODELS, load_model
from musicgenre.inference.explain import NetworkAnswer
from musicgenre.interfaces.cli.main import cli
from musicgenre.interfaces.cli.model_option import MODEL_PHRASES


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
    """--explain with the default (musicnn+efficientat): musicnn's head explained on musicnn's own answer, and each
    network's answer: why/tags lines and a line per network under each table row, an ``explanation`` object with its
    ``networks`` in JSON and JSONL, its columns on CSV track rows; musicnn alone explains its own answer (no
    networks); the feature model says in one line that it has none."""
    args = [music, "--explain"]
    rows = {Path(r["file"]).name: r for r in json.loads(run(*args, "--format", "json").stdout)}
    for row in rows.values():
        e = row["explanation"]
        musicnn, efficientat = e["networks"]
        assert (musicnn["network"], efficientat["network"]) == ("musicnn", "efficientat")
        assert e["genre"] == musicnn["genre"] and e["summary"].startswith(
            f"{musicnn['genre']} {musicnn['probability']:.2f}: "
        )
        assert len(e["logit"]["contributions"]) == 50 and e["rival"] != e["genre"]
        assert efficientat["genre"] in GENRES and list(efficientat["probabilities"]) == list(GENRES)
        assert efficientat["top_tags"] and all(t["tag"] in MUSIC_GENRES for t in efficientat["top_tags"])
        if musicnn["genre"] != efficientat["genre"]:
            assert row["uncertain"] is True
    lines = [json.loads(line) for line in run(*args, "--format", "jsonl").stdout.splitlines()]
    assert [r["explanation"] for r in lines] == [rows[Path(r["file"]).name]["explanation"] for r in lines]
    table = list(csv.DictReader(io.StringIO(run(*args, "--format", "csv").stdout)))
    assert {r["explanation"] for r in table} == {r["explanation"]["summary"] for r in rows.values()}
    for r in table:
        answers = [answer_of(n) for n in rows[Path(r["file"]).name]["explanation"]["networks"]]
        assert r["networks"] == "; ".join(a.summary() for a in answers)
    text = run(*args).stdout.splitlines()
    assert len(text) == 1 + 5 * 2  # header, then per file its row, why, tags and each network's answer
    assert [line[:10] for line in text[2:4] + text[7:9]] == ["    why:  ", "    tags: "] * 2
    for first, name in ((1, text[1].split()[0]), (6, text[6].split()[0])):
        answers = [answer_of(n) for n in rows[Path(name).name]["explanation"]["networks"]]
        assert text[first + 3 : first + 5] == [f"    {a.summary()}" for a in answers]
    alone = [json.loads(line) for line in run(*args, "--model", "musicnn", "--format", "jsonl").stdout.splitlines()]
    for row in alone:
        e = row["explanation"]
        assert e["genre"] == row["genre"] and e["summary"].startswith(f"{row['genre']} {row['probability']:.2f}: ")
        assert "networks" not in e
    features = run(*args, "--model", "features", "--format", "jsonl")
    assert features.exit_code == 0
    assert [json.loads(line)["explanation"] for line in features.stdout.splitlines()] == [None, None]
    notes = [line for line in features.stderr.splitlines() if line.startswith("--explain:")]
    assert len(notes) == 1 and "not tags" in notes[0]


def answer_of(entry: dict) -> NetworkAnswer:
    """A network's answer of an ``explanation["networks"]`` entry, as the model made it."""
    tags = tuple((t["tag"], t["probability"]) for t in entry["top_tags"])
    return NetworkAnswer(entry["network"], entry["genre"], entry["probability"], entry["probabilities"], tags)


def test_audioset_genres_in_every_format(music):
    """--model audioset-genres: AudioSet's 50 music genres, each scored on its own (they need not sum to 1, and a
    track's are the plain mean of its windows'); --top up to 50; CSV cells with the names' spaces; a table whose
    genre column fits the names; a --top beyond the model's genres is a usage error."""
    args = [music, "--model", "audioset-genres", "--top", "5", "--timeline"]
    done = run(*args, "--format", "json")
    assert done.exit_code == 0, done.output
    assert "model audioset-genres" in done.stderr and "need not sum to 1" in done.stderr
    rows = {Path(r["file"]).name: r for r in json.loads(done.stdout)}
    for row in rows.values():
        probabilities = row["probabilities"]
        assert list(probabilities) == list(MUSIC_GENRES) and row["genre"] in MUSIC_GENRES
        assert row["uncertain"] is None and row["probability"] == max(probabilities.values())
        assert [t["genre"] for t in row["top"]] == sorted(probabilities, key=lambda g: -probabilities[g])[:5]
        for genre in MUSIC_GENRES:
            mean = np.mean([w["probabilities"][genre] for w in row["timeline"]])
            assert abs(mean - probabilities[genre]) < 2e-6, genre
    assert any(abs(sum(r["probabilities"].values()) - 1) > 0.05 for r in rows.values())
    table = list(csv.DictReader(io.StringIO(run(*args, "--format", "csv").stdout)))
    assert [c for c in table[0] if c.startswith("genre")] == ["genre", "genre_2", "genre_3", "genre_4", "genre_5"]
    tracks = {Path(r["file"]).name: r for r in table if r["scope"] == "track"}
    assert len(table) == len(tracks) + sum(len(r["timeline"]) for r in rows.values())
    for name, r in tracks.items():
        top = rows[name]["top"]
        assert [r["genre"], *(r[f"genre_{k}"] for k in range(2, 6))] == [t["genre"] for t in top]
        assert float(r["probability_5"]) == pytest.approx(top[4]["probability"], abs=1e-4)
        assert r["uncertain"] == ""
    assert all(r["genre"] in MUSIC_GENRES for r in table)
    text = run(*args).stdout.splitlines()
    width = max(len(g) for g in MUSIC_GENRES)  # 22: "Electronic dance music", "Music of Latin America"
    assert text[0].split() == ["file", "genre", "prob", *(w for k in range(2, 6) for w in ("genre", str(k), "prob"))]
    first = text[1]
    name = first.split()[0]
    top = rows[Path(name).name]["top"]
    cells = first[first.index(name) + len(name) :].strip()
    assert cells.startswith(f"{top[0]['genre']:<{width}} {top[0]['probability']:.3f}")
    too_many = run(music, "--model", "audioset-genres", "--top", "51")
    assert too_many.exit_code == 2 and "model audioset-genres has 50 genres" in too_many.output
    assert run(music, "--model", "musicnn", "--top", "11").exit_code == 2


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
    assert len(result.stdout.splitlines()) == 3
    assert loads == [(None,), ("musicnn",), ("efficientat",)]  # the default once, and each of its networks once


def test_model_help_names_every_shipped_model():
    """predict, label and serve list every name --model accepts (the default first), one phrase each; musicnn's
    only figure is its card's measured one."""
    assert tuple(MODEL_PHRASES) == MODEL_NAMES and MODEL_NAMES[0] == "musicnn+efficientat"
    for command in ("predict", "label", "serve"):
        text = " ".join(CliRunner().invoke(cli, [command, "--help"], terminal_width=10_000).output.split())
        for name in MODEL_NAMES:
            default = " (the default)" if name == MODEL_NAMES[0] else ""
            assert f"{name}{default}: {' '.join(MODEL_PHRASES[name].split())}" in text, (command, name)
    figures = {name: re.findall(r"\d+(?:\.\d+)? %", phrase) for name, phrase in MODEL_PHRASES.items()}
    assert figures == {name: (["81.4 %"] if name == "musicnn" else []) for name in MODEL_NAMES}
    card = json.loads(SHIPPED_MODELS["musicnn"].with_name("model.card.json").read_text())
    assert f"{100 * card['fault_filtered']['accuracy']:.1f} %" == "81.4 %"


def test_the_output_file_extension_picks_the_format(tmp_path):
    """``-o genres.jsonl`` writes JSON lines (what ``report`` reads), ``.csv`` CSV, ``.json`` JSON, another name the
    table; ``--format`` may agree with the extension, a conflict is one line. (A text file named .wav: fast.)"""
    notes = tmp_path / "notes.wav"
    notes.write_text("not audio\n")
    for name, parse in (
        ("g.jsonl", lambda t: [json.loads(line) for line in t.splitlines()]),
        ("g.NDJSON", lambda t: [json.loads(line) for line in t.splitlines()]),
        ("g.json", json.loads),
        ("g.csv", lambda t: list(csv.DictReader(io.StringIO(t)))),
    ):
        result = run(notes, "--model", "features", "-o", tmp_path / name)
        assert result.exit_code == 1, result.output  # the one file failed
        rows = parse((tmp_path / name).read_text())
        assert [row["file"] for row in rows] == [str(notes)], name
    assert run(notes, "--model", "features", "-o", tmp_path / "g.txt").exit_code == 1
    assert (tmp_path / "g.txt").read_text().startswith("file")  # the table
    assert run(notes, "--model", "features", "-o", tmp_path / "a.csv", "--format", "csv").exit_code == 1
    conflict = run(notes, "--model", "features", "-o", tmp_path / "b.csv", "--format", "json")
    assert conflict.exit_code == 2 and not (tmp_path / "b.csv").exists()
    assert "names a csv file but --format is json" in conflict.output
    assert "Traceback" not in conflict.output


def test_names_with_control_characters_are_escaped_on_the_terminal_and_exact_in_files(tmp_path):
    """The table (and stderr) shows a name as ``ls -b`` does (ESC as ``\\033``, newline as ``\\n``), so a file name
    cannot paint the terminal or forge a row; JSON and CSV keep it byte for byte."""
    folder = tmp_path / "red\x1b[31m"
    folder.mkdir()
    song = folder / "two\nlines.wav"
    write(song, tone(440.0, 3.0, amplitude=0.3))
    notes = folder / "not\x1b]0;title\x07audio.wav"
    notes.write_text("not audio\n")
    table = run(song, notes, "--model", "features", "--no-progress")
    assert table.exit_code == 1, table.output
    assert "\x1b" not in table.output and "\x07" not in table.output
    lines = table.stdout.splitlines()
    assert len(lines) == 3  # the header and one line per file: no forged row
    assert any("red\\033[31m/two\\nlines.wav  " in line for line in lines), lines  # long names keep their end
    assert any("not\\033]0;title\\007audio.wav" in line and "ERROR" in line for line in lines)
    rows = json.loads(run(song, notes, "--model", "features", "--format", "json").stdout)
    assert {row["file"] for row in rows} == {str(song), str(notes)}
    run(song, notes, "--model", "features", "-o", tmp_path / "out.csv")
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as f:
        assert {row["file"] for row in csv.DictReader(f)} == {str(song), str(notes)}
    refused = run(song, "--model", tmp_path / "no\x1b[2Jmodel.onnx")
    assert refused.exit_code == 1 and "\x1b" not in refused.output and "no\\033[2Jmodel.onnx" in refused.output


def test_terminal_text_escapes_as_ls_does():
    from musicgenre.inference.output import terminal_text

    assert terminal_text("plain/ok é ünï 日本.mp3") == "plain/ok é ünï 日本.mp3"
    assert terminal_text("a\x1b[31mb\nc\td\re\x7f\x85") == "a\\033[31mb\\nc\\td\\re\\177\\205"
    assert terminal_text("raw\udc9bbyte\udcff") == "raw\\233byte\udcff"  # an undecodable C1 byte: escaped too


def _fake_batch(monkeypatch, stop_after: int | None = None, exception: type[BaseException] = KeyboardInterrupt):
    """``run_batch`` answering ``rock`` for each file at once (no audio read); with ``stop_after`` it raises
    ``exception`` after that many results, as Ctrl-C or a crash in the middle of a run would."""
    import musicgenre.inference.batch
    from musicgenre.inference.batch import FileResult
    from musicgenre.inference.prediction import Prediction

    def fake(files, config, model=None, executor=None):
        for n, file in enumerate(files):
            if n == stop_after:
                raise exception()
            yield FileResult(file, Prediction(file, 1.0, "rock", {g: 0.91 if g == "rock" else 0.01 for g in GENRES}))

    monkeypatch.setattr(musicgenre.inference.batch, "run_batch", fake)


@pytest.mark.parametrize("name", ["out.jsonl", "out.json", "out.csv"])
def test_an_interrupted_run_keeps_its_finished_records_and_resume_goes_on(tmp_path, monkeypatch, name):
    """Ctrl-C (or a crash) after two files: -o holds those two, a JSON array closed, and --resume does the rest.
    The old output is replaced only when the run ends: until then it stays as it was."""
    files = [tmp_path / f"{i}.wav" for i in range(4)]
    for f in files:
        f.write_text("not read: run_batch is faked")
    out = tmp_path / name
    out.write_text("")  # an old output, empty: nothing to resume
    _fake_batch(monkeypatch, stop_after=2)
    stopped = run(*files, "--model", "features", "-o", out, "--resume")
    assert stopped.exit_code == 1 and "Aborted!" in stopped.output  # click's answer to Ctrl-C
    text = out.read_text()
    rows = json.loads(text) if name.endswith(".json") else None
    if name.endswith(".jsonl"):
        rows = [json.loads(line) for line in text.splitlines()]
    elif name.endswith(".csv"):
        rows = list(csv.DictReader(io.StringIO(text)))
    assert rows is not None and [Path(r["file"]).name for r in rows] == ["0.wav", "1.wav"]
    _fake_batch(monkeypatch)
    resumed = run(*files, "--model", "features", "-o", out, "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert "2 classified, 0 failed, 2 already in" in resumed.stderr
    text = out.read_text()
    if name.endswith(".json"):
        assert [Path(r["file"]).name for r in json.loads(text)] == [f.name for f in files]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, *(f.name for f in files)])  # no temp file


def test_a_crash_mid_run_keeps_the_records_and_an_old_output_is_never_cut_short(tmp_path, monkeypatch):
    files = [tmp_path / f"{i}.wav" for i in range(3)]
    for f in files:
        f.write_text("x")
    out = tmp_path / "out.jsonl"
    _fake_batch(monkeypatch)
    assert run(files[0], "--model", "features", "-o", out).exit_code == 0
    old = out.read_text()
    seen = []

    def crash():
        seen.append(out.read_text())  # mid-run: the old output is whole, the new one still a temporary file
        return RuntimeError("crash")

    _fake_batch(monkeypatch, stop_after=1, exception=crash)
    crashed = run(*files, "--model", "features", "-o", out, "--resume")
    assert isinstance(crashed.exception, RuntimeError) and seen == [old]
    assert [Path(json.loads(line)["file"]).name for line in out.read_text().splitlines()] == ["0.wav", "1.wav"]
    assert not list(tmp_path.glob(".musicgenre-*.tmp"))


def test_a_link_planted_at_the_output_is_replaced_not_followed(tmp_path):
    notes = tmp_path / "notes.wav"
    notes.write_text("not audio\n")
    victim = tmp_path / "victim.conf"
    victim.write_text("a = 1\n")
    out = tmp_path / "out.jsonl"
    out.symlink_to(victim)
    result = run(notes, "--model", "features", "-o", out)
    assert result.exit_code == 1, result.output  # the one file failed
    assert victim.read_text() == "a = 1\n" and not out.is_symlink()
    assert [json.loads(line)["file"] for line in out.read_text().splitlines()] == [str(notes)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.wav", "out.jsonl", "victim.conf"]


def test_sigterm_ends_the_run_as_an_exception_in_the_main_thread_only():
    import os
    import signal
    import threading

    from musicgenre.interfaces.cli.streamed_output import sigterm_as_exit

    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit) as caught, sigterm_as_exit():
        os.kill(os.getpid(), signal.SIGTERM)  # the handler runs before the next line
        raise AssertionError("SIGTERM did not end the block")
    assert caught.value.code == 143 and signal.getsignal(signal.SIGTERM) is before
    entered = []

    def elsewhere():
        with sigterm_as_exit():
            entered.append(signal.getsignal(signal.SIGTERM))

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert entered == [before]


def test_sigterm_mid_run_keeps_the_finished_records(tmp_path, monkeypatch):
    import os
    import signal

    files = [tmp_path / f"{i}.wav" for i in range(3)]
    for f in files:
        f.write_text("x")
    out = tmp_path / "out.json"
    _fake_batch(monkeypatch, stop_after=2, exception=lambda: os.kill(os.getpid(), signal.SIGTERM))
    result = run(*files, "--model", "features", "-o", out)
    assert result.exit_code == 143, result.output
    assert [Path(r["file"]).name for r in json.loads(out.read_text())] == ["0.wav", "1.wav"]
    assert not list(tmp_path.glob(".musicgenre-*.tmp"))


@pytest.mark.parametrize("command", ["predict", "label", "learn", "evaluate", "report"])
def test_an_output_in_a_missing_folder_is_one_line_before_any_work(tmp_path, command):
    target = tmp_path / "no-such-folder" / "out.json"
    source = tmp_path / "library"
    source.mkdir()
    result = CliRunner().invoke(cli, [command, str(source), "-o", str(target)])
    assert result.exit_code == 2, result.output
    assert f"{target}: its folder {target.parent} does not exist" in result.output
    assert "Traceback" not in result.output and not target.parent.exists()
