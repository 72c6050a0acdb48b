"""Read back everything a ``musicgenre predict -o`` output holds about a library, failures included.

Both the library report and the playlists (:func:`~musicgenre.inference.playlists.read_predictions`, the
classified tracks) read it here. The report needs every row: failed files (to review), the ``uncertain`` and
``not_music`` marks, the windows of ``--timeline`` and the track's top tags of ``--explain``. Formats are those of
:mod:`musicgenre.inference.output`: CSV (window rows before their track row), JSON lines, or a JSON array written
one record per line. A line cut off by an interrupted run is skipped, as ``--resume`` does.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from musicgenre.backbones.interface import DEFAULT_CACHE_DIR

#: ``musicgenre embed``'s cache folder, where :func:`tags_from_cache` looks unless told otherwise.
EMBED_CACHE_DIR = DEFAULT_CACHE_DIR

__all__ = [
    "Library",
    "LibraryTrack",
    "LibraryWindow",
    "PredictionsError",
    "read_library",
    "regular_file_hash",
    "tags_from_cache",
]


class PredictionsError(ValueError):
    """A predictions file cannot be read; ``str()`` is one line naming the file."""


def json_records(text: str) -> Iterable[dict]:
    """Records of a JSON array written one per line, or of JSON lines; cut-off lines skipped."""
    for line in text.splitlines():
        line = line.strip().rstrip(",")
        if line in ("", "[", "]"):
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict):
            yield record


@dataclass(frozen=True)
class LibraryWindow:
    """One scored window ``[start_s, end_s)`` of a track and its top genre."""

    start_s: float
    end_s: float
    genre: str


@dataclass(frozen=True)
class LibraryTrack:
    """One file of a predictions output. ``error`` is set (and ``genre`` None) for a file that failed.

    ``uncertain``: the model's mark (None: the model has no threshold); ``not_music``: why it is not music, else
    None; ``windows``: the ``--timeline`` windows (empty without); ``top_tags``: ``(tag, probability)`` of
    ``--explain`` (empty without, or for a model without tags).
    """

    file: str
    genre: str | None
    probability: float | None
    duration_s: float | None = None
    uncertain: bool | None = None
    not_music: str | None = None
    error: str | None = None
    windows: tuple[LibraryWindow, ...] = ()
    top_tags: tuple[tuple[str, float], ...] = ()

    @property
    def ok(self) -> bool:
        """Classified (not failed)."""
        return self.error is None and self.genre is not None

    @property
    def music(self) -> bool:
        """Classified and music: a not-music track's genre is only the nearest the model found, not an answer."""
        return self.ok and not self.not_music


@dataclass(frozen=True)
class Library:
    """The tracks of a predictions file in the order written, and what the file carries: ``format`` (csv, jsonl
    or json), ``has_timeline`` (window rows), ``has_tags`` (some track has ``--explain`` top tags: a model without
    tags writes empty ones)."""

    path: Path
    format: str
    tracks: tuple[LibraryTrack, ...]
    has_timeline: bool
    has_tags: bool


def read_library(path: str | Path) -> Library:
    """Every track of a ``predict -o`` output (CSV, JSONL or JSON). Raises :class:`PredictionsError` (one line
    naming the file, and for a malformed record its line: ``FILE:LINE: reason``) when the file cannot be read, is
    no predictions file, or holds a record predict would not write: a required field missing, a value of the wrong
    type, a number that is not finite (NaN, inf) or out of its range. Only a last line cut off by an interrupted run
    is skipped."""
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):  # a pipe (``<(…)``) ends; a device may never end
            raise PredictionsError(f"{path}: {_kind(mode)}, not a predictions file")
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError as error:
        raise PredictionsError(f"{path}: cannot read ({error.strerror or error})") from None
    head = text.lstrip()[:1]
    try:
        if head in ("[", "{"):
            fmt = "json" if head == "[" else "jsonl"
            records = _numbered_records(text)
            tracks = tuple(_track_from_record(line, record) for line, record in records)
            has_timeline = any("timeline" in r for _, r in records)
        elif text.startswith("file,scope,"):
            fmt = "csv"
            tracks, has_timeline = _tracks_from_csv(text)
        else:
            raise PredictionsError(f"{path}: not a predictions file (expected CSV, JSONL or JSON from predict -o)")
    except _BadRecord as bad:
        raise PredictionsError(f"{path}:{bad.line}: {bad.reason}") from None
    return Library(path, fmt, tracks, has_timeline, any(t.top_tags for t in tracks))


