"""The undo log: one JSON line per change, written and flushed to disk before the change lands; and undoing it.

Each line: ``{"file": absolute path, "format": …, "before": {"genres": [...], "probabilities": text|null},
"after": {...}, "time": ISO time, "bytes": {...}}``. ``bytes`` (logs from 0.x before it lack it and are still
read) holds the file's ``original`` and ``written`` states (size, modification time in ns, SHA-256) and a
``patch`` (base64) that rebuilds the original bytes from the written file (:mod:`musicgenre.tagging.patch`, tens
of bytes for most files), or null with a ``note`` saying why none was kept.

Undo goes newest entry first, each file under its lock (:func:`~musicgenre.tagging.tags.lock_file`). The log is
not trusted: a file is acted on only when it is a regular file (links followed: the file a link names is
restored, the link stays), writable, an audio file of the format the log names (its container's magic bytes and
the tag reader) and, for an entry with a byte record, its bytes hash to the log's written hash; else the entry's
result is ``refused`` (or ``changed``), one line why, and undo goes on. A file still as the run wrote it gets its
original file back: same bytes, size, owner, mode and (when plausible, ``_plausible_mtime``) modification
time. The patch is decompressed incrementally, refused past the original size the log records (or
``patch.MAX_PATCH``), and checked to rebuild exactly that size before anything is written. When no patch can
be used, the genre and probabilities fields are put back if the genre is still what the run wrote (the row says
``tags only`` and why); a log without byte records (0.x) is undone that way alone. A file already as before is
``as-was`` (an entry whose run was killed before its rename names a change that never happened). A line that
cannot be written (a full disk) is cut back off, so the log stays whole for the entries before it.

The log is a journal, appended in place (not written whole and renamed), so it is never written through a link:
a new log is created exclusively (``O_CREAT | O_EXCL | O_NOFOLLOW``), and a path that exists already is
appended to only when it is a regular file, not a link, holding undo entries (or empty): else the run is
refused before any file is changed (:meth:`UndoLog.check`).
"""

from __future__ import annotations

import base64
import json
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from musicgenre.tagging import patch
from musicgenre.tagging.tags import (
    LOCK_WAIT_S,
    FileLock,
    FileState,
    GenreTags,
    Rewrite,
    TagError,
    lock_file,
    read_genres,
    replace_bytes,
    write_genres,
    write_reason,
)


class UndoError(ValueError):
    """An undo log that cannot be read."""


class UndoLogError(Exception):
    """An undo log that cannot be written (the change it was to record is not made); one line naming the log."""


@dataclass(frozen=True)
class UndoEntry:
    """One change: the file, its genres/probabilities before and after, and what the write did to its bytes
    (None in logs written before that was recorded)."""

    file: str
    format: str
    before_genres: tuple[str, ...]
    before_probabilities: str | None
    after_genres: tuple[str, ...]
    after_probabilities: str | None
    rewrite: Rewrite | None = None


