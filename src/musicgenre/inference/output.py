"""Write batch results as they arrive (table, json, jsonl, csv) and read back which files an output already holds.

Every format is streamed: one record is written (and flushed) per finished file. ``json`` is an array with one
record per line, so an interrupted file can still be read back for ``--resume``.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from musicgenre.audio import is_url
from musicgenre.inference.batch import FileResult
from musicgenre.inference.library import json_records

FORMATS = ("table", "json", "jsonl", "csv")

_LETTER_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def terminal_text(text: str) -> str:
    """``text`` safe to print on a terminal, as ``ls -b`` shows names: tab, newline and carriage return as ``\\t``
    ``\\n`` ``\\r``, any other control character (C0, DEL, C1; and an undecodable byte 0x80-0x9f of a file name,
    which Python holds as a lone surrogate) as a backslash and three octal digits (ESC: ``\\033``). Everything
    else, backslashes included, is left as it is. The table and log lines use it; JSON and CSV keep names exact."""
    if text.isprintable():  # the common case; a lone surrogate is not printable
        return text
    out = []
    for c in text:
        code = ord(c)
        if 0xDC80 <= code <= 0xDC9F:
            code -= 0xDC00  # surrogateescape's stand-in for the raw byte
        if code < 0x20 or 0x7F <= code <= 0x9F:
            out.append(_LETTER_ESCAPES.get(c) or f"\\{code:03o}")
        else:
            out.append(c)
    return "".join(out)


@dataclass(frozen=True)
class OutputConfig:
    """What a row shows: ``top`` genres per file (>= 1), per-window ``timeline`` rows, ``file_width`` for tables,
    and ``explain``: which tags pushed each answer (``Prediction.explanation``). ``genre_width``: the table's
    genre column (:func:`genre_width` of the model's genres); ``multi_label``: the model scores each genre on its
    own (probabilities that need not sum to 1, often small: the table shows three decimals)."""

    format: str = "table"
    top: int = 1
    timeline: bool = False
    file_width: int = 40
    explain: bool = False
    genre_width: int = 9
    multi_label: bool = False


#: CSV columns ``--explain`` adds (track rows only): the one-line summary, the rival genre, ``tag=term;…`` for and
#: against (logit units), the track's ``tag=probability;…``, and in a model of several networks each one's answer
#: (``network: genre p (tag p, …)``, joined by ``; ``).
EXPLAIN_COLUMNS = ("explanation", "explain_rival", "explain_for", "explain_against", "top_tags", "networks")

#: The widest genre column a table gives (longer names are cut with an ellipsis).
MAX_GENRE_WIDTH = 24


def genre_width(genres: tuple[str, ...] | list[str]) -> int:
    """The table's genre column for a model's ``genres``: the longest name, at least 9, at most
    :data:`MAX_GENRE_WIDTH`."""
    return min(max([9, *(len(g) for g in genres)]), MAX_GENRE_WIDTH)


def to_record(result: FileResult, config: OutputConfig) -> dict:
    """A JSON-ready dict for one file: genre, probability, top-K, all probabilities, timeline; or its error."""
    if not result.ok:
        return {
            "file": result.file,
            "duration_s": None,
            "genre": None,
            "probability": None,
            "top": [],
            "error": result.error,
        }
    prediction = result.prediction
    assert prediction is not None, "a result without an error carries its prediction"
    record = prediction.to_dict()
    record["file"] = result.file
    record["top"] = [{"genre": g, "probability": round(p, 6)} for g, p in prediction.top(config.top)]
    if not config.timeline:
        record.pop("timeline")
    if config.explain:
        record.setdefault("explanation", None)  # null: the model has no tags (GenreModel.explain_unavailable)
    else:
        record.pop("explanation", None)
    record["error"] = None
    return record


def csv_columns(config: OutputConfig) -> list[str]:
    extra = [c for k in range(2, config.top + 1) for c in (f"genre_{k}", f"probability_{k}")]
    explain = list(EXPLAIN_COLUMNS) if config.explain else []
    return [
        "file",
        "scope",
        "start_s",
        "end_s",
        "genre",
        "probability",
        *extra,
        "uncertain",
        "not_music",
        *explain,
        "error",
    ]


class Writer:
    """Streams records of one format to ``stream``: ``begin()``, ``write(record)`` per file, ``end()``."""

    def __init__(self, stream: TextIO, config: OutputConfig):
        self.stream, self.config = stream, config
        self.count = 0

    def begin(self, kept: list[dict] | None = None) -> None:
        """Start the output; ``kept`` are records carried over from an earlier run (``--resume``)."""
        fmt = self.config.format
        if fmt == "json":
            self.stream.write("[\n")
        elif fmt == "csv":
            self._csv_line(csv_columns(self.config))
        for record in kept or []:
            self._emit(record)
        self.stream.flush()

    def write(self, record: dict) -> None:
        self._emit(record)
        self.stream.flush()

    def end(self) -> None:
        if self.config.format == "json":
            self.stream.write("\n]\n" if self.count else "]\n")
        self.stream.flush()

    def _emit(self, record: dict) -> None:
        fmt = self.config.format
        if fmt == "json":
            self.stream.write((",\n" if self.count else "") + json.dumps(record))
        elif fmt == "jsonl":
            self.stream.write(json.dumps(record) + "\n")
        elif fmt == "csv":
            for row in csv_rows(record, self.config):
                self._csv_line(row)
        else:
            self.stream.write(table_text(record, self.config))
        self.count += 1

    def _csv_line(self, row: list) -> None:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(row)
        self.stream.write(buffer.getvalue())


def csv_rows(record: dict, config: OutputConfig) -> list[list]:
    """With timeline one row per window (``scope`` = window), then the track row (``scope`` = track).

    The track row comes last, so an output cut off by an interrupted run holds a track row only for files whose
    window rows are complete (``--resume`` counts a file as done by its track row).
    """
    if "_csv_rows" in record:  # rows carried over verbatim by --resume
        return record["_csv_rows"]
    blank_explain = [""] * len(EXPLAIN_COLUMNS) if config.explain else []
    if record["error"] is not None:
        top_blanks = [""] * 2 * (config.top - 1)
        return [[record["file"], "track", "", "", "", "", *top_blanks, "", "", *blank_explain, record["error"]]]
    rows = []
    for window in record.get("timeline", []) if config.timeline else []:
        top = sorted(window["probabilities"].items(), key=lambda item: -item[1])[: config.top]
        rows.append(
            [
                record["file"],
                "window",
                window["start_s"],
                window["end_s"],
                *_top_cells([{"genre": g, "probability": p} for g, p in top], config.top),
                "",
                "",
                *blank_explain,
                "",
            ]
        )
    return rows + [
        [
            record["file"],
            "track",
            0.0,
            record["duration_s"],
            *_top_cells(record["top"], config.top),
            _flag(record.get("uncertain")),
            record.get("not_music") or "",
            *(_explain_cells(record.get("explanation")) if config.explain else []),
            "",
        ]
    ]


def _explain_cells(explanation: dict | None) -> list[str]:
    """The :data:`EXPLAIN_COLUMNS` cells of a track row (all empty when the model has no tags)."""
    if explanation is None:
        return [""] * len(EXPLAIN_COLUMNS)

    def pairs(entries: list[dict], key: str) -> str:
        return ";".join(f"{e['tag']}={e[key]:.4f}" for e in entries)

    return [
        explanation["summary"],
        explanation["rival"],
        pairs(explanation["for"], "contribution"),
        pairs(explanation["against"], "contribution"),
        pairs(explanation["top_tags"], "probability"),
        "; ".join(network_line(n) for n in explanation.get("networks") or []),
    ]


def network_line(answer: dict) -> str:
    """One network's answer (an ``explanation["networks"]`` entry) in a line: ``efficientat: blues 0.40 (Blues
    0.17, Jazz 0.08)``, as :meth:`~musicgenre.inference.explain.NetworkAnswer.summary` gives it."""
    tags = ", ".join(f"{t['tag']} {t['probability']:.2f}" for t in answer.get("top_tags") or [])
    return f"{answer['network']}: {answer['genre']} {answer['probability']:.2f}" + (f" ({tags})" if tags else "")


def _flag(value: bool | None) -> str:
    """``uncertain`` as a CSV cell: ``true``, ``false``, or empty when the model has no threshold."""
    return "" if value is None else str(bool(value)).lower()


def _top_cells(top: list[dict], k: int) -> list:
    cells: list = []
    for entry in top[:k]:
        cells += [entry["genre"], f"{entry['probability']:.4f}"]
    return cells + [""] * (2 * k - len(cells))


def table_text(record: dict, config: OutputConfig) -> str:
    """Lines for one file: ``file  genre probability [genre probability …]``, then indented window lines."""
    name = terminal_text(record["file"])
    width = config.file_width
    shown = name if len(name) <= width else "…" + name[-(width - 1) :]
    if record["error"] is not None:
        return f"{shown:<{width}}  ERROR  {terminal_text(record['error'])}\n"
    tops = "  ".join(_table_cell(e["genre"], e["probability"], config) for e in record["top"])
    note = f"  (not music: {record['not_music']})" if record.get("not_music") else ""
    note = note or ("  (uncertain)" if record.get("uncertain") else "")
    lines = [f"{shown:<{width}}  {tops}{note}"]
    if config.explain:
        lines += explain_lines(record.get("explanation"))
    for window in record.get("timeline", []) if config.timeline else []:
        top = sorted(window["probabilities"].items(), key=lambda item: -item[1])[: config.top]
        cells = "  ".join(_table_cell(g, p, config) for g, p in top)
        lines.append(f"{'':<4}{_clock(window['start_s'])}-{_clock(window['end_s']):<{width - 9}}  {cells}")
    return "\n".join(lines) + "\n"


def _table_cell(genre: str, probability: float, config: OutputConfig) -> str:
    """``genre  0.62`` in the table's genre column (a longer name cut with an ellipsis)."""
    width = config.genre_width
    genre = terminal_text(genre)
    name = genre if len(genre) <= width else genre[: width - 1] + "…"
    return f"{name:<{width}} {probability:.{3 if config.multi_label else 2}f}"


