"""Figures are written whole, never through a link planted at their name."""

from __future__ import annotations

import pytest

pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed")

from matplotlib.figure import Figure  # noqa: E402

from musicgenre.visualization.style import save_figure  # noqa: E402


def test_a_link_at_the_figure_is_replaced_and_its_target_untouched(tmp_path):
    victim = tmp_path / "victim.conf"
    victim.write_text("a = 1\n")
    target = tmp_path / "figures" / "timeline.png"
    target.parent.mkdir()
    target.symlink_to(victim)
    fig = Figure()
    fig.add_subplot().plot([0, 1], [1, 0])
    assert save_figure(fig, target) == target
    assert victim.read_text() == "a = 1\n" and not target.is_symlink()
    assert target.read_bytes().startswith(b"\x89PNG") and sorted(p.name for p in target.parent.iterdir()) == [
        "timeline.png"
    ]


def test_the_extension_picks_the_format(tmp_path):
    fig = Figure()
    fig.add_subplot().plot([0, 1], [1, 0])
    assert save_figure(fig, tmp_path / "a.svg").read_text().lstrip().startswith("<?xml")
    assert save_figure(fig, tmp_path / "a.pdf").read_bytes().startswith(b"%PDF")
