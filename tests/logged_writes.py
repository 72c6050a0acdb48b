"""Tag files as ``label --apply`` does, each change logged first (the tagging and undo tests' common step)."""

from __future__ import annotations

from pathlib import Path

from musicgenre.tagging.tags import write_genres
from musicgenre.tagging.undo import UndoLog


def apply_logged(files: list[Path], log_path: Path, probabilities: str | None, genres: tuple[str, ...] = ("Rock",)):
    """Write ``genres`` and ``probabilities`` (the probabilities text, or None) into each file, logging each change
    in the undo log at ``log_path`` before the file is replaced."""
    with UndoLog(log_path) as log:
        for f in files:
            write_genres(
                f,
                genres,
                probabilities,
                before_replace=lambda before, rewrite, f=f: log.record(str(f), before, genres, probabilities, rewrite),
            )
