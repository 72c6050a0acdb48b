"""Links, owners and modes survive labelling and undo: a symbolic link stays a link (the file it names is tagged),
a file with several hard links stays one file (written in place: same inode, every name sees the tag), owner,
group and mode are kept; undo gives all of it back."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from logged_writes import apply_logged
from tag_media import write_clip

from musicgenre.inference.batch import FileResult
from musicgenre.inference.prediction import Prediction
from musicgenre.tagging.label import LabelConfig, label_result
from musicgenre.tagging.policy import LabelPolicy
from musicgenre.tagging.tags import TagError, probabilities_text, read_genres, write_genres
from musicgenre.tagging.undo import UndoLog, undo

PROBABILITIES = probabilities_text({"rock": 0.8, "pop": 0.2}, "musicnn")


def _apply(files: list[Path], log_path: Path) -> None:
    apply_logged(files, log_path, PROBABILITIES)


def _look(path: Path) -> tuple:
    """What must come back after undo: bytes, inode, links, mode, owner, group, modification time."""
    info = os.stat(path)
    mode = stat.S_IMODE(info.st_mode)
    return path.read_bytes(), info.st_ino, info.st_nlink, mode, info.st_uid, info.st_gid, info.st_mtime_ns


def test_a_symbolic_link_stays_a_link_and_its_target_is_tagged_then_restored(tmp_path):
    (tmp_path / "real").mkdir()
    target = write_clip(tmp_path / "real" / "song.flac")
    link = tmp_path / "link.flac"
    link.symlink_to(target)
    before = _look(target)
    _apply([link], tmp_path / "undo.jsonl")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert read_genres(target).genres == ("Rock",) and not list(tmp_path.glob(".*.tmp"))
    assert [r.action for r in undo(tmp_path / "undo.jsonl")] == ["restored"]
    assert link.is_symlink() and _look(target)[:1] == before[:1] and _look(target)[3:] == before[3:]


def test_the_label_row_of_a_link_says_it_went_via_the_link(tmp_path):
    target = write_clip(tmp_path / "song.mp3")
    link = tmp_path / "link.mp3"
    link.symlink_to(target)
    prediction = Prediction(str(link), 1.0, "rock", {"rock": 0.9, "pop": 0.1})
    config = LabelConfig(LabelPolicy("only-empty"), apply=True)
    with UndoLog(tmp_path / "undo.jsonl") as log:
        row = label_result(FileResult(str(link), prediction), config, log)
    assert row.applied and row.reason.endswith(f"via link to {target}")
    assert link.is_symlink() and read_genres(target).genres == ("rock",)  # no name map given


def test_a_hard_linked_file_stays_one_file_and_every_name_sees_the_tag(tmp_path):
    first = write_clip(tmp_path / "song.mp3")
    second = tmp_path / "other-name.mp3"
    os.link(first, second)
    inode = first.stat().st_ino
    original = first.read_bytes()
    _apply([first], tmp_path / "undo.jsonl")
    assert first.stat().st_ino == second.stat().st_ino == inode and first.stat().st_nlink == 2
    assert read_genres(first).genres == read_genres(second).genres == ("Rock",)
    assert not list(tmp_path.glob(".*.tmp"))
    assert [r.action for r in undo(tmp_path / "undo.jsonl")] == ["restored"]
    assert first.stat().st_ino == second.stat().st_ino == inode and first.stat().st_nlink == 2
    assert first.read_bytes() == second.read_bytes() == original


def test_the_mode_is_kept(tmp_path):
    path = write_clip(tmp_path / "song.ogg")
    os.chmod(path, 0o604)
    before = _look(path)
    _apply([path], tmp_path / "undo.jsonl")
    assert stat.S_IMODE(path.stat().st_mode) == 0o604
    list(undo(tmp_path / "undo.jsonl"))
    assert _look(path)[0] == before[0] and _look(path)[3] == 0o604


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another owner needs root")
def test_owner_and_group_are_kept_when_run_as_root(tmp_path):
    path = write_clip(tmp_path / "song.m4a")
    os.chown(path, 1234, 1234)
    os.chmod(path, 0o640)
    before = _look(path)
    _apply([path], tmp_path / "undo.jsonl")
    info = path.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (1234, 1234, 0o640)
    assert [r.action for r in undo(tmp_path / "undo.jsonl")] == ["restored"]
    assert _look(path)[0] == before[0] and _look(path)[3:] == before[3:]


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another owner needs root")
def test_apply_then_undo_gives_back_bytes_links_owner_and_mode(tmp_path):
    (tmp_path / "real").mkdir()
    target = write_clip(tmp_path / "real" / "song.wav")
    os.chown(target, 1234, 1234)
    os.chmod(target, 0o640)
    hard = tmp_path / "real" / "again.wav"
    os.link(target, hard)
    link = tmp_path / "link.wav"
    link.symlink_to(target)
    before = _look(target)
    _apply([link], tmp_path / "undo.jsonl")
    assert _look(hard)[1:6] == before[1:6] and read_genres(hard).genres == ("Rock",)
    assert [r.action for r in undo(tmp_path / "undo.jsonl")] == ["restored"]
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert _look(target) == before == _look(hard)


def test_a_full_disk_fails_a_hard_linked_write_before_a_byte_is_written(tmp_path, monkeypatch):
    import errno

    first = write_clip(tmp_path / "song.flac")
    os.link(first, tmp_path / "again.flac")
    before = _look(first)

    def no_room(fd, offset, length):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "posix_fallocate", no_room)
    with pytest.raises(TagError, match="cannot write the file in place: no space left on the device"):
        write_genres(first, ("Rock", "x" * 20000))  # a tag that outgrows the FLAC's padding
    assert _look(first) == before and not list(tmp_path.glob(".*.tmp"))
