"""Undo gives back the original file byte for byte (and its modification time) in every tag layout; a file changed
since gets its fields back and says so; logs from before the byte record still undo."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from functools import partial
from pathlib import Path

import mutagen
import pytest
from logged_writes import apply_logged
from mutagen.flac import FLAC
from mutagen.id3 import ID3, TIT2
from tag_media import write_clip

from musicgenre.tagging import patch
from musicgenre.tagging.tags import probabilities_text, read_genres, write_genres
from musicgenre.tagging.undo import read_log, undo

PROBABILITIES = probabilities_text({"rock": 0.61, "metal": 0.3, "blues": 0.09}, "musicnn")
MTIME_NS = 1_500_000_000_123_456_789
ID3V1 = (
    b"TAG" + b"Old title".ljust(30, b"\0") + b"Someone".ljust(30, b"\0") + bytes(30) + b"1999" + bytes(30) + b"\x08"
)  # genre 8: Jazz


def _bare_mp3(path: Path) -> Path:
    """An MP3 with no tag at all (FFmpeg writes an ID3v2.4 tag by default: it is removed)."""
    write_clip(path, seconds=2.0)
    mutagen.id3.delete(path)
    assert path.read_bytes()[:2] != b"ID" and path.read_bytes()[-128:-125] != b"TAG"
    return path


def _mp3_titled(path: Path, version: int = 4) -> Path:
    """An MP3 with a title in an ID3v2.``version`` tag."""
    write_clip(path, seconds=2.0)
    tags = ID3(path)
    tags.add(TIT2(encoding=3, text=["Title"]))
    tags.save(v2_version=version)
    assert ID3(path).version[:2] == (2, version)
    return path


def _mp3_v1_only(path: Path) -> Path:
    """No ID3v2 tag, an ID3v1 tail (128 bytes at the end)."""
    _bare_mp3(path)
    with open(path, "ab") as out:
        out.write(ID3V1)
    return path


def _mp3_v24_and_v1(path: Path) -> Path:
    _mp3_titled(path)
    with open(path, "ab") as out:
        out.write(ID3V1)
    return path


def _flac_padded(path: Path) -> Path:
    write_clip(path, seconds=2.0)
    assert any(type(b).__name__ == "Padding" for b in FLAC(path).metadata_blocks)
    return path


def _flac_unpadded(path: Path) -> Path:
    """A FLAC whose metadata blocks hold no PADDING block at all (mutagen always writes one: cut by hand)."""
    write_clip(path, seconds=2.0)
    data = path.read_bytes()
    at, blocks = 4, []
    while True:
        header = data[at]
        length = int.from_bytes(data[at + 1 : at + 4], "big")
        if header & 0x7F != 1:  # 1 = PADDING
            blocks.append(bytearray(data[at : at + 4 + length]))
        at += 4 + length
        if header & 0x80:
            break
    for block in blocks:
        block[0] &= 0x7F
    blocks[-1][0] |= 0x80
    path.write_bytes(b"fLaC" + b"".join(blocks) + data[at:])
    assert not any(type(b).__name__ == "Padding" for b in FLAC(path).metadata_blocks)
    return path


def _plain(ext: str) -> Callable[[Path], Path]:
    return lambda path: write_clip(path.with_suffix(f".{ext}"), seconds=2.0)


def _tagged(ext: str) -> Callable[[Path], Path]:
    """A file that already has a genre, a title and (where the format has one) a cover."""

    def make(path: Path) -> Path:
        path = write_clip(path.with_suffix(f".{ext}"), seconds=2.0)
        audio = mutagen.File(path)
        if audio.tags is None:
            audio.add_tags()
        kind = read_genres(path).kind
        if kind == "id3":
            audio.tags.add(TIT2(encoding=3, text=["Title"]))
        elif kind == "vorbis":
            audio.tags["TITLE"] = ["Title"]
        else:
            audio.tags["\xa9nam"] = ["Title"]
            audio.tags["covr"] = [mutagen.mp4.MP4Cover(b"\x89PNG\r\n\x1a\n" + bytes(2000))]
        audio.save()
        write_genres(path, ("Jazz",))
        return path

    return make


#: layout name -> a maker writing a file of that layout at the path it is given (extension from the name)
LAYOUTS: dict[str, Callable[[Path], Path]] = {
    "mp3-no-tag": _bare_mp3,
    "mp3-id3v24": _mp3_titled,
    "mp3-id3v23": partial(_mp3_titled, version=3),
    "mp3-id3v1-only": _mp3_v1_only,
    "mp3-id3v24-and-v1": _mp3_v24_and_v1,
    "flac-padding": _flac_padded,
    "flac-no-padding": _flac_unpadded,
    "ogg": _plain("ogg"),
    "opus": _plain("opus"),
    "m4a": _plain("m4a"),
    "wav": _plain("wav"),
    "aiff": _plain("aiff"),
    "flac-tagged": _tagged("flac"),
    "m4a-tagged": _tagged("m4a"),
    "wav-tagged": _tagged("wav"),
    "ogg-tagged": _tagged("ogg"),
}


def _apply(files: list[Path], log_path: Path, genres: tuple[str, ...] = ("Rock",)) -> None:
    apply_logged(files, log_path, PROBABILITIES, genres)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_apply_then_undo_gives_back_the_original_bytes(tmp_path, layout):
    ext = layout.split("-")[0]
    path = LAYOUTS[layout](tmp_path / f"clip.{ext}")
    os.chmod(path, 0o640)
    os.utime(path, ns=(MTIME_NS, MTIME_NS))
    original = path.read_bytes()
    _apply([path], tmp_path / "undo.jsonl")
    assert path.read_bytes() != original and read_genres(path).genres == ("Rock",)
    (entry,) = read_log(tmp_path / "undo.jsonl")
    assert entry.rewrite is not None and entry.rewrite.patch is not None, entry.rewrite
    assert len(entry.rewrite.patch) < 1024, "the log keeps the changed tag bytes, not the audio"

    (result,) = undo(tmp_path / "undo.jsonl")
    assert (result.action, result.detail) == ("restored", f"Rock -> {_before(layout)}; the original bytes")
    assert path.read_bytes() == original
    info = os.stat(path)
    assert (info.st_size, info.st_mtime_ns, info.st_mode & 0o777) == (len(original), MTIME_NS, 0o640)
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    (again,) = undo(tmp_path / "undo.jsonl")
    assert (again.action, again.detail) == ("as-was", f"{_before(layout)}; the original bytes")


def _before(layout: str) -> str:
    return "Jazz" if layout.endswith("-tagged") or "v1" in layout else "(none)"


def test_two_writes_in_one_log_undo_to_the_first_bytes(tmp_path):
    """The same file written twice (a growing tag, then a shrinking one): undo walks back through both."""
    path = _bare_mp3(tmp_path / "clip.mp3")
    original = path.read_bytes()
    _apply([path], tmp_path / "undo.jsonl", ("Rock", "x" * 3000))
    _apply([path], tmp_path / "undo.jsonl", ("Pop",))
    assert [r.action for r in undo(tmp_path / "undo.jsonl")] == ["restored", "restored"]
    assert path.read_bytes() == original


def test_a_large_ogg_tag_renumbers_pages_and_still_undoes_exactly(tmp_path):
    """A tag that no longer fits the Ogg header pages renumbers every later page; the patch keeps only the
    changed page headers, not the audio."""
    path = write_clip(tmp_path / "long.ogg", seconds=20.0)
    original = path.read_bytes()
    _apply([path], tmp_path / "undo.jsonl", ("Rock", "x" * 20000))
    (entry,) = read_log(tmp_path / "undo.jsonl")
    assert entry.rewrite is not None and entry.rewrite.patch is not None
    assert len(entry.rewrite.patch) < len(original) // 20
    assert [r.action for r in undo(tmp_path / "undo.jsonl")] == ["restored"]
    assert path.read_bytes() == original


def test_a_file_changed_since_is_left_alone_and_the_row_says_so(tmp_path):
    """Bytes that are no longer what the run wrote are not vouched for by the log: neither bytes nor fields."""
    edited, retagged = _bare_mp3(tmp_path / "edited.mp3"), write_clip(tmp_path / "retagged.flac")
    _apply([edited, retagged], tmp_path / "undo.jsonl")
    tags = ID3(edited)
    tags.add(TIT2(encoding=3, text=["Renamed by hand"]))
    tags.save()
    write_genres(retagged, ("Chosen by hand",))
    before = {p: p.read_bytes() for p in (edited, retagged)}
    results = {Path(r.file).name: r for r in undo(tmp_path / "undo.jsonl")}
    assert [r.action for r in results.values()] == ["changed", "changed"]
    assert "its bytes are not what the run wrote" in results["edited.mp3"].detail
    assert {p: p.read_bytes() for p in (edited, retagged)} == before


def test_an_entry_without_the_byte_record_is_refused(tmp_path):
    """Every entry label writes records the bytes it wrote; one without (a damaged or crafted log) cannot vouch for
    the file, so nothing is touched, even when the file's genre is the one the entry says was written."""
    path = write_clip(tmp_path / "clip.m4a")
    _apply([path], tmp_path / "undo.jsonl")
    tagged = path.read_bytes()
    old = tmp_path / "old.jsonl"
    lines = [json.loads(line) for line in (tmp_path / "undo.jsonl").read_text().splitlines()]
    old.write_text("".join(json.dumps({k: v for k, v in line.items() if k != "bytes"}) + "\n" for line in lines))
    (entry,) = read_log(old)
    assert entry.rewrite is None
    (result,) = undo(old)
    assert result.action == "refused" and "no record of the bytes its run wrote" in result.detail
    assert path.read_bytes() == tagged


