"""Undo touches only what a run wrote: a crafted or damaged log is refused file by file (one line why), a patch
that would inflate past the recorded size is refused before it is decompressed, and random damage to a real log
never changes a file whose bytes are not what the log says the run wrote, nor any file outside the run."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import time
import zlib
from pathlib import Path

import pytest
from logged_writes import apply_logged
from tag_media import write_clip

from musicgenre.tagging import patch
from musicgenre.tagging.tags import probabilities_text, read_genres, write_genres
from musicgenre.tagging.undo import UndoError, read_log, undo

PROBABILITIES = probabilities_text({"rock": 0.7, "pop": 0.3}, "musicnn")


def _apply(files: list[Path], log_path: Path) -> None:
    apply_logged(files, log_path, PROBABILITIES)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _state(path: Path) -> tuple:
    info = os.stat(path)
    return path.read_bytes(), info.st_mode, info.st_mtime_ns, info.st_uid, info.st_gid


@pytest.fixture
def tagged(tmp_path) -> tuple[Path, dict]:
    """A library with one MP3 tagged by a real run, and its log's one entry (as JSON)."""
    library = tmp_path / "library"
    library.mkdir()
    song = write_clip(library / "song.mp3", seconds=1.0)
    _apply([song], tmp_path / "real.jsonl")
    (line,) = (tmp_path / "real.jsonl").read_text().splitlines()
    return song, json.loads(line)


def _crafted(tmp_path: Path, entry: dict, target: Path | str, **changes) -> Path:
    """A log of ``entry`` aimed at ``target``, its written state claiming ``target``'s own bytes (as an attacker
    who can read the file would write it), with ``changes`` to its fields."""
    entry = json.loads(json.dumps(entry))
    entry["file"] = str(target)
    if os.path.isfile(target):
        entry["bytes"]["written"]["sha256"] = _sha(Path(target))
        entry["bytes"]["written"]["size"] = os.path.getsize(target)
    entry["bytes"]["original"]["mtime_ns"] = 0  # 1970: never to be set
    for key, value in changes.items():
        entry[key] = value
    log = tmp_path / f"crafted-{random.random():.6f}.jsonl"
    log.write_text(json.dumps(entry) + "\n")
    return log


def test_a_read_only_non_audio_file_outside_the_library_is_refused(tmp_path, tagged):
    song, entry = tagged
    victim = tmp_path / "elsewhere" / "victim.conf"
    victim.parent.mkdir()
    victim.write_text("setting = 1\n" * 50)
    os.chmod(victim, 0o444)
    before = _state(victim)
    (result,) = undo(_crafted(tmp_path, entry, victim))
    assert result.action == "refused" and result.detail == "file is read-only; left alone"
    os.chmod(victim, 0o644)  # writable now: still not an MP3
    (result,) = undo(_crafted(tmp_path, entry, victim))
    assert result.action == "refused" and "not in the log's format, MP3" in result.detail
    assert _state(victim)[0] == before[0] and _state(victim)[2] == before[2]


def test_a_file_of_another_format_than_the_log_names_is_refused(tmp_path, tagged):
    song, entry = tagged
    flac = write_clip(tmp_path / "other.flac", seconds=1.0)
    before = _state(flac)
    (result,) = undo(_crafted(tmp_path, entry, flac))  # the log says MP3
    assert result.action == "refused" and "not in the log's format, MP3" in result.detail
    renamed = tmp_path / "disguised.mp3"  # a FLAC named .mp3: the container's magic decides
    flac.rename(renamed)
    (result,) = undo(_crafted(tmp_path, entry, renamed))
    assert result.action == "refused" and "not in the log's format, MP3" in result.detail
    assert _state(renamed) == before[:1] + _state(renamed)[1:]
    (result,) = undo(_crafted(tmp_path, entry, song, format="FLAC"))
    assert result.action == "refused" and "not in the log's format, FLAC" in result.detail


def test_a_file_whose_bytes_are_not_the_logged_ones_is_left_alone(tmp_path, tagged):
    song, entry = tagged
    entry["bytes"]["written"]["sha256"] = "0" * 64
    log = tmp_path / "wrong-hash.jsonl"
    log.write_text(json.dumps(entry) + "\n")
    before = _state(song)
    (result,) = undo(log)
    assert result.action == "changed" and "not what the run wrote" in result.detail
    assert _state(song) == before


