"""The undo log: one JSON line per change, written and flushed to disk before the change lands; and undoing it.

Each line: ``{"file": absolute path, "format": …, "before": {"genres": [...], "probabilities": text|null},
"after": {...}, "time": ISO time, "bytes": {...}}``. ``bytes`` (logs from 0.x before it lack it and are still
read) holds the file's ``original`` and ``written`` states (size, modification time in ns, SHA-256) and a
``patch`` (base64) that rebuilds the original bytes from the written file (:mod:`musicgenre.tagging.patch`, tens
of bytes for most files), or null with a ``note`` saying why none was kept.

Undo goes newest entry first, each file under its lock (:func:`~musicgenre.tagging.tags.lock_file`). A file whose
bytes are still what the run wrote gets its original file back: same bytes, size and modification time. Otherwise
a file whose genre is still what the run wrote gets its previous genre and probabilities fields back (the row
says ``tags only`` and why); a file whose genre changed since is left alone; a file already as before is
``as-was`` (an entry whose run was killed before its rename names a change that never happened). A line that
cannot be written (a full disk) is cut back off, so the log stays whole for the entries before it.
"""

from __future__ import annotations

import base64
import json
import os
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
    """Appends entries to a JSONL file, each written whole and fsynced before returning (use it with ``with``).

    The file is created by the first entry, so a run that changes nothing leaves no empty log behind. An entry
    that cannot be written raises :class:`UndoLogError` after cutting the log back to its entries before."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.entries = 0
        self._descriptor: int | None = None
        self._open = False

    def __enter__(self) -> UndoLog:
        self._open = True
        return self

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
                flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
                self._descriptor = os.open(self.path, flags, 0o666)
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
    alone: changed since), ``would restore`` (a dry run) or ``error``; ``detail`` says more."""

    file: str
    action: str
    detail: str = ""


def undo(path: str | Path, *, dry_run: bool = False, lock_wait_s: float = LOCK_WAIT_S) -> Iterator[UndoResult]:
    """Restore every file the log at ``path`` changed, newest change first; one result per entry. A file another
    run holds locked for longer than ``lock_wait_s`` is an ``error`` (busy), left alone."""
    for entry in reversed(read_log(path)):
        try:
            with lock_file(entry.file, lock_wait_s) as lock:
                result = _undo_entry(entry, lock, dry_run)
        except TagError as error:
            result = UndoResult(entry.file, "error", error.reason)
        yield result


def _undo_entry(entry: UndoEntry, lock: FileLock, dry_run: bool) -> UndoResult:
    """Undo one entry with the file locked: its original bytes when it is as written, else its fields."""
    change = f"{_show(entry.after_genres)} -> {_show(entry.before_genres)}"
    rewrite = entry.rewrite
    why = "this log has no record of the original bytes"
    if rewrite is not None:
        try:
            now = patch.sha256_of(entry.file)
        except OSError as error:
            raise TagError(entry.file, write_reason(error)) from None
        if now == rewrite.original.sha256:
            return UndoResult(entry.file, "as-was", f"{_show(entry.before_genres)}; the original bytes")
        why = "the file changed since the run" if now != rewrite.written.sha256 else rewrite.note or "no patch"
        if now == rewrite.written.sha256 and rewrite.patch is not None:
            if dry_run:
                return UndoResult(entry.file, "would restore", f"{change}; the original bytes")
            try:
                blocks = patch.rebuild(patch.decode(rewrite.patch), entry.file)
                replace_bytes(entry.file, blocks, rewrite.original.sha256, rewrite.original.mtime_ns, lock)
            except ValueError:
                why = "the log's byte patch does not fit the file"
            else:
                return UndoResult(entry.file, "restored", f"{change}; the original bytes")
    return _undo_fields(entry, lock, dry_run, why)


def _undo_fields(entry: UndoEntry, lock: FileLock, dry_run: bool, why: str) -> UndoResult:
    """Put the genre and probabilities fields back, when the genre is still what the run wrote."""
    now = read_genres(entry.file)
    if now.genres == entry.before_genres and now.probabilities == entry.before_probabilities:
        return UndoResult(entry.file, "as-was", _show(entry.before_genres))
    if now.genres != entry.after_genres:
        return UndoResult(entry.file, "changed", f"genre is now {_show(now.genres)}; left alone")
    change = f"{_show(now.genres)} -> {_show(entry.before_genres)}; tags only ({why})"
    if dry_run:
        return UndoResult(entry.file, "would restore", change)
    write_genres(entry.file, entry.before_genres, entry.before_probabilities, lock=lock)
    return UndoResult(entry.file, "restored", change)


def _show(genres: tuple[str, ...]) -> str:
    return "; ".join(genres) if genres else "(none)"
