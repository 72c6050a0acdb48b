"""Two processes at the same files: each write holds the file's lock, so there are never two writers on one file;
a file held past the wait is called busy and left alone."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from tag_media import write_clip

from musicgenre.tagging.tags import BUSY, TagError, lock_file, read_genres, write_genres

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="flock is POSIX")

WRITER = textwrap.dedent(
    """
    import os, sys, time
    from musicgenre.tagging.tags import lock_file, read_genres, write_genres
    me, rounds, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    print("ready", flush=True)
    sys.stdin.readline()  # both start together
    for n in range(rounds):
        for f in files:
            with lock_file(f, 60) as lock:  # read, change, write: what label does under the lock
                inside = os.open(f + ".inside", os.O_CREAT | os.O_EXCL | os.O_WRONLY)  # fails if another is inside
                genres = read_genres(f).genres
                time.sleep(0.005)
                write_genres(f, genres + (f"{me}{n}",), lock=lock)
                os.close(inside)
                os.unlink(f + ".inside")
    print("done", flush=True)
    """
)

HOLDER = "import sys\nfrom musicgenre.tagging.tags import lock_file\nwith lock_file(sys.argv[1]):\n"
HOLDER += "    print('locked', flush=True)\n    sys.stdin.read()\n"


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}


def test_two_processes_writing_the_same_files_never_overlap_or_lose_a_write(tmp_path):
    files = [write_clip(tmp_path / "a.flac", seconds=0.5), write_clip(tmp_path / "b.mp3", seconds=0.5)]
    rounds = 12
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, name, str(rounds), *map(str, files)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_env(),
            text=True,
        )
        for name in ("p", "q")
    ]
    for writer in writers:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
    for writer in writers:
        assert writer.stdin is not None
        writer.stdin.write("go\n")
        writer.stdin.flush()
    for writer in writers:
        out, err = writer.communicate(timeout=300)
        assert writer.returncode == 0 and out.strip() == "done", err  # never found the other one inside
    for f in files:
        genres = read_genres(f).genres
        assert sorted(genres) == sorted(f"{me}{n}" for me in "pq" for n in range(rounds)), f  # no write lost
        assert [g for g in genres if g[0] == "p"] == [f"p{n}" for n in range(rounds)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.flac", "b.mp3"]


def _hold(path) -> subprocess.Popen:
    """A process holding ``path``'s lock until its stdin closes."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=_env(), text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def _release(holder: subprocess.Popen) -> None:
    assert holder.stdin is not None
    holder.stdin.close()
    assert holder.wait(timeout=60) == 0


def test_a_file_another_process_holds_is_busy_then_written_once_released(tmp_path):
    path = write_clip(tmp_path / "clip.ogg", seconds=0.5)
    original = path.read_bytes()
    holder = _hold(path)
    try:
        with pytest.raises(TagError) as caught:
            _write_with_wait(path, 0.3)
        assert str(caught.value) == f"{path}: {BUSY}"
        assert path.read_bytes() == original
    finally:
        _release(holder)
    _write_with_wait(path, 0.3)
    assert read_genres(path).genres == ("Rock",)


def _write_with_wait(path, wait_s: float) -> None:
    with lock_file(path, wait_s) as lock:
        write_genres(path, ("Rock",), lock=lock)


def test_a_writer_waits_for_a_lock_released_within_the_wait(tmp_path):
    path = write_clip(tmp_path / "clip.m4a", seconds=0.5)
    holder = _hold(path)
    writer = threading.Thread(target=_write_with_wait, args=(path, 60))
    writer.start()
    time.sleep(0.3)
    assert read_genres(path).genres == ()  # not while the other process holds it
    _release(holder)
    writer.join(timeout=60)
    assert not writer.is_alive() and read_genres(path).genres == ("Rock",)