class UndoLog:
    """Appends entries to a JSONL file, each written whole and fsynced before returning (use it with ``with``,
    which raises :class:`UndoLogError` when ``path`` cannot be the log: :meth:`check`).

    The file is created by the first entry, so a run that changes nothing leaves no empty log behind. An entry
    that cannot be written raises :class:`UndoLogError` after cutting the log back to its entries before."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.entries = 0
        self._descriptor: int | None = None
        self._open = False
        self._found: tuple[int, int] | None = None  # (device, inode) of the log found at the path, appended to

    def __enter__(self) -> UndoLog:
        self.check()
        self._open = True
        return self

    def check(self) -> None:
        """Raise :class:`UndoLogError` (one line naming the file) unless nothing is at ``path`` (the first entry
        creates the log there) or an undo log to append to is: a regular file, not a symbolic link, that is
        empty or holds undo entries (:func:`read_log`). Nothing is written."""
        try:
            info = os.lstat(self.path)
        except FileNotFoundError:
            self._found = None
            return
        except OSError as error:
            raise UndoLogError(f"{self.path}: cannot use it as the undo log: {write_reason(error)}") from None
        if stat.S_ISLNK(info.st_mode):
            raise UndoLogError(f"{self.path}: a symbolic link; an undo log is never written through one")
        if not stat.S_ISREG(info.st_mode):
            raise UndoLogError(f"{self.path}: not a regular file; it cannot be an undo log")
        if info.st_size and not _reads_as_log(self.path):
            raise UndoLogError(f"{self.path}: exists and is not an undo log; left alone")
        self._found = (info.st_dev, info.st_ino)

    def __exit__(self, *exc) -> None:
        self._open = False
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None

    def record(
        self,
        file: str,
        before: GenreTags,
        genres: tuple[str, ...],
        probabilities: str | None,
        rewrite: Rewrite | None = None,
    ) -> None:
        """Append one change (the file's tags ``before``, the genres/probabilities it gets and what the write
        does to its bytes), durably."""
        assert self._open, "use the log inside 'with'"
        line = {
            "file": os.path.abspath(file),
            "format": before.format,
            "before": {"genres": list(before.genres), "probabilities": before.probabilities},
            "after": {"genres": list(genres), "probabilities": probabilities},
            "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        if rewrite is not None:
            line["bytes"] = _rewrite_json(rewrite)
        self._append((json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8", "surrogateescape"))
        self.entries += 1

    def _append(self, data: bytes) -> None:
        """Write ``data`` at the log's end and fsync it; on failure cut the log back to its size before."""
        try:
            if self._descriptor is None:
                self._descriptor = self._open_log()
            size = os.fstat(self._descriptor).st_size
        except OSError as error:
            raise UndoLogError(f"{self.path}: cannot write the undo log: {write_reason(error)}") from None
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self._descriptor, view) :]
            os.fsync(self._descriptor)
        except OSError as error:
            try:
                os.ftruncate(self._descriptor, size)
            except OSError:
                pass  # a torn last line is still skipped by read_log
            raise UndoLogError(f"{self.path}: cannot write the undo log: {write_reason(error)}") from None

    def _open_log(self) -> int:
        """The log's descriptor for appending, never through a link: created here when :meth:`check` found nothing
        at the path, else the very file it checked (``UndoLogError`` when another has taken its place since)."""
        flags = os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        if self._found is None:
            return os.open(self.path, flags | os.O_CREAT | os.O_EXCL, 0o666)
        descriptor = os.open(self.path, flags)
        info = os.fstat(descriptor)
        if (info.st_dev, info.st_ino) != self._found:
            os.close(descriptor)
            raise UndoLogError(f"{self.path}: replaced by another file since the run began; not written")
        return descriptor


def _reads_as_log(path: Path) -> bool:
    """Whether the file at ``path`` holds undo entries: its first bytes are an entry's (a large file of another
    kind is not read through) and :func:`read_log` finds at least one."""
    try:
        with open(path, "rb") as source:
            if source.read(len(_ENTRY_START)) != _ENTRY_START:
                return False
        return bool(read_log(path))
    except (OSError, UndoError):
        return False


#: How every line :meth:`UndoLog.record` writes begins.
_ENTRY_START = b'{"file": '


def _rewrite_json(rewrite: Rewrite) -> dict:
    def state(s: FileState) -> dict:
        return {"size": s.size, "mtime_ns": s.mtime_ns, "sha256": s.sha256}

    body: dict[str, object] = {"original": state(rewrite.original), "written": state(rewrite.written)}
    body["patch"] = None if rewrite.patch is None else base64.b64encode(rewrite.patch).decode("ascii")
    if rewrite.note:
        body["note"] = rewrite.note
    return body


def _rewrite_of(body: dict | None) -> Rewrite | None:
    if body is None:
        return None

    def state(s: dict) -> FileState:
        return FileState(int(s["size"]), int(s["mtime_ns"]), str(s["sha256"]))

    blob = body.get("patch")
    return Rewrite(
        state(body["original"]),
        state(body["written"]),
        None if blob is None else base64.b64decode(blob, validate=True),
        str(body.get("note", "")),
    )


