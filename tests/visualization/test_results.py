"""Experiment figures: learning curves, confusion matrix, per-genre bars, leaderboard."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from visualization.pngcheck import assert_png, texts

from musicgenre.genres import GENRE_COLOURS, GENRES
from musicgenre.visualization.experiment import load_experiment
from musicgenre.visualization.experiment_figures import experiment_figures, slugify
from musicgenre.visualization.results import (
    SEED_REFERENCES,
    plot_confusion,
    plot_leaderboard,
    plot_learning_curves,
    plot_per_genre,
)
from musicgenre.visualization.style import figure_title, save_figure


@pytest.fixture()
def run(run_dir):
    return load_experiment(run_dir)


def _model(run, name):
    return next(m for m in run.models if m.name == name)


def test_learning_curves_mark_the_best_epoch(run, tmp_path):
    cnn = _model(run, "cnn")
    fig = plot_learning_curves(cnn.history, cnn.best_epoch, "cnn")
    loss_ax, acc_ax = fig.axes
    for ax in (loss_ax, acc_ax):
        marks = [line for line in ax.lines if line.get_label() == "restored best epoch (12)"]
        assert len(marks) == 1 and list(marks[0].get_xdata()) == [12, 12]
        assert [line.get_label() for line in ax.lines[:2]] == ["train", "validation"]
    assert np.allclose(acc_ax.lines[1].get_ydata(), cnn.history.val_accuracy * 100)  # fractions shown in %
    assert figure_title(fig).startswith("Learning curves — cnn (best epoch 12: validation accuracy")
    assert_png(save_figure(fig, tmp_path / "curves.png"), 1000, 400)


def test_learning_curves_without_best_epoch(run):
    fig = plot_learning_curves(_model(run, "cnn").history, None, "cnn")
    assert not any("best epoch" in t for t in texts(fig))


def test_confusion_counts_and_row_normalized(run, tmp_path):
    confusion = _model(run, "cnn").confusion
    fig = plot_confusion(confusion, "cnn")
    counts_ax, share_ax = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert counts_ax.get_title(loc="left") == "Counts" and share_ax.get_title(loc="left").startswith("Row-normalized")
    assert np.array_equal(counts_ax.images[0].get_array(), confusion.counts)
    assert np.allclose(share_ax.images[0].get_array().sum(axis=1), 100.0)
    ticks = counts_ax.get_yticklabels()
    assert [t.get_text() for t in ticks] == list(GENRES)
    assert to_rgba(ticks[3].get_color()) == to_rgba(GENRE_COLOURS["disco"])
    correct = int(np.trace(confusion.counts))
    assert f"({correct}/290 correct" in figure_title(fig)
    assert_png(save_figure(fig, tmp_path / "confusion.png"), 1000, 500)


def test_per_genre_bars_have_genre_colours_and_intervals(run, tmp_path):
    per_genre = _model(run, "cnn").per_genre
    fig = plot_per_genre(per_genre, "cnn", overall=0.6, interval="95 % bootstrap interval")
    ax = fig.axes[0]
    bars = ax.patches
    assert len(bars) == 10
    assert [to_rgba(b.get_facecolor()) for b in bars] == [to_rgba(GENRE_COLOURS[g]) for g in GENRES]
    assert np.allclose([b.get_height() for b in bars], per_genre.accuracy * 100)
    whiskers = ax.collections[0].get_segments()
    assert np.allclose([s[:, 1].min() for s in whiskers], per_genre.ci_low * 100)
    assert np.allclose([s[:, 1].max() for s in whiskers], per_genre.ci_high * 100)
    assert {"overall 60.0 %", "chance 10 %", "95 % bootstrap interval"} <= set(texts(fig))
    assert_png(save_figure(fig, tmp_path / "per_genre.png"), 700, 400)


def test_leaderboard_sorted_with_intervals_and_the_seed_marked(run, tmp_path):
    fig = plot_leaderboard(run.leaderboard, protocol="fault-filtered")
    ax = fig.axes[0]
    best = max(run.leaderboard, key=lambda r: r.accuracy)
    assert ax.get_yticklabels()[-1].get_text() == best.model  # best on top
    references = {line.get_label(): line.get_xdata()[0] for line in ax.lines if not line.get_label().startswith("_")}
    assert references == {SEED_REFERENCES[0].label: pytest.approx(62.0), SEED_REFERENCES[1].label: pytest.approx(64.4)}
    assert f"{best.accuracy * 100:.1f} %  [{best.ci_low * 100:.1f}–{best.ci_high * 100:.1f}]" in texts(fig)
    assert figure_title(fig) == "Leaderboard (protocol: fault-filtered, 290 test clips)"
    assert ax.get_xlim() == (0.0, 80.0)  # the next 10 % above the highest interval (cnn, svm: 74.3 %)
    assert ax.get_xlabel() == "test accuracy (%); whiskers: interval"
    assert_png(save_figure(fig, tmp_path / "leaderboard.png"), 1000, 250)


def test_experiment_figures_cover_every_model(run):
    slugs = [named.slug for named in experiment_figures(run)]
    assert slugs == ["leaderboard", "cnn_learning_curves", "cnn_confusion", "cnn_per_genre", "svm_confusion", "svm_per_genre"] or \
        slugs == ["leaderboard", "svm_confusion", "svm_per_genre", "cnn_learning_curves", "cnn_confusion", "cnn_per_genre"]


def test_slugify_keeps_names_file_safe():
    assert slugify("mlp/kaggle57 small") == "mlp_kaggle57_small"
    assert slugify("../..") == "model"
