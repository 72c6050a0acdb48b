"""Waveform, spectrogram and feature figures from synthesized clips."""

from __future__ import annotations

import numpy as np
import pytest
import signals
from matplotlib.colors import to_rgba
from visualization.pngcheck import assert_png, texts

from musicgenre.genres import GENRE_COLOURS
from musicgenre.visualization.analysis import clip_features, mel_image
from musicgenre.visualization.clips import Clip
from musicgenre.visualization.feature_images import MFCC_SD_LIMIT, plot_features, standardize_rows
from musicgenre.visualization.spectrograms import plot_spectrogram, plot_spectrograms
from musicgenre.visualization.style import figure_title, save_figure
from musicgenre.visualization.waveforms import envelope, plot_waveforms


def test_envelope_matches_blockwise_min_max():
    y = np.random.default_rng(1).standard_normal(10_007).astype(np.float32)
    starts, low, high = envelope(y, columns=100)
    assert starts.shape == low.shape == high.shape == (100,)
    bounds = list(starts) + [y.size]
    for i in (0, 37, 99):
        block = y[bounds[i] : bounds[i + 1]]
        assert low[i] == block.min() and high[i] == block.max()
    assert low.min() == y.min() and high.max() == y.max()


def test_waveforms_grid_is_labelled_and_coloured_by_genre(genre_clips, tmp_path):
    fig = plot_waveforms(genre_clips)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == 3
    assert [ax.get_title(loc="left") for ax in panels] == ["blues — tone.wav", "jazz — noise.wav", "metal — clicks.wav"]
    assert "time (s)" in texts(fig)
    for ax, clip in zip(panels, genre_clips, strict=True):
        assert ax.get_xlim() == pytest.approx((0.0, 2.0))
        signal = ax.collections[0].get_facecolor()[0] if ax.collections else ax.lines[0].get_color()
        assert np.allclose(to_rgba(signal), to_rgba(GENRE_COLOURS[clip.genre]))
    assert figure_title(fig) == "One example waveform per genre"
    assert_png(save_figure(fig, tmp_path / "deep" / "waveforms.png"), 1000, 400)


def test_mel_image_puts_a_tone_in_its_band_and_seconds_on_frames():
    clip = Clip(signals.tone(1000.0, 2.0), signals.SR, "tone.wav")
    image = mel_image(clip)
    assert image.db.max() == pytest.approx(0.0) and image.db.min() >= -80.0 - 1e-3
    loudest_band = image.band_hz[image.db.mean(axis=1).argmax()]
    assert 900 < loudest_band < 1100
    assert image.times[-1] == pytest.approx(2.0, abs=image.hop / image.sr)


def test_spectrogram_figure_has_units(tmp_path):
    image = mel_image(Clip(signals.tone(440.0, 2.0), signals.SR, "a440.wav", "jazz"))
    fig = plot_spectrogram(image)
    words = texts(fig)
    assert "time (s)" in words and "frequency (Hz, mel scale)" in words and "power (dB re. clip peak)" in words
    assert figure_title(fig) == "Log-mel spectrogram — a440.wav (jazz)"
    ax = fig.axes[0]
    assert ax.get_ylim() == pytest.approx((0.0, signals.SR / 2))
    assert {"500", "1k", "8k"} <= {t.get_text() for t in ax.get_yticklabels()}
    assert_png(save_figure(fig, tmp_path / "spec.png"), 1000, 400)


def test_spectrograms_grid_one_per_genre(genre_clips, tmp_path):
    fig = plot_spectrograms([mel_image(c) for c in genre_clips])
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left")]
    assert titles == ["blues — tone.wav", "jazz — noise.wav", "metal — clicks.wav"]
    assert "power (dB re. each clip's peak)" in texts(fig)
    for ax in (
        ax for ax in fig.axes if ax.get_title(loc="left")
    ):  # to the clips' end, though no frame is centred there
        assert ax.get_xlim() == pytest.approx((0.0, 2.0))
    assert_png(save_figure(fig, tmp_path / "specs.png"), 1000, 500)


def test_features_of_a_tone_and_their_figure(tmp_path):
    clip = Clip(signals.tone(440.0, 3.0), signals.SR, "a440.wav", "pop")
    features = clip_features(clip)
    frames = features.mfcc.shape[1]
    assert features.mfcc.shape == (20, frames) and features.chroma.shape == (12, frames)
    assert features.contrast.shape == (7, frames) and features.tonnetz.shape == (6, frames)
    assert features.chroma.mean(axis=1).argmax() == 9  # A
    fig = plot_features(features)
    assert [ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left")] == [
        "MFCC (each coefficient standardized over the clip)",
        "Chroma",
        "Spectral contrast",
        "Tonnetz",
    ]
    assert "A" in [t.get_text() for t in fig.axes[1].get_yticklabels()]
    assert figure_title(fig) == "Features — a440.wav (pop)"
    assert_png(save_figure(fig, tmp_path / "feats.png"), 1000, 800)


def test_every_mfcc_row_is_drawn_on_its_own_scale():
    # a tone then noise: coefficient 1 (loudness) spans hundreds of units, the others a few; each row is
    # drawn standardized, so every coefficient spans the colour scale instead of only the first two
    y = np.concatenate([signals.tone(440.0, 1.5), signals.noise(1.5, amplitude=0.3)])
    features = clip_features(Clip(y, signals.SR, "mix.wav"))
    spread = features.mfcc.std(axis=1)
    assert spread[0] > 10 * np.median(spread[1:])  # what made the single-scale panel unreadable
    fig = plot_features(features)
    drawn = np.asarray(fig.axes[0].collections[0].get_array()).reshape(features.mfcc.shape)
    assert np.allclose(drawn.mean(axis=1), 0.0, atol=1e-6)
    assert np.allclose(drawn.std(axis=1), 1.0, atol=1e-6)
    assert fig.axes[0].collections[0].get_clim() == (-MFCC_SD_LIMIT, MFCC_SD_LIMIT)
    assert "SD from the coefficient's mean" in texts(fig)


def test_standardize_rows_leaves_constant_rows_at_zero():
    image = np.array([[5.0, 5.0, 5.0, 5.0], [0.0, 2.0, 0.0, 2.0], [-300.0, -100.0, -300.0, -100.0]])
    assert np.array_equal(standardize_rows(image), [[0, 0, 0, 0], [-1, 1, -1, 1], [-1, 1, -1, 1]])


def test_empty_input_is_refused():
    with pytest.raises(ValueError):
        plot_waveforms([])
    with pytest.raises(ValueError):
        plot_spectrograms([])


def test_silence_is_drawn_as_the_floor_and_said():
    clip = Clip(np.zeros(signals.SR, np.float32), signals.SR, "quiet.wav")
    image = mel_image(clip)
    assert image.silent and np.all(image.db == -80.0)  # not "0 dB re. its own peak"
    assert figure_title(plot_spectrogram(image)) == "Log-mel spectrogram — quiet.wav — silent"
    assert figure_title(plot_features(clip_features(clip))).endswith("— silent")


def test_a_clip_shorter_than_one_frame_is_refused_naming_the_file():
    from musicgenre.audio import AudioError

    clip = Clip(signals.noise(0.01), signals.SR, "blip.wav", source="/music/blip.wav")
    for compute in (mel_image, clip_features):
        with pytest.raises(
            AudioError, match=r"^/music/blip.wav: too short to draw: 0.010 s \(at least 0.093 s needed\)$"
        ):
            compute(clip)