def read_log(path: str | Path) -> list[UndoEntry]:
    """The entries of an undo log in the order written; a torn last line (a killed run) is ignored."""
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="surrogateescape").splitlines()
    except OSError as error:
        raise UndoError(f"{path}: cannot read the undo log: {error.strerror or error}") from None
    entries: list[UndoEntry] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            entries.append(
                UndoEntry(
                    str(data["file"]),
                    str(data.get("format", "")),
                    tuple(data["before"]["genres"]),
                    data["before"]["probabilities"],
                    tuple(data["after"]["genres"]),
                    data["after"]["probabilities"],
                    _rewrite_of(data.get("bytes")),
                )
            )
        except (ValueError, KeyError, TypeError):
            if number == len(lines):
                break  # the line a killed run was writing
            raise UndoError(f"{path}: line {number} is not an undo entry") from None
    return entries


@dataclass(frozen=True)
class UndoResult:
    """What undo did to one file: ``action`` ``restored``, ``as-was`` (already as before), ``changed`` (left
    alone: changed since), ``would restore`` (a dry run), ``refused`` (the log's entry is not trusted for this
    file: ``detail`` says why; nothing done) or ``error``; ``detail`` says more."""

    file: str
    action: str
    detail: str = ""


def undo(path: str | Path, *, dry_run: bool = False, lock_wait_s: float = LOCK_WAIT_S) -> Iterator[UndoResult]:
    """Restore every file the log at ``path`` changed, newest change first; one result per entry. An entry is
    acted on only for a file that passes :func:`refusal` (else ``refused``, one line why, and the run goes on);
    a file another run holds locked for longer than ``lock_wait_s`` is an ``error`` (busy), left alone. A
    symbolic link named in the log is followed: the file it names is restored, the link stays."""
    for entry in reversed(read_log(path)):
        target = os.path.realpath(entry.file)
        try:
            info = os.stat(target)
        except OSError as error:
            yield UndoResult(entry.file, "error", write_reason(error))
            continue
        if not stat.S_ISREG(info.st_mode):
            what = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            yield UndoResult(entry.file, "refused", f"{what}; left alone")
            continue
        try:
            with lock_file(target, lock_wait_s) as lock:
                why = refusal(entry, target)
                if why is not None:
                    result = UndoResult(entry.file, "refused", f"{why}; left alone")
                else:
                    result = _undo_entry(entry, target, lock, dry_run)
        except TagError as error:
            action = "refused" if error.reason.startswith("not a regular file") else "error"
            result = UndoResult(entry.file, action, error.reason)
        yield result


def refusal(entry: UndoEntry, target: str) -> str | None:
    """Why undo must not touch ``target`` (the file the entry names, links followed) for ``entry``, or None: it
    must be a regular file, writable (a read-only file is refused as ``label`` refuses it), an audio file of the
    format the log names, by its container's own magic bytes and the tag reader alike."""
    try:
        info = os.stat(target)
    except OSError as error:
        return write_reason(error)
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file"
    if not info.st_mode & stat.S_IWUSR:
        return "file is read-only"
    if not entry.format:
        return "the log names no audio format for it"
    try:
        with open(target, "rb") as source:
            head = source.read(4096)
    except OSError as error:
        return write_reason(error)
    if not _magic_is(head, entry.format):
        return f"not in the log's format, {entry.format} (its first bytes are not that container's)"
    try:
        found = read_genres(target).format
    except TagError as error:
        return f"not in the log's format, {entry.format} ({error.reason})"
    if found != entry.format:
        return f"its format is {found}, not {entry.format} as the log names"
    return None


