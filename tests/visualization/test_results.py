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


def test_learning_curves_have_one_legend_below_the_panels(run):
    cnn = _model(run, "cnn")
    fig = plot_learning_curves(cnn.history, cnn.best_epoch, "cnn")
    assert all(ax.get_legend() is None for ax in fig.axes)  # no legend inside a panel, over the curves
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["train", "validation", "restored best epoch (12)"]
    fig.canvas.draw()
    box = legend.get_window_extent()
    assert all(box.y1 <= ax.get_tightbbox().y0 + 1 for ax in fig.axes)  # below both panels and their axis labels
    assert fig.axes[0].get_ylabel() == "cross-entropy loss"


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
    assert f"(test clips: {correct}/290 correct" in figure_title(fig)
    assert f"(fault-filtered test clips: {correct}/290 correct" in figure_title(
        plot_confusion(confusion, "cnn", "fault-filtered")
    )
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
    assert figure_title(fig) == "Accuracy per genre — cnn (test clips)"
    assert_png(save_figure(fig, tmp_path / "per_genre.png"), 700, 400)
    assert (
        figure_title(plot_per_genre(per_genre, "cnn", protocol="kfold"))
        == "Accuracy per genre — cnn (kfold test clips)"
    )


def _count_labels(fig):
    return {t.get_text(): t for t in fig.axes[0].texts if "/" in t.get_text()}


def test_per_genre_labels_read_on_their_bars_and_clear_the_whiskers():
    from musicgenre.visualization.experiment import PerGenre

    genres = ("blues", "reggae", "rock", "metal")
    n = np.array([30.0, 30.0, 30.0, 30.0])
    correct = np.array([27.0, 27.0, 4.0, 1.0])
    accuracy = correct / n
    low = np.array([0.75, 0.75, 0.03, 0.0])  # rock: a bar tall enough for a label, but its whisker reaches the foot
    high = np.array([0.97, 0.97, 0.30, 0.17])
    fig = plot_per_genre(PerGenre(genres, n, correct, accuracy, low, high), "m")
    labels = _count_labels(fig)
    blues, reggae = [t for t in fig.axes[0].texts if t.get_text() == "27/30"]
    assert to_rgba(blues.get_color()) == to_rgba("white")  # dark blue bar
    assert to_rgba(reggae.get_color()) == to_rgba("black")  # light olive bar: white would not read
    assert blues.get_position()[1] == pytest.approx(1.5)  # inside, at the foot
    for label, top in (("4/30", 30.0), ("1/30", 17.0)):  # above the whisker, never crossed by it
        assert labels[label].get_position()[1] == pytest.approx(top + 1.5)


def test_leaderboard_sorted_with_intervals_and_the_seed_marked(run, tmp_path):
    fig = plot_leaderboard(run.leaderboard, protocol="fault-filtered")
    ax = fig.axes[0]
    best = max(run.leaderboard, key=lambda r: r.accuracy)
    assert ax.get_yticklabels()[-1].get_text() == best.model  # best on top
    references = {line.get_label(): line.get_xdata()[0] for line in ax.lines if not line.get_label().startswith("_")}
    assert references == {SEED_REFERENCES[0].label: pytest.approx(62.0), SEED_REFERENCES[1].label: pytest.approx(64.4)}
    # each reference is named with the seed's protocol and the clips it was measured on, in the legend
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["seed, random split: 62 % (validation)", "seed, random split: 64.4 % (unseen clips)"]
    assert f"{best.accuracy * 100:.1f} %  [{best.ci_low * 100:.1f}–{best.ci_high * 100:.1f}]" in texts(fig)
    assert figure_title(fig) == "Leaderboard (protocol: fault-filtered, 290 test clips)"
    assert ax.get_xlim() == (0.0, 80.0)  # the next 10 % above the highest interval (cnn, svm: 74.3 %)
    assert ax.get_xlabel() == "test accuracy (%); whiskers: interval"
    assert_png(save_figure(fig, tmp_path / "leaderboard.png"), 1000, 250)


def test_experiment_figures_cover_every_model(run):
    slugs = [named.slug for named in experiment_figures(run)]
    assert slugs == [
        "leaderboard",
        "cnn_learning_curves",
        "cnn_confusion",
        "cnn_per_genre",
        "svm_confusion",
        "svm_per_genre",
    ] or slugs == [
        "leaderboard",
        "svm_confusion",
        "svm_per_genre",
        "cnn_learning_curves",
        "cnn_confusion",
        "cnn_per_genre",
    ]


def test_kfold_learning_curves_say_which_fold_they_are_from(run):
    def curves_title(r):
        return next(figure_title(n.figure) for n in experiment_figures(r) if n.slug == "cnn_learning_curves")

    assert curves_title(run).startswith("Learning curves — cnn (best epoch 12")  # one fold: nothing to say
    run.meta["folds"] = [{"name": f"fold{i}", "train": 810, "valid": 90, "test": 100} for i in range(1, 11)]
    assert curves_title(run).startswith("Learning curves — cnn, first of 10 folds (best epoch 12")


def test_slugify_keeps_names_file_safe():
    assert slugify("mlp/kaggle57 small") == "mlp_kaggle57_small"
    assert slugify("../..") == "model"