def explain_lines(explanation: dict | None) -> list[str]:
    """Indented ``why:`` and ``tags:`` lines under a file's table row, then in a model of several networks one line
    per network's own answer (nothing when the model has no tags: the command says so once)."""
    if explanation is None:
        return []
    lines = [f"    why:  {explanation['summary']}"]
    if explanation["top_tags"]:
        lines.append("    tags: " + ", ".join(f"{t['tag']} {t['probability']:.2f}" for t in explanation["top_tags"]))
    lines += [f"    {network_line(n)}" for n in explanation.get("networks") or []]
    return lines


def table_header(config: OutputConfig) -> str:
    digits = 5 if config.multi_label else 4  # 0.123 or 0.12
    cells = "  ".join(
        f"{'genre' if k == 1 else f'genre {k}':<{config.genre_width}} {'prob':>{digits}}"
        for k in range(1, config.top + 1)
    )
    return f"{'file':<{config.file_width}}  {cells}\n"


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}:{secs:02d}"


class ResumeError(ValueError):
    """An output file cannot be resumed (other format or columns)."""


def read_finished(path: str | Path, config: OutputConfig) -> list[dict]:
    """Records of files that an earlier run classified successfully (error rows are dropped: those files run again).

    ``json``/``jsonl``: records per line (a cut-off last line is ignored). ``csv``: rows grouped by file, kept verbatim;
    the header must match this run's columns. ``table`` cannot be resumed.
    """
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        return []
    fmt = config.format
    if fmt == "table":
        raise ResumeError("--resume needs a machine-readable output: --format csv, json or jsonl")
    text = path.read_text(encoding="utf-8", errors="surrogateescape")  # file names as written, bytes and all
    if fmt in ("json", "jsonl"):
        return [  # a line cut off by an interrupted run is skipped by json_records
            record
            for record in json_records(text)
            if record.get("file") and record.get("error") is None and record.get("genre")
        ]
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return []
    if rows[0] != csv_columns(config):
        raise ResumeError(
            f"{path} was written with other columns ({','.join(rows[0])}); use the same --top/--timeline/--explain"
        )
    by_file: dict[str, list[list[str]]] = {}
    finished: set[str] = set()
    for row in rows[1:]:
        if len(row) != len(rows[0]):
            continue  # a cut-off last line
        by_file.setdefault(row[0], []).append(row)
        if row[1] == "track" and row[-1] == "" and row[4]:
            finished.add(row[0])
    return [{"file": name, "error": None, "_csv_rows": by_file[name]} for name in by_file if name in finished]


def file_key(name: str) -> str:
    """How files are matched between runs: absolute, normalised paths; URLs as written."""
    return name if is_url(name) else os.path.abspath(name)
