"""Which tracks teach: one genre per file, genres with too few tracks or one artist dropped with the reason."""

from __future__ import annotations

import pytest

from musicgenre.learning.collect import CollectConfig, LabelledFile, artist_key, choose_tracks


def library(spec: dict[str, list[tuple[str, int]]]) -> list[LabelledFile]:
    """``{genre spelling: [(artist, tracks), …]}`` -> files named after both."""
    return [
        LabelledFile(f"{genre}-{artist}-{i}.mp3", (genre,), artist)
        for genre, artists in spec.items()
        for artist, n in artists
        for i in range(n)
    ]


def test_small_and_single_artist_genres_are_dropped_with_their_reason():
    files = library(
        {
            "Jazz": [("Miles", 6), ("Ella", 6)],
            "jazz": [("Chet", 1)],  # the same genre, spelled otherwise: 13 tracks, 3 artists
            "Blues": [("BB", 5), ("Muddy", 5)],
            "Ska": [("Skatalites", 3), ("Specials", 2)],  # 5 tracks: too few
            "Polka": [("Yankovic", 12)],  # one artist: nothing to test it on
        }
    )
    files.append(LabelledFile("untagged.flac", (), "Someone"))
    chosen = choose_tracks(files, CollectConfig(min_tracks=10))
    assert chosen.genres == ("Blues", "Jazz")
    assert chosen.counts() == {"Blues": 10, "Jazz": 13} and chosen.artists() == {"Blues": 2, "Jazz": 3}
    assert {d.name: d.reason for d in chosen.dropped} == {
        "Polka": "all its tracks are by one artist: nothing to test it on by another artist",
        "Ska": "5 tracks, fewer than --min-tracks 10",
    }
    assert chosen.unlabelled == ("untagged.flac",)
    assert [(m.name, m.spellings) for m in chosen.merges] == [("Jazz", (("Jazz", 12), ("jazz", 1)))]
    assert len(chosen) == 23 and set(chosen.labels) == {"Blues", "Jazz"}


def test_a_file_with_several_genres_teaches_its_first_or_nothing():
    files = library({"Rock": [("A", 3), ("B", 3)], "Pop": [("C", 3), ("D", 3)]})
    files.append(LabelledFile("both.mp3", ("Pop; Rock",), "E"))
    files.append(LabelledFile("two-frames.mp3", ("rock", "Pop"), "F"))
    first = choose_tracks(files, CollectConfig(min_tracks=2))
    labels = dict(zip(first.paths, first.labels, strict=True))
    assert labels["both.mp3"] == "Pop" and labels["two-frames.mp3"] == "Rock"
    skipped = choose_tracks(files, CollectConfig(min_tracks=2, multiple="skip"))
    assert "both.mp3" not in skipped.paths and "two-frames.mp3" not in skipped.paths
    assert {s.path: s.reason for s in skipped.set_aside}["both.mp3"].startswith("several genres (Pop, Rock)")


def test_artists_group_in_any_spelling_and_files_without_one_stand_alone():
    assert artist_key("The  Beatles", "a.mp3") == artist_key("the beatles", "b.mp3")
    assert artist_key(None, "a.mp3") != artist_key(None, "b.mp3") and artist_key(" ", "a.mp3") == "file:a.mp3"
    files = library({"Rock": [("A", 3), (None, 3)], "Pop": [("C", 3), ("D", 3)]})  # type: ignore[list-item]
    chosen = choose_tracks(files, CollectConfig(min_tracks=2))
    assert chosen.without_artist == 3 and chosen.artists()["Rock"] == 4
    by_file = choose_tracks(files, CollectConfig(min_tracks=2, group_by="file"))
    assert len(set(by_file.groups)) == len(by_file) and by_file.without_artist == 0


def test_failed_files_leave_and_genres_are_chosen_again():
    files = library({"Rock": [("A", 3), ("B", 2)], "Pop": [("C", 3), ("D", 3)], "Funk": [("E", 3), ("F", 3)]})
    chosen = choose_tracks(files, CollectConfig(min_tracks=5))
    assert chosen.genres == ("Funk", "Pop", "Rock")
    failed = {"Rock-B-0.mp3": "could not be analysed: empty file"}
    after = chosen.without(failed, min_tracks=5)
    assert after.genres == ("Funk", "Pop") and not any(label == "Rock" for label in after.labels)
    assert [d.reason for d in after.dropped] == ["4 tracks, fewer than --min-tracks 5"]
    assert [(s.path, s.reason) for s in after.set_aside] == list(failed.items())


def test_min_tracks_below_two_is_refused():
    with pytest.raises(ValueError, match="at least 2"):
        CollectConfig(min_tracks=1)