def test_a_folder_a_fifo_and_a_link_to_a_non_audio_file_are_refused(tmp_path, tagged):
    song, entry = tagged
    folder = tmp_path / "folder"
    folder.mkdir()
    fifo = tmp_path / "pipe.mp3"
    os.mkfifo(fifo)
    text = tmp_path / "notes.txt"
    text.write_text("not audio\n" * 10)
    link = tmp_path / "link.mp3"
    link.symlink_to(text)
    started = time.monotonic()
    results = {
        name: next(iter(undo(_crafted(tmp_path, entry, target))))
        for name, target in (("folder", folder), ("fifo", fifo), ("link", link))
    }
    assert time.monotonic() - started < 10, "a FIFO must not hang undo"
    assert results["folder"].action == "refused" and results["folder"].detail == "a folder; left alone"
    assert results["fifo"].action == "refused" and results["fifo"].detail == "not a regular file; left alone"
    assert results["link"].action == "refused" and "not in the log's format, MP3" in results["link"].detail
    assert text.read_text() == "not audio\n" * 10 and link.is_symlink()


def _bomb(size: int) -> bytes:
    """Patch records that decompress to ``size`` bytes (one huge literal piece) from a few hundred KB."""
    squeeze = zlib.compressobj(9)
    parts = [squeeze.compress(b"L" + size.to_bytes(8, "big"))]
    zeros = bytes(1 << 20)
    for _ in range(size >> 20):
        parts.append(squeeze.compress(zeros))
    return b"".join(parts) + squeeze.flush()


def test_a_patch_bomb_is_refused_before_it_is_decompressed(tmp_path, tagged):
    song, entry = tagged
    bomb = _bomb(256 << 20)
    assert len(bomb) < 512 << 10
    with pytest.raises(ValueError, match="decompresses to more than"):
        patch.decode(bomb, patch.MAX_PATCH)
    entry["bytes"]["patch"] = base64.b64encode(bomb).decode("ascii")
    log = tmp_path / "bomb.jsonl"
    log.write_text(json.dumps(entry) + "\n")
    before = _state(song)
    started = time.monotonic()
    (result,) = undo(log)
    assert time.monotonic() - started < 5
    assert result.action == "refused" and "decompresses to more than" in result.detail
    assert _state(song) == before and not list(song.parent.glob(".*.tmp"))


def test_a_patch_rebuilding_a_larger_file_than_the_log_records_is_refused(tmp_path, tagged):
    """Copy records repeating the whole file would make a temporary file many times its size: refused first."""
    song, entry = tagged
    size = song.stat().st_size
    entry["bytes"]["patch"] = base64.b64encode(patch.encode([patch.Piece(0, size)] * 100)).decode("ascii")
    log = tmp_path / "copies.jsonl"
    log.write_text(json.dumps(entry) + "\n")
    (result,) = undo(log)
    assert result.action == "refused" and "copies more bytes than the file holds" in result.detail


def test_an_implausible_modification_time_is_not_set(tmp_path, tagged):
    song, entry = tagged
    entry["bytes"]["original"]["mtime_ns"] = 0
    log = tmp_path / "epoch.jsonl"
    log.write_text(json.dumps(entry) + "\n")
    (result,) = undo(log)
    assert result.action == "restored" and "modification time is implausible" in result.detail
    assert _sha(song) == entry["bytes"]["original"]["sha256"] and song.stat().st_mtime_ns > 10**18


def test_a_dry_run_lists_what_would_be_restored_and_refused(tmp_path, tagged):
    song, entry = tagged
    victim = tmp_path / "victim.conf"
    victim.write_text("x = 1\n")
    log = tmp_path / "both.jsonl"
    log.write_text(json.dumps(entry) + "\n" + _crafted(tmp_path, entry, victim).read_text())
    before = (_state(song), _state(victim))
    results = list(undo(log, dry_run=True))
    assert [r.action for r in results] == ["refused", "would restore"]
    assert (_state(song), _state(victim)) == before


