"""A full disk or a write error never damages a file: every file is as it was or fully tagged, the undo log stays
whole, the error names the reason. Real kernel errors come from a file-size limit (RLIMIT_FSIZE, EFBIG) in a child
process swept over every byte count a write passes through; ENOSPC is injected at each step the kernel's limit
cannot reach (making the copy, flushing it, writing the log, the rename)."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from tag_media import FORMATS, write_clip

from musicgenre.tagging.tags import TagError, probabilities_text, read_genres, write_genres
from musicgenre.tagging.undo import UndoLog, UndoLogError, read_log, undo

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE and flock are POSIX")

TEXT = probabilities_text({"rock": 0.7, "pop": 0.3}, "musicnn")
FULL = "no space left on the device"
TOO_LARGE = "file too large for the file system limit"

SWEEP = textwrap.dedent(
    """
    import json, os, resource, signal, sys
    from musicgenre.tagging.tags import TagError, write_genres
    from musicgenre.tagging.undo import UndoLog
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead of killing
    path, log_path, text = sys.argv[1], sys.argv[2], sys.argv[3]
    for limit in map(int, sys.argv[4:]):
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
        try:
            with UndoLog(log_path) as log:
                write_genres(path, ("Rock",), text, before_replace=lambda b, r: log.record(path, b, ("Rock",), text, r))
            outcome = {"limit": limit, "written": True}
        except TagError as error:
            outcome = {"limit": limit, "written": False, "error": str(error)}
        resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        print(json.dumps(outcome), flush=True)
        if outcome["written"]:  # back to the original bytes for the next limit
            from musicgenre.tagging.undo import undo
            assert [r.action for r in undo(log_path)][0] == "restored"
            os.unlink(log_path)
    """
)


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}


@pytest.mark.parametrize("ext", sorted(FORMATS))
def test_a_file_size_limit_at_every_byte_count_leaves_the_file_whole(tmp_path, ext):
    path = write_clip(tmp_path / f"clip.{ext}")
    original = path.read_bytes()
    probe = tmp_path / f"probe.{ext}"
    probe.write_bytes(original)
    write_genres(probe, ("Rock",), TEXT)
    size, written = len(original), probe.stat().st_size
    probe.unlink()
    limits = sorted({0, 1, size // 2, size - 1, size, size + 1, (size + written) // 2, written - 1, written, 1 << 30})
    log_path = tmp_path / "undo.jsonl"
    run = subprocess.run(
        [sys.executable, "-c", SWEEP, str(path), str(log_path), TEXT, *map(str, limits)],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    outcomes = [json.loads(line) for line in run.stdout.splitlines()]
    assert [o["limit"] for o in outcomes] == limits
    for outcome in outcomes:
        limit = outcome["limit"]
        # the copy, then the tagged copy must fit: below either size the write fails, at or above it goes through
        assert outcome["written"] == (limit >= max(size, written)), (outcome, size, written)
        if not outcome["written"]:
            assert outcome["error"].startswith(f"{path}: ") and outcome["error"].endswith(TOO_LARGE), outcome
            assert "\n" not in outcome["error"]
    assert path.read_bytes() == original  # each write was undone, each failed one never touched it
    assert not log_path.exists()  # each failed write logged nothing (the log is made by its first entry)
    assert sorted(os.listdir(tmp_path)) == [path.name]  # no temporary copy left behind


class Inject:
    """Make the ``nth`` call of ``os.<name>`` (counting only calls ``match`` accepts) fail with ENOSPC; for
    ``write`` the call before it writes half its bytes first, as a filling disk does."""

    def __init__(self, monkeypatch, name: str, nth: int = 1, match=lambda *args: True):
        self.real, self.nth, self.calls, self.match, self.name = getattr(os, name), nth, 0, match, name
        monkeypatch.setattr(os, name, self)

    def __call__(self, *args, **kwargs):
        if not self.match(*args):
            return self.real(*args, **kwargs)
        self.calls += 1
        if self.calls == self.nth:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        if self.name == "write" and self.calls == self.nth - 1:
            return self.real(args[0], bytes(args[1])[: len(args[1]) // 2])
        return self.real(*args, **kwargs)


def _is_log(descriptor, *rest) -> bool:
    return os.readlink(f"/proc/self/fd/{descriptor}").endswith(".jsonl")


#: step -> how it fails and what the error says (TagError: this file; UndoLogError: the run stops)
STEPS = {
    "creating the copy": (lambda mp: Inject(mp, "open", match=lambda p, *a: ".musicgenre-" in str(p)), TagError),
    "flushing the copy": (lambda mp: Inject(mp, "fsync", 1), TagError),
    "writing the log line": (lambda mp: Inject(mp, "write", 2, match=_is_log), UndoLogError),
    "flushing the log": (lambda mp: Inject(mp, "fsync", 2), UndoLogError),
    "the rename": (lambda mp: Inject(mp, "replace", 1), TagError),
}


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="names descriptors through /proc")
@pytest.mark.parametrize("step", sorted(STEPS))
@pytest.mark.parametrize("ext", ["mp3", "flac", "m4a", "ogg", "wav"])
def test_no_space_at_each_step_leaves_the_file_and_the_log_whole(tmp_path, monkeypatch, step, ext):
    done, path = write_clip(tmp_path / "done.flac"), write_clip(tmp_path / f"clip.{ext}")
    original = path.read_bytes()
    log_path = tmp_path / "undo.jsonl"
    with UndoLog(log_path) as log:
        write_genres(done, ("Jazz",), before_replace=lambda b, r: log.record(str(done), b, ("Jazz",), None, r))
        inject, raised = STEPS[step]
        inject(monkeypatch)
        with pytest.raises(raised) as caught:
            write_genres(
                path, ("Rock",), TEXT, before_replace=lambda b, r: log.record(str(path), b, ("Rock",), TEXT, r)
            )
        monkeypatch.undo()
    message = str(caught.value)
    assert FULL in message and "\n" not in message
    assert (str(path) if raised is TagError else str(log_path)) in message
    assert path.read_bytes() == original and read_genres(path).genres == ()
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    entries = read_log(log_path)  # whole lines only: a half-written line was cut back off
    assert [Path(e.file).name for e in entries] == ["done.flac"] + (["clip." + ext] if step == "the rename" else [])
    assert log_path.read_bytes().endswith(b"\n")
    results = {Path(r.file).name: r.action for r in undo(log_path)}
    assert results["done.flac"] == "restored" and results.get(f"clip.{ext}", "as-was") == "as-was"
    assert path.read_bytes() == original


def test_no_space_while_restoring_leaves_the_tagged_file(tmp_path, monkeypatch):
    path = write_clip(tmp_path / "clip.mp3")
    original = path.read_bytes()
    with UndoLog(tmp_path / "undo.jsonl") as log:
        write_genres(path, ("Rock",), before_replace=lambda b, r: log.record(str(path), b, ("Rock",), None, r))
    tagged = path.read_bytes()
    Inject(monkeypatch, "replace")
    (result,) = undo(tmp_path / "undo.jsonl")
    monkeypatch.undo()
    assert (result.action, result.detail) == ("error", f"cannot replace the file: {FULL}")
    assert path.read_bytes() == tagged and not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    assert [r.action for r in undo(tmp_path / "undo.jsonl")] == ["restored"]  # room again: undo goes through
    assert path.read_bytes() == original
