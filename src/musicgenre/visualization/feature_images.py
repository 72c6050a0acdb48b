"""The four feature images of one clip (MFCC, chroma, spectral contrast, tonnetz) on a shared time axis."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from musicgenre.visualization.analysis import ClipFeatures
from musicgenre.visualization.style import new_figure, styled

PITCH_CLASSES = ("C", "C♯", "D", "D♯", "E", "F", "F♯", "G", "G♯", "A", "A♯", "B")
TONNETZ_ROWS = ("fifth x", "fifth y", "minor 3rd x", "minor 3rd y", "major 3rd x", "major 3rd y")
CONTRAST_ROWS = ("0–200", "200–400", "400–800", "0.8–1.6k", "1.6–3.2k", "3.2–6.4k", "6.4k+")
#: The MFCC colour scale ends at this many standard deviations either side of each coefficient's mean.
MFCC_SD_LIMIT = 3.0


def standardize_rows(image: np.ndarray) -> np.ndarray:
    """Each row minus its mean over time, divided by its standard deviation (a constant row becomes 0).

    MFCCs differ in scale by two orders of magnitude (coefficient 1 is the loudness, hundreds of units;
    coefficients 5–20 vary by a few units), so on one shared scale only the first two rows show anything.
    Standardizing each coefficient shows how every one of them moves through the clip.
    """
    image = np.asarray(image, dtype=float)
    mean = image.mean(axis=1, keepdims=True)
    std = image.std(axis=1, keepdims=True)
    return np.divide(image - mean, std, out=np.zeros_like(image), where=std > 1e-9 * (1.0 + np.abs(mean)))


@styled
def plot_features(features: ClipFeatures, title: str | None = None) -> Figure:
    """Four stacked panels sharing a seconds axis, each with its own colour bar and units.

    MFCC (coefficients 1–20, each standardized over the clip, see :func:`standardize_rows`, on a fixed
    ±3 SD diverging scale), chroma (pitch classes, 0–1), spectral contrast (octave bands in Hz, dB),
    tonnetz (six axes, symmetric scale to the 99.5th percentile of |value|); a colour bar with arrow ends
    means values beyond it are drawn in the end colours.
    """
    f = features
    frame = f.hop / f.sr
    n = f.mfcc.shape[1]
    t_edges = f.offset_s + np.arange(n + 1) * frame
    fig = new_figure(12.0, 11.0)
    axes = fig.subplots(4, 1, sharex=True, height_ratios=(1.4, 1.1, 0.9, 0.9))

    tonnetz_limit = max(0.05, float(np.percentile(np.abs(f.tonnetz), 99.5))) if f.tonnetz.size else 1.0
    # (title, image, y label, row labels, pcolormesh colour arguments, colour bar label) per panel
    panels: tuple[tuple[str, np.ndarray, str, list[str], dict[str, Any], str], ...] = (
        (
            "MFCC (each coefficient standardized over the clip)",
            standardize_rows(f.mfcc),
            "coefficient",
            [str(i) if i in (1, 5, 10, 15, 20) else "" for i in range(1, f.mfcc.shape[0] + 1)],
            dict(cmap="coolwarm", vmin=-MFCC_SD_LIMIT, vmax=MFCC_SD_LIMIT),
            "SD from the coefficient's mean",
        ),
        (
            "Chroma",
            f.chroma,
            "pitch class",
            list(PITCH_CLASSES[: f.chroma.shape[0]]),
            dict(cmap="viridis", vmin=0.0, vmax=1.0),
            "energy (0–1)",
        ),
        (
            "Spectral contrast",
            f.contrast,
            "band (Hz)",
            list(CONTRAST_ROWS[: f.contrast.shape[0]]),
            dict(cmap="magma"),
            "peak − valley (dB)",
        ),
        (
            "Tonnetz",
            f.tonnetz,
            "axis",
            list(TONNETZ_ROWS[: f.tonnetz.shape[0]]),
            dict(cmap="coolwarm", vmin=-tonnetz_limit, vmax=tonnetz_limit),
            "coordinate",
        ),
    )
    for ax, (name, image, ylabel, row_labels, colour, bar_label) in zip(axes, panels, strict=True):
        rows = np.arange(image.shape[0] + 1) - 0.5
        mesh = ax.pcolormesh(t_edges, rows, image, shading="flat", rasterized=True, **colour)
        ax.set_yticks(np.arange(image.shape[0]), row_labels)
        ax.set_ylabel(ylabel)
        ax.set_title(name, loc="left", fontweight="bold")
        clipped = "vmin" in colour and (image.min() < colour["vmin"] or image.max() > colour["vmax"])
        bar = fig.colorbar(mesh, ax=ax, pad=0.01, fraction=0.03, extend="both" if clipped else "neither")
        bar.set_label(bar_label)
    axes[-1].set_xlabel("time (s)")
    axes[-1].set_xlim(t_edges[0], t_edges[-1])
    heading = title or f"Features — {f.name}" + (f" ({f.genre})" if f.genre else "") + (" — silent" if f.silent else "")
    fig.suptitle(heading)
    return fig
