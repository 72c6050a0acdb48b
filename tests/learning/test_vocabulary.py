"""One name per genre: spellings merge on case, spaces, hyphens and &/and, and nothing else merges by itself."""

from __future__ import annotations

import pytest

from musicgenre.learning.vocabulary import build_vocabulary, genre_key, split_genres


@pytest.mark.parametrize(
    "spellings",
    [
        ("Hip Hop", "Hip-Hop", "hip-hop", "HIP HOP", "hip_hop", " Hip  Hop "),
        ("R&B", "R and B", "r & b"),
        ("Drum & Bass", "Drum and Bass", "drum-and-bass"),
        ("Rock", "rock", "ROCK"),
        ("Jazz Vocal", "jazz-vocal"),
    ],
)
def test_spellings_of_one_genre_share_a_key(spellings):
    assert len({genre_key(s) for s in spellings}) == 1


@pytest.mark.parametrize(
    "different",
    [
        ("Rock", "Rock & Roll", "Rock'n'Roll", "Pop Rock"),
        ("Electronic", "Electronica", "Electro"),
        ("Rap", "Hip-Hop"),
        ("Jazz", "Jazz Vocal", "Acid Jazz"),
        ("Pop", "K-Pop", "J-Pop"),
        ("R&B", "RnB", "Rock"),
    ],
)
def test_different_genres_keep_different_keys(different):
    assert len({genre_key(s) for s in different}) == len(different)


def test_the_most_common_spelling_names_the_genre_and_the_merge_is_reported():
    tracks = ["Hip-Hop"] * 5 + ["Hip Hop"] * 3 + ["hip-hop"] + ["Jazz"] * 4 + ["Rap"] * 2
    vocabulary = build_vocabulary(tracks)
    assert {vocabulary.name_of(s) for s in ("Hip Hop", "hip-hop", "Hip-Hop")} == {"Hip-Hop"}
    assert vocabulary.name_of("Jazz") == "Jazz" and vocabulary.name_of("Rap") == "Rap"
    (merge,) = vocabulary.merges  # Jazz and Rap were spelled one way each: nothing to report
    assert merge.name == "Hip-Hop" and merge.spellings == (("Hip-Hop", 5), ("Hip Hop", 3), ("hip-hop", 1))
    assert not merge.mapped


def test_a_map_joins_names_spelling_cannot_and_names_the_result():
    tracks = ["Hip-Hop"] * 5 + ["Rap"] * 2 + ["rap"] + ["Gangsta Rap"]
    vocabulary = build_vocabulary(tracks, {"RAP": "Hip Hop", "gangsta rap": "Hip Hop"})  # named as the map says
    assert {vocabulary.name_of(s) for s in ("Hip-Hop", "Rap", "rap", "Gangsta Rap")} == {"Hip Hop"}
    (merge,) = vocabulary.merges
    assert merge.mapped and dict(merge.spellings) == {"Hip-Hop": 5, "Rap": 2, "rap": 1, "Gangsta Rap": 1}


def test_genre_values_split_at_semicolons_only():
    assert split_genres(["Rock; Pop", "Pop/Rock", "", "  ", "-", "Jazz"]) == ("Rock", "Pop", "Pop/Rock", "Jazz")
