"""The PNG checker itself must reject what is not a real picture."""

import numpy as np
import pytest
from visualization.pngcheck import assert_png

from musicgenre.visualization.style import figure_png, new_figure


def test_rejects_non_png_and_blank_images():
    with pytest.raises(AssertionError):
        assert_png(b"GIF89a" + b"\0" * 2000)
    blank = new_figure(6, 4)
    blank.add_subplot().set_axis_off()
    with pytest.raises(AssertionError, match="blank"):
        assert_png(figure_png(blank))


def test_accepts_a_drawn_figure():
    fig = new_figure(6, 4)
    fig.add_subplot().plot(np.arange(10))
    assert assert_png(figure_png(fig)) == (600, 400)
