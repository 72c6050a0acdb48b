"""Genre tags written and read back in every format: audio untouched, other tags kept, atomic, undoable."""

from __future__ import annotations

import os
import random
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import mutagen
import pytest
from mutagen.id3 import APIC, TIT2
from mutagen.mp4 import MP4Cover
from tag_media import FORMATS, decoded_hash, packet_hash, write_clip

from musicgenre.tagging.tags import (
    TagError,
    parse_probabilities,
    probabilities_text,
    read_genres,
    write_genres,
)
from musicgenre.tagging.undo import UndoLog, read_log, undo

COVER = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def _add_other_tags(path: Path) -> None:
    """A title, two artists and a cover picture: what a write must keep."""
    audio = mutagen.File(path)
    if audio.tags is None:
        audio.add_tags()
    kind = read_genres(path).kind
    if kind == "id3":
        audio.tags.add(TIT2(encoding=3, text=["Title"]))
        audio.tags.add(mutagen.id3.TPE1(encoding=3, text=["A", "B"]))
        audio.tags.add(APIC(encoding=3, mime="image/png", type=3, desc="cover", data=COVER))
    elif kind == "vorbis":
        audio.tags["TITLE"] = ["Title"]
        audio.tags["ARTIST"] = ["A", "B"]
        if hasattr(audio, "add_picture"):
            picture = mutagen.flac.Picture()
            picture.data, picture.mime, picture.type = COVER, "image/png", 3
            audio.add_picture(picture)
    else:
        audio.tags["\xa9nam"] = ["Title"]
        audio.tags["\xa9ART"] = ["A", "B"]
        audio.tags["covr"] = [MP4Cover(COVER, imageformat=MP4Cover.FORMAT_PNG)]
    audio.save()


def _other_tags(path: Path) -> dict:
    """Every tag but the genre and probabilities fields, as comparable values."""
    audio = mutagen.File(path)
    skip = ("TCON", "TXXX:MUSICGENRE", "GENRE", "MUSICGENRE_PROBABILITIES", "\xa9gen", "----:com.musicgenre:")
    out = {}
    for key in audio.tags.keys():
        if not any(str(key).upper().startswith(s.upper()) for s in skip):
            value = audio.tags[key]
            out[str(key)] = repr(value)
    pictures = getattr(audio, "pictures", None)
    if pictures is not None:
        out["pictures"] = [p.data for p in pictures]
    return out


@pytest.mark.parametrize("ext", sorted(FORMATS))
def test_write_keeps_audio_and_other_tags(tmp_path, ext):
    path = write_clip(tmp_path / f"clip.{ext}")
    _add_other_tags(path)
    os.chmod(path, 0o640)
    audio_before, packets_before, others = decoded_hash(path), packet_hash(path), _other_tags(path)
    assert read_genres(path).genres == ()

    text = probabilities_text({"rock": 0.75, "pop": 0.25}, "musicnn")
    previous = write_genres(path, ("Rock", "Indie"), text)
    assert previous.genres == () and previous.probabilities is None
    tags = read_genres(path)
    assert tags.genres == ("Rock", "Indie")
    assert parse_probabilities(tags.probabilities) == {"rock": 0.75, "pop": 0.25}
    assert decoded_hash(path) == audio_before and packet_hash(path) == packets_before
    assert _other_tags(path) == others
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]

    write_genres(path, ("Jazz",), keep_probabilities=True)  # replace; the probabilities stay
    assert read_genres(path).genres == ("Jazz",) and read_genres(path).probabilities == text
    write_genres(path, ())  # remove both fields
    assert read_genres(path).genres == () and read_genres(path).probabilities is None
    assert decoded_hash(path) == audio_before and _other_tags(path) == others


def test_undo_restores_previous_values(tmp_path):
    files = [write_clip(tmp_path / f"clip.{ext}") for ext in ("mp3", "flac", "m4a")]
    write_genres(files[0], ("Blues",))
    log_path = tmp_path / "undo.jsonl"
    with UndoLog(log_path) as log:
        for f in files:
            write_genres(
                f, ("Rock",), before_replace=lambda b, rewrite, f=f: log.record(str(f), b, ("Rock",), None, rewrite)
            )
    assert [e.before_genres for e in read_log(log_path)] == [("Blues",), (), ()]
    write_genres(files[2], ("Changed by hand",))
    results = {Path(r.file).name: r.action for r in undo(log_path)}
    assert results == {"clip.mp3": "restored", "clip.flac": "restored", "clip.m4a": "changed"}
    assert [read_genres(f).genres for f in files] == [("Blues",), (), ("Changed by hand",)]
    assert {r.action for r in undo(log_path)} == {"as-was", "changed"}  # a second undo changes nothing


def test_bad_files_raise_one_line_errors_and_stay_untouched(tmp_path):
    readonly = write_clip(tmp_path / "ro.flac")
    os.chmod(readonly, 0o444)
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(b"ID3\x04\x00\x00\x7f\x7f\x7f\x7f" + b"\xff" * 64)  # an ID3 header claiming 256 MB
    au = tmp_path / "clip.au"
    au.write_bytes(b".snd" + bytes(28))
    for path, words in ((readonly, "read-only"), (broken, "cannot"), (au, "no genre tag")):
        before = path.read_bytes()
        with pytest.raises(TagError) as caught:
            write_genres(path, ("Rock",))
        assert str(path) in str(caught.value) and words in str(caught.value) and "\n" not in str(caught.value)
        assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["broken.mp3", "clip.au", "ro.flac"]


KILL_SCRIPT = textwrap.dedent(
    """
    import sys, itertools
    from musicgenre.tagging.tags import write_genres
    from musicgenre.tagging.undo import UndoLog
    files = sys.argv[2:]
    with UndoLog(sys.argv[1]) as log:
        for n in itertools.count():
            f = files[n % len(files)]
            genres = ("Rock", "x" * (1 + n % 7 * 300))  # the tag grows and shrinks: blocks move, pages renumber
            write_genres(f, genres, before_replace=lambda b, rw, f=f, g=genres: log.record(f, b, g, None, rw))
            if n == 0:  # one entry is on disk however slow the machine: the kill lands among the writes after it
                print("ready", flush=True)
    """
)


def test_sigkill_leaves_each_file_as_it_was_or_fully_tagged(tmp_path):
    files = [write_clip(tmp_path / f"clip.{ext}", seconds=0.5) for ext in sorted(FORMATS)]
    hashes = {f: decoded_hash(f) for f in files}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    rng = random.Random(14)
    for attempt in range(4):
        process = subprocess.Popen(
            [sys.executable, "-c", KILL_SCRIPT, str(tmp_path / f"undo{attempt}.jsonl"), *map(str, files)],
            stdout=subprocess.PIPE,
            env=env,
        )
        assert process.stdout is not None and process.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.05, 0.6))
        process.send_signal(signal.SIGKILL)
        process.wait()
        for f in files:
            genres = read_genres(f).genres  # parses: whole
            assert genres == () or (genres[0] == "Rock" and len(genres) == 2), (f, genres)
            assert decoded_hash(f) == hashes[f], f
        assert read_log(tmp_path / f"undo{attempt}.jsonl")  # entries were logged before each rename
    for stray in tmp_path.glob(".*.tmp"):  # a temp copy of the killed moment, never a named audio file
        assert ".musicgenre-" in stray.name
