"""All figures of an experiment folder, named, in reading order (used by ``plot experiment`` and the report)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from matplotlib.figure import Figure

from musicgenre.visualization.experiment import ExperimentRun
from musicgenre.visualization.results import plot_confusion, plot_leaderboard, plot_learning_curves, plot_per_genre


@dataclass(frozen=True)
class NamedFigure:
    """A figure with a file-safe ``slug`` (``"cnn_confusion"``), a human title and the model it belongs to."""

    slug: str
    title: str
    figure: Figure
    model: str | None = None


def slugify(text: str) -> str:
    """File-safe name: letters, digits, ``-`` and ``_`` only."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_") or "model"


def history_fold(run: ExperimentRun) -> str | None:
    """Which training run a model's history.csv records when the protocol trained several (one per fold):
    the experiment keeps the first fold's (as for model.onnx), so ``"first of 10 folds"``; None for one fold."""
    folds = run.meta.get("folds")
    return f"first of {len(folds)} folds" if isinstance(folds, list) and len(folds) > 1 else None


def experiment_figures(run: ExperimentRun) -> Iterator[NamedFigure]:
    """Yield the leaderboard chart, then per model: learning curves (networks), confusion matrix, per-genre bars.

    Only what the folder holds is drawn; figures are yielded one by one so a caller can save and close each.
    """
    if run.leaderboard:
        yield NamedFigure(
            "leaderboard",
            "Leaderboard",
            plot_leaderboard(run.leaderboard, protocol=run.protocol, interval=run.interval),
        )
    for model in run.models:
        slug = slugify(model.name)
        if model.history is not None:
            yield NamedFigure(
                f"{slug}_learning_curves",
                f"Learning curves — {model.name}",
                plot_learning_curves(model.history, model.best_epoch, model.name, history_fold(run)),
                model.name,
            )
        if model.confusion is not None:
            yield NamedFigure(
                f"{slug}_confusion",
                f"Confusion matrix — {model.name}",
                plot_confusion(model.confusion, model.name, run.protocol),
                model.name,
            )
        if model.per_genre is not None:
            row = run.row(model.name)
            yield NamedFigure(
                f"{slug}_per_genre",
                f"Accuracy per genre — {model.name}",
                plot_per_genre(
                    model.per_genre,
                    model.name,
                    overall=row.accuracy if row else None,
                    interval=run.interval,
                    protocol=run.protocol,
                ),
                model.name,
            )
