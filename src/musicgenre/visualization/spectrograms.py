"""Log-mel spectrogram figures: one clip, or one per genre sharing a colour scale."""

from __future__ import annotations

import math
from collections.abc import Sequence

import librosa
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import QuadMesh
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from musicgenre.visualization.analysis import MelImage
from musicgenre.visualization.style import genre_colour, new_figure, styled

#: Frequencies labelled on a mel axis (Hz).
MEL_TICKS_HZ = (0, 250, 500, 1000, 2000, 4000, 8000, 16000)


def _hz_label(value: float, _position: int = 0) -> str:
    return f"{value / 1000:g}k" if value >= 1000 else f"{value:g}"


#: Fewer labels for the small panels of a grid, so that low-frequency labels do not collide.
MEL_TICKS_HZ_SMALL = (0, 500, 1000, 2000, 4000, 8000)


def hz_mel_axis(ax: Axes, fmax: float, ticks: Sequence[float] = MEL_TICKS_HZ) -> None:
    """Make ``ax``'s y axis mel-spaced with ticks labelled in Hz (``1k`` = 1000 Hz)."""
    ax.set_yscale(
        "function", functions=(lambda f: librosa.hz_to_mel(np.maximum(f, 0.0)), lambda m: librosa.mel_to_hz(m))
    )
    ax.yaxis.set_major_locator(FixedLocator([f for f in ticks if f <= fmax]))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(FuncFormatter(_hz_label))


def draw_mel(
    ax: Axes, image: MelImage, vmin: float = -80.0, vmax: float = 0.0, ticks: Sequence[float] = MEL_TICKS_HZ
) -> QuadMesh:
    """Draw ``image`` on ``ax`` (x: seconds, y: Hz on a mel scale); returns the mesh for a colour bar."""
    mel_edges = np.linspace(librosa.hz_to_mel(image.fmin), librosa.hz_to_mel(image.fmax), image.db.shape[0] + 1)
    hz_edges = librosa.mel_to_hz(mel_edges)
    frame = image.hop / image.sr
    t_edges = image.offset_s + (np.arange(image.db.shape[1] + 1) - 0.5) * frame
    t_edges[0] = max(t_edges[0], image.offset_s)
    if image.end_s is not None:  # a 30.0 s clip's last frame is centred at 29.98 s: draw it to the clip's end
        t_edges[-1] = max(image.end_s, t_edges[-2])
    mesh = ax.pcolormesh(
        t_edges, hz_edges, image.db, vmin=vmin, vmax=vmax, cmap="magma", shading="flat", rasterized=True
    )
    hz_mel_axis(ax, image.fmax, ticks)
    ax.set_ylim(image.fmin, image.fmax)
    ax.set_xlim(t_edges[0], t_edges[-1])
    return mesh


@styled
def plot_spectrogram(image: MelImage, title: str | None = None) -> Figure:
    """One log-mel spectrogram: time (s) across, frequency (Hz, mel-spaced) up, dB colour bar."""
    fig = new_figure(12.0, 5.0)
    ax = fig.add_subplot()
    mesh = draw_mel(ax, image)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("frequency (Hz, mel scale)")
    bar = fig.colorbar(mesh, ax=ax, pad=0.01)
    bar.set_label("power (dB re. clip peak)")
    heading = title or f"Log-mel spectrogram — {image.name}" + (f" ({image.genre})" if image.genre else "") + (
        " — silent" if image.silent else ""
    )
    fig.suptitle(heading)
    return fig


@styled
def plot_spectrograms(
    images: Sequence[MelImage], title: str = "Log-mel spectrogram per genre", columns: int = 2
) -> Figure:
    """Grid of log-mel spectrograms, one per genre, with one shared dB colour bar."""
    if not images:
        raise ValueError("no spectrograms to draw")
    columns = max(1, min(columns, len(images)))
    rows = math.ceil(len(images) / columns)
    fig = new_figure(7.0 * columns + 1.0, 2.3 * rows + 0.9)
    axes = fig.subplots(rows, columns, squeeze=False)
    mesh: QuadMesh | None = None
    for index, ax in enumerate(axes.flat):
        if index >= len(images):
            ax.set_visible(False)
            continue
        image = images[index]
        mesh = draw_mel(ax, image, ticks=MEL_TICKS_HZ_SMALL)
        label = (f"{image.genre} — {image.name}" if image.genre else image.name) + (" (silent)" if image.silent else "")
        ax.set_title(label, loc="left", color=genre_colour(image.genre) if image.genre else "black", fontweight="bold")
        if index % columns == 0:
            ax.set_ylabel("Hz (mel)")
        if index >= len(images) - columns:
            ax.set_xlabel("time (s)")
    assert mesh is not None, "images is not empty, so the first axes drew one"
    bar = fig.colorbar(mesh, ax=axes[:, -1].tolist(), pad=0.01, fraction=0.04)
    bar.set_label("power (dB re. each clip's peak)")
    fig.suptitle(title)
    return fig
