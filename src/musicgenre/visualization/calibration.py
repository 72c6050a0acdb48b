"""Reliability diagram: top-class confidence against accuracy per bin, before and after temperature scaling.

    fig = plot_reliability([("before (T = 1)", before), (f"after (T = {t:.2f})", after)], title=...)
    save_figure(fig, "runs/tag/reliability.png")
    save_reliability(panels, "runs/tag/reliability.png", title=..., threshold=t)   # both: what studies are given

Each panel takes a :class:`musicgenre.metrics.calibration.ReliabilityCurve` (bins, counts, mean confidence,
accuracy): bars are each bin's accuracy at its mean confidence, the diagonal is perfect calibration, the gap is
shaded red, and each bar carries its clip count; a strip below shows how many clips fall in each bin.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from musicgenre.visualization.style import NEUTRAL, new_figure, save_figure, styled

if TYPE_CHECKING:
    from musicgenre.metrics.calibration import ReliabilityCurve

GAP_COLOUR = "#c0392b"


@styled
def plot_reliability(
    panels: Sequence[tuple[str, ReliabilityCurve]],
    *,
    title: str = "Reliability diagram",
    threshold: float | None = None,
) -> Figure:
    """One column per ``(label, ReliabilityCurve)``: accuracy against confidence (top) and counts (bottom).

    ``threshold``: a top-probability cut drawn as a dashed vertical line (predictions left of it are flagged
    uncertain); draw it only on the panels whose probabilities it applies to (the last one).
    """
    fig = new_figure(5.2 * len(panels), 6.4)
    grid = fig.add_gridspec(2, len(panels), height_ratios=(3.2, 1.0))
    for col, (label, curve) in enumerate(panels):
        top = fig.add_subplot(grid[0, col])
        bottom = fig.add_subplot(grid[1, col], sharex=top)
        edges = np.asarray(curve.edges)
        width = np.diff(edges)
        centres = edges[:-1] + width / 2
        filled = curve.counts > 0
        acc = np.where(filled, curve.accuracy, 0.0)
        conf = np.where(filled, curve.confidence, centres)
        top.bar(edges[:-1], acc, width=width, align="edge", color=NEUTRAL, edgecolor="white", label="accuracy")
        top.bar(
            edges[:-1][filled],
            (conf - acc)[filled],
            bottom=acc[filled],
            width=width[filled] * 0.55,
            align="edge",
            color=GAP_COLOUR,
            alpha=0.35,
            label="gap to mean confidence",
        )
        top.plot([0, 1], [0, 1], color="black", lw=1, ls="--", label="perfect calibration")
        for x, a, n in zip(centres[filled], acc[filled], curve.counts[filled], strict=True):
            top.text(x, min(a + 0.02, 0.97), str(int(n)), ha="center", va="bottom", fontsize=8)
        top.set_xlim(0, 1)
        top.set_ylim(0, 1.05)
        top.set_ylabel("accuracy")
        top.yaxis.set_major_formatter(PercentFormatter(1.0))
        top.set_title(f"{label}\nECE {100 * curve.ece:.1f} %, n = {int(curve.counts.sum())}")
        bottom.bar(edges[:-1], curve.counts, width=width, align="edge", color=NEUTRAL, edgecolor="white")
        bottom.set_ylabel("clips")
        bottom.set_xlabel("top-class probability (confidence)")
        bottom.xaxis.set_major_formatter(PercentFormatter(1.0))
        if threshold is not None and col == len(panels) - 1:
            for ax in (top, bottom):
                ax.axvline(threshold, color=GAP_COLOUR, ls=":", lw=1.5)
            top.text(
                threshold,
                1.02,
                f" uncertain below {100 * threshold:.0f} %",
                color=GAP_COLOUR,
                fontsize=9,
                ha="left",
                va="top",
            )
        if col == 0:
            top.legend(loc="upper left", fontsize=9, frameon=False)
    fig.suptitle(title)
    return fig


__all__ = ["plot_reliability"]


def save_reliability(
    panels: Sequence[tuple[str, ReliabilityCurve]], path: str | Path, *, title: str, threshold: float | None = None
) -> Path:
    """:func:`plot_reliability` written to ``path`` (PNG): what a study that draws its reliability is given."""
    return save_figure(plot_reliability(panels, title=title, threshold=threshold), path)
