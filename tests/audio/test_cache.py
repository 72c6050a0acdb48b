"""``ContentCache``: entries by file content, written whole or not at all, read as plain arrays (never unpickled);
a damaged entry is a miss and a failure to write is not an error."""

from __future__ import annotations

import errno
import os
import pickle
import zipfile

import numpy as np
import pytest

from musicgenre.audio import file_hash
from musicgenre.audio.cache import ContentCache

KEY = "ab" + "0" * 62


def _arrays() -> dict[str, np.ndarray]:
    return {"values": np.arange(6, dtype=np.float32).reshape(2, 3), "length": np.int64(44100)}


class Executed:
    """Unpickling this creates ``marker``: proof that a cache file's pickle ran."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_roundtrip_keeps_values_and_dtypes_and_leaves_no_temporary_file(tmp_path):
    cache = ContentCache(tmp_path, "recipe-v1")
    assert cache.get(KEY) is None
    assert cache.put(KEY, _arrays()) is None
    assert cache.path(KEY) == tmp_path / "recipe-v1" / "ab" / f"{KEY}.npz"
    got = cache.get(KEY)
    assert got is not None and sorted(got) == ["length", "values"]
    np.testing.assert_array_equal(got["values"], _arrays()["values"])
    assert got["values"].dtype == np.float32 and int(got["length"]) == 44100
    assert [p.name for p in (tmp_path / "recipe-v1" / "ab").iterdir()] == [f"{KEY}.npz"]
    assert ContentCache(tmp_path, "recipe-v2").get(KEY) is None  # another version never reads this one


def test_names_pick_the_arrays_and_a_missing_one_is_a_miss(tmp_path):
    ContentCache(tmp_path, "f").put(KEY, _arrays())
    got = ContentCache(tmp_path, "f", ("values",)).get(KEY)
    assert got is not None and list(got) == ["values"]
    assert ContentCache(tmp_path, "f", ("values", "taggram")).get(KEY) is None


def test_corrupt_or_truncated_entries_are_misses(tmp_path):
    cache = ContentCache(tmp_path, "f")
    cache.put(KEY, _arrays())
    whole = cache.path(KEY).read_bytes()
    for size in [0, 1, 4, 30, len(whole) // 2, len(whole) - 22, len(whole) - 1]:
        cache.path(KEY).write_bytes(whole[:size])
        assert cache.get(KEY) is None, size
    cache.path(KEY).write_bytes(b"\x93NUMPY garbage" * 10)
    assert cache.get(KEY) is None
    flipped = bytearray(whole)
    flipped[len(whole) // 3] ^= 0xFF  # inside the array data: the zip's CRC check fails
    cache.path(KEY).write_bytes(bytes(flipped))
    assert cache.get(KEY) is None
    cache.path(KEY).unlink()
    cache.path(KEY).mkdir()  # a folder where the entry should be
    assert cache.get(KEY) is None
    assert cache.get("../../etc") is None  # not a content hash: nothing is read


def test_pickled_object_arrays_are_refused_never_executed(tmp_path):
    marker = tmp_path / "executed"
    cache = ContentCache(tmp_path, "f")
    cache.path(KEY).parent.mkdir(parents=True)
    with open(cache.path(KEY), "wb") as handle:  # an entry holding a pickled object array
        np.savez(handle, allow_pickle=True, values=np.array([Executed(str(marker))], dtype=object))
    with zipfile.ZipFile(cache.path(KEY)) as entry:
        assert entry.namelist() == ["values.npy"]
    assert cache.get(KEY) is None and not marker.exists()
    cache.path(KEY).write_bytes(pickle.dumps(Executed(str(marker))))  # an entry that is a bare pickle
    assert cache.get(KEY) is None and not marker.exists()
    with pytest.raises(ValueError, match="allow_pickle"):  # nor are pickles written
        cache.put("cd" + "0" * 62, {"values": np.array([object()], dtype=object)})
    assert not cache.path("cd" + "0" * 62).exists()
    assert not list((tmp_path / "f" / "cd").iterdir())


def test_a_failure_to_write_is_a_reason_not_an_error(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    reason = ContentCache(blocker / "sub", "f").put(KEY, _arrays())
    assert reason is not None and reason.startswith(f"{blocker / 'sub'}: ")
    real_open = os.open

    def read_only(path, flags, *args, **kwargs):
        if flags & os.O_CREAT:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args, **kwargs)

    cache = ContentCache(tmp_path / "cache", "f")
    monkeypatch.setattr(os, "open", read_only)
    assert cache.put(KEY, _arrays()) == f"{tmp_path / 'cache'}: {os.strerror(errno.EROFS)}"
    monkeypatch.undo()
    assert cache.get(KEY) is None and not list(cache.path(KEY).parent.iterdir())


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes to read-only folders")
def test_a_read_only_folder_is_not_an_error(tmp_path):
    root = tmp_path / "cache"
    root.mkdir()
    root.chmod(0o555)
    try:
        cache = ContentCache(root, "f")
        assert cache.put(KEY, _arrays()) is not None
        assert cache.get(KEY) is None
    finally:
        root.chmod(0o755)


def test_a_changed_file_misses_and_a_renamed_one_hits(tmp_path):
    song = tmp_path / "song.wav"
    song.write_bytes(b"first take")
    cache = ContentCache(tmp_path / "cache", "f")
    cache.put(file_hash(song), _arrays())
    song.rename(tmp_path / "renamed.wav")
    assert cache.get(file_hash(tmp_path / "renamed.wav")) is not None
    (tmp_path / "renamed.wav").write_bytes(b"second take")
    assert cache.get(file_hash(tmp_path / "renamed.wav")) is None


def test_an_interrupted_write_leaves_the_old_entry(tmp_path, monkeypatch):
    cache = ContentCache(tmp_path, "f")
    cache.put(KEY, _arrays())

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", killed)
    with pytest.raises(KeyboardInterrupt):
        cache.put(KEY, {"values": np.zeros(3)})
    monkeypatch.undo()
    got = cache.get(KEY)
    assert got is not None and got["values"].shape == (2, 3)
    assert [p.name for p in cache.path(KEY).parent.iterdir()] == [f"{KEY}.npz"]
