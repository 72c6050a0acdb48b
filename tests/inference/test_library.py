"""Reading back every row of a ``predict -o`` output for the library report: the three formats agree."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from visualization.fake_predictions import write_fake_predictions
from visualization.malformed_predictions import CASES, write_malformed

from musicgenre.inference.library import PredictionsError, read_library, regular_file_hash, tags_from_cache


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("predictions")
    return {fmt: write_fake_predictions(folder / f"p.{fmt}", 150, fmt) for fmt in ("csv", "jsonl", "json")}


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json"])
def test_every_row_is_read_with_marks_windows_and_tags(written, fmt):
    fake = written[fmt]
    library = read_library(fake.path)
    assert library.format == fmt and library.has_timeline and library.has_tags
    assert len(library.tracks) == 150
    assert sum(not t.ok for t in library.tracks) == fake.failed > 0
    assert sum(bool(t.not_music) for t in library.tracks) == fake.not_music > 0
    assert sum(bool(t.uncertain) and not t.not_music for t in library.tracks) == fake.uncertain > 0
    assert sum(len({w.genre for w in t.windows}) > 1 for t in library.tracks) == fake.changing > 0
    classified = [t for t in library.tracks if t.ok]
    assert all(len(t.top_tags) == 5 and t.windows for t in classified)
    assert all(t.error and t.genre is None and not t.windows for t in library.tracks if not t.ok)


def test_the_formats_agree(written):
    csv_tracks, json_tracks = (read_library(written[f].path).tracks for f in ("csv", "jsonl"))
    assert [t.file for t in csv_tracks] == [t.file for t in json_tracks]
    for a, b in zip(csv_tracks, json_tracks, strict=True):
        assert (a.genre, a.uncertain, a.not_music, a.error, a.windows) == (
            b.genre,
            b.uncertain,
            b.not_music,
            b.error,
            b.windows,
        )
        if a.ok:
            assert a.probability == pytest.approx(b.probability, abs=5e-5)  # CSV keeps 4 decimals
            assert a.duration_s == b.duration_s
            assert [t for t, _ in a.top_tags] == [t for t, _ in b.top_tags]


def test_without_timeline_or_tags(tmp_path):
    fake = write_fake_predictions(tmp_path / "p.csv", 20, "csv", timeline=False, explain=False)
    library = read_library(fake.path)
    assert not library.has_timeline and not library.has_tags
    assert all(not t.windows and not t.top_tags for t in library.tracks)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_cut_off_last_line_is_skipped(tmp_path, fmt):
    fake = write_fake_predictions(tmp_path / f"p.{fmt}", 10, fmt, timeline=False)
    text = fake.path.read_text(encoding="utf-8")
    fake.path.write_text(text[: len(text) - 40], encoding="utf-8")  # an interrupted run
    assert len(read_library(fake.path).tracks) == 9


def test_other_files_are_refused_in_one_line(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    with pytest.raises(PredictionsError, match=r"notes.txt: not a predictions file"):
        read_library(notes)
    with pytest.raises(PredictionsError, match=r"absent.csv: cannot read"):
        read_library(tmp_path / "absent.csv")


def test_tags_from_the_embedding_cache(tmp_path):
    pytest.importorskip("torch", reason="reading the embedding cache needs musicgenre[backbones]")
    from musicgenre.audio import file_hash
    from musicgenre.backbones.musicnn.cache import ARRAYS, output_cache

    (tmp_path / "music").mkdir()
    known, unknown = tmp_path / "music" / "a.wav", tmp_path / "music" / "b.wav"
    known.write_bytes(b"a")
    unknown.write_bytes(b"b")
    taggram = np.arange(100, dtype=np.float32).reshape(2, 50)
    arrays = {name: np.zeros((2, 3), np.float32) for name in ARRAYS} | {"taggram": taggram}
    cache = tmp_path / "cache"
    output_cache(cache, "MSD_musicnn").put(file_hash(known), arrays)
    found = tags_from_cache(["music/a.wav", "music/b.wav", "music/gone.wav", "s3://x/y.mp3"], cache, tmp_path)
    assert list(found) == [0]
    np.testing.assert_allclose(found[0], taggram.mean(axis=0))
    assert tags_from_cache(["music/a.wav"], tmp_path / "no-cache", tmp_path) == {}


def test_the_default_cache_is_the_embed_commands():
    pytest.importorskip("torch", reason="the embed module needs musicgenre[backbones]")
    from musicgenre.backbones.musicnn.embed import DEFAULT_CACHE_DIR
    from musicgenre.inference.library import EMBED_CACHE_DIR

    assert EMBED_CACHE_DIR == DEFAULT_CACHE_DIR


def test_explain_without_tags_counts_as_no_tags(tmp_path):
    """The feature model writes ``--explain`` columns (or ``explanation: null``) but no tags: the map must look
    elsewhere."""
    path = tmp_path / "p.jsonl"
    path.write_text('{"file": "a.wav", "genre": "jazz", "probability": 0.7, "explanation": null, "error": null}\n')
    assert not read_library(path).has_tags


def test_a_report_without_tags_or_cache_imports_no_torch(tmp_path):
    fake = write_fake_predictions(tmp_path / "p.csv", 10, "csv", explain=False)
    code = (
        "import sys; from musicgenre.visualization.library_report import write_library_report; "
        f"r = write_library_report({str(fake.path)!r}, {str(tmp_path / 'r.html')!r}); "
        "print(r.map_source, sorted(m for m in ('torch', 'matplotlib') if m in sys.modules))"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "None []"


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_malformed_record_is_refused_naming_its_line(tmp_path, case, fmt):
    path, line = write_malformed(tmp_path, case, fmt)
    with pytest.raises(PredictionsError) as raised:
        read_library(path)
    assert str(raised.value) == line


def test_only_a_cut_off_last_line_is_skipped(tmp_path):
    good = '{"file": "a.wav", "genre": "jazz", "probability": 0.5, "error": null}'
    path = tmp_path / "p.jsonl"
    path.write_text(f"{good}\n{good[:20]}\n")
    assert len(read_library(path).tracks) == 1
    path.write_text(f"{good}\n{good[:20]}\n{good}\n")
    with pytest.raises(PredictionsError, match=r"p.jsonl:2: not a JSON record"):
        read_library(path)
    path.write_text(f"{good}\n[1, 2]\n")
    with pytest.raises(PredictionsError, match=r"p.jsonl:2: a JSON list, not a record"):
        read_library(path)
    path.write_text('{"genre": "jazz", "probability": 0.5, "error": null}\n')
    with pytest.raises(PredictionsError, match=r"p.jsonl:1: file: missing"):
        read_library(path)
    csv_path = tmp_path / "p.csv"
    header, row = "file,scope,start_s,end_s,genre,probability,uncertain,not_music,error", "a.wav,track,0,1,jazz,0.5,,,"
    csv_path.write_text(f"{header}\n{row}\n{row[:12]}\n")
    assert len(read_library(csv_path).tracks) == 1  # the last row, short
    csv_path.write_text(f"{header}\n{row[:12]}\n{row}\n")
    with pytest.raises(PredictionsError, match=r"p.csv:2: fewer cells than the header's 9"):
        read_library(csv_path)
    csv_path.write_text(f"{header}\n{row},extra\n{row}\n")
    with pytest.raises(PredictionsError, match=r"p.csv:2: more cells than the header's 9"):
        read_library(csv_path)


def test_only_regular_files_are_hashed(tmp_path):
    from musicgenre.audio import file_hash

    (tmp_path / "a.wav").write_bytes(b"a" * 3_000_000)
    assert regular_file_hash(tmp_path / "a.wav") == file_hash(tmp_path / "a.wav")
    (tmp_path / "link.wav").symlink_to(tmp_path / "a.wav")
    assert regular_file_hash(tmp_path / "link.wav") == file_hash(tmp_path / "a.wav")  # links are followed
    os.mkfifo(tmp_path / "fifo.wav")
    with pytest.raises(ValueError, match="a FIFO, not a regular file"):
        regular_file_hash(tmp_path / "fifo.wav")  # would block on open or read
    with pytest.raises(ValueError, match="a character device, not a regular file"):
        regular_file_hash("/dev/zero")  # would never end
    with pytest.raises(ValueError, match="a folder, not a regular file"):
        regular_file_hash(tmp_path)
    with pytest.raises(FileNotFoundError):
        regular_file_hash(tmp_path / "gone.wav")


def test_a_device_is_no_predictions_file(tmp_path):
    with pytest.raises(PredictionsError, match=r"^/dev/zero: a character device, not a predictions file$"):
        read_library("/dev/zero")
