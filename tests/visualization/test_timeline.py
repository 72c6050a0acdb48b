"""The genre timeline of a prediction (the inference contract's Prediction / WindowPrediction)."""

from __future__ import annotations

import numpy as np
import pytest
from visualization.pngcheck import assert_png, texts

from musicgenre.genres import GENRES
from musicgenre.inference import Prediction, WindowPrediction
from musicgenre.visualization.style import figure_title
from musicgenre.visualization.timeline import MAX_LINES, is_multi_label, plot_timeline, save_figure, timeline_arrays


def _prediction(starts, length=30.0, seed=0) -> Prediction:
    rng = np.random.default_rng(seed)
    windows = []
    for start in starts:
        p = dict(zip(GENRES, rng.dirichlet(np.ones(10)).tolist(), strict=True))
        windows.append(WindowPrediction(start, start + length, max(p, key=p.get), p))
    mean = {g: float(np.mean([w.probabilities[g] for w in windows])) for g in GENRES}
    return Prediction("/music/song.wav", starts[-1] + length, max(mean, key=mean.get), mean, windows, len(windows))


def test_overlapping_windows_tile_the_track():
    edges, probabilities, genres = timeline_arrays(_prediction([0.0, 15.0, 30.0, 45.0]))
    assert edges.tolist() == [0.0, 22.5, 37.5, 52.5, 75.0]
    assert probabilities.shape == (4, 10) and genres == GENRES
    assert np.allclose(probabilities.sum(axis=1), 1.0)


def test_timeline_figure_stacks_to_100_percent(tmp_path):
    prediction = _prediction([0.0, 15.0, 30.0, 45.0, 60.0])
    fig = plot_timeline(prediction)
    area_ax, strip_ax = fig.axes
    assert len(area_ax.collections) == 10  # one band per genre
    top_band = area_ax.collections[-1].get_paths()[0].vertices[:, 1]
    assert top_band.max() == pytest.approx(100.0) and top_band.min() >= 0.0
    assert strip_ax.get_xlabel() == "time (s) — overlapping 30 s windows, each drawn around its centre"
    assert area_ax.get_xlim() == pytest.approx((0.0, 90.0))
    assert figure_title(fig).startswith(f"Genre probabilities over time — song.wav (whole track: {prediction.genre}")
    assert set(GENRES) <= set(texts(fig))  # legend names every genre
    assert_png(save_figure(fig, tmp_path / "timeline.png"), 1000, 400)


def test_timeline_without_windows_uses_the_whole_track():
    p = dict(zip(GENRES, [0.5] + [0.5 / 9] * 9, strict=True))
    fig = plot_timeline(Prediction(None, 12.0, "blues", p, [], 1))
    assert fig.axes[0].get_xlim() == pytest.approx((0.0, 12.0))
    assert fig.axes[1].get_xlabel() == "time (s)"


def test_a_multi_label_timeline_draws_lines_of_its_most_probable_genres():
    """audioset-genres' 50 independent probabilities (they need not sum to 1) are not stacked: a line for each of
    the most probable genres (every segment's top one among them), the strip of top genres below."""
    from musicgenre.backbones.efficientat.vocabulary import MUSIC_GENRES

    rng = np.random.default_rng(1)
    windows = []
    for start, loud in ((0.0, "Heavy metal"), (15.0, "Heavy metal"), (30.0, "Classical music")):
        p = {g: float(v) for g, v in zip(MUSIC_GENRES, 0.1 * rng.random(len(MUSIC_GENRES)), strict=True)}
        p[loud] = 0.6
        windows.append(WindowPrediction(start, start + 30.0, loud, p))
    mean = {g: float(np.mean([w.probabilities[g] for w in windows])) for g in MUSIC_GENRES}
    prediction = Prediction("/music/mix.wav", 60.0, "Heavy metal", mean, windows, len(windows))
    edges, probabilities, genres = timeline_arrays(prediction)
    assert genres == tuple(sorted(MUSIC_GENRES)) and probabilities.shape == (3, 50)  # no empty GTZAN columns
    assert is_multi_label(probabilities) and not is_multi_label(timeline_arrays(_prediction([0.0, 15.0]))[1])
    fig = plot_timeline(prediction)
    area_ax, _ = fig.axes
    assert len(area_ax.collections) == 0 and len(area_ax.lines) == MAX_LINES  # lines, not stacked bands
    shown = set(texts(fig))
    assert {"Heavy metal", "Classical music"} <= shown and len(shown & set(MUSIC_GENRES)) == MAX_LINES
    assert area_ax.get_ylabel() == "probability (%), each genre on its own"
