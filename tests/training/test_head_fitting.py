"""fit_tag_head: a genre head of any genres on musicnn tags, CV over tracks, windows as inference cuts them."""

from __future__ import annotations

import numpy as np
import pytest

from musicgenre.training.head_fitting import TagHeadConfig, fit_tag_head, track_windows

PROFILES = np.random.default_rng(7).random((3, 50)) * 0.8  # each class's typical tag probabilities


def _taggrams(rng, per_class=6, n_patches=12):
    """Tracks of three classes: each patch is its class's tag profile plus noise (tags, like musicnn's, carry
    the class together: z-scored features of pure noise would drown a few informative ones in 12 tracks)."""
    taggrams, y = [], []
    for k in range(3):
        for _ in range(per_class):
            taggrams.append(np.clip(PROFILES[k] + 0.05 * rng.standard_normal((n_patches, 50)), 0.001, 0.999))
            y.append(k)
    return taggrams, np.array(y)


def test_windows_are_the_engines():
    # 20 patches of 2.992 s = 59.84 s: windows [0, 30), [15, 45), [29.84, 59.84), patches centred in each
    assert [w.tolist() for w in track_windows(20)] == [list(range(10)), list(range(5, 15)), list(range(10, 20))]
    assert [w.tolist() for w in track_windows(3)] == [[0, 1, 2]]


def test_fit_names_its_genres_and_scores_out_of_fold(rng):
    taggrams, y = _taggrams(rng)
    classes = ("drone", "beat", "chirp")
    fit = fit_tag_head(taggrams, y, classes, TagHeadConfig(folds=3))
    assert fit.head.genres == classes and fit.head.statistics == ("mean", "max", "std")
    assert fit.accuracy == 1.0 and fit.per_class == {"drone": (6, 6), "beat": (6, 6), "chirp": (6, 6)}
    assert fit.c in TagHeadConfig().c_grid and set(fit.cv_accuracy) == set(TagHeadConfig().c_grid)
    assert fit.oof_proba.shape == (18, 3) and np.allclose(fit.oof_proba.sum(1), 1)
    assert fit.head.temperature > 0 and fit.n_windows == 36  # 12 patches = 35.9 s: two windows a track
    # no out-of-fold mistakes, so no evidence of where it goes wrong: uncertain under 50 %
    assert fit.uncertain_below == pytest.approx(min(0.5, fit.oof_proba.max(1).min()))
    new = np.clip(PROFILES[2] + 0.05 * rng.standard_normal((10, 50)), 0.001, 0.999)
    assert classes[int(fit.head.window_proba(new)[0].argmax())] == "chirp"
    assert float(fit.metadata()["musicgenre.uncertain_below"]) == fit.uncertain_below


def test_too_few_tracks_is_a_clear_error(rng):
    taggrams, y = _taggrams(rng, per_class=2)
    with pytest.raises(ValueError, match="at least 2 tracks"):
        fit_tag_head(taggrams[:5], y[:5], ("drone", "beat", "chirp"))  # chirp has one track
    fit = fit_tag_head(taggrams, y, ("drone", "beat", "chirp"))  # two each: 2 folds, not 5
    assert fit.folds == 2


def test_grouped_cv_does_not_let_an_artists_sound_pass_for_the_genre(rng):
    """Each artist has a sound of its own and the genres none: CV over tracks scores the artists it has heard,
    CV grouped by artist scores what the genre alone tells (chance here)."""
    taggrams, y, artists = [], [], []
    for k in range(3):
        for a in range(4):
            sound = rng.random(50) * 0.8
            for _ in range(4):
                taggrams.append(np.clip(sound + 0.03 * rng.standard_normal((12, 50)), 0.001, 0.999))
                y.append(k)
                artists.append(f"{k}-{a}")
    y, artists = np.array(y), np.array(artists)
    by_track = fit_tag_head(taggrams, y, ("a", "b", "c"), TagHeadConfig(folds=4))
    by_artist = fit_tag_head(taggrams, y, ("a", "b", "c"), TagHeadConfig(folds=4), groups=artists)
    assert by_track.accuracy > 0.9
    assert by_artist.accuracy < 0.6 and by_artist.folds == 4
    assert by_artist.ci_high - by_artist.ci_low > by_track.ci_high - by_track.ci_low  # 12 artists, not 48 tracks