class _BadRecord(Exception):
    """A record predict would not write: its (1-based) line and why."""

    def __init__(self, line: int, reason: str):
        super().__init__(f"{line}: {reason}")
        self.line, self.reason = line, reason


def _numbered_records(text: str) -> list[tuple[int, dict]]:
    """``(line number, record)`` of a JSON array written one record per line, or of JSON lines. A last record line
    that is no JSON (cut off by an interrupted run) is skipped; any other line that is no JSON object is refused."""
    lines = [(n, line.strip().rstrip(",")) for n, line in enumerate(text.split("\n"), start=1)]
    lines = [(n, line) for n, line in lines if line not in ("", "[", "]")]
    records = []
    for k, (n, line) in enumerate(lines):
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):  # JSONDecodeError, an integer too long to read, nesting too deep
            if k == len(lines) - 1:
                continue  # cut off
            raise _BadRecord(n, "not a JSON record") from None
        if not isinstance(record, dict):
            raise _BadRecord(n, f"a JSON {type(record).__name__}, not a record")
        records.append((n, record))
    return records


def _number(
    line: int, field: str, value: object, *, optional: bool = False, unit: bool = False, cell: bool = False
) -> float | None:
    """A finite number (in [0, 1] when ``unit``, else at least 0), or None when ``optional`` and absent. JSON must
    give a number (not a string, not a bool); a CSV ``cell`` is text, parsed here."""
    if value is None or value == "":
        if optional:
            return None
        raise _BadRecord(line, f"{field}: missing")
    if isinstance(value, str) and cell:
        try:
            number = float(value)
        except ValueError:
            raise _BadRecord(line, f"{field}: {_shown(value)} is not a number") from None
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:  # an integer beyond any float
            number = math.inf
    else:
        raise _BadRecord(line, f"{field}: {_shown(value)} is not a number")
    if not math.isfinite(number):
        raise _BadRecord(line, f"{field}: {_shown(value)} is not a finite number")
    if number < 0 or (unit and number > 1):
        raise _BadRecord(line, f"{field}: {number:g} is out of range ({'0 to 1' if unit else 'at least 0'})")
    return number


def _text(line: int, field: str, value: object, *, optional: bool = False) -> str | None:
    """A non-empty string, or None when ``optional`` and absent (null or empty)."""
    if value is None or value == "":
        if optional:
            return None
        raise _BadRecord(line, f"{field}: missing")
    if not isinstance(value, str):
        raise _BadRecord(line, f"{field}: {_shown(value)} is not text")
    return value