def _magic_is(head: bytes, fmt: str) -> bool:
    """Whether a file starting with ``head`` is a container of mutagen's ``fmt`` (``MP3``, ``FLAC``, …)."""
    if fmt == "MP3":
        return head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
    if fmt == "FLAC":
        at = 0
        if head[:3] == b"ID3" and len(head) >= 10:  # an ID3v2 tag some taggers put before the FLAC stream
            size = 0
            for byte in head[6:10]:
                size = (size << 7) | (byte & 0x7F)
            at = 10 + size + (10 if head[5] & 0x10 else 0)
            return True if at + 4 > len(head) else head[at : at + 4] == b"fLaC"
        return head[:4] == b"fLaC"
    if fmt in ("OggVorbis", "OggOpus"):
        return head[:4] == b"OggS"
    if fmt == "MP4":
        return head[4:8] == b"ftyp"
    if fmt == "WAVE":
        return head[:4] in (b"RIFF", b"RIFX", b"RF64") and head[8:12] == b"WAVE"
    if fmt == "AIFF":
        return head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC")
    return False


def _undo_entry(entry: UndoEntry, target: str, lock: FileLock, dry_run: bool) -> UndoResult:
    """Undo one entry with the file locked: its original bytes when it is as written, else its fields."""
    change = f"{_show(entry.after_genres)} -> {_show(entry.before_genres)}"
    rewrite = entry.rewrite
    if rewrite is None:  # every entry label writes has one: this log is damaged or not one of ours
        return UndoResult(entry.file, "refused", "the log has no record of the bytes its run wrote; left alone")
    try:
        now = patch.sha256_of(target)
        info = os.stat(target)
    except OSError as error:
        raise TagError(entry.file, write_reason(error)) from None
    if now == rewrite.original.sha256:
        return UndoResult(entry.file, "as-was", f"{_show(entry.before_genres)}; the original bytes")
    if now != rewrite.written.sha256:  # edited since, or not a file this run wrote: the log cannot vouch
        return UndoResult(
            entry.file,
            "changed",
            "its bytes are not what the run wrote (changed since, or not its file); left alone",
        )
    why = rewrite.note or "no patch"
    if rewrite.patch is not None:
        try:
            pieces = patch.decode(rewrite.patch, min(rewrite.original.size + 4096, patch.MAX_PATCH))
            patch.check_fits(pieces, info.st_size, rewrite.original.size)
        except ValueError as error:
            return UndoResult(entry.file, "refused", f"the log's byte patch: {error}; left alone")
        mtime_ns = rewrite.original.mtime_ns if _plausible_mtime(rewrite) else None
        kept = "" if mtime_ns is not None else " (the log's modification time is implausible: not set)"
        if dry_run:
            return UndoResult(entry.file, "would restore", f"{change}; the original bytes{kept}")
        try:
            blocks = patch.rebuild(pieces, target)
            replace_bytes(target, blocks, rewrite.original.sha256, mtime_ns, lock)
        except ValueError:
            why = "the log's byte patch does not fit the file"
        else:
            return UndoResult(entry.file, "restored", f"{change}; the original bytes{kept}")
    return _undo_fields(entry, target, lock, dry_run, why)


def _plausible_mtime(rewrite: Rewrite) -> bool:
    """The original's modification time in the log is one to set again: after 1970 and not after the time the
    log gives for the written file (the original existed before it was tagged)."""
    return 0 < rewrite.original.mtime_ns <= rewrite.written.mtime_ns


def _undo_fields(entry: UndoEntry, target: str, lock: FileLock, dry_run: bool, why: str) -> UndoResult:
    """Put the genre and probabilities fields back, when the genre is still what the run wrote."""
    now = read_genres(target)
    if now.genres == entry.before_genres and now.probabilities == entry.before_probabilities:
        return UndoResult(entry.file, "as-was", _show(entry.before_genres))
    if now.genres != entry.after_genres:
        return UndoResult(entry.file, "changed", f"genre is now {_show(now.genres)}; left alone")
    change = f"{_show(now.genres)} -> {_show(entry.before_genres)}; tags only ({why})"
    if dry_run:
        return UndoResult(entry.file, "would restore", change)
    write_genres(target, entry.before_genres, entry.before_probabilities, lock=lock)
    return UndoResult(entry.file, "restored", change)


def _show(genres: tuple[str, ...]) -> str:
    return "; ".join(genres) if genres else "(none)"
