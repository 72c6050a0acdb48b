"""Checks that a file (or bytes) is a real, non-blank PNG; used by the figure tests."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from the IHDR chunk; raises AssertionError when ``data`` is not a PNG."""
    assert data[:8] == PNG_MAGIC, f"not a PNG (starts {data[:8]!r})"
    assert data[12:16] == b"IHDR", "PNG without IHDR first"
    return struct.unpack(">II", data[16:24])


def assert_png(source: Path | bytes, min_width: int = 300, min_height: int = 200) -> tuple[int, int]:
    """Assert ``source`` is a PNG at least ``min_width`` x ``min_height`` pixels that is not one flat colour."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    assert len(data) > 1000, f"PNG suspiciously small: {len(data)} bytes"
    width, height = png_size(data)
    assert width >= min_width and height >= min_height, f"PNG only {width}x{height}"
    from matplotlib.image import imread

    pixels = imread(io.BytesIO(data), format="png")
    assert pixels.shape[:2] == (height, width)
    assert float(np.std(pixels[..., :3])) > 0.01, "PNG is blank (one flat colour)"
    return width, height


def texts(fig) -> list[str]:
    """Every title, axis label, tick label and text of a figure (for checking what it says)."""
    from matplotlib.text import Text

    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]
