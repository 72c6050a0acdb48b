"""Figures of an experiment's results: learning curves, confusion matrix, per-genre accuracy, leaderboard.

Every builder takes the typed results of :mod:`musicgenre.visualization.experiment` and returns a Figure.
Accuracies arrive as fractions and are shown in percent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from musicgenre.genres import GENRES
from musicgenre.visualization.experiment import Confusion, History, LeaderboardRow, PerGenre
from musicgenre.visualization.style import NEUTRAL, genre_colour, new_figure, styled

TRAIN_COLOUR = "#1f4e79"
VAL_COLOUR = "#e07b00"
BEST_COLOUR = "#2a9d2a"
#: Height in % of the per-genre axis a bar's "correct/n" label needs at its foot (1.5 % margin + 9 pt text).
LABEL_ROOM = 8.0


@dataclass(frozen=True)
class Reference:
    """A reference accuracy drawn as a labelled vertical line (``accuracy`` a fraction)."""

    label: str
    accuracy: float
    colour: str = "#c0392b"
    style: str = "--"
    measured_on: str = "test"  # "test" (unseen clips) or "valid": which column of a table it belongs in


#: The seed project's published numbers, both from one random split of GTZAN (its protocol): 62 % on its
#: validation clips, 64.4 % on its unseen (test) clips.
SEED_REFERENCES: tuple[Reference, ...] = (
    Reference("seed, random split: 62 % (validation)", 0.62, "#c0392b", "--", "valid"),
    Reference("seed, random split: 64.4 % (unseen clips)", 0.644, "#7d3c98", ":", "test"),
)


def ranked(rows: Sequence[LeaderboardRow]) -> list[LeaderboardRow]:
    """Leaderboard rows best first; ties keep their file order (the chart and the report table both use this)."""
    return sorted(rows, key=lambda r: -r.accuracy)


def _protocol_note(protocol: str | None) -> str:
    return f"{protocol} test clips" if protocol and protocol != "unknown" else "test clips"


def _text_colour(fill: str) -> str:
    """Black or white, whichever reads better on ``fill`` (WCAG relative luminance)."""
    from matplotlib.colors import to_rgb

    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(fill)]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    # contrast with white (1.05 / (L + 0.05)) against contrast with black ((L + 0.05) / 0.05)
    return "white" if 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 else "black"


def _model_title(kind: str, model: str | None) -> str:
    return f"{kind} — {model}" if model else kind


@styled
def plot_learning_curves(
    history: History, best_epoch: int | None = None, model: str | None = None, fold: str | None = None
) -> Figure:
    """Two panels by epoch: loss (train, validation) and accuracy in % (train, validation).

    ``best_epoch`` (the epoch whose weights were restored) is marked by a vertical line in both panels
    and a dot on the validation curves. One legend below both panels names the lines. ``fold`` says which
    training run the history is from when there were several (k-fold: ``"first of 10 folds"``).
    """
    fig = new_figure(12.0, 4.6)
    loss_ax, acc_ax = fig.subplots(1, 2)
    epochs = history.epoch
    best_index = None
    if best_epoch is not None and np.any(epochs == best_epoch):
        best_index = int(np.flatnonzero(epochs == best_epoch)[0])
    panels = (
        (loss_ax, history.train_loss, history.val_loss, "cross-entropy loss", "Loss", 1.0),
        (acc_ax, history.train_accuracy, history.val_accuracy, "accuracy", "Accuracy", 100.0),
    )
    for ax, train, val, ylabel, name, scale in panels:
        drawn = _plot_curves(ax, epochs, train, val, scale)
        if best_epoch is not None:
            _mark_best(ax, best_epoch, best_index, val, scale)
        if not drawn:
            ax.text(
                0.5, 0.5, f"no {ylabel} recorded", transform=ax.transAxes, ha="center", va="center", color="#777777"
            )
        _label_panel(ax, ylabel, name, scale)
    _shared_legend(fig, (loss_ax, acc_ax))
    if best_index is not None and np.isfinite(history.val_accuracy[best_index]):
        note = f" (best epoch {best_epoch}: validation accuracy {history.val_accuracy[best_index] * 100:.1f} %)"
    else:
        note = ""
    fig.suptitle(_model_title("Learning curves", model) + (f", {fold}" if fold else "") + note)
    return fig


def _plot_curves(ax: Axes, epochs: np.ndarray, train: np.ndarray, val: np.ndarray, scale: float) -> bool:
    """Draw the train and validation curves (``(n_epochs,)``, times ``scale``) that have a finite value; any drawn."""
    drawn = False
    for values, label, colour, style in ((train, "train", TRAIN_COLOUR, "-"), (val, "validation", VAL_COLOUR, "-")):
        if np.isfinite(values).any():
            ax.plot(
                epochs,
                values * scale,
                style,
                color=colour,
                label=label,
                linewidth=2,
                marker="o" if len(epochs) <= 30 else None,
                markersize=3,
            )
            drawn = True
    return drawn


def _mark_best(ax: Axes, best_epoch: int, best_index: int | None, val: np.ndarray, scale: float) -> None:
    """A vertical line at the restored best epoch, and a dot on the validation curve there when it has a value."""
    ax.axvline(
        best_epoch,
        color=BEST_COLOUR,
        linestyle="--",
        linewidth=1.5,
        label=f"restored best epoch ({best_epoch})",
    )
    if best_index is not None and np.isfinite(val[best_index]):
        ax.plot([best_epoch], [val[best_index] * scale], "o", color=BEST_COLOUR, markersize=8, zorder=5)


def _label_panel(ax: Axes, ylabel: str, name: str, scale: float) -> None:
    """Axis labels, title and grid of one panel; a ``scale`` of 100 means the values are percentages."""
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(ylabel + (" (%)" if scale == 100.0 else ""))
    ax.set_title(name, loc="left", fontweight="bold")
    if scale == 100.0:
        ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    ax.grid(True, alpha=0.3)


def _shared_legend(fig: Figure, axes: Sequence[Axes]) -> None:
    """One legend for all ``axes``, below them, so it never covers a curve (each label once)."""
    legend: dict[str, Artist] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            legend.setdefault(label, handle)
    if legend:
        fig.legend(
            list(legend.values()), list(legend.keys()), loc="outside lower center", ncols=len(legend), frameon=False
        )


def _colour_genre_ticks(labels) -> None:
    for label in labels:
        label.set_color(genre_colour(label.get_text()) if label.get_text() in GENRES else "black")
        label.set_fontweight("bold")


@styled
def plot_confusion(confusion: Confusion, model: str | None = None, protocol: str | None = None) -> Figure:
    """Two heat maps side by side: counts, and each row divided by its total (in %), values written in the cells.

    Rows are true genres, columns predicted genres; genre tick labels take their genre colours. The title
    gives the accuracy and whose test clips were counted (``protocol``).
    """
    k_true, k_pred = confusion.counts.shape
    size = max(5.0, 0.5 * max(k_true, k_pred) + 1.3)
    fig = new_figure(2 * size + 1.0, size)
    axes = fig.subplots(1, 2)
    share = confusion.row_normalized()
    panels = (
        (axes[0], confusion.counts, "Counts", "Blues", "clips", lambda v: f"{int(v)}"),
        (axes[1], share * 100, "Row-normalized (% of each true genre)", "Oranges", "% of row", lambda v: f"{v:.0f}"),
    )
    for ax, values, name, cmap, bar_label, fmt in panels:
        if bar_label == "% of row":
            vmax = 100.0  # the same scale for every model, so shades compare across figures
        else:
            vmax = float(values.max()) if values.size and values.max() > 0 else 1.0
        image = ax.imshow(values, cmap=cmap, vmin=0, vmax=vmax, aspect="equal")
        cell_font = 10 if max(k_true, k_pred) <= 12 else 7
        for i in range(k_true):
            for j in range(k_pred):
                if values[i, j] > 0 or i == j:
                    dark = values[i, j] > 0.55 * vmax
                    ax.text(
                        j,
                        i,
                        fmt(values[i, j]),
                        ha="center",
                        va="center",
                        fontsize=cell_font,
                        color="white" if dark else "black",
                        fontweight="bold" if i == j else "normal",
                    )
        ax.set_xticks(range(k_pred), confusion.predicted, rotation=45, ha="right", rotation_mode="anchor")
        ax.set_yticks(range(k_true), confusion.true)
        _colour_genre_ticks(ax.get_xticklabels())
        _colour_genre_ticks(ax.get_yticklabels())
        ax.set_xlabel("predicted genre")
        ax.set_ylabel("true genre")
        ax.set_title(name, loc="left", fontweight="bold")
        for spine in ax.spines.values():
            spine.set_visible(False)
        bar = fig.colorbar(image, ax=ax, shrink=0.8, pad=0.02)
        bar.set_label(bar_label)
    total = int(confusion.counts.sum())
    correct = (
        int(np.trace(confusion.counts))
        if k_true == k_pred
        else int(
            sum(
                confusion.counts[i, confusion.predicted.index(g)]
                for i, g in enumerate(confusion.true)
                if g in confusion.predicted
            )
        )
    )
    accuracy = (
        f" ({_protocol_note(protocol)}: {correct}/{total} correct, {100 * correct / total:.1f} %)" if total else ""
    )
    fig.suptitle(_model_title("Confusion matrix", model) + accuracy)
    return fig


@styled
def plot_per_genre(
    per_genre: PerGenre,
    model: str | None = None,
    overall: float | None = None,
    interval: str = "interval",
    protocol: str | None = None,
) -> Figure:
    """Bars of test accuracy per genre (genre colours) with their intervals as error bars, in %.

    Each bar is labelled with ``correct/n`` (inside the bar in black or white, whichever reads on its
    colour; above the whisker when the bar is short); ``overall`` (a fraction) and chance (1 / number of
    genres) are drawn as horizontal lines; ``interval`` names the error bars in the legend; ``protocol``
    names whose test clips in the title.
    """
    k = len(per_genre.genre)
    fig = new_figure(max(8.0, 0.9 * k + 2.5), 5.2)
    ax = fig.add_subplot()
    x = np.arange(k)
    accuracy = per_genre.accuracy * 100
    low = np.clip(accuracy - per_genre.ci_low * 100, 0, None)
    high = np.clip(per_genre.ci_high * 100 - accuracy, 0, None)
    colours = [genre_colour(g) for g in per_genre.genre]
    ax.bar(x, accuracy, color=colours, width=0.7, zorder=2)
    ax.errorbar(
        x, accuracy, yerr=[low, high], fmt="none", ecolor="black", elinewidth=1.3, capsize=5, zorder=3, label=interval
    )
    for i in range(k):
        n, correct = per_genre.n[i], per_genre.correct[i]
        text = f"{int(correct)}/{int(n)}" if np.isfinite(n) and np.isfinite(correct) else f"{accuracy[i]:.0f} %"
        # inside the bar when it fits below the whisker's lower end (else the whisker line crosses it); otherwise above
        # the whisker
        inside = min(accuracy[i], per_genre.ci_low[i] * 100) >= LABEL_ROOM
        ax.text(
            x[i],
            1.5 if inside else max(accuracy[i], per_genre.ci_high[i] * 100) + 1.5,
            text,
            ha="center",
            va="bottom",
            fontsize=9,
            color=_text_colour(colours[i]) if inside else "black",
            fontweight="bold",
            zorder=4,
        )
    if overall is not None and np.isfinite(overall):
        ax.axhline(
            overall * 100,
            color="black",
            linestyle="--",
            linewidth=1.2,
            label=f"overall {overall * 100:.1f} %",
            zorder=1,
        )
    ax.axhline(
        100 / max(k, 1),
        color="#888888",
        linestyle=":",
        linewidth=1.2,
        label=f"chance {100 / max(k, 1):.0f} %",
        zorder=1,
    )
    ax.set_xticks(
        x, per_genre.genre, rotation=30 if k > 6 else 0, ha="right" if k > 6 else "center", rotation_mode="anchor"
    )
    _colour_genre_ticks(ax.get_xticklabels())
    ax.set_ylim(0, 105)
    ax.set_ylabel("test accuracy (%)")
    ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    ax.grid(True, axis="y", alpha=0.3, zorder=0)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncols=3, frameon=False)
    fig.suptitle(_model_title("Accuracy per genre", model) + f" ({_protocol_note(protocol)})")
    return fig


def leaderboard_xmax(rows: Sequence[LeaderboardRow], references: Sequence[Reference]) -> float:
    """Right end of the accuracy axis in %: the next 10 above every interval and reference (at most 100)."""
    highest = max([r.ci_high for r in rows] + [r.accuracy for r in rows] + [ref.accuracy for ref in references])
    return float(min(100.0, 10 * np.ceil((highest * 100 + 3) / 10)))


@styled
def plot_leaderboard(
    rows: Sequence[LeaderboardRow],
    references: Sequence[Reference] = SEED_REFERENCES,
    protocol: str | None = None,
    interval: str = "interval",
) -> Figure:
    """Horizontal bars of every model's test accuracy (best on top) with intervals, and reference lines.

    Bars start at 0 %; the axis ends just above the highest interval or reference. Each model's accuracy
    and interval (in %) are written in a column right of the plot, so no line crosses them; the references
    (default: the seed's 62 % on validation and 64.4 % on unseen clips) are vertical lines named in the
    legend below. ``interval`` names the whiskers (e.g. ``"95 % bootstrap interval"``).
    """
    if not rows:
        raise ValueError("no leaderboard rows to draw")
    ordered = ranked(rows)[::-1]  # drawn bottom-up: best on top, ties in the table's order
    k = len(ordered)
    fig = new_figure(12.0, max(3.2, 0.45 * k + 2.2))
    ax = fig.add_subplot()
    y = np.arange(k)
    accuracy = np.array([r.accuracy for r in ordered]) * 100
    low = np.clip(accuracy - np.array([r.ci_low for r in ordered]) * 100, 0, None)
    high = np.clip(np.array([r.ci_high for r in ordered]) * 100 - accuracy, 0, None)
    ax.barh(y, accuracy, color=NEUTRAL, height=0.6, zorder=2)
    ax.errorbar(accuracy, y, xerr=[low, high], fmt="none", ecolor="black", elinewidth=1.3, capsize=4, zorder=3)
    column = ax.get_yaxis_transform()  # x in axes fraction, y in data
    ax.text(1.02, k - 0.35, f"accuracy  [{interval}]", transform=column, va="bottom", fontsize=10, color="#555555")
    for i, row in enumerate(ordered):
        ax.text(
            1.02,
            y[i],
            f"{row.accuracy * 100:.1f} %  [{row.ci_low * 100:.1f}–{row.ci_high * 100:.1f}]",
            transform=column,
            va="center",
            fontsize=10,
            fontweight="bold" if i == k - 1 else "normal",
        )
    for ref in references:
        ax.axvline(ref.accuracy * 100, color=ref.colour, linestyle=ref.style, linewidth=1.8, label=ref.label, zorder=4)
    ax.set_yticks(y, [r.model for r in ordered])
    ax.set_ylim(-0.6, k - 0.4)
    ax.set_xlim(0, leaderboard_xmax(rows, references))
    ax.set_xlabel(f"test accuracy (%); whiskers: {interval}")
    ax.xaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    ax.grid(True, axis="x", alpha=0.3, zorder=0)
    if references:
        fig.legend(loc="outside lower center", ncols=len(references), frameon=False)
    n_test = {r.n_test for r in rows if r.n_test}
    detail = ", ".join(
        filter(
            None,
            [f"protocol: {protocol}" if protocol else "", f"{n_test.pop()} test clips" if len(n_test) == 1 else ""],
        )
    )
    fig.suptitle("Leaderboard" + (f" ({detail})" if detail else ""))
    return fig
