"""Read back everything a ``musicgenre predict -o`` output holds about a library, failures included.

Both the library report and the playlists (:func:`~musicgenre.inference.playlists.read_predictions`, the
classified tracks) read it here. The report needs every row: failed files (to review), the ``uncertain`` and
``not_music`` marks, the windows of ``--timeline`` and the track's top tags of ``--explain``. Formats are those of
:mod:`musicgenre.inference.output`: CSV (window rows before their track row), JSON lines, or a JSON array written
one record per line. A line cut off by an interrupted run is skipped, as ``--resume`` does.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: ``musicgenre embed``'s cache folder (``backbones.musicnn.embed.DEFAULT_CACHE_DIR``, a test checks they agree),
#: named here too so that a report finding no cache never imports torch.
EMBED_CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "musicgenre" / "musicnn"

__all__ = ["Library", "LibraryTrack", "LibraryWindow", "PredictionsError", "read_library", "tags_from_cache"]


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
    naming the file) when the file cannot be read or is no predictions file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError as error:
        raise PredictionsError(f"{path}: cannot read ({error.strerror or error})") from None
    head = text.lstrip()[:1]
    if head in ("[", "{"):
        fmt = "json" if head == "[" else "jsonl"
        records = list(json_records(text))
        tracks = tuple(t for t in map(_track_from_record, records) if t is not None)
        has_timeline = any("timeline" in r for r in records)
    elif text.startswith("file,scope,"):
        fmt = "csv"
        tracks, has_timeline = _tracks_from_csv(text)
    else:
        raise PredictionsError(f"{path}: not a predictions file (expected CSV, JSONL or JSON from predict -o)")
    return Library(path, fmt, tracks, has_timeline, any(t.top_tags for t in tracks))


def _float(value: object) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)  # type: ignore[arg-type]  # str or number, as written
    except (TypeError, ValueError):
        return None


def _track_from_record(record: dict) -> LibraryTrack | None:
    file = record.get("file")
    if not file:
        return None
    error = record.get("error")
    if error is not None or not record.get("genre"):
        return LibraryTrack(str(file), None, None, error=str(error or "no genre in the record"))
    windows = tuple(
        LibraryWindow(float(w["start_s"]), float(w["end_s"]), str(w["genre"]))
        for w in record.get("timeline") or []
        if isinstance(w, dict) and w.get("genre") and "start_s" in w and "end_s" in w
    )
    explanation = record.get("explanation")
    tags = explanation.get("top_tags", []) if isinstance(explanation, dict) else []
    return LibraryTrack(
        str(file),
        str(record["genre"]),
        _float(record.get("probability")),
        _float(record.get("duration_s")),
        record.get("uncertain"),
        record.get("not_music") or None,
        None,
        windows,
        tuple((str(t["tag"]), float(t["probability"])) for t in tags if "tag" in t and "probability" in t),
    )


def _tracks_from_csv(text: str) -> tuple[tuple[LibraryTrack, ...], bool]:
    """Tracks of CSV rows: a file's window rows come before its track row (``csv_rows``)."""
    reader = csv.DictReader(io.StringIO(text))
    tracks: list[LibraryTrack] = []
    pending: dict[str, list[LibraryWindow]] = {}
    has_timeline = False
    width = len(reader.fieldnames or [])
    for row in reader:
        if None in row or None in row.values() or len(row) != width:  # a cut-off last line
            continue
        file = row["file"]
        if row["scope"] == "window":
            has_timeline = True
            start, end = _float(row["start_s"]), _float(row["end_s"])
            if start is not None and end is not None and row["genre"]:
                pending.setdefault(file, []).append(LibraryWindow(start, end, row["genre"]))
            continue
        if row["scope"] != "track" or not file:
            continue
        windows = tuple(pending.pop(file, []))
        if row.get("error") or not row["genre"]:
            tracks.append(LibraryTrack(file, None, None, error=row.get("error") or "no genre in the row"))
            continue
        tracks.append(
            LibraryTrack(
                file,
                row["genre"],
                _float(row["probability"]),
                _float(row["end_s"]),
                {"true": True, "false": False}.get((row.get("uncertain") or "").lower()),
                row.get("not_music") or None,
                None,
                windows,
                _tag_cells(row.get("top_tags") or ""),
            )
        )
    return tuple(tracks), has_timeline


def _tag_cells(cell: str) -> tuple[tuple[str, float], ...]:
    """``tag=probability;…`` (the CSV ``top_tags`` cell) as pairs; malformed parts skipped."""
    pairs = []
    for part in cell.split(";"):
        tag, _, value = part.rpartition("=")
        number = _float(value)
        if tag and number is not None:
            pairs.append((tag, number))
    return tuple(pairs)


def tags_from_cache(
    files: Sequence[str], cache_dir: Path | None = None, base: Path = Path("."), model: str = "msd"
) -> dict[int, np.ndarray]:
    """The mean musicnn taggram of each file found in the embedding cache (``musicgenre embed``/``tags`` fill
    it, keyed by the file's content hash): ``{index in files: (n_tags,) float32}`` in the model's tag order.

    ``cache_dir`` None: the embed command's default folder. Paths are taken relative to ``base`` (where predict
    ran); URLs, files gone and files not in the cache are left out. Nothing is computed: with no cache, or without
    the backbones extra (torch) to read it, the answer is empty.
    """
    from musicgenre.audio import file_hash, is_url
    from musicgenre.backbones.musicnn.config import model_config

    name = model_config(model).name
    cache = Path(cache_dir) if cache_dir is not None else EMBED_CACHE_DIR
    if not any(cache.glob(f"{name}-v*")):  # no cache (or no folder): no file worth hashing, no torch to import
        return {}
    try:
        from musicgenre.backbones.musicnn.embed import _cache_get
    except ImportError:  # the backbones extra (torch) is not installed: the cache cannot be read here
        return {}
    found: dict[int, np.ndarray] = {}
    for index, file in enumerate(files):
        if is_url(file):
            continue
        try:
            key = file_hash(base / Path(file).expanduser())
        except OSError:
            continue
        arrays = _cache_get(cache, name, key)
        if arrays is not None and arrays["taggram"].ndim == 2 and len(arrays["taggram"]):
            found[index] = arrays["taggram"].mean(axis=0).astype(np.float32)
    return found
