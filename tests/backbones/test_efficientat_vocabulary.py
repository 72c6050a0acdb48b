"""The fixed AudioSet -> GTZAN map and the broad vocabulary, checked against sums done by hand."""

from __future__ import annotations

import numpy as np
import pytest

from musicgenre.backbones.efficientat.graph import read_classes
from musicgenre.backbones.efficientat.vocabulary import (
    GTZAN_FROM_AUDIOSET,
    MUSIC_GENRES,
    READABLE_NAMES,
    genre_matrix,
    genre_scores,
    music_genre_indices,
    readable_name,
)
from musicgenre.genres import GENRES

CLASSES = read_classes()


def test_the_shipped_classes_are_audiosets_527():
    assert len(CLASSES) == 527 and len(set(CLASSES)) == 527
    assert CLASSES[0] == "Speech" and CLASSES[137] == "Music" and CLASSES[526] == "Field recording"


def test_the_map_is_the_documented_one():
    assert tuple(GTZAN_FROM_AUDIOSET) == GENRES
    assert GTZAN_FROM_AUDIOSET["classical"] == ("Classical music", "Opera")
    assert GTZAN_FROM_AUDIOSET["rock"] == (
        "Rock music",
        "Punk rock",
        "Progressive rock",
        "Psychedelic rock",
        "Rock and roll",
    )
    matrix = genre_matrix(CLASSES)
    assert matrix.shape == (527, 10) and matrix.sum() == 19  # 19 classes, each to one genre
    assert matrix.sum(axis=1).max() == 1


def test_genre_scores_by_hand():
    p = np.zeros((2, 527))
    index = {name: i for i, name in enumerate(CLASSES)}
    p[0, index["Blues"]] = 0.2
    p[0, index["Jazz"]] = 0.3
    p[0, index["Swing music"]] = 0.1
    p[0, index["Speech"]] = 0.9  # not a genre: ignored
    p[1, index["Rock music"]] = 0.4
    p[1, index["Punk rock"]] = 0.2
    p[1, index["Heavy metal"]] = 0.3
    p[1, index["Grunge"]] = 0.1
    scores = genre_scores(p, CLASSES)
    # row 0: blues 0.2, jazz 0.3 + 0.1 = 0.4, sum 0.6 -> 1/3, 2/3
    expected0 = np.zeros(10)
    expected0[GENRES.index("blues")], expected0[GENRES.index("jazz")] = 0.2 / 0.6, 0.4 / 0.6
    # row 1: rock 0.6, metal 0.4, sum 1.0
    expected1 = np.zeros(10)
    expected1[GENRES.index("rock")], expected1[GENRES.index("metal")] = 0.6, 0.4
    np.testing.assert_allclose(scores, [expected0, expected1], rtol=0, atol=1e-15)


def test_a_row_without_any_genre_stays_finite():
    assert np.all(genre_scores(np.zeros((1, 527)), CLASSES) == 0)


def test_broad_vocabulary_is_the_music_genre_subtree():
    columns = music_genre_indices(CLASSES)
    assert list(columns) == list(range(216, 266))  # one block in AudioSet's (ontology) order
    assert tuple(CLASSES[i] for i in columns) == MUSIC_GENRES
    assert all(c in MUSIC_GENRES for names in GTZAN_FROM_AUDIOSET.values() for c in names)
    assert set(READABLE_NAMES) == set(MUSIC_GENRES)
    assert len(set(READABLE_NAMES.values())) == len(MUSIC_GENRES)
    assert readable_name("Electronic music") == "Electronic" and readable_name("Hip hop music") == "Hip-Hop"
    assert readable_name("Speech") == "Speech"


def test_a_missing_class_is_named():
    with pytest.raises(ValueError, match="no class 'Blues'"):
        genre_scores(np.zeros((1, 2)), ("Music", "Speech"))
