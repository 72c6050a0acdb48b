"""What ``label`` prints and writes per file (table, csv, jsonl), and which files an earlier output settled.

Every format is streamed, one row per file as it is settled. ``--resume`` reads csv and jsonl back: a file with a
row that is not an error is done, unless the earlier run was a dry run and this one applies (its would-be change
was never written).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TextIO

from musicgenre.inference.output import terminal_text
from musicgenre.tagging.label import LabelRow
from musicgenre.tagging.policy import WRITES

FORMATS = ("table", "csv", "jsonl")
CSV_COLUMNS = ["file", "current", "new", "genre", "probability", "action", "applied", "reason"]
GENRE_JOIN = "; "  # how several genres of one file are shown in a cell


class ReportError(ValueError):
    """An output that cannot be resumed."""


def shown(genres: tuple[str, ...] | list[str]) -> str:
    return GENRE_JOIN.join(genres)


class ReportWriter:
    """Streams :class:`LabelRow` s in one format: ``begin(kept)``, ``write(row)`` per file (flushed)."""

    def __init__(self, stream: TextIO, fmt: str = "table", file_width: int = 40):
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}")
        self.stream, self.format, self.width = stream, fmt, file_width

    def begin(self, kept: list[str] | None = None) -> None:
        """Start the output; ``kept`` are lines carried over verbatim from an earlier run (``--resume``)."""
        if self.format == "csv":
            self._csv(CSV_COLUMNS)
        elif self.format == "table":
            self.stream.write(f"{'file':<{self.width}}  {'current':<16}  {'new':<16}  {'prob':>4}  action\n")
        for line in kept or []:
            self.stream.write(line if line.endswith("\n") else line + "\n")
        self.stream.flush()

    def write(self, row: LabelRow) -> None:
        if self.format == "jsonl":
            self.stream.write(json.dumps(row.to_dict(), ensure_ascii=False) + "\n")
        elif self.format == "csv":
            record = row.to_dict()
            self._csv(
                [
                    record["file"],
                    shown(row.current),
                    shown(row.new),
                    row.genre or "",
                    "" if row.probability is None else f"{row.probability:.4f}",
                    row.action,
                    str(row.applied).lower(),
                    row.reason,
                ]
            )
        else:
            self.stream.write(table_line(row, self.width))
        self.stream.flush()

    def _csv(self, cells: list) -> None:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(cells)
        self.stream.write(buffer.getvalue())


def table_line(row: LabelRow, width: int = 40) -> str:
    """``file  current  new  prob  action[: reason]``; a dry run's changes read ``would set`` etc. Names, genres and
    reasons have their control characters escaped (:func:`~musicgenre.inference.output.terminal_text`)."""
    file = terminal_text(row.file)
    name = file if len(file) <= width else "…" + file[-(width - 1) :]
    if not row.ok:
        return f"{name:<{width}}  ERROR  {terminal_text(row.reason)}\n"
    action = row.action if row.applied or row.action not in WRITES else f"would {row.action}"
    probability = "" if row.probability is None else f"{row.probability:.2f}"
    detail = terminal_text(f"{action}: {row.reason}" if row.reason else action)
    current = _cell(terminal_text(shown(row.current)) or "(none)")
    new = "-" if row.action == "skip" else _cell(terminal_text(shown(row.new)) or "(none)")
    return f"{name:<{width}}  {current:<16}  {new:<16}  {probability:>4}  {detail}\n"


def _cell(text: str, width: int = 16) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def read_settled(path: str | Path, fmt: str, applying: bool) -> tuple[list[str], set[str]]:
    """The lines of an earlier output to carry over and the files they settle (as written there).

    Error rows are dropped (those files run again), and so are a dry run's would-be changes when this run
    applies. A line cut off by an interrupted run is ignored.
    """
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        return [], set()
    if fmt == "table":
        raise ReportError("--resume needs a machine-readable output: --format csv or jsonl")
    text = path.read_text(encoding="utf-8", errors="surrogateescape")
    kept: list[str] = []
    files: set[str] = set()
    if fmt == "jsonl":
        for line in text.splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict) and _settled(record.get("action"), bool(record.get("applied")), applying):
                kept.append(line)
                files.add(str(record["file"]))
        return kept, files
    rows = list(csv.reader(io.StringIO(text)))  # a quoted file name may hold a newline
    if not rows or rows[0] != CSV_COLUMNS:
        raise ReportError(f"{path} is not a label csv (its columns differ); resume with the same --format")
    for cells in rows[1:]:
        if len(cells) != len(CSV_COLUMNS):
            continue
        if _settled(cells[5], cells[6] == "true", applying):
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerow(cells)
            kept.append(buffer.getvalue())
            files.add(cells[0])
    return kept, files


def _settled(action: object, applied: bool, applying: bool) -> bool:
    if action not in ("set", "replace", "append", "keep", "skip"):
        return False  # an error, or not a label row
    return not (action in WRITES and applying and not applied)
