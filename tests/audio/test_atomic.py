"""``write_atomically``: the target is replaced whole or not at all, and no planted link is ever followed."""

from __future__ import annotations

import os

import pytest

from musicgenre.audio import atomic
from musicgenre.audio.atomic import atomic_output, write_atomically


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
