"""The beets plugin with real beets: ``beet musicgenre`` on a library made here, and classification on import."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from own_library import make_library as make_own_library
from signals import SR, music
from tag_media import write_clip

from musicgenre.inference import classify, load_model
from musicgenre.tagging.policy import TAG_NAMES
from musicgenre.tagging.tags import read_genres, write_genres

pytest.importorskip("beets", reason="the beets plugin's tests need beets (pip install 'musicgenre[beets]')")

BEET = Path(sys.executable).with_name("beet")


def make_library(root: Path, auto: bool = False) -> tuple[Path, dict]:
    """A beets config (import writes tags, no autotagging; the plugin's ``model: musicnn``, which answers the
    synthesized loop with confidence where the default marks lossy copies of it uncertain and leaves them alone, as
    ``musicgenre label`` does) and a folder of three clips, one tagged Jazz."""
    folder = root / "music"
    folder.mkdir()
    y = music()
    for ext in ("mp3", "flac", "m4a"):
        write_clip(folder / f"song.{ext}", signal=y, sr=SR)
    write_genres(write_clip(folder / "tagged.ogg", signal=y, sr=SR), ("Jazz",))
    (root / "config.yaml").write_text(
        f"directory: {folder}\nlibrary: {root / 'library.db'}\nplugins: musicgenre\n"
        "import:\n  copy: no\n  write: yes\n  autotag: no\n"
        f"musicgenre:\n  auto: {'yes' if auto else 'no'}\n  model: musicnn\n  map:\n    rock: Rock & Roll\n"
    )
    env = {**os.environ, "BEETSDIR": str(root), "PYTHONPATH": os.pathsep.join(sys.path)}
    return folder, env


def beet(env: dict, *args: str) -> str:
    done = subprocess.run([str(BEET), *args], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def genres_in_beets(env: dict) -> dict[str, str]:
    lines = beet(env, "ls", "-f", "$path|$genres").splitlines()
    return {Path(line.split("|")[0]).name: line.split("|")[1] for line in lines}


def expected_name(path: Path) -> str:
    genre = classify(str(path), model=load_model("musicnn")).genre
    return {**TAG_NAMES, "rock": "Rock & Roll"}[genre]


def test_beet_musicgenre_sets_genre_in_beets_and_in_the_files(tmp_path):
    folder, env = make_library(tmp_path)
    beet(env, "import", "-A", "-q", str(folder))
    assert genres_in_beets(env) == {"song.mp3": "", "song.flac": "", "song.m4a": "", "tagged.ogg": "Jazz"}
    pretend = beet(env, "musicgenre", "-p")
    assert "3 would change, 1 left alone, 0 failed" in pretend and "would set (none) ->" in pretend
    assert genres_in_beets(env)["song.mp3"] == ""  # pretend changed nothing
    done = beet(env, "musicgenre")
    assert "3 changed, 1 left alone, 0 failed" in done
    name = expected_name(folder / "song.mp3")
    assert genres_in_beets(env) == {"song.mp3": name, "song.flac": name, "song.m4a": name, "tagged.ogg": "Jazz"}
    for ext in ("mp3", "flac", "m4a"):  # import.write is on: beets wrote the field into the files
        assert read_genres(folder / f"song.{ext}").genres == (name,)
    strict = beet(env, "musicgenre", "--replace", "--min-probability", "1", "format:FLAC")  # a beets query
    assert "0 changed, 1 left alone" in strict and "below --min-probability 1" in strict


def test_auto_classifies_on_import(tmp_path):
    folder, env = make_library(tmp_path, auto=True)
    beet(env, "import", "-A", "-q", str(folder))
    name = expected_name(folder / "song.flac")
    assert genres_in_beets(env) == {"song.mp3": name, "song.flac": name, "song.m4a": name, "tagged.ogg": "Jazz"}
    assert read_genres(folder / "song.flac").genres == ()  # beets writes no file on an as-is (-A) import ...
    beet(env, "write")  # ... until asked: then the genre set on import goes into the files
    assert read_genres(folder / "song.flac").genres == (name,)


def test_a_bad_map_is_one_line(tmp_path):
    folder, env = make_library(tmp_path)
    config = tmp_path / "config.yaml"
    config.write_text(config.read_text().replace("rock: Rock & Roll", "bebop: Bebop"))
    beet(env, "import", "-A", "-q", str(folder))
    done = subprocess.run([str(BEET), "musicgenre"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0 and "'bebop' is not a genre of the model" in done.stderr
    assert "Traceback" not in done.stderr


def test_beet_musicgenre_learn_fills_the_items_without_a_genre_with_the_librarys_own(tmp_path):
    folder = make_own_library(tmp_path / "music")
    (tmp_path / "config.yaml").write_text(
        f"directory: {folder}\nlibrary: {tmp_path / 'library.db'}\nplugins: musicgenre\n"
        "import:\n  copy: no\n  write: yes\n  autotag: no\n"
    )
    env = {
        **os.environ,
        "BEETSDIR": str(tmp_path),
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    beet(env, "import", "-A", "-q", str(folder))
    before = genres_in_beets(env)
    out = beet(env, "musicgenre", "--learn", "--min-tracks", "4")
    assert "agree with your tags on tracks by artists it did not learn from" in out
    assert (tmp_path / "musicgenre-learned.onnx").exists() and (tmp_path / "musicgenre-learned.report.md").exists()
    after = genres_in_beets(env)
    assert {name for name in after if after[name] != before[name]} == {
        "untagged-beat.mp3",
        "untagged-drone.flac",
        "untagged-chip.m4a",
    }
    assert (after["untagged-beat.mp3"], after["untagged-drone.flac"], after["untagged-chip.m4a"]) == (
        "Hip Hop",
        "Ambient",
        "Chiptune",
    )
    assert read_genres(folder / "untagged-drone.flac").genres == ("Ambient",)  # written into the file too
    assert "3 changed, 20 left alone, 0 failed" in out
    refused = subprocess.run([str(BEET), "musicgenre", "--learn", "-r"], env=env, capture_output=True, text=True)
    assert refused.returncode != 0 and "--learn fills only items without a genre" in refused.stderr
