"""Playlists from predictions: read back as a player would (every entry resolves against the playlist's folder),
relative paths, ``#EXTINF`` durations and names, the filters, error rows, missing files, URLs."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from musicgenre.inference.library import PredictionsError
from musicgenre.inference.playlists import (
    PlaylistFilter,
    Track,
    entry_path,
    playlist_name,
    playlist_names,
    read_predictions,
    write_playlists,
)


def read_m3u8(path: Path) -> list[tuple[int, str, str]]:
    """``(seconds, title, entry)`` per track of an extended M3U8, checking its shape as a strict player would."""
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#EXTM3U"
    assert len(lines) % 2 == 1, "every #EXTINF line is followed by its path"
    entries = []
    for info, entry in zip(lines[1::2], lines[2::2], strict=True):
        match = re.fullmatch(r"#EXTINF:(-?\d+),(.+)", info)
        assert match, info
        assert not entry.startswith("#") and entry
        entries.append((int(match[1]), match[2], entry))
    return entries


def resolves(playlist: Path, entry: str) -> bool:
    return (playlist.parent / entry).is_file()


@pytest.fixture()
def library(tmp_path) -> Path:
    """Five files (contents do not matter to playlists) under ``music/``."""
    root = tmp_path / "music"
    for name in ("a/one.wav", "a/two.mp3", "b/three.flac", "b/four ünïcode.ogg", "c/five.wav"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"x")
    return root


def tracks(library: Path) -> list[Track]:
    return [
        Track(str(library / "a/one.wav"), "jazz", 0.91, 30.013, False),
        Track(str(library / "a/two.mp3"), "blues", 0.40, 187.6, True),
        Track(str(library / "b/three.flac"), "jazz", 0.55, 12.0, False),
        Track(str(library / "b/four ünïcode.ogg"), "rock", 0.75, None, None),
        Track(str(library / "c/five.wav"), "jazz", 0.30, 61.4, True),
    ]


def test_one_playlist_per_genre_that_a_player_can_read(library, tmp_path):
    out = tmp_path / "lists" / "genres"
    report = write_playlists(tracks(library), out)
    assert sorted(p.name for p in out.iterdir()) == ["blues.m3u8", "jazz.m3u8", "rock.m3u8"]
    jazz = read_m3u8(out / "jazz.m3u8")
    assert [(s, t) for s, t, _ in jazz] == [(30, "one.wav"), (12, "three.flac"), (61, "five.wav")]
    assert [e for _, _, e in jazz] == ["../../music/a/one.wav", "../../music/b/three.flac", "../../music/c/five.wav"]
    rock = read_m3u8(out / "rock.m3u8")
    assert rock == [(-1, "four ünïcode.ogg", "../../music/b/four ünïcode.ogg")]  # length unknown: -1
    for playlist in out.glob("*.m3u8"):
        for _, _, entry in read_m3u8(playlist):
            assert not os.path.isabs(entry) and resolves(playlist, entry), entry
    assert report.read == 5 and report.filtered == 0 and report.missing == ()
    assert {p.genre: len(p.tracks) for p in report.playlists} == {"jazz": 3, "blues": 1, "rock": 1}
    assert not list(out.glob("*.part"))


def test_filters(library, tmp_path):
    report = write_playlists(tracks(library), tmp_path / "sure", PlaylistFilter(min_probability=0.5))
    assert [t for _, t, _ in read_m3u8(tmp_path / "sure" / "jazz.m3u8")] == ["one.wav", "three.flac"]
    assert not (tmp_path / "sure" / "blues.m3u8").exists() and report.filtered == 2
    write_playlists(tracks(library), tmp_path / "certain", PlaylistFilter(exclude_uncertain=True))
    assert [t for _, t, _ in read_m3u8(tmp_path / "certain" / "jazz.m3u8")] == ["one.wav", "three.flac"]
    assert read_m3u8(tmp_path / "certain" / "rock.m3u8")  # no threshold (None) is not uncertain


def test_missing_files_are_left_out_and_counted(library, tmp_path):
    (library / "c" / "five.wav").unlink()
    report = write_playlists(tracks(library), tmp_path / "out")
    assert report.missing == (str(library / "c" / "five.wav"),)
    assert [t for _, t, _ in read_m3u8(tmp_path / "out" / "jazz.m3u8")] == ["one.wav", "three.flac"]


def test_relative_paths_in_predictions_resolve_against_base(library, tmp_path, monkeypatch):
    rows = [Track("music/a/one.wav", "jazz", 0.9, 30.0, False), Track("music/a/one.wav", "jazz", 0.9, 30.0, False)]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    report = write_playlists(rows, "lists", base=tmp_path)
    entries = read_m3u8(elsewhere / "lists" / "jazz.m3u8")
    assert entries == [(30, "one.wav", "../../music/a/one.wav")]  # each file once
    assert resolves(elsewhere / "lists" / "jazz.m3u8", entries[0][2]) and report.missing == ()


def test_names_a_player_would_misread(tmp_path):
    """A file whose name starts with '#' beside the playlist gets './' (else a comment line); a name with a line
    break cannot be one M3U line and is left out and reported."""
    (tmp_path / "#1 hit.mp3").write_bytes(b"x")
    (tmp_path / "two\nlines.mp3").write_bytes(b"x")
    rows = [Track(str(tmp_path / n), "pop", 0.9, 10.0, False) for n in ("#1 hit.mp3", "two\nlines.mp3")]
    report = write_playlists(rows, tmp_path)
    entries = read_m3u8(tmp_path / "pop.m3u8")
    assert entries == [(10, "#1 hit.mp3", "./#1 hit.mp3")] and resolves(tmp_path / "pop.m3u8", entries[0][2])
    assert report.unlistable == (str(tmp_path / "two\nlines.mp3"),)


def test_urls_are_kept_as_written(tmp_path):
    rows = [Track("s3://bucket/music/song.mp3", "pop", 0.8, 200.2, False)]
    write_playlists(rows, tmp_path)
    assert read_m3u8(tmp_path / "pop.m3u8") == [(200, "song.mp3", "s3://bucket/music/song.mp3")]
    assert entry_path("https://host/a.mp3", tmp_path) == "https://host/a.mp3"


def test_genre_names_become_safe_file_names():
    assert playlist_name("hip hop/rap") == "hip hop_rap.m3u8"
    assert playlist_name("..") == "genre.m3u8" and playlist_name("jazz") == "jazz.m3u8"


def test_genres_whose_names_clash_get_distinct_names():
    names = playlist_names(["Rock/Pop", "Rock:Pop", "Rock?Pop", "Rock_Pop", "jazz", "Jazz"])
    assert len({n.casefold() for n in names.values()}) == 6  # distinct even where case is ignored
    assert names["Rock_Pop"] == "Rock_Pop.m3u8"  # spelled as its file name: kept
    assert all(re.fullmatch(r"Rock_Pop-[0-9a-f]{8}\.m3u8", names[g]) for g in ("Rock/Pop", "Rock:Pop", "Rock?Pop"))
    assert all(re.fullmatch(r"(jazz|Jazz)-[0-9a-f]{8}\.m3u8", names[g]) for g in ("jazz", "Jazz"))
    assert playlist_names(["Rock:Pop", "Rock/Pop"]) == {g: names[g] for g in ("Rock:Pop", "Rock/Pop")}  # stable
    assert playlist_names(["jazz", "blues"]) == {"jazz": "jazz.m3u8", "blues": "blues.m3u8"}


def test_long_and_reserved_genre_names_are_cut_and_hashed():
    long = "ambient drone " * 30
    names = playlist_names([long, long + "!", "é" * 300, "CON", "nul.x"])
    assert len(set(names.values())) == 5
    for name in names.values():
        assert len(name.encode()) <= 100 + len("-12345678.m3u8") and name.endswith(".m3u8")
    assert names["é" * 300] == "é" * 50 + names["é" * 300][-14:]  # cut on a character boundary
    assert re.fullmatch(r"CON-[0-9a-f]{8}\.m3u8", names["CON"]) and names["nul.x"].startswith("nul.x-")


def test_reads_csv_jsonl_and_json_outputs(tmp_path):
    csv_text = (
        "file,scope,start_s,end_s,genre,probability,uncertain,not_music,error\n"
        "x.wav,window,0.0,30.0,jazz,0.5000,,,\n"
        "x.wav,track,0.0,45.5,jazz,0.6100,false,,\n"
        "y.wav,track,,,,,,,not a readable audio file\n"
        "z.wav,track,0.0,20.0,rock,0.4000,true,a steady tone,\n"
    )
    (tmp_path / "p.csv").write_text(csv_text)
    assert read_predictions(tmp_path / "p.csv") == [
        Track("x.wav", "jazz", 0.61, 45.5, False),
        Track("z.wav", "rock", 0.40, 20.0, True),
    ]
    records = [
        {"file": "x.wav", "duration_s": 45.5, "genre": "jazz", "probability": 0.61, "uncertain": None, "error": None},
        {"file": "y.wav", "duration_s": None, "genre": None, "probability": None, "error": "corrupt"},
    ]
    (tmp_path / "p.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records) + '{"file": "cut')
    (tmp_path / "p.json").write_text("[\n" + ",\n".join(json.dumps(r) for r in records) + "\n]\n")
    expected = [Track("x.wav", "jazz", 0.61, 45.5, None)]
    assert read_predictions(tmp_path / "p.jsonl") == expected == read_predictions(tmp_path / "p.json")


def test_a_file_that_is_not_predictions_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("hello\n")
    with pytest.raises(PredictionsError, match="notes.txt: not a predictions file"):
        read_predictions(tmp_path / "notes.txt")
    with pytest.raises(PredictionsError, match="cannot read"):
        read_predictions(tmp_path / "absent.csv")


def test_a_playlist_that_cannot_be_written_is_reported_and_the_others_are_written(library, tmp_path):
    out = tmp_path / "out"
    (out / "jazz.m3u8").mkdir(parents=True)  # a folder where the playlist goes
    report = write_playlists(tracks(library), out)
    assert [g for g, _ in report.failed] == ["jazz"] and "jazz.m3u8" in report.failed[0][1]
    assert sorted(p.genre for p in report.playlists) == ["blues", "rock"]
    assert sorted(p.name for p in out.iterdir()) == ["blues.m3u8", "jazz.m3u8", "rock.m3u8"]
    assert (out / "jazz.m3u8").is_dir()