def _shown(value: object) -> str:
    """A value as a reason names it: short, one line."""
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _track_from_record(line: int, record: dict) -> LibraryTrack:
    file = _text(line, "file", record.get("file"))
    assert file is not None
    error = _text(line, "error", record.get("error"), optional=True)
    if error is not None:
        return LibraryTrack(file, None, None, error=error)
    genre = _text(line, "genre", record.get("genre"))
    assert genre is not None
    probability = _number(line, "probability", record.get("probability"), unit=True)
    duration = _number(line, "duration_s", record.get("duration_s"), optional=True)
    uncertain = record.get("uncertain")
    if uncertain is not None and not isinstance(uncertain, bool):
        raise _BadRecord(line, f"uncertain: {_shown(uncertain)} is not true, false or null")
    not_music = _text(line, "not_music", record.get("not_music"), optional=True)
    timeline = record.get("timeline")
    if timeline is not None and not isinstance(timeline, list):
        raise _BadRecord(line, "timeline: not a list")
    windows = []
    for k, window in enumerate(timeline or []):
        if not isinstance(window, dict):
            raise _BadRecord(line, f"timeline[{k}]: not a record")
        start = _number(line, f"timeline[{k}].start_s", window.get("start_s"))
        end = _number(line, f"timeline[{k}].end_s", window.get("end_s"))
        window_genre = _text(line, f"timeline[{k}].genre", window.get("genre"))
        assert start is not None and end is not None and window_genre is not None
        windows.append(LibraryWindow(start, end, window_genre))
    explanation = record.get("explanation")
    if explanation is not None and not isinstance(explanation, dict):
        raise _BadRecord(line, "explanation: not a record")
    tags = (explanation or {}).get("top_tags") or []
    if not isinstance(tags, list):
        raise _BadRecord(line, "explanation.top_tags: not a list")
    top_tags = []
    for k, tag in enumerate(tags):
        if not isinstance(tag, dict):
            raise _BadRecord(line, f"explanation.top_tags[{k}]: not a record")
        name = _text(line, f"explanation.top_tags[{k}].tag", tag.get("tag"))
        value = _number(line, f"explanation.top_tags[{k}].probability", tag.get("probability"), unit=True)
        assert name is not None and value is not None
        top_tags.append((name, value))
    return LibraryTrack(file, genre, probability, duration, uncertain, not_music, None, tuple(windows), tuple(top_tags))


def _tracks_from_csv(text: str) -> tuple[tuple[LibraryTrack, ...], bool]:
    """Tracks of CSV rows: a file's window rows come before its track row (``csv_rows``). A last row cut off by an
    interrupted run (no line end, or too few cells) is skipped; any other malformed row is refused."""
    reader = csv.DictReader(io.StringIO(text))
    tracks: list[LibraryTrack] = []
    pending: dict[str, list[LibraryWindow]] = {}
    has_timeline = False
    rows = []
    try:
        header = reader.fieldnames or []
        for row in reader:
            rows.append((reader.line_num, row))
    except csv.Error as error:  # a cell beyond the field size limit, a NUL
        raise _BadRecord(reader.line_num, f"not CSV ({error})") from None
    width = len(header)
    missing = [c for c in ("file", "scope", "start_s", "end_s", "genre", "probability", "error") if c not in header]
    if missing:
        raise _BadRecord(1, f"no {', '.join(missing)} column in the header")
    cut_off = not text.endswith("\n")
    for k, (line, row) in enumerate(rows):
        short, long = None in row.values(), None in row
        try:
            if short or long:
                raise _BadRecord(line, f"{'fewer' if short else 'more'} cells than the header's {width}")
            track = _csv_row(line, row, pending)
        except _BadRecord:
            if k == len(rows) - 1 and (cut_off or short):
                continue  # a last line cut off by an interrupted run
            raise
        has_timeline = has_timeline or row["scope"] == "window"
        if track is not None:
            tracks.append(track)
    return tuple(tracks), has_timeline


def _csv_row(line: int, row: dict, pending: dict[str, list[LibraryWindow]]) -> LibraryTrack | None:
    """One CSV row: a window row is kept in ``pending`` until its track row, which gives the track."""
    file = _text(line, "file", row["file"])
    assert file is not None
    scope = row["scope"]
    if scope == "window":
        start = _number(line, "start_s", row["start_s"], cell=True)
        end = _number(line, "end_s", row["end_s"], cell=True)
        genre = _text(line, "genre", row["genre"])
        assert start is not None and end is not None and genre is not None
        pending.setdefault(file, []).append(LibraryWindow(start, end, genre))
        return None
    if scope != "track":
        raise _BadRecord(line, f"scope: {_shown(scope)} is neither track nor window")
    windows = tuple(pending.pop(file, []))
    if row.get("error"):
        return LibraryTrack(file, None, None, error=row["error"])
    genre = _text(line, "genre", row["genre"])
    probability = _number(line, "probability", row["probability"], unit=True, cell=True)
    _number(line, "start_s", row["start_s"], optional=True, cell=True)
    duration = _number(line, "end_s", row["end_s"], optional=True, cell=True)
    flag = (row.get("uncertain") or "").lower()
    if flag not in ("", "true", "false"):
        raise _BadRecord(line, f"uncertain: {_shown(row['uncertain'])} is not true, false or empty")
    return LibraryTrack(
        file,
        genre,
        probability,
        duration,
        {"true": True, "false": False}.get(flag),
        row.get("not_music") or None,
        None,
        windows,
        _tag_cells(line, row.get("top_tags") or ""),
    )


