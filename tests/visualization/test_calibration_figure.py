"""The reliability diagram renders a real PNG and says what it shows."""

from __future__ import annotations

import numpy as np
from visualization.pngcheck import assert_png, texts

from musicgenre.metrics.calibration import apply_temperature, reliability_curve, softmax
from musicgenre.visualization.calibration import plot_reliability
from musicgenre.visualization.style import save_figure


def test_reliability_figure_renders(tmp_path):
    rng = np.random.default_rng(0)
    logits = 3 * rng.normal(size=(300, 10))
    y = (softmax(logits).cumsum(1) > rng.uniform(size=(300, 1))).argmax(1)
    before = softmax(2 * logits)
    fig = plot_reliability(
        [
            ("before", reliability_curve(before, y)),
            ("after: T = 2.00", reliability_curve(apply_temperature(before, 2.0), y)),
        ],
        title="synthetic",
        threshold=0.5,
    )
    words = " ".join(texts(fig))
    assert "ECE" in words and "after: T = 2.00" in words and "uncertain below 50 %" in words and "clips" in words
    path = save_figure(fig, tmp_path / "reliability.png")
    width, height = assert_png(path, min_width=800, min_height=500)
    assert width < 2000 and height < 1200 and path.stat().st_size < 500_000