def test_dry_run_undo_says_what_it_would_do_and_writes_nothing(tmp_path):
    path = _flac_padded(tmp_path / "clip.flac")
    _apply([path], tmp_path / "undo.jsonl")
    tagged = path.read_bytes()
    (result,) = undo(tmp_path / "undo.jsonl", dry_run=True)
    assert (result.action, result.detail) == ("would restore", "Rock -> (none); the original bytes")
    assert path.read_bytes() == tagged


def test_undo_of_a_missing_file_is_an_error_row(tmp_path):
    path = write_clip(tmp_path / "clip.wav")
    _apply([path], tmp_path / "undo.jsonl")
    shutil.move(path, tmp_path / "moved.wav")
    (result,) = undo(tmp_path / "undo.jsonl")
    assert result.action == "error" and "no such file" in result.detail.lower()


def test_a_write_too_large_to_keep_undoes_the_fields_and_says_why(tmp_path, monkeypatch):
    """Past ``MAX_LITERAL`` changed bytes no patch is kept (the log never holds audio): undo restores the fields."""
    monkeypatch.setattr(patch, "MAX_LITERAL", 10)
    path = _mp3_titled(tmp_path / "clip.mp3")
    _apply([path], tmp_path / "undo.jsonl")
    (entry,) = read_log(tmp_path / "undo.jsonl")
    assert entry.rewrite is not None and entry.rewrite.patch is None
    (result,) = undo(tmp_path / "undo.jsonl")
    assert result.action == "restored"
    assert result.detail.startswith("Rock -> (none); tags only (the write changed ")
    assert result.detail.endswith(" bytes, too many to keep in the log)")
    assert read_genres(path).genres == () and str(ID3(path)["TIT2"]) == "Title"
