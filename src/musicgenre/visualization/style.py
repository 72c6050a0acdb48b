"""Shared look of every figure: font sizes, genre colours, figure creation and saving.

Library code never touches pyplot: figures are :class:`matplotlib.figure.Figure` objects drawn by the
Agg canvas, so nothing here needs a display or changes global matplotlib state.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from musicgenre.audio.atomic import atomic_output
from musicgenre.genres import GENRE_COLOURS

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

#: Colour of anything that is not a genre (model bars, reference lines use their own).
NEUTRAL = "#4c72b0"
#: Colour for a genre name outside the ten.
UNKNOWN_GENRE_COLOUR = "#555555"
#: Resolution figures are saved at; sizes below are in inches, so 100 dpi = pixels / 100.
DPI = 100

#: Font sizes chosen to stay legible at 100 % zoom for figures 10–15 inches wide saved at 100 dpi.
STYLE: dict[RcKeyType, Any] = {
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "figure.titlesize": 15,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "image.cmap": "magma",
    "savefig.facecolor": "white",
    "figure.facecolor": "white",
}

P = ParamSpec("P")


def styled(builder: Callable[P, Figure]) -> Callable[P, Figure]:
    """Decorator: run a figure builder inside :data:`STYLE` (a local ``rc_context``, no global change)."""

    @wraps(builder)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Figure:
        with matplotlib.rc_context(STYLE):
            return builder(*args, **kwargs)

    return wrapper


def new_figure(width: float, height: float) -> Figure:
    """A blank figure ``width`` x ``height`` inches with constrained layout and an Agg canvas."""
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def genre_colour(genre: str) -> str:
    """The genre's colour from :data:`musicgenre.genres.GENRE_COLOURS` (grey for an unknown name)."""
    return GENRE_COLOURS.get(genre, UNKNOWN_GENRE_COLOUR)


def figure_title(fig: Figure) -> str:
    """The figure's suptitle text ('' when it has none)."""
    title = getattr(fig, "_suptitle", None)  # private (not in the stubs): Figure.get_suptitle() needs matplotlib 3.8
    return title.get_text() if title is not None else ""


def save_figure(fig: Figure, path: str | Path, dpi: int = DPI) -> Path:
    """Write ``fig`` to ``path`` (format from the extension, usually PNG), creating parent folders; written whole
    through a new temporary file (:func:`~musicgenre.audio.atomic.atomic_output`), never through a planted link."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    kind = path.suffix.lower().lstrip(".") or "png"
    with matplotlib.rc_context(STYLE), atomic_output(path) as handle:
        fig.savefig(handle, format=kind, dpi=dpi)
    return path


def figure_png(fig: Figure, dpi: int = DPI) -> bytes:
    """``fig`` as PNG bytes (for embedding in HTML)."""
    buffer = io.BytesIO()
    with matplotlib.rc_context(STYLE):
        fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
