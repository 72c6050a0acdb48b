"""``musicgenre label``: dry run, --apply, policies, maps, undo, resume, bad files, SIGKILL, on every tag format;
the default model's uncertain files left alone; audioset-genres' readable names.

label's mechanics run ``--model musicnn`` (:data:`MUSICNN`): it answers the synthesized loop (``signals.music``)
with confidence in every format, where the default (musicnn+efficientat) marks most of the lossy copies uncertain
(its two networks disagree on them) and label leaves those alone by policy
(``test_the_default_leaves_the_files_it_is_unsure_of_alone`` checks that).
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import soundfile as sf
from click.testing import CliRunner
from signals import SR, music
from tag_media import FORMATS, decoded_hash, packet_hash, write_clip

from musicgenre.backbones.efficientat.vocabulary import MUSIC_GENRES, readable_name
from musicgenre.genres import GENRES
from musicgenre.inference import classify, load_model
from musicgenre.interfaces.cli.main import cli
from musicgenre.tagging.policy import TAG_NAMES
from musicgenre.tagging.tags import parse_probabilities, read_genres, write_genres
from musicgenre.tagging.undo import read_log

#: the model label's mechanics run (see the module's docstring)
MUSICNN = ("--model", "musicnn")


def run(*args):
    return CliRunner().invoke(cli, ["label", *map(str, args)])


@pytest.fixture()
def library(tmp_path) -> Path:
    """Four untagged files (mp3, ogg, m4a, opus) and a FLAC already tagged Jazz, in ``tmp_path/music``."""
    root = tmp_path / "music"
    root.mkdir()
    y = music()
    for ext in ("mp3", "ogg", "m4a", "opus"):
        write_clip(root / f"song.{ext}", signal=y, sr=SR)
    write_genres(write_clip(root / "tagged.flac", signal=y, sr=SR), ("Jazz",))
    return root


def rows_of(text: str) -> dict[str, dict]:
    return {Path(row["file"]).name: row for row in csv.DictReader(io.StringIO(text))}


def test_dry_run_shows_each_change_and_writes_nothing(library, tmp_path):
    before = {f: f.read_bytes() for f in library.iterdir()}
    result = run(library, *MUSICNN, "--format", "csv", "--undo-log", tmp_path / "undo.jsonl")
    assert result.exit_code == 0, result.output
    rows = rows_of(result.stdout)
    assert set(rows) == {f.name for f in library.iterdir()}
    tagged = rows.pop("tagged.flac")  # only-empty: settled by its tag, not classified
    assert (tagged["action"], tagged["current"], tagged["genre"], tagged["probability"]) == ("skip", "Jazz", "", "")
    expected = classify(str(library / "song.mp3"), model=load_model("musicnn")).genre
    for name, row in rows.items():
        assert (row["action"], row["applied"], row["current"]) == ("set", "false", ""), name
        assert row["genre"] == expected and row["new"] == TAG_NAMES[expected], name
        assert 0.0 < float(row["probability"]) <= 1.0
    assert {f: f.read_bytes() for f in library.iterdir()} == before
    assert not (tmp_path / "undo.jsonl").exists()
    assert "4 would change (set 4), 1 left alone, 0 failed; dry run, nothing written" in result.stderr
    table = run(library, *MUSICNN)  # the default table says the same in words
    assert "would set" in table.stdout and "has a genre (--replace or --append" in table.stdout


def test_apply_writes_tags_every_reader_sees_and_undo_restores_them(library, tmp_path, monkeypatch):
    files = sorted(library.iterdir())
    audio = {f: (decoded_hash(f), packet_hash(f)) for f in files}
    monkeypatch.chdir(tmp_path)  # the undo log goes to the current folder by default
    result = run(library, *MUSICNN, "--apply", "--replace", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    rows = {Path(r["file"]).name: r for r in map(json.loads, result.stdout.splitlines())}
    (log,) = tmp_path.glob("musicgenre-undo-*.jsonl")
    assert f"undo with: musicgenre label --undo {log.name}" in result.stderr
    for f in files:
        row = rows[f.name]
        assert row["applied"] and row["action"] == ("replace" if f.name == "tagged.flac" else "set")
        tags = read_genres(f)
        assert tags.genres == (TAG_NAMES[row["genre"]],)
        probabilities = parse_probabilities(tags.probabilities)
        assert probabilities is not None and set(probabilities) == set(GENRES)
        assert max(probabilities, key=probabilities.__getitem__) == row["genre"]
        assert (decoded_hash(f), packet_hash(f)) == audio[f], f"{f.name}: the audio changed"
    undone = run("--undo", log)
    assert undone.exit_code == 0, undone.output
    assert "5 restored" in undone.stderr
    for f in files:
        tags = read_genres(f)
        assert tags.genres == (("Jazz",) if f.name == "tagged.flac" else ()) and tags.probabilities is None
        assert (decoded_hash(f), packet_hash(f)) == audio[f]


def test_append_maps_and_thresholds(library, tmp_path):
    names = tmp_path / "names.toml"
    names.write_text("[map]\n" + "".join(f'{g} = "My {g}"\n' for g in GENRES))
    result = run(library, *MUSICNN, "--append", "--map-file", names, "--map", "jazz=Cool Jazz", "--format", "csv")
    rows = rows_of(result.stdout)
    genre = rows["tagged.flac"]["genre"]
    mine = "Cool Jazz" if genre == "jazz" else f"My {genre}"
    assert rows["tagged.flac"]["new"] == f"Jazz; {mine}" and rows["tagged.flac"]["action"] == "append"
    assert rows["song.mp3"]["new"] == mine
    strict = rows_of(run(library, *MUSICNN, "--replace", "--min-probability", "1", "--format", "csv").stdout)
    assert {row["action"] for row in strict.values()} == {"skip"}
    assert all("below --min-probability 1" in row["reason"] for row in strict.values())
    bad = run(library, *MUSICNN, "--map", "bebop=Bebop")
    assert bad.exit_code == 2 and "'bebop' is not a genre of the model" in bad.output


def test_bad_files_get_error_rows_and_the_others_are_tagged(library, tmp_path):
    sf.write(library / "sun.au", music(3.0), SR)  # a format with no genre field
    (library / "notes.mp3").write_text("not audio\n")
    locked = write_clip(library / "locked.wav", signal=music(3.0), sr=SR)
    os.chmod(locked, 0o444)
    locked_bytes = locked.read_bytes()
    result = run(library, *MUSICNN, "--apply", "-j", "2", "--format", "csv", "--undo-log", tmp_path / "undo.jsonl")
    assert result.exit_code == 1
    rows = rows_of(result.stdout)
    assert rows["sun.au"]["action"] == "error" and "no genre tag for this format (au)" in rows["sun.au"]["reason"]
    assert rows["notes.mp3"]["action"] == "error" and rows["notes.mp3"]["reason"]
    assert rows["locked.wav"]["action"] == "error" and "read-only" in rows["locked.wav"]["reason"]
    assert locked.read_bytes() == locked_bytes
    assert all(rows[f"song.{ext}"]["applied"] == "true" for ext in ("mp3", "ogg", "m4a", "opus"))
    assert "4 changed (set 4), 1 left alone, 3 failed" in result.stderr


def test_resume_goes_on_where_a_run_stopped(library, tmp_path):
    out = tmp_path / "plan.csv"
    first = run(library, *MUSICNN, "--replace", "--format", "csv", "-o", out)
    assert first.exit_code == 0
    settled = rows_of(out.read_text())
    lines = out.read_text().splitlines()
    out.write_text("\n".join(lines[:3]) + "\n" + lines[3][:10])  # cut off mid-row, as a killed run leaves it
    again = run(library, *MUSICNN, "--replace", "--format", "csv", "-o", out, "--resume")
    assert again.exit_code == 0 and "2 already in the output (skipped)" in again.stderr
    assert rows_of(out.read_text()) == settled
    applied = run(
        library,
        *MUSICNN,
        "--replace",
        "--apply",
        "--format",
        "csv",
        "-o",
        out,
        "--resume",
        "--undo-log",
        tmp_path / "u",
    )
    assert "5 changed" in applied.stderr  # a dry run's would-be changes were never written: they run again
    assert {row["applied"] for row in rows_of(out.read_text()).values()} == {"true"}
    out.with_suffix(".txt").write_text(out.read_text())
    table = run(library, *MUSICNN, "--format", "table", "-o", out.with_suffix(".txt"), "--resume")
    assert table.exit_code == 2 and "machine-readable" in table.output
    clash = run(library, *MUSICNN, "--format", "table", "-o", out, "--resume")  # a table into a .csv: refused
    assert clash.exit_code == 2 and "names a csv file but --format is table" in clash.output


KILL_RUNS = 3


@pytest.mark.slow
def test_sigkill_mid_run_leaves_every_file_whole_and_undo_still_works(tmp_path):
    root = tmp_path / "music"
    root.mkdir()
    files = [write_clip(root / f"clip.{ext}", signal=music(4.0), sr=SR) for ext in sorted(FORMATS)]
    audio = {f: decoded_hash(f) for f in files}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [sys.executable, "-m", "musicgenre.interfaces.cli.main", "label", str(root), "--replace", "--apply"]
    command += MUSICNN
    start = time.monotonic()
    subprocess.run([*command, "--undo-log", str(tmp_path / "full.jsonl")], env=env, check=True, capture_output=True)
    took = time.monotonic() - start
    subprocess.run([*command[:4], "--undo", str(tmp_path / "full.jsonl")], env=env, check=True, capture_output=True)
    assert all(read_genres(f).genres == () for f in files)
    rng = random.Random(14)
    for attempt in range(KILL_RUNS):
        log = tmp_path / f"undo{attempt}.jsonl"
        process = subprocess.Popen([*command, "--undo-log", str(log)], env=env, stdout=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.5, 1.0) * took)
        process.send_signal(signal.SIGKILL)
        process.wait()
        for f in files:
            tags = read_genres(f)
            assert tags.genres == () or (len(tags.genres) == 1 and parse_probabilities(tags.probabilities)), f
            assert decoded_hash(f) == audio[f], f
        if log.exists():
            subprocess.run([*command[:4], "--undo", str(log)], env=env, check=True, capture_output=True)
        assert all(read_genres(f).genres == () for f in files)
    assert not list(root.glob(".*.tmp")) or all(".musicgenre-" in p.name for p in root.glob(".*.tmp"))


def test_real_clips_get_the_genre_predict_gives(shared_audio, tmp_path):
    """Real GTZAN clips re-encoded to MP3, FLAC and M4A are tagged with what ``predict`` answers for them."""
    root = tmp_path / "real"
    root.mkdir()
    for name, ext in (("classical/classical.00000", "flac"), ("metal/metal.00000", "mp3"), ("pop/pop.00000", "m4a")):
        y, sr = sf.read(shared_audio / f"{name}.wav", dtype="float32")
        write_clip(root / f"{Path(name).name}.{ext}", signal=y, sr=sr)
    result = run(root, "--apply", "--include-uncertain", "--format", "csv", "--undo-log", tmp_path / "u.jsonl")
    assert result.exit_code == 0, result.output
    predicted = CliRunner().invoke(cli, ["predict", str(root), "--format", "csv"])
    for row in csv.DictReader(io.StringIO(predicted.stdout)):
        assert read_genres(row["file"]).genres == (TAG_NAMES[row["genre"]],)


def _fail_with_no_space(monkeypatch, name: str, match) -> None:
    """``os.<name>`` raises ENOSPC for the calls ``match`` accepts (a full disk at that step)."""
    real = getattr(os, name)

    def failing(*args, **kwargs):
        if match(*args):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(*args, **kwargs)

    monkeypatch.setattr(os, name, failing)


def test_a_full_disk_fails_one_file_and_the_run_goes_on(library, tmp_path, monkeypatch):
    originals = {f: f.read_bytes() for f in library.iterdir()}
    _fail_with_no_space(monkeypatch, "replace", lambda source, target, *rest: str(target).endswith("song.ogg"))
    result = run(library, *MUSICNN, "--apply", "--replace", "--format", "csv", "--undo-log", tmp_path / "undo.jsonl")
    monkeypatch.undo()
    assert result.exit_code == 1
    rows = rows_of(result.stdout)
    ogg = library / "song.ogg"
    assert rows["song.ogg"]["action"] == "error" and rows["song.ogg"]["applied"] == "false"
    assert rows["song.ogg"]["reason"] == "cannot replace the file: no space left on the device"
    assert ogg.read_bytes() == originals[ogg] and not list(library.glob(".*.tmp"))
    assert {name: row["applied"] for name, row in rows.items() if name != "song.ogg"} == dict.fromkeys(
        ["song.mp3", "song.m4a", "song.opus", "tagged.flac"], "true"
    )
    assert "4 changed (replace 1, set 3)" in result.stderr or "4 changed (set 3, replace 1)" in result.stderr
    undone = run("--undo", tmp_path / "undo.jsonl")
    assert undone.exit_code == 0 and "4 restored, 1 already as before" in undone.stderr
    assert {f: f.read_bytes() for f in library.iterdir()} == originals


def test_an_undo_log_that_cannot_be_written_stops_the_run_with_one_line(library, tmp_path, monkeypatch):
    originals = {f: f.read_bytes() for f in library.iterdir()}
    log = tmp_path / "undo.jsonl"
    _fail_with_no_space(monkeypatch, "write", lambda fd, *rest: os.readlink(f"/proc/self/fd/{fd}") == str(log))
    result = run(library, *MUSICNN, "--apply", "--replace", "--format", "csv", "--undo-log", log)
    monkeypatch.undo()
    assert result.exit_code == 1
    (line,) = [s for s in result.stderr.splitlines() if s.startswith("stopped:")]
    assert (
        line
        == f"stopped: {log}: cannot write the undo log: no space left on the device (the file it was for is untouched)"
    )
    assert "0 changed" in result.stderr
    assert {f: f.read_bytes() for f in library.iterdir()} == originals  # nothing written without its entry
    assert not log.exists() or log.read_bytes() == b""


LIMITED_RUN = (
    "import resource, signal, sys; from musicgenre.interfaces.cli.main import cli; "
    "signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
    "resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), resource.RLIM_INFINITY)); "
    "cli(sys.argv[2:], prog_name='musicgenre')"
)


@pytest.mark.slow
def test_a_file_size_limit_fails_the_large_file_only(library, tmp_path):
    """A real limit (RLIMIT_FSIZE in the child: writes past it fail with EFBIG): the WAV larger than it gets its
    error row, the smaller files are tagged, and undo gives every file back byte for byte."""
    big = write_clip(library / "big.wav", signal=music(10.0), sr=SR)
    originals = {f: f.read_bytes() for f in library.iterdir()}
    small = max(len(b) for f, b in originals.items() if f != big)
    assert small * 1.2 < len(originals[big])
    limit = (small + len(originals[big])) // 2
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    log = tmp_path / "undo.jsonl"
    command = [sys.executable, "-c", LIMITED_RUN, str(limit), "label", str(library), "--apply", "--replace", *MUSICNN]
    done = subprocess.run(
        [*command, "--format", "csv", "--undo-log", str(log)], env=env, capture_output=True, text=True
    )
    assert done.returncode == 1, done.stderr
    rows = rows_of(done.stdout)
    assert rows["big.wav"]["action"] == "error"
    assert rows["big.wav"]["reason"] == "cannot write the tagged copy: file too large for the file system limit"
    assert {name for name, row in rows.items() if row["applied"] == "true"} == {f.name for f in originals} - {"big.wav"}
    assert big.read_bytes() == originals[big] and not list(library.glob(".*.tmp"))
    assert len(read_log(log)) == 5
    undone = run("--undo", log)
    assert undone.exit_code == 0 and "5 restored" in undone.stderr
    assert {f: f.read_bytes() for f in library.iterdir()} == originals


HOLD_LOCK = (
    "import sys\nfrom musicgenre.tagging.tags import lock_file\n"
    "with lock_file(sys.argv[1]):\n    print('locked', flush=True)\n    sys.stdin.read()\n"
)


@contextmanager
def held_by_another_process(path: Path):
    """Another process holds ``path``'s lock (as a second label run writing it would) for the ``with`` block."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == b"locked"
    try:
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=60)


