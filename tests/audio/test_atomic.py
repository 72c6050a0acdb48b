"""``write_atomically``: the target is replaced whole or not at all, and no planted link is ever followed."""

from __future__ import annotations

import os

import pytest

from musicgenre.audio import atomic
from musicgenre.audio.atomic import atomic_output, atomic_text, write_atomically


def test_writes_bytes_and_text_and_leaves_no_temporary_file(tmp_path):
    assert write_atomically(tmp_path / "a.bin", b"\x00\x01") == 2
    assert write_atomically(tmp_path / "b.txt", "ünï\udcff", errors="surrogateescape") == 6
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "b.txt").read_bytes() == "ünï".encode() + b"\xff"
    write_atomically(tmp_path / "a.bin", b"new")
    assert (tmp_path / "a.bin").read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin", "b.txt"]


def test_a_link_planted_at_the_temporary_name_is_never_followed(tmp_path, monkeypatch):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    out = tmp_path / "out"
    out.mkdir()
    names = iter(["0" * 16, "1" * 16])
    monkeypatch.setattr(atomic.secrets, "token_hex", lambda n: next(names))
    planted = out / f".musicgenre-{'0' * 16}.tmp"
    planted.symlink_to(victim)
    write_atomically(out / "report.html", "page")
    assert victim.read_text() == "keep me" and planted.is_symlink()  # left alone, another name drawn
    assert (out / "report.html").read_text() == "page"


def test_a_dangling_link_at_the_temporary_name_is_not_created_through(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    names = iter(["0" * 16, "1" * 16])
    monkeypatch.setattr(atomic.secrets, "token_hex", lambda n: next(names))
    (out / f".musicgenre-{'0' * 16}.tmp").symlink_to(tmp_path / "created-elsewhere")
    write_atomically(out / "x.m3u8", "#EXTM3U\n")
    assert not (tmp_path / "created-elsewhere").exists()


def test_a_link_at_the_target_is_replaced_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    target = tmp_path / "out.html"
    target.symlink_to(victim)
    write_atomically(target, "page")
    assert victim.read_text() == "keep me"
    assert not target.is_symlink() and target.read_text() == "page"


def test_a_failure_leaves_the_target_as_it_was(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_output(target) as handle:
        handle.write(b"half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["out.txt"]
    with pytest.raises(IsADirectoryError):
        write_atomically(tmp_path, b"x")  # the target is a folder
    assert os.listdir(tmp_path) == ["out.txt"]


def test_keep_partial_puts_what_was_written_in_place_when_the_block_fails(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    target = tmp_path / "out.jsonl"
    target.symlink_to(victim)
    with pytest.raises(KeyboardInterrupt), atomic_text(target, errors="surrogateescape", keep_partial=True) as text:
        text.write("first \udcff\n")  # buffered in the text layer: flushed before the rename
        raise KeyboardInterrupt
    assert target.read_bytes() == b"first \xff\n" and not target.is_symlink() and victim.read_text() == "keep me"
    assert sorted(os.listdir(tmp_path)) == ["out.jsonl", "victim.txt"]


def test_keep_partial_asked_at_the_failure_and_a_failed_keep_leave_the_target(tmp_path, monkeypatch):
    target = tmp_path / "out.txt"
    target.write_text("old")
    ready = False
    with pytest.raises(RuntimeError), atomic_output(target, keep_partial=lambda: ready) as handle:
        handle.write(b"half of the kept records")  # not all in yet: keeping it would lose the rest
        raise RuntimeError("interrupted")
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["out.txt"]

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full)
    with pytest.raises(KeyboardInterrupt), atomic_output(target, keep_partial=True) as handle:
        handle.write(b"new")
        raise KeyboardInterrupt  # the block's own failure comes out, not the full disk met while keeping
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["out.txt"]
    monkeypatch.undo()
    with atomic_text(target) as text:
        text.write("whole")
    assert target.read_text() == "whole" and os.listdir(tmp_path) == ["out.txt"]


def test_a_rewritten_file_keeps_its_permission_bits_and_a_new_one_gets_the_mode(tmp_path):
    kept = tmp_path / "shared.csv"
    kept.write_text("old\n")
    kept.chmod(0o664)
    write_atomically(kept, "new\n")
    assert kept.read_text() == "new\n" and (kept.stat().st_mode & 0o777) == 0o664
    fresh = tmp_path / "fresh.csv"
    write_atomically(fresh, "x", mode=0o600)
    assert (fresh.stat().st_mode & 0o777) == 0o600


def test_a_missing_folder_is_an_error_naming_the_target(tmp_path):
    target = tmp_path / "no-such-folder" / "out.json"
    with pytest.raises(FileNotFoundError) as caught:
        write_atomically(target, "{}")
    assert caught.value.filename == str(target) and str(target) in str(caught.value)
