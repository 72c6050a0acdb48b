"""Which files to read: files, folders, glob patterns, repeats, inputs that name nothing; content hashes."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest
from signals import tone, write

from musicgenre.audio import file_hash, find_audio_files, load
from musicgenre.audio.files import NO_AUDIO_IN_FOLDER, NO_SUCH_PATH


def library(tmp_path: Path) -> Path:
    """``lib/`` with audio at two depths (one upper-case extension), a text file named .wav and non-audio files."""
    root = tmp_path / "lib"
    (root / "b" / "deep").mkdir(parents=True)
    (root / "a").mkdir()
    write(root / "z.wav", tone(220.0, 0.5))
    write(root / "a" / "one.flac", tone(330.0, 0.5))
    write(root / "b" / "two.WAV", tone(440.0, 0.5))
    write(root / "b" / "deep" / "three.ogg", tone(550.0, 0.5))
    (root / "b" / "notes.wav").write_text("shopping list, not audio")
    (root / "README.txt").write_text("not audio")
    (root / "b" / "cover.jpg").write_bytes(b"\xff\xd8\xff")
    return root


def test_a_folder_is_searched_recursively_for_audio_extensions_in_sorted_order(tmp_path):
    root = library(tmp_path)
    files, missing = find_audio_files([root])
    assert files == [
        root / "a" / "one.flac",
        root / "b" / "deep" / "three.ogg",
        root / "b" / "notes.wav",
        root / "b" / "two.WAV",
        root / "z.wav",
    ]
    assert missing == []
    assert all(isinstance(f, Path) for f in files)
    assert load(files[0]).size > 0  # real files, as written


def test_a_file_given_explicitly_is_kept_whatever_its_extension(tmp_path):
    root = library(tmp_path)
    files, missing = find_audio_files([root / "README.txt", str(root / "z.wav")])
    assert files == [root / "README.txt", root / "z.wav"]
    assert missing == []


def test_glob_patterns_expand_to_files_and_to_the_audio_in_matched_folders(tmp_path):
    root = library(tmp_path)
    files, _ = find_audio_files([str(root / "**" / "*.ogg")])
    assert files == [root / "b" / "deep" / "three.ogg"]
    files, _ = find_audio_files([str(root / "*.wav")])  # one level only without **
    assert files == [root / "z.wav"]
    files, _ = find_audio_files([str(root / "[ab]")])  # matched folders are searched as folders are
    assert files == [
        root / "a" / "one.flac",
        root / "b" / "deep" / "three.ogg",
        root / "b" / "notes.wav",
        root / "b" / "two.WAV",
    ]
    files, _ = find_audio_files([str(root / "*.txt")])  # a matched file is kept, as the shell would pass it
    assert files == [root / "README.txt"]


def test_inputs_keep_their_order_and_a_file_reached_twice_is_kept_once_at_its_first_place(tmp_path):
    root = library(tmp_path)
    os.symlink(root / "z.wav", tmp_path / "link.wav")
    files, missing = find_audio_files(
        [
            root / "z.wav",
            root / "a",
            tmp_path / "link.wav",  # a second path to z.wav
            root / "b" / ".." / "z.wav",  # a third
            str(root / "**" / "*.flac"),  # one.flac again, through a pattern
            root / "a" / "one.flac",
            root / "b" / "deep",
        ]
    )
    assert files == [root / "z.wav", root / "a" / "one.flac", root / "b" / "deep" / "three.ogg"]
    assert missing == []


def test_inputs_that_name_nothing_are_reported_with_a_reason_and_the_rest_goes_on(tmp_path):
    root = library(tmp_path)
    (tmp_path / "empty").mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "readme.md").write_text("no audio here")
    absent = str(tmp_path / "absent.mp3")
    files, missing = find_audio_files(
        [
            absent,
            tmp_path / "empty",
            root / "z.wav",
            tmp_path / "docs",
            str(tmp_path / "*.nothing"),
            str(tmp_path / "emp*"),
        ]
    )
    assert files == [root / "z.wav"]
    assert missing == [
        (absent, NO_SUCH_PATH),
        (str(tmp_path / "empty"), NO_AUDIO_IN_FOLDER),
        (str(tmp_path / "docs"), NO_AUDIO_IN_FOLDER),
        (str(tmp_path / "*.nothing"), NO_SUCH_PATH),
        (str(tmp_path / "emp*"), NO_AUDIO_IN_FOLDER),  # the pattern matches only a folder without audio
    ]
    assert NO_SUCH_PATH == "no such file or folder, and no glob match"
    assert NO_AUDIO_IN_FOLDER == "folder holds no audio files"
    assert find_audio_files([]) == ([], [])


def test_file_hash_is_the_sha256_of_the_content_read_in_chunks(tmp_path):
    data = np.random.default_rng(0).integers(0, 256, size=(5 << 20) // 2 + 7, dtype=np.uint8).tobytes()  # 2.5 MiB + 7
    big = tmp_path / "big.bin"
    big.write_bytes(data)
    assert file_hash(big) == hashlib.sha256(data).hexdigest()
    assert file_hash(str(big), chunk_bytes=1000) == file_hash(big)
    copy = tmp_path / "renamed.wav"
    copy.write_bytes(data)
    assert file_hash(copy) == file_hash(big)  # content, not name
    copy.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    assert file_hash(copy) != file_hash(big)
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    assert file_hash(empty) == hashlib.sha256(b"").hexdigest()
    with pytest.raises(FileNotFoundError):
        file_hash(tmp_path / "absent.wav")