@pytest.mark.slow
def test_label_and_undo_skip_a_file_another_run_is_writing(library, tmp_path):
    originals = {f: f.read_bytes() for f in library.iterdir()}
    log = tmp_path / "undo.jsonl"
    with held_by_another_process(library / "song.mp3"):
        result = run(library, *MUSICNN, "--apply", "--replace", "--format", "csv", "--undo-log", log)
    assert result.exit_code == 1
    rows = rows_of(result.stdout)
    assert rows["song.mp3"]["action"] == "error" and rows["song.mp3"]["applied"] == "false"
    assert rows["song.mp3"]["reason"] == "busy: another musicgenre run is writing this file; left alone"
    assert (library / "song.mp3").read_bytes() == originals[library / "song.mp3"]
    assert sum(row["applied"] == "true" for row in rows.values()) == 4
    with held_by_another_process(library / "song.ogg"):
        undone = run("--undo", log)
    assert undone.exit_code == 1 and "3 restored" in undone.stderr and "1 failed" in undone.stderr
    assert f"{library / 'song.ogg'}  error: busy: another musicgenre run" in undone.stdout
    again = run("--undo", log)
    assert again.exit_code == 0 and "1 restored, 3 already as before" in again.stderr
    assert {f: f.read_bytes() for f in library.iterdir()} == originals


