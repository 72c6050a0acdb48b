"""The undo log: one JSON line per change, written and flushed to disk before the change lands; and undoing it.

Each line: ``{"file": absolute path, "format": …, "before": {"genres": [...], "probabilities": text|null},
"after": {...}, "time": ISO time}``. An entry whose file was killed before its rename names a change that never
happened; undo sees the file already as it was and says so. Undo restores only files whose genre is still what
the run wrote (a file changed since is left alone, reported), newest entry first.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

from musicgenre.tagging.tags import GenreTags, TagError, read_genres, write_genres


class UndoError(ValueError):
    """An undo log that cannot be read."""


@dataclass(frozen=True)
class UndoEntry:
    """One change: the file and its genres/probabilities before and after."""

    file: str
    format: str
    before_genres: tuple[str, ...]
    before_probabilities: str | None
    after_genres: tuple[str, ...]
    after_probabilities: str | None


class UndoLog:
    """Appends entries to a JSONL file, each flushed and fsynced before returning (use it with ``with``).

    The file is created by the first entry, so a run that changes nothing leaves no empty log behind."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.entries = 0
        self._stream: TextIO | None = None
        self._open = False

    def __enter__(self) -> UndoLog:
        self._open = True
        return self

    def __exit__(self, *exc) -> None:
        self._open = False
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    def record(self, file: str, before: GenreTags, genres: tuple[str, ...], probabilities: str | None) -> None:
        """Append one change (the file's tags ``before`` and the genres/probabilities it gets), durably."""
        assert self._open, "use the log inside 'with'"
        if self._stream is None:
            self._stream = open(self.path, "a", encoding="utf-8", errors="surrogateescape")
        line = {
            "file": os.path.abspath(file),
            "format": before.format,
            "before": {"genres": list(before.genres), "probabilities": before.probabilities},
            "after": {"genres": list(genres), "probabilities": probabilities},
            "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        self._stream.write(json.dumps(line, ensure_ascii=False) + "\n")
        self._stream.flush()
        os.fsync(self._stream.fileno())
        self.entries += 1


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
    alone: changed since), or ``error``; ``detail`` says more."""

    file: str
    action: str
    detail: str = ""


def undo(path: str | Path, *, dry_run: bool = False) -> Iterator[UndoResult]:
    """Restore every file the log at ``path`` changed, newest change first; one result per entry."""
    for entry in reversed(read_log(path)):
        try:
            now = read_genres(entry.file)
        except (TagError, OSError) as error:
            yield UndoResult(entry.file, "error", getattr(error, "reason", None) or str(error))
            continue
        if now.genres == entry.before_genres and now.probabilities == entry.before_probabilities:
            yield UndoResult(entry.file, "as-was", _show(entry.before_genres))
        elif now.genres != entry.after_genres:
            yield UndoResult(entry.file, "changed", f"genre is now {_show(now.genres)}; left alone")
        elif dry_run:
            yield UndoResult(entry.file, "would restore", f"{_show(now.genres)} -> {_show(entry.before_genres)}")
        else:
            try:
                write_genres(entry.file, entry.before_genres, entry.before_probabilities)
            except (TagError, OSError) as error:
                yield UndoResult(entry.file, "error", getattr(error, "reason", None) or str(error))
                continue
            yield UndoResult(entry.file, "restored", f"{_show(entry.after_genres)} -> {_show(entry.before_genres)}")


def _show(genres: tuple[str, ...]) -> str:
    return "; ".join(genres) if genres else "(none)"
