"""The label policy: which files a prediction changes, how, and the genre name map."""

from __future__ import annotations

import pytest

from musicgenre.backbones.efficientat.vocabulary import MUSIC_GENRES, readable_name
from musicgenre.genres import GENRES
from musicgenre.tagging.policy import (
    TAG_NAMES,
    LabelPolicy,
    MapError,
    decide,
    default_mapping,
    needs_prediction,
    parse_map_items,
    read_map_file,
)

NAMED = LabelPolicy(mapping=default_mapping(GENRES))


def test_only_empty_fills_empty_files_and_leaves_tagged_ones_unclassified():
    assert decide((), "hiphop", 0.9, NAMED).__dict__ == {"action": "set", "genres": ("Hip-Hop",), "reason": ""}
    kept = decide(("Jazz",), "rock", 0.9, NAMED)
    assert kept.action == "skip" and kept.genres == ("Jazz",) and "--replace" in kept.reason
    assert not needs_prediction(("Jazz",), NAMED) and needs_prediction((), NAMED)


def test_replace_and_append():
    replace = LabelPolicy("replace", mapping=default_mapping(GENRES))
    append = LabelPolicy("append", mapping=default_mapping(GENRES))
    assert decide(("Jazz", "Funk"), "rock", 0.9, replace).genres == ("Rock",)
    assert decide(("Jazz", "Funk"), "rock", 0.9, replace).action == "replace"
    assert decide((), "rock", 0.9, replace).action == "set"
    assert decide(("Jazz",), "rock", 0.9, append).genres == ("Jazz", "Rock")
    assert decide(("rock",), "rock", 0.9, append).action == "keep"  # the same name in any case: nothing to add
    assert decide(("ROCK",), "rock", 0.9, replace).action == "keep"  # the user's spelling stays
    assert needs_prediction(("Jazz",), replace) and needs_prediction(("Jazz",), append)


def test_doubtful_predictions_change_nothing_and_say_why():
    strict = LabelPolicy("replace", min_probability=0.6)
    low = decide(("Jazz",), "rock", 0.55, strict)
    assert (low.action, low.genres) == ("skip", ("Jazz",)) and "rock at 0.55" in low.reason and "0.6" in low.reason
    assert decide((), "rock", 0.6, strict).action == "set"  # the threshold itself is enough
    doubt = decide((), "rock", 0.9, strict, uncertain=True)
    assert doubt.action == "skip" and "uncertain" in doubt.reason
    assert decide((), "rock", 0.9, LabelPolicy(skip_uncertain=False), uncertain=True).action == "set"
    noise = decide((), "classical", 0.81, LabelPolicy(skip_uncertain=False), not_music="a steady tone")
    assert noise.action == "skip" and "not music (a steady tone)" in noise.reason


def test_policy_checks_its_settings():
    with pytest.raises(ValueError, match="unknown policy"):
        LabelPolicy("overwrite")
    with pytest.raises(ValueError, match="min probability"):
        LabelPolicy(min_probability=1.5)


def test_default_names_are_the_ones_players_know_and_maps_override_them(tmp_path):
    assert default_mapping(GENRES) == TAG_NAMES and set(TAG_NAMES) == set(GENRES)
    assert default_mapping(("hiphop", "techno")) == {"hiphop": "Hip-Hop"}  # a user's model: only known names
    assert parse_map_items(["hiphop=Rap", " metal = 'Heavy Metal' "], GENRES) == {
        "hiphop": "Rap",
        "metal": "Heavy Metal",
    }
    for bad in (["hiphop"], ["=Rap"], ["hiphop="], ["techno=Techno"]):
        with pytest.raises(MapError) as caught:
            parse_map_items(bad, GENRES)
        assert "--map" in str(caught.value) and "\n" not in str(caught.value)
    plain = tmp_path / "plain.toml"
    plain.write_text('hiphop = "Hip Hop"\nrock = "Rock & Roll"\n')
    assert read_map_file(plain, GENRES) == {"hiphop": "Hip Hop", "rock": "Rock & Roll"}
    table = tmp_path / "table.toml"
    table.write_text('[map]\njazz = "Jazz"\n')
    assert read_map_file(table, GENRES) == {"jazz": "Jazz"}
    for text, words in (
        ("jazz = 3\n", "non-empty string"),
        ("jazz = \n", "cannot read"),
        ('bebop = "x"\n', "not a genre"),
    ):
        broken = tmp_path / "broken.toml"
        broken.write_text(text)
        with pytest.raises(MapError, match=words):
            read_map_file(broken, GENRES)
    with pytest.raises(MapError, match="cannot read"):
        read_map_file(tmp_path / "absent.toml", GENRES)


def test_audioset_classes_get_their_readable_names():
    """A model whose genres are AudioSet classes (audioset-genres) writes each one's readable name (Hip hop music:
    Hip-Hop); --map still wins; GTZAN's ten keep ID3v1's names, and other names are left as they are."""
    mapping = default_mapping(MUSIC_GENRES)
    assert set(mapping) == set(MUSIC_GENRES) and mapping == {g: readable_name(g) for g in MUSIC_GENRES}
    assert mapping["Hip hop music"] == "Hip-Hop" and mapping["Electronic music"] == "Electronic"
    assert mapping["Heavy metal"] == "Heavy Metal" and mapping["Rhythm and blues"] == "R&B"
    assert mapping["Jazz"] == "Jazz"  # a class already readable keeps its name
    assert len(set(mapping.values())) == len(MUSIC_GENRES)  # no two classes end as one tag
    assert all(name and name.strip() == name and ";" not in name for name in mapping.values())
    assert parse_map_items(["Hip hop music=Rap"], MUSIC_GENRES) == {"Hip hop music": "Rap"}
    with pytest.raises(MapError, match="not a genre of the model"):
        parse_map_items(["hiphop=Rap"], MUSIC_GENRES)
    policy = LabelPolicy(mapping={**mapping, **parse_map_items(["Hip hop music=Rap"], MUSIC_GENRES)})
    assert decide((), "Hip hop music", 0.4, policy).genres == ("Rap",)
    assert decide((), "Music of Latin America", 0.4, policy).genres == ("Latin",)
    assert default_mapping(GENRES) == TAG_NAMES  # the ten are not AudioSet's spellings
    assert default_mapping(("Jazz", "My own")) == {}  # a user's model with one name outside AudioSet's
