"""Read an experiment folder (the format in DEVELOPING.md) into typed results, tolerating missing files.

Nothing here draws; :mod:`musicgenre.visualization.results` turns these into figures. A file that is
absent is listed in ``missing``; one that exists but cannot be read is listed in ``problems`` with the
reason; everything else is still returned so the figures of what exists can be drawn.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

LEADERBOARD = "leaderboard.csv"
META = "experiment.json"
PER_GENRE = "per_genre.csv"
CONFUSION = "confusion.csv"
HISTORY = "history.csv"
BEST_EPOCH = "best_epoch.txt"
MODEL_FILES = (PER_GENRE, CONFUSION, HISTORY, BEST_EPOCH, "model.onnx")


class ExperimentError(Exception):
    """The folder is not usable at all; ``str(err)`` is one line ``"<folder>: <reason>"``."""

    def __init__(self, path: str | Path, reason: str):
        self.path, self.reason = str(path), reason
        super().__init__(f"{self.path}: {reason}")


@dataclass(frozen=True)
class LeaderboardRow:
    """One model's test result. Accuracies are fractions in [0, 1]; ``train_seconds`` wall-clock seconds."""

    model: str
    protocol: str
    accuracy: float
    ci_low: float
    ci_high: float
    macro_f1: float = math.nan
    n_test: int = 0
    train_seconds: float = math.nan
    valid_accuracy: float = math.nan  # accuracy on the validation clips (the kind of number the seed reported)
    accuracy_std: float = math.nan  # spread over folds (k-fold only)
    folds: int = 1
    inputs: str = ""


@dataclass(frozen=True)
class History:
    """Per-epoch training record; every array has shape ``(n_epochs,)``; accuracies are fractions, NaN where absent."""

    epoch: np.ndarray
    train_loss: np.ndarray
    val_loss: np.ndarray
    train_accuracy: np.ndarray
    val_accuracy: np.ndarray
    lr: np.ndarray


@dataclass(frozen=True)
class PerGenre:
    """Test accuracy per genre: arrays of shape ``(n_genres,)``; ``accuracy``/``ci_*`` fractions in [0, 1]."""

    genre: tuple[str, ...]
    n: np.ndarray
    correct: np.ndarray
    accuracy: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray


@dataclass(frozen=True)
class Confusion:
    """Counts, shape ``(len(true), len(predicted))``: row = true genre, column = predicted genre."""

    true: tuple[str, ...]
    predicted: tuple[str, ...]
    counts: np.ndarray

    def row_normalized(self) -> np.ndarray:
        """Each row divided by its total (fraction of that genre's clips), 0 for an empty row."""
        totals = self.counts.sum(axis=1, keepdims=True).astype(float)
        return np.divide(self.counts, totals, out=np.zeros(self.counts.shape, float), where=totals > 0)


@dataclass
class ModelRun:
    """What one model's sub-folder holds (``None`` for each part that is absent or unreadable)."""

    name: str
    path: Path
    per_genre: PerGenre | None = None
    confusion: Confusion | None = None
    history: History | None = None
    best_epoch: int | None = None
    missing: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class ExperimentRun:
    """An experiment folder: its metadata, leaderboard and per-model results, plus what was missing."""

    path: Path
    meta: dict = field(default_factory=dict)
    leaderboard: list[LeaderboardRow] = field(default_factory=list)
    models: list[ModelRun] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def protocol(self) -> str:
        """The protocol named in experiment.json, else the leaderboard's protocol(s), else ``"unknown"``."""
        if self.meta.get("protocol"):
            return str(self.meta["protocol"])
        protocols = sorted({row.protocol for row in self.leaderboard if row.protocol})
        return ", ".join(protocols) or "unknown"

    @property
    def interval(self) -> str:
        """What ``ci_low``–``ci_high`` are, from experiment.json's notes (``"95 % bootstrap interval"``), else
        ``"interval"``."""
        notes = self.meta.get("notes")
        text = " ".join(str(v) for v in notes.values()) if isinstance(notes, dict) else ""
        if "bootstrap" in text:
            level = re.search(r"(\d+(?:\.\d+)?) ?%", text[text.find("interval") :] if "interval" in text else text)
            return f"{level.group(1)} % bootstrap interval" if level else "bootstrap interval"
        return "interval"

    def row(self, model: str) -> LeaderboardRow | None:
        return next((row for row in self.leaderboard if row.model == model), None)

    def all_missing(self) -> list[str]:
        """Every missing file as a path relative to the folder (``"cnn/history.csv"``)."""
        return self.missing + [f"{m.name}/{name}" for m in self.models for name in m.missing]

    def all_problems(self) -> list[str]:
        return self.problems + [p for m in self.models for p in m.problems]


def _float_array(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)


def _require(frame: pd.DataFrame, columns: tuple[str, ...], path: Path) -> None:
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise ValueError(f"no column {', '.join(absent)} (has {', '.join(map(str, frame.columns))})")


