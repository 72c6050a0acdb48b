"""The undo log is a journal appended in place, so it is never written through a link: a new log is created
exclusively, an existing path is appended to only when it is a regular file holding undo entries (or empty), and
anything else is refused in one line naming it before a file is changed."""

from __future__ import annotations

from pathlib import Path

import pytest
from logged_writes import apply_logged
from tag_media import write_clip

from musicgenre.tagging.tags import read_genres, write_genres
from musicgenre.tagging.undo import UndoLog, UndoLogError, read_log, undo


def _refusal(log: Path) -> str:
    with pytest.raises(UndoLogError) as caught, UndoLog(log):
        raise AssertionError("entered")
    message = str(caught.value)
    assert message.startswith(f"{log}: ") and "\n" not in message
    return message


def test_a_link_at_the_log_path_is_refused_dangling_or_not(tmp_path):
    victim = tmp_path / "victim.conf"
    victim.write_text("a = 1\n")
    for name, points_to in (("to-file.jsonl", victim), ("dangling.jsonl", tmp_path / "created-elsewhere")):
        log = tmp_path / name
        log.symlink_to(points_to)
        assert "symbolic link" in _refusal(log)
    assert victim.read_text() == "a = 1\n" and not (tmp_path / "created-elsewhere").exists()


def test_an_existing_file_is_appended_to_only_when_it_is_an_undo_log(tmp_path):
    song = write_clip(tmp_path / "song.flac", seconds=0.5)
    notes = tmp_path / "notes.txt"
    for text in ("a = 1\n", '{"file": "x"}\n', '{"file": "x"}\n{"file": "y"}\n'):  # no entry, or broken ones
        notes.write_text(text)
        assert "not an undo log" in _refusal(notes)
        assert notes.read_text() == text
    (tmp_path / "folder.jsonl").mkdir()
    assert "not a regular file" in _refusal(tmp_path / "folder.jsonl")
    log = tmp_path / "undo.jsonl"
    log.write_bytes(b"")  # empty (a run whose only entry was cut back off): fine to append to
    apply_logged([song], log, None)
    apply_logged([song], log, None, ("Pop",))  # the same log again (label --resume --undo-log SAME)
    assert [e.after_genres for e in read_log(log)] == [("Rock",), ("Pop",)]
    assert [r.action for r in undo(log)] == ["restored", "restored"] and read_genres(song).genres == ()


def test_a_link_put_in_the_logs_place_after_the_check_is_not_written_through(tmp_path):
    song = write_clip(tmp_path / "song.mp3", seconds=0.5)
    original = song.read_bytes()
    victim = tmp_path / "victim.conf"
    victim.write_text("a = 1\n")
    for exists in (False, True):
        log = tmp_path / f"undo-{exists}.jsonl"
        if exists:
            apply_logged([write_clip(tmp_path / "other.flac", seconds=0.5)], log, None)
        with pytest.raises(UndoLogError) as caught, UndoLog(log) as undo_log:
            log.unlink(missing_ok=True)
            log.symlink_to(victim)  # swapped in between the check and the first entry
            write_genres(song, ("Rock",), before_replace=lambda b, r: undo_log.record(str(song), b, ("Rock",), None, r))
        assert str(log) in str(caught.value)
        assert victim.read_text() == "a = 1\n" and song.read_bytes() == original  # no entry: no change
    assert not list(tmp_path.glob(".*.tmp"))
