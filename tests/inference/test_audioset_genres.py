"""``classify()`` with ``load_model("audioset-genres")``: AudioSet's 50 music genres, each scored on its own.

Always run: its genres and marks, independent probabilities (a track's are the plain mean of its windows', not
renormalised), ``Prediction.top``. With ``../shared``: a metal clip has Heavy metal among its three most probable
genres, and each of the first three classical clips Classical music.
"""

from __future__ import annotations

import numpy as np
import pytest
from signals import SR, music

from musicgenre.backbones.efficientat.vocabulary import MUSIC_GENRES
from musicgenre.inference import classify, load_model
from musicgenre.inference.audioset_model import AudioSetModel


@pytest.fixture(scope="module")
def model() -> AudioSetModel:
    model = load_model("audioset-genres")
    assert isinstance(model, AudioSetModel)
    return model


def test_its_genres_are_audiosets_music_genres(model):
    assert model.name == "audioset-genres" and model.genres == MUSIC_GENRES and len(model.genres) == 50
    assert model.multi_label and model.vocabulary == "music-genres"
    assert model.uncertain_below is None and "no linear head" in (model.explain_unavailable or "")


def test_probabilities_are_independent_and_the_track_is_their_plain_mean(model):
    p = classify(music(40.0), SR, model=model, timeline=True, explain=True)
    assert p.windows == len(p.timeline) == 2
    assert list(p.probabilities) == list(MUSIC_GENRES) and all(0 <= v <= 1 for v in p.probabilities.values())
    windows = np.array([[w.probabilities[g] for g in MUSIC_GENRES] for w in p.timeline])
    np.testing.assert_allclose(list(p.probabilities.values()), windows.mean(axis=0), rtol=0, atol=1e-7)
    assert abs(sum(p.probabilities.values()) - 1) > 0.05  # not renormalised to sum to 1
    assert [w.genre for w in p.timeline] == [MUSIC_GENRES[int(i)] for i in windows.argmax(axis=1)]
    top = p.top(5)
    assert top[0] == (p.genre, p.probability) and [v for _, v in top] == sorted(p.probabilities.values())[::-1][:5]
    assert p.uncertain is None and p.explanation is None
    assert p.to_dict()["probabilities"].keys() == set(MUSIC_GENRES)


@pytest.mark.parametrize(
    "clip,genre",
    [
        ("metal/metal.00000.wav", "Heavy metal"),
        ("classical/classical.00000.wav", "Classical music"),
        ("classical/classical.00001.wav", "Classical music"),
        ("classical/classical.00002.wav", "Classical music"),
    ],
)
def test_real_clips_have_their_genre_in_the_top_3(model, shared_audio, clip, genre):
    p = classify(shared_audio / clip, model=model)
    assert genre in [g for g, _ in p.top(3)], p.top(3)