def test_a_run_in_this_process_loads_its_model_once(library, tmp_path, monkeypatch):
    import musicgenre.inference.batch
    import musicgenre.inference.loading

    loads = []

    def counted(*args, **kwargs):
        loads.append(args)
        return load_model(*args, **kwargs)

    monkeypatch.setattr(musicgenre.inference.loading, "load_model", counted)
    monkeypatch.setattr(musicgenre.inference.batch, "load_model", counted)
    result = run(library, "-j", "1", "--format", "csv", "--undo-log", tmp_path / "undo.jsonl")
    assert result.exit_code == 0, result.output
    assert len(rows_of(result.stdout)) == 5
    assert loads == [(None,), ("musicnn",), ("efficientat",)]  # the default once, and each of its networks once


def test_the_default_leaves_the_files_it_is_unsure_of_alone(library):
    """The default model (musicnn+efficientat) marks a file uncertain when its networks disagree: label leaves it
    alone and says why, and tags it with --include-uncertain; the others get the default's answer."""
    default = load_model()
    result = run(library, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = rows_of(result.stdout)
    songs = [f"song.{ext}" for ext in ("mp3", "ogg", "m4a", "opus")]
    predictions = {name: classify(str(library / name), model=default) for name in songs}
    assert any(p.uncertain for p in predictions.values())  # the case this test is about
    for name, p in predictions.items():
        row = rows[name]
        assert row["genre"] == p.genre and float(row["probability"]) == pytest.approx(p.probability, abs=1e-4), name
        if p.uncertain:
            assert row["action"] == "skip" and row["new"] == "", name
            assert row["reason"].startswith(f"uncertain: no genre fits well ({p.genre} at "), name
        else:
            assert (row["action"], row["new"]) == ("set", TAG_NAMES[p.genre]), name
    included = rows_of(run(library, "--include-uncertain", "--format", "csv").stdout)
    assert {name: (included[name]["action"], included[name]["new"]) for name in songs} == {
        name: ("set", TAG_NAMES[p.genre]) for name, p in predictions.items()
    }


def test_audioset_genres_writes_readable_names_of_its_classes(tmp_path):
    """--model audioset-genres: each file gets the readable name of its top AudioSet class (Hip hop music ->
    Hip-Hop) and its 50 independent probabilities; --map takes the classes' own names; undo restores the files."""
    root = tmp_path / "music"
    root.mkdir()
    files = [write_clip(root / f"song.{ext}", signal=music(6.0), sr=SR) for ext in ("mp3", "flac")]
    originals = {f: f.read_bytes() for f in files}
    log = tmp_path / "undo.jsonl"
    result = run(root, "--model", "audioset-genres", "--apply", "--format", "csv", "--undo-log", log)
    assert result.exit_code == 0, result.output
    rows = rows_of(result.stdout)
    for f in files:
        row = rows[f.name]
        assert row["genre"] in MUSIC_GENRES and row["action"] == "set" and row["applied"] == "true", row
        assert row["new"] == readable_name(row["genre"])
        tags = read_genres(f)
        assert tags.genres == (readable_name(row["genre"]),)
        probabilities = parse_probabilities(tags.probabilities)
        assert probabilities is not None and list(probabilities) == list(MUSIC_GENRES)
        assert max(probabilities, key=probabilities.__getitem__) == row["genre"]
        assert json.loads(tags.probabilities)["model"] == "audioset-genres"
    genre = rows["song.flac"]["genre"]
    mapped = rows_of(
        run(root, "--model", "audioset-genres", "--replace", "--map", f"{genre}=Mine", "--format", "csv").stdout
    )
    assert mapped["song.flac"]["new"] == "Mine"
    wrong = run(root, "--model", "audioset-genres", "--map", "hiphop=Rap")
    assert wrong.exit_code == 2 and "'hiphop' is not a genre of the model" in wrong.output
    assert run("--undo", log).exit_code == 0
    assert {f: f.read_bytes() for f in files} == originals


def test_undo_dry_run_lists_what_would_be_restored_and_refused_and_changes_nothing(tmp_path):
    from musicgenre.tagging.undo import UndoLog

    song = write_clip(tmp_path / "song.flac", seconds=1.0)
    log = tmp_path / "undo.jsonl"
    with UndoLog(log) as undo_log:
        write_genres(
            song,
            ("Rock",),
            before_replace=lambda before, rewrite: undo_log.record(str(song), before, ("Rock",), None, rewrite),
        )
    victim = tmp_path / "victim.conf"
    victim.write_text("x = 1\n")
    crafted = json.loads(log.read_text())
    crafted["file"] = str(victim)
    log.write_text(log.read_text() + json.dumps(crafted) + "\n")
    before = (song.read_bytes(), song.stat().st_mtime_ns, victim.read_bytes())
    result = run("--undo", log, "--dry-run")
    assert result.exit_code == 1, result.output
    assert f"{victim}  refused: not in the log's format, FLAC" in result.stdout
    assert f"{song}  would restore: Rock -> (none); the original bytes" in result.stdout
    assert "0 would be restored" not in result.stderr and "1 would be restored" in result.stderr
    assert "1 refused" in result.stderr and "dry run, nothing changed" in result.stderr
    assert (song.read_bytes(), song.stat().st_mtime_ns, victim.read_bytes()) == before
    assert run(tmp_path, "--dry-run").exit_code == 2


def test_the_output_file_extension_picks_the_format(tmp_path):
    """As predict: ``-o x.csv`` writes CSV; a ``--format`` against the extension, or an extension label does not
    write (.json), is one line before any work."""
    notes = tmp_path / "notes.wav"
    notes.write_text("not audio\n")
    result = CliRunner().invoke(cli, ["label", str(notes), *MUSICNN, "-o", str(tmp_path / "rows.csv")])
    assert result.exit_code == 1, result.output
    assert [row["file"] for row in csv.DictReader(io.StringIO((tmp_path / "rows.csv").read_text()))] == [str(notes)]
    for args, words in (
        (["-o", str(tmp_path / "x.csv"), "--format", "jsonl"], "names a csv file but --format is jsonl"),
        (["-o", str(tmp_path / "x.json")], "this command writes table, csv, jsonl"),
    ):
        result = CliRunner().invoke(cli, ["label", str(notes), *MUSICNN, *args])
        assert result.exit_code == 2 and words in result.output, result.output


def test_an_undo_log_path_that_is_a_link_or_not_a_log_is_refused_before_any_file(tmp_path):
    song = write_clip(tmp_path / "song.mp3", seconds=0.5)
    before = song.read_bytes()
    victim = tmp_path / "victim.conf"
    victim.write_text("a = 1\n")
    link = tmp_path / "undo.jsonl"
    link.symlink_to(victim)
    for log, words in ((link, "a symbolic link"), (victim, "exists and is not an undo log")):
        result = run(song, *MUSICNN, "--apply", "--undo-log", log)
        assert result.exit_code == 1
        assert result.output.splitlines() == [f"Error: {log}: {words}" + result.output.split(words, 1)[1].rstrip()]
        assert "--undo-log" in result.output
    assert song.read_bytes() == before and victim.read_text() == "a = 1\n" and link.is_symlink()
    dry = run(song, *MUSICNN, "--undo-log", link, "--format", "jsonl")  # a dry run writes no log: not refused
    assert "Error:" not in dry.output and "dry run, nothing written" in dry.stderr


def test_the_default_undo_log_is_always_a_new_file(tmp_path, monkeypatch):
    from musicgenre.interfaces.cli.label_cmd import _free_log_name

    monkeypatch.chdir(tmp_path)
    assert _free_log_name("20260101-000000") == Path("musicgenre-undo-20260101-000000.jsonl")
    Path("musicgenre-undo-20260101-000000.jsonl").write_text("someone's\n")
    Path("musicgenre-undo-20260101-000000-2.jsonl").symlink_to(tmp_path / "nowhere")
    assert _free_log_name("20260101-000000") == Path("musicgenre-undo-20260101-000000-3.jsonl")


def test_an_interrupted_run_keeps_its_rows_and_resume_goes_on(tmp_path, monkeypatch):
    """Ctrl-C after two files: -o holds their rows (a link planted there replaced, not followed); --resume then
    skips them."""
    import musicgenre.tagging.label
    from musicgenre.tagging.label import LabelRow

    files = [tmp_path / f"{i}.mp3" for i in range(4)]
    for f in files:
        f.write_text("never read: label_files is faked")
    seen: list[list[str]] = []

    def fake(files, config, undo_log=None, model=None, executor=None, stop_after=2):
        seen.append([Path(f).name for f in files])
        for n, f in enumerate(files):
            if n == stop_after and len(seen) == 1:
                raise KeyboardInterrupt
            yield LabelRow(f, "keep", current=("Rock",), new=("Rock",), reason="has a genre")

    monkeypatch.setattr(musicgenre.tagging.label, "label_files", fake)
    victim = tmp_path / "victim.conf"
    victim.write_text("a = 1\n")
    out = tmp_path / "rows.jsonl"
    out.symlink_to(victim)
    stopped = run(*files, *MUSICNN, "-o", out)
    assert stopped.exit_code == 1 and "Aborted!" in stopped.output
    assert victim.read_text() == "a = 1\n" and not out.is_symlink()
    assert [Path(json.loads(line)["file"]).name for line in out.read_text().splitlines()] == ["0.mp3", "1.mp3"]
    resumed = run(*files, *MUSICNN, "-o", out, "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert seen[1] == ["2.mp3", "3.mp3"] and "2 already in the output (skipped)" in resumed.stderr
    assert [Path(json.loads(line)["file"]).name for line in out.read_text().splitlines()] == [f.name for f in files]
    assert not list(tmp_path.glob(".musicgenre-*.tmp"))
