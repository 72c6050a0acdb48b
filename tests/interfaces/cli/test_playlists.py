"""``musicgenre playlists``: from what ``predict -o`` wrote (CSV and JSONL) to M3U8 files whose every entry resolves."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from signals import clicks, noise, tone, write

from musicgenre.interfaces.cli.main import cli


def run(*args):
    return CliRunner().invoke(cli, [*map(str, args)])


def read_m3u8(path: Path) -> list[tuple[int, str, str]]:
    """``(seconds, title, entry)`` per track, checking the extended M3U shape."""
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#EXTM3U" and len(lines) % 2 == 1
    out = []
    for info, entry in zip(lines[1::2], lines[2::2], strict=True):
        match = re.fullmatch(r"#EXTINF:(-?\d+),(.+)", info)
        assert match and entry and not entry.startswith("#"), (info, entry)
        out.append((int(match[1]), match[2], entry))
    return out


@pytest.fixture(scope="module")
def predicted(tmp_path_factory) -> Path:
    """A small library classified by ``predict`` into ``genres.csv`` and ``genres.jsonl``, and a broken file."""
    root = tmp_path_factory.mktemp("lib")
    music = root / "music"
    (music / "x").mkdir(parents=True)
    write(music / "x" / "beat.wav", clicks(bpm=100.0, seconds=40.0) + tone(196.0, 40.0, amplitude=0.2))
    write(music / "x" / "tone.flac", tone(330.0, 12.0, amplitude=0.3) + clicks(bpm=140.0, seconds=12.0))
    write(music / "noise.wav", noise(8.0, amplitude=0.2) + clicks(bpm=90.0, seconds=8.0))
    (music / "broken.wav").write_text("not audio\n")
    for fmt in ("csv", "jsonl"):
        result = run("predict", music, "--format", fmt, "-o", root / f"genres.{fmt}")
        assert result.exit_code == 1, result.output  # the broken file
    return root


def predictions(root: Path) -> dict[str, dict]:
    rows = [json.loads(line) for line in (root / "genres.jsonl").read_text().splitlines()]
    return {Path(r["file"]).name: r for r in rows if r["error"] is None}


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_playlists_resolve_with_durations_and_names(predicted, fmt):
    out = predicted / f"lists-{fmt}"
    result = run("playlists", predicted / f"genres.{fmt}", "-o", out)
    assert result.exit_code == 0, result.output
    expected = predictions(predicted)
    seen = {}
    for playlist in sorted(out.glob("*.m3u8")):
        for seconds, title, entry in read_m3u8(playlist):
            assert not os.path.isabs(entry) and entry.startswith("../music/"), entry
            assert (playlist.parent / entry).resolve().is_file(), entry
            row = expected[title]
            assert row["genre"] == playlist.stem and seconds == round(row["duration_s"])
            seen[title] = playlist.stem
    assert sorted(seen) == sorted(expected) == ["beat.wav", "noise.wav", "tone.flac"]  # broken.wav: no entry
    assert "3 tracks of 3 classified" in result.stderr


def test_filters_on_the_command_line(predicted):
    rows = predictions(predicted)
    cut = sorted(r["probability"] for r in rows.values())[1]  # keeps the two most probable
    out = predicted / "sure"
    result = run("playlists", predicted / "genres.csv", "-o", out, "--min-probability", f"{cut - 1e-4:.4f}")
    assert result.exit_code == 0, result.output
    listed = [t for p in out.glob("*.m3u8") for _, t, _ in read_m3u8(p)]
    assert sorted(listed) == sorted(n for n, r in rows.items() if r["probability"] >= cut - 1e-4)
    assert len(listed) == 2 and "1 left out by the filters" in result.stderr
    certain = predicted / "certain"
    assert run("playlists", predicted / "genres.jsonl", "-o", certain, "--exclude-uncertain").exit_code == 0
    listed = [t for p in certain.glob("*.m3u8") for _, t, _ in read_m3u8(p)]
    assert sorted(listed) == sorted(n for n, r in rows.items() if not r["uncertain"])


def test_not_predictions_is_a_usage_error(tmp_path):
    (tmp_path / "notes.txt").write_text("hello\n")
    result = run("playlists", tmp_path / "notes.txt", "-o", tmp_path / "out")
    assert result.exit_code == 1 and "not a predictions file" in result.output
    assert run("playlists", tmp_path / "absent.csv", "-o", tmp_path / "out").exit_code == 2


def write_jsonl(path: Path, rows: list[tuple[str, str]]) -> Path:
    records = [{"file": f, "genre": g, "probability": 0.8, "duration_s": 30.0, "error": None} for f, g in rows]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def summary_count(stderr: str) -> int:
    match = re.search(r"^(\d+) playlists written, ", stderr, re.M)
    assert match, stderr
    return int(match[1])


def test_genres_whose_names_clash_or_are_long_each_get_their_own_file(tmp_path):
    genres = ["Rock/Pop", "Rock:Pop", "Rock?Pop", "g" * 300, "Rock_Pop"]
    music = tmp_path / "music"
    music.mkdir()
    for k in range(len(genres)):
        (music / f"{k}.wav").write_bytes(b"x")
    predictions = write_jsonl(tmp_path / "p.jsonl", [(f"music/{k}.wav", g) for k, g in enumerate(genres)])
    out = tmp_path / "lists"
    result = run("playlists", predictions, "-o", out, "--base", tmp_path)
    assert result.exit_code == 0, result.output
    files = sorted(out.iterdir())
    assert len(files) == len(genres) == summary_count(result.stderr)
    listed = sorted(t for p in files for _, t, _ in read_m3u8(p))
    assert listed == [f"{k}.wav" for k in range(len(genres))]  # every genre's track, none overwritten
    assert all(len(p.name.encode()) < 120 for p in files) and (out / "Rock_Pop.m3u8").is_file()


def test_links_planted_in_the_output_folder_are_never_followed(tmp_path):
    (tmp_path / "a.wav").write_bytes(b"x")
    (tmp_path / "b.wav").write_bytes(b"x")
    predictions = write_jsonl(tmp_path / "p.jsonl", [("a.wav", "jazz"), ("b.wav", "rock")])
    victim = tmp_path / "elsewhere" / "victim.txt"
    victim.parent.mkdir()
    victim.write_text("keep me")
    out = tmp_path / "lists"
    out.mkdir()
    (out / "jazz.m3u8.part").symlink_to(victim)  # the temporary name used before
    (out / "rock.m3u8").symlink_to(victim)  # the target itself
    result = run("playlists", predictions, "-o", out, "--base", tmp_path)
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "keep me"
    written = [p for p in out.iterdir() if p.suffix == ".m3u8" and not p.is_symlink()]
    assert sorted(p.name for p in written) == ["jazz.m3u8", "rock.m3u8"]
    assert summary_count(result.stderr) == len(written) == 2
    assert [t for _, t, _ in read_m3u8(out / "rock.m3u8")] == ["b.wav"]
    assert not [p for p in out.iterdir() if p.name.startswith(".musicgenre-")]  # no temporary file left


def test_a_playlist_that_cannot_be_written_is_named_and_the_status_says_so(tmp_path):
    (tmp_path / "a.wav").write_bytes(b"x")
    (tmp_path / "b.wav").write_bytes(b"x")
    predictions = write_jsonl(tmp_path / "p.jsonl", [("a.wav", "jazz"), ("b.wav", "rock")])
    out = tmp_path / "lists"
    (out / "jazz.m3u8").mkdir(parents=True)  # a folder where the playlist goes
    result = run("playlists", predictions, "-o", out, "--base", tmp_path)
    assert result.exit_code == 1, result.output
    assert summary_count(result.stderr) == 1 == len([p for p in out.iterdir() if p.is_file()])
    assert f"not written ('jazz'): {out / 'jazz.m3u8'}: " in result.stderr
