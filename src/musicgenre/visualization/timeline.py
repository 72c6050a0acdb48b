"""The genre probabilities through a track: a stacked area over time, with the winning genre as a strip below.

Works on any ``Prediction``-like object of :mod:`musicgenre.inference` (``file``, ``duration_s``, ``genre``,
``probabilities``, ``timeline`` of windows with ``start_s``, ``end_s``, ``genre``, ``probabilities``), so this
module does not import the inference package. A model that scores each genre on its own (``audioset-genres``:
probabilities that need not sum to 1) gets a line per genre instead of a stack, for its most probable genres.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from musicgenre.genres import GENRE_COLOURS, GENRES
from musicgenre.visualization.style import genre_colour, new_figure, save_figure, styled

__all__ = ["is_multi_label", "plot_timeline", "save_figure", "timeline_arrays"]

#: Genres a multi-label timeline draws at most (besides any that is some segment's top genre).
MAX_LINES = 8


def timeline_arrays(prediction) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """``(edges, probabilities, genres)``: segment edges in seconds, shape ``(n + 1,)``, and probabilities
    ``(n, len(genres))``: the ten GTZAN genres the prediction has, in their order, then any others sorted.

    Windows may overlap; each window owns the span from the midpoint to its predecessor's centre to the
    midpoint to its successor's centre, so segments tile the track without gaps. Without a timeline the
    whole-track probabilities fill one segment ``0..duration_s``.
    """
    windows = sorted(getattr(prediction, "timeline", None) or [], key=lambda w: (w.start_s, w.end_s))
    named = {g for w in windows for g in w.probabilities} or set(getattr(prediction, "probabilities", {}))
    genres = tuple(g for g in GENRES if g in named or not named) + tuple(sorted(named - set(GENRES)))
    if not windows:
        duration = float(getattr(prediction, "duration_s", 0.0) or 1.0)
        probabilities = np.array([[float(prediction.probabilities.get(g, 0.0)) for g in genres]])
        return np.array([0.0, duration]), probabilities, genres
    centres = np.array([(w.start_s + w.end_s) / 2 for w in windows])
    edges = np.concatenate([[windows[0].start_s], (centres[:-1] + centres[1:]) / 2, [max(w.end_s for w in windows)]])
    probabilities = np.array([[float(w.probabilities.get(g, 0.0)) for g in genres] for w in windows])
    return edges.astype(float), probabilities, genres


def is_multi_label(probabilities: np.ndarray) -> bool:
    """Rows ``(n, k)`` of probabilities that do not each sum to 1: every genre scored on its own."""
    return bool(probabilities.size) and not np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-3)


def _lines_shown(probabilities: np.ndarray) -> list[int]:
    """Columns a multi-label timeline draws, highest peak first: every segment's top genre, then the highest
    peaks up to :data:`MAX_LINES`."""
    ranked = [int(i) for i in np.argsort(-probabilities.max(axis=0), kind="stable")]
    chosen = set(probabilities.argmax(axis=1).tolist())
    for i in ranked:
        if len(chosen) >= MAX_LINES:
            break
        chosen.add(i)
    return [i for i in ranked if i in chosen]


@styled
def plot_timeline(prediction, title: str | None = None) -> Figure:
    """Stacked area of the genre probabilities (genre colours, %) against time in seconds, with a strip of
    each segment's most probable genre underneath and the whole-track verdict in the title; a line per genre
    (its most probable ones) when the model scores each genre on its own (``prediction.multi_label``, or for a
    prediction read back from a file, :func:`is_multi_label`)."""
    edges, probabilities, genres = timeline_arrays(prediction)
    fig = new_figure(12.0, 5.2)
    area_ax, strip_ax = fig.subplots(2, 1, sharex=True, height_ratios=(5, 0.6))
    x = np.repeat(edges, 2)[1:-1]  # piecewise-constant: each segment drawn flat from its start to its end
    y = np.repeat(probabilities.T * 100, 2, axis=1)
    multi_label = bool(getattr(prediction, "multi_label", False)) or is_multi_label(probabilities)
    if multi_label:  # independent probabilities do not stack: a line each, in tab10's colours by rank
        shown = _lines_shown(probabilities)
        palette = list(GENRE_COLOURS.values())
        colours = [palette[shown.index(i) % len(palette)] if i in shown else "#bbbbbb" for i in range(len(genres))]
        for i in shown:
            area_ax.plot(x, y[i], color=colours[i], linewidth=2)
    else:
        shown = [i for i in range(len(genres)) if probabilities[:, i].max() > 0]
        colours = [genre_colour(g) for g in genres]
        area_ax.stackplot(x, y, colors=colours, linewidth=0)
    area_ax.set_ylim(0, 100)
    area_ax.set_xlim(edges[0], edges[-1])
    area_ax.set_ylabel("probability (%), each genre on its own" if multi_label else "probability (%)")
    area_ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    top = probabilities.argmax(axis=1)
    for i, index in enumerate(top):
        strip_ax.axvspan(edges[i], edges[i + 1], color=colours[index], linewidth=0)
    strip_ax.set_yticks([0.5], ["top genre"])
    strip_ax.set_ylim(0, 1)
    strip_ax.set_xlabel(_time_label(edges, getattr(prediction, "timeline", None) or []))
    for side in ("left", "top", "right"):
        strip_ax.spines[side].set_visible(False)
    handles = [Patch(color=colours[i], label=genres[i]) for i in shown]
    area_ax.legend(
        handles=handles if multi_label else handles[::-1],
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        title="genre",
    )
    name = Path(str(getattr(prediction, "file", "") or "")).name
    verdict = getattr(prediction, "genre", None)
    share = getattr(prediction, "probabilities", {}).get(verdict) if verdict else None
    heading = title or "Genre probabilities over time" + (f" — {name}" if name else "")
    if verdict:
        heading += f" (whole track: {verdict}" + (f", {share * 100:.0f} %)" if share is not None else ")")
    fig.suptitle(heading)
    return fig


def _time_label(edges: np.ndarray, windows) -> str:
    """``"time (s)"``, saying how overlapping windows are drawn when they overlap."""
    if len(windows) > 1:
        lengths = {round(w.end_s - w.start_s) for w in windows}
        overlapping = any(b.start_s < a.end_s - 1e-6 for a, b in pairwise(windows))
        if overlapping:
            size = f"{lengths.pop():g} s " if len(lengths) == 1 else ""
            return f"time (s) — overlapping {size}windows, each drawn around its centre"
    return "time (s)"
