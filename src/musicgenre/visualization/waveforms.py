"""Waveform figures: one clip per genre in a grid."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from musicgenre.visualization.clips import Clip
from musicgenre.visualization.style import NEUTRAL, genre_colour, new_figure, styled

#: Above this many samples a waveform is drawn as its min/max envelope (one pair per column).
ENVELOPE_COLUMNS = 2000


def envelope(y: np.ndarray, columns: int = ENVELOPE_COLUMNS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Min/max envelope of ``y`` over ``columns`` equal blocks: ``(block_index_starts, low, high)``.

    Shapes ``(k,)`` with ``k = min(columns, y.size)``; the drawn envelope looks like the full waveform
    at screen resolution but costs ``k`` points instead of ``y.size``.
    """
    k = max(1, min(columns, y.size))
    edges = np.linspace(0, y.size, k + 1).astype(int)
    starts = edges[:-1]
    low = np.minimum.reduceat(y, starts)
    high = np.maximum.reduceat(y, starts)
    return starts, low, high


def draw_waveform(ax: Axes, clip: Clip, colour: str) -> None:
    """Draw ``clip`` on ``ax`` against time in seconds (envelope for long clips)."""
    if clip.y.size > 2 * ENVELOPE_COLUMNS:
        starts, low, high = envelope(clip.y)
        t = clip.offset_s + starts / clip.sr
        ax.fill_between(t, low, high, color=colour, linewidth=0.4, edgecolor=colour)
    else:
        t = clip.offset_s + np.arange(clip.y.size) / clip.sr
        ax.plot(t, clip.y, color=colour, linewidth=0.8)
    ax.set_xlim(clip.offset_s, clip.offset_s + clip.duration_s)
    ax.axhline(0.0, color="#999999", linewidth=0.5)


@styled
def plot_waveforms(clips: Sequence[Clip], title: str = "One example waveform per genre", columns: int = 2) -> Figure:
    """Grid of waveforms, one panel per clip titled ``"<genre> — <file>"``, time axis in seconds.

    Amplitudes share one axis (full scale = ±1) so loudness compares across genres.
    """
    if not clips:
        raise ValueError("no clips to draw")
    columns = max(1, min(columns, len(clips)))
    rows = math.ceil(len(clips) / columns)
    fig = new_figure(7.0 * columns, 1.9 * rows + 0.9)
    axes = fig.subplots(rows, columns, squeeze=False, sharex=False, sharey=True)
    peak = max(float(np.max(np.abs(c.y))) if c.y.size else 0.0 for c in clips)
    limit = max(1.0, peak * 1.05)
    for index, ax in enumerate(axes.flat):
        if index >= len(clips):
            ax.set_visible(False)
            continue
        clip = clips[index]
        colour = genre_colour(clip.genre) if clip.genre else NEUTRAL
        draw_waveform(ax, clip, colour)
        label = f"{clip.genre} — {clip.name}" if clip.genre else clip.name
        ax.set_title(label, loc="left", color=colour if clip.genre else "black", fontweight="bold")
        ax.set_ylim(-limit, limit)
        if index % columns == 0:
            ax.set_ylabel("amplitude")
        if index >= len(clips) - columns:
            ax.set_xlabel("time (s)")
    fig.suptitle(title)
    return fig