#: (path in the log entry, a function of (entry, rng, others) mutating it in place)
def _mutations(others: list[str]):
    def at(keys):
        def set_to(value_of):
            def mutate(entry, rng):
                node = entry
                for key in keys[:-1]:
                    node = node[key]
                node[keys[-1]] = value_of(node[keys[-1]], rng)

            return mutate

        return set_to

    hexes = lambda old, rng: "".join(rng.choice("0123456789abcdef") for _ in range(64))  # noqa: E731
    numbers = lambda old, rng: rng.choice([0, 1, old - 1, old + 1, old * 2, 2**62])  # noqa: E731

    def flip_patch(old, rng):
        if old is None:
            return None
        data = bytearray(base64.b64decode(old))
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        return base64.b64encode(bytes(data)).decode("ascii")

    return [
        at(["file"])(lambda old, rng: rng.choice(others)),
        at(["format"])(lambda old, rng: rng.choice(["MP3", "FLAC", "WAVE", "OggVorbis", "MP4", ""])),
        at(["bytes", "written", "sha256"])(hexes),
        at(["bytes", "original", "sha256"])(hexes),
        at(["bytes", "written", "size"])(numbers),
        at(["bytes", "original", "size"])(numbers),
        at(["bytes", "original", "mtime_ns"])(numbers),
        at(["bytes", "written", "mtime_ns"])(numbers),
        at(["bytes", "patch"])(flip_patch),
        at(["bytes", "patch"])(lambda old, rng: base64.b64encode(_bomb(4 << 20)).decode("ascii")),
        at(["before", "genres"])(lambda old, rng: ["Injected"]),
    ]


def test_random_damage_to_a_real_log_never_touches_a_file_the_log_cannot_vouch_for(tmp_path):
    rng = random.Random(32)
    library, outside = tmp_path / "library", tmp_path / "outside"
    library.mkdir()
    outside.mkdir()
    songs = [write_clip(library / f"song.{ext}", seconds=1.0) for ext in ("mp3", "flac", "wav")]
    strangers = [write_clip(outside / "stranger.mp3", seconds=1.0, freq=330.0), outside / "notes.conf"]
    strangers[1].write_text("a = 1\n")
    write_genres(strangers[0], ("Rock",), PROBABILITIES)  # looks like a tagged file; not this run's
    log = tmp_path / "real.jsonl"
    _apply(songs, log)
    written = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in songs}
    originals = {Path(e.file): e.rewrite.original.sha256 for e in read_log(log) if e.rewrite is not None}
    outside_before = {p: _state(p) for p in strangers}
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    mutations = _mutations([str(p) for p in [*songs, *strangers, outside]])
    actions: list[str] = []
    for _ in range(50):
        for path, (data, mtime) in written.items():  # every song as the run wrote it
            path.write_bytes(data)
            os.utime(path, ns=(mtime, mtime))
        damaged = json.loads(json.dumps(lines))
        for _ in range(rng.choice([1, 1, 2])):
            rng.choice(mutations)(rng.choice(damaged), rng)
        text = "".join(json.dumps(e) + "\n" for e in damaged)
        if rng.random() < 0.2:  # raw damage to the text as well
            raw = bytearray(text.encode())
            raw[rng.randrange(len(raw))] = rng.randrange(32, 127)
            text = raw.decode("utf-8", "replace")
        mutated = tmp_path / "damaged.jsonl"
        mutated.write_text(text)
        try:
            read_back = read_log(mutated)
        except UndoError:
            continue
        vouched: dict[str, set[str]] = {}  # every hash some entry claims the run wrote to the file
        for e in read_back:
            if e.rewrite is not None:
                vouched.setdefault(os.path.realpath(e.file), set()).add(e.rewrite.written.sha256)
        try:
            actions += [r.action for r in undo(mutated)]
        except UndoError:
            pass
        for path, (data, _) in written.items():
            now = path.read_bytes()
            if now == data:
                continue
            assert hashlib.sha256(data).hexdigest() in vouched.get(str(path), set()), (path, text)
            if hashlib.sha256(now).hexdigest() not in {originals[path], *set().union(*vouched.values())}:
                # a vouched file whose patch did not fit: only its genre fields were put back, as an entry had them
                befores = {e.before_genres for e in read_back if os.path.realpath(e.file) == str(path)}
                assert read_genres(path).genres in befores, (path, text)
        assert {p: _state(p) for p in strangers} == outside_before, text
        assert not list(library.glob(".*.tmp")) and not list(outside.glob(".*.tmp"))
    assert {"restored", "refused", "changed"} <= set(actions), "the damage reaches every kind of outcome"