def _tag_cells(line: int, cell: str) -> tuple[tuple[str, float], ...]:
    """``tag=probability;…`` (the CSV ``top_tags`` cell) as pairs; a part with no ``=`` is skipped (a ``;`` in a
    tag's name), a probability that is no finite number in [0, 1] refused."""
    pairs = []
    for part in cell.split(";"):
        tag, _, value = part.rpartition("=")
        if tag:
            number = _number(line, f"top_tags {tag!r}", value, unit=True, cell=True)
            assert number is not None
            pairs.append((tag, number))
    return tuple(pairs)


def _kind(mode: int) -> str:
    """What a file that is not a regular file is, as a reason names it."""
    kinds = [
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ]
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def regular_file_hash(path: str | Path, chunk_bytes: int = 1 << 20) -> str:
    """Hex SHA-256 of a regular file's content (the embedding cache's key, as
    :func:`~musicgenre.audio.files.file_hash` gives it), read only after checking it is one: links are followed,
    then anything else (a FIFO that would block, a device that never ends, a folder) raises :class:`ValueError`
    naming what it is, before being read. Opened without blocking and checked again on the open file, so a swap
    between the check and the open cannot slip a FIFO in."""
    if not stat.S_ISREG(mode := os.stat(path).st_mode):
        raise ValueError(f"{_kind(mode)}, not a regular file")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(mode := os.fstat(fd).st_mode):
            raise ValueError(f"{_kind(mode)}, not a regular file")
        digest = hashlib.sha256()
        while chunk := handle.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


def tags_from_cache(
    files: Sequence[str],
    cache_dir: Path | None = None,
    base: Path = Path("."),
    model: str = "msd",
    skipped: list[tuple[str, str]] | None = None,
) -> dict[int, np.ndarray]:
    """The mean musicnn taggram of each file found in the embedding cache (``musicgenre embed``/``tags`` fill
    it, keyed by the file's content hash): ``{index in files: (n_tags,) float32}`` in the model's tag order.

    ``cache_dir`` None: the embed command's default folder. Paths are taken relative to ``base`` (where predict
    ran); URLs, files gone and files not in the cache are left out. Only regular files are read
    (:func:`regular_file_hash`): a FIFO, a device or a folder named in the predictions is left out, and ``(file,
    reason)`` appended to ``skipped`` when given. Nothing is computed: with no cache the answer is empty. Reading the
    cache needs no torch (:mod:`musicgenre.backbones.musicnn.cache`).
    """
    from musicgenre.audio import is_url
    from musicgenre.backbones.musicnn.cache import output_cache
    from musicgenre.backbones.musicnn.config import model_config

    name = model_config(model).name
    cache = Path(cache_dir) if cache_dir is not None else EMBED_CACHE_DIR
    if not any(cache.glob(f"{name}-v*")):  # no cache (or no folder): no file worth hashing
        return {}
    entries = output_cache(cache, name)
    found: dict[int, np.ndarray] = {}
    for index, file in enumerate(files):
        if is_url(file):
            continue
        try:
            key = regular_file_hash(base / Path(file).expanduser())
        except ValueError as reason:
            if skipped is not None:
                skipped.append((file, str(reason)))
            continue
        except OSError:  # gone, or unreadable: not in the cache as far as this report can tell
            continue
        arrays = entries.get(key)
        if arrays is not None and arrays["taggram"].ndim == 2 and len(arrays["taggram"]):
            found[index] = arrays["taggram"].mean(axis=0).astype(np.float32)
    return found