def read_leaderboard(path: Path) -> list[LeaderboardRow]:
    """Rows of ``leaderboard.csv`` in file order."""
    frame = pd.read_csv(path)
    _require(frame, ("model", "accuracy"), path)
    rows = []

    def number(record: dict, key: str, default: float = math.nan) -> float:
        value = record.get(key, default)
        return float(value) if pd.notna(value) else default

    for record in frame.to_dict("records"):
        accuracy = float(record["accuracy"])
        rows.append(
            LeaderboardRow(
                model=str(record["model"]),
                protocol=str(record.get("protocol", "") if pd.notna(record.get("protocol", "")) else ""),
                accuracy=accuracy,
                ci_low=number(record, "ci_low", accuracy),
                ci_high=number(record, "ci_high", accuracy),
                macro_f1=number(record, "macro_f1"),
                n_test=int(number(record, "n_test", 0)),
                train_seconds=number(record, "train_seconds"),
                valid_accuracy=number(record, "valid_accuracy"),
                accuracy_std=number(record, "accuracy_std"),
                folds=int(number(record, "folds", 1)),
                inputs=str(record["inputs"]) if pd.notna(record.get("inputs", math.nan)) else "",
            )
        )
    return rows


def read_history(path: Path) -> History:
    """``history.csv`` (epoch, train_loss, val_loss, train_accuracy, val_accuracy, lr)."""
    frame = pd.read_csv(path)
    _require(frame, ("epoch",), path)
    if len(frame) == 0:
        raise ValueError("no epochs in it")
    return History(
        *(_float_array(frame, c) for c in ("epoch", "train_loss", "val_loss", "train_accuracy", "val_accuracy", "lr"))
    )


def read_per_genre(path: Path) -> PerGenre:
    """``per_genre.csv`` (genre, n, correct, accuracy, ci_low, ci_high)."""
    frame = pd.read_csv(path)
    _require(frame, ("genre", "accuracy"), path)
    accuracy = _float_array(frame, "accuracy")
    low, high = _float_array(frame, "ci_low"), _float_array(frame, "ci_high")
    return PerGenre(
        genre=tuple(map(str, frame["genre"])),
        n=_float_array(frame, "n"),
        correct=_float_array(frame, "correct"),
        accuracy=accuracy,
        ci_low=np.where(np.isnan(low), accuracy, low),
        ci_high=np.where(np.isnan(high), accuracy, high),
    )


def read_confusion(path: Path) -> Confusion:
    """``confusion.csv``: first column the true genre (row labels), header the predicted genres, integer counts."""
    frame = pd.read_csv(path, index_col=0)
    counts = frame.apply(pd.to_numeric, errors="raise").to_numpy()
    if counts.ndim != 2 or counts.size == 0:
        raise ValueError("empty matrix")
    return Confusion(
        true=tuple(map(str, frame.index)), predicted=tuple(map(str, frame.columns)), counts=counts.astype(int)
    )


def read_best_epoch(path: Path) -> int:
    """The integer in ``best_epoch.txt``."""
    text = path.read_text().strip()
    try:
        return int(float(text.split()[0]))
    except (ValueError, IndexError):
        raise ValueError(f"not an epoch number: {text[:40]!r}") from None


def _read(target, path: Path, reader, problems: list[str], missing: list[str] | None):
    """``reader(path)`` or None; an absent file goes to ``missing`` (if given), an unreadable one to ``problems``."""
    if not path.is_file():
        if missing is not None:
            missing.append(path.name)
        return None
    try:
        return reader(path)
    except Exception as error:  # malformed content: say which file and why, draw the rest
        problems.append(f"{target}: {' '.join(str(error).split())[:200]}")
        return None


def read_model(path: Path, name: str | None = None) -> ModelRun:
    """One model's sub-folder. per_genre.csv and confusion.csv are expected of every model; history.csv and
    best_epoch.txt only of networks, so each is reported missing only when the other is present."""
    name = name or path.name
    run = ModelRun(name=name, path=path)
    if not path.is_dir():
        run.missing.append("(folder)")
        return run
    rel = lambda f: f"{name}/{f}"  # noqa: E731
    run.per_genre = _read(rel(PER_GENRE), path / PER_GENRE, read_per_genre, run.problems, run.missing)
    run.confusion = _read(rel(CONFUSION), path / CONFUSION, read_confusion, run.problems, run.missing)
    is_network = (path / HISTORY).is_file() or (path / BEST_EPOCH).is_file()
    optional = run.missing if is_network else None
    run.history = _read(rel(HISTORY), path / HISTORY, read_history, run.problems, optional)
    run.best_epoch = _read(rel(BEST_EPOCH), path / BEST_EPOCH, read_best_epoch, run.problems, optional)
    return run


def load_experiment(folder: str | Path) -> ExperimentRun:
    """Read everything readable in an experiment folder.

    Models are those of the leaderboard (in its order) followed by any other sub-folder holding a model file.
    Raises :class:`ExperimentError` (one line ``"<folder>: <reason>"``) only when the folder itself is
    absent or holds nothing of an experiment.
    """
    folder = Path(folder)
    if not folder.exists():
        raise ExperimentError(folder, "no such experiment folder")
    if not folder.is_dir():
        raise ExperimentError(folder, "is a file, not an experiment folder")
    run = ExperimentRun(path=folder)
    run.leaderboard = _read(LEADERBOARD, folder / LEADERBOARD, read_leaderboard, run.problems, run.missing) or []
    run.meta = _read(META, folder / META, lambda p: dict(json.loads(p.read_text())), run.problems, run.missing) or {}
    names = [row.model for row in run.leaderboard]
    names += sorted(
        p.name
        for p in folder.iterdir()
        if p.is_dir() and p.name not in names and any((p / f).is_file() for f in MODEL_FILES)
    )
    run.models = [read_model(folder / name, name) for name in names]
    if not run.leaderboard and not run.meta and not run.models:
        raise ExperimentError(folder, f"not an experiment folder (no {LEADERBOARD}, {META} or model sub-folders)")
    return run
