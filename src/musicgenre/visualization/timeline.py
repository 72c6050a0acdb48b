"""The genre probabilities through a track: a stacked area over time, with the winning genre as a strip below.

Works on any ``Prediction``-like object of :mod:`musicgenre.inference` (``file``, ``duration_s``, ``genre``,
``probabilities``, ``timeline`` of windows with ``start_s``, ``end_s``, ``genre``, ``probabilities``), so this
module does not import the inference package.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from musicgenre.genres import GENRES
from musicgenre.visualization.style import genre_colour, new_figure, save_figure, styled

__all__ = ["plot_timeline", "save_figure", "timeline_arrays"]


def timeline_arrays(prediction) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """``(edges, probabilities, genres)``: segment edges in seconds, shape ``(n + 1,)``, and probabilities ``(n, 10)``.

    Windows may overlap; each window owns the span from the midpoint to its predecessor's centre to the
    midpoint to its successor's centre, so segments tile the track without gaps. Without a timeline the
    whole-track probabilities fill one segment ``0..duration_s``.
    """
    windows = sorted(getattr(prediction, "timeline", None) or [], key=lambda w: (w.start_s, w.end_s))
    extra = sorted({g for w in windows for g in w.probabilities} - set(GENRES))
    genres = tuple(GENRES) + tuple(extra)
    if not windows:
        duration = float(getattr(prediction, "duration_s", 0.0) or 1.0)
        probabilities = np.array([[float(prediction.probabilities.get(g, 0.0)) for g in genres]])
        return np.array([0.0, duration]), probabilities, genres
    centres = np.array([(w.start_s + w.end_s) / 2 for w in windows])
    edges = np.concatenate([[windows[0].start_s], (centres[:-1] + centres[1:]) / 2, [max(w.end_s for w in windows)]])
    probabilities = np.array([[float(w.probabilities.get(g, 0.0)) for g in genres] for w in windows])
    return edges.astype(float), probabilities, genres


@styled
def plot_timeline(prediction, title: str | None = None) -> Figure:
    """Stacked area of the genre probabilities (genre colours, %) against time in seconds, with a strip of
    each segment's most probable genre underneath and the whole-track verdict in the title."""
    edges, probabilities, genres = timeline_arrays(prediction)
    fig = new_figure(12.0, 5.2)
    area_ax, strip_ax = fig.subplots(2, 1, sharex=True, height_ratios=(5, 0.6))
    x = np.repeat(edges, 2)[1:-1]  # piecewise-constant: each segment drawn flat from its start to its end
    y = np.repeat(probabilities.T * 100, 2, axis=1)
    colours = [genre_colour(g) for g in genres]
    area_ax.stackplot(x, y, colors=colours, linewidth=0)
    area_ax.set_ylim(0, 100)
    area_ax.set_xlim(edges[0], edges[-1])
    area_ax.set_ylabel("probability (%)")
    area_ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    top = probabilities.argmax(axis=1)
    for i, index in enumerate(top):
        strip_ax.axvspan(edges[i], edges[i + 1], color=colours[index], linewidth=0)
    strip_ax.set_yticks([0.5], ["top genre"])
    strip_ax.set_ylim(0, 1)
    strip_ax.set_xlabel(_time_label(edges, getattr(prediction, "timeline", None) or []))
    for side in ("left", "top", "right"):
        strip_ax.spines[side].set_visible(False)
    present = [i for i in range(len(genres)) if probabilities[:, i].max() > 0]
    handles = [Patch(color=colours[i], label=genres[i]) for i in present]
    area_ax.legend(handles=handles[::-1], loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, title="genre")
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
