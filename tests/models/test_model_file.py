"""The Model file schema: every writer's props read back to the same metadata and are written back byte for byte;
a file's values are checked at the boundary (one-line errors); the keys are spelled in one module."""

from __future__ import annotations

import dataclasses
import pkgutil
import re
from pathlib import Path

import pytest

import musicgenre
from musicgenre.genres import GENRES
from musicgenre.models.model_file import (
    KEYS,
    ModelFileError,
    ModelFileMeta,
    genres_metadata,
    key,
    partial_props,
    read_genres,
    set_metadata,
)

SRC = Path(musicgenre.__file__).parent

FEATURES = ModelFileMeta(
    name="mine", recipe="kaggle30", feature_names=("a", "b"), genres=GENRES, sample_rate=22050, clip_seconds=30.0
)


def _props(**changes: str | None) -> dict[str, str]:
    props = FEATURES.to_props()
    for name, value in changes.items():
        if value is None:
            props.pop(key(name))
        else:
            props[key(name)] = value
    return props


def test_a_feature_model_s_props_are_the_six_keys_in_order():
    assert list(FEATURES.to_props().items()) == [
        ("musicgenre.name", "mine"),
        ("musicgenre.recipe", "kaggle30"),
        ("musicgenre.feature_names", "a,b"),
        ("musicgenre.genres", genres_metadata(GENRES)),
        ("musicgenre.sample_rate", "22050"),
        ("musicgenre.clip_seconds", "30"),
    ]


def test_efficientat_s_props_round_trip_byte_for_byte_with_comma_genres():
    from musicgenre.backbones.efficientat.graph import metadata, read_classes

    props = metadata(read_classes())
    assert props["musicgenre.genres"] == ",".join(GENRES)
    meta = ModelFileMeta.from_props(props)
    assert not meta.genres_as_json and meta.genres == GENRES and meta.n_mels == 128 and len(meta.classes or ()) == 527
    assert list(meta.to_props().items()) == list(props.items())


def test_a_musicnn_graph_s_props_with_a_fit_s_round_trip_byte_for_byte():
    import numpy as np

    from musicgenre.backbones.musicnn.genre_graph import metadata
    from musicgenre.models.linear_head import LinearHead

    k = 3
    head = LinearHead(("mean", "max"), np.zeros(100), np.ones(100), np.zeros((k, 100)), np.zeros(k), ("a, b", "c", "d"))
    extra = {**partial_props(uncertain_below=0.4375, cv_accuracy=0.81234, description="d"), "other": "x"}
    props = metadata(head, "mine", extra=extra)
    meta = ModelFileMeta.from_props(props)
    assert (meta.genres, meta.statistics, meta.patch_hop, meta.cv_accuracy) == (
        ("a, b", "c", "d"),
        ("mean", "max"),
        187,
        0.8123,
    )
    assert meta.extra == (("other", "x"),)
    assert list(meta.to_props().items()) == list(props.items())


def test_from_props_then_to_props_is_the_identity_for_every_field():
    full = dataclasses.replace(
        FEATURES,
        head="{}",
        patch_frames=187,
        patch_hop=61,
        part_frames=1000,
        n_mels=96,
        statistics=("mean",),
        temperature=1.25,
        tags=("rock", "pop"),
        classes=("Music", "Speech"),
        licence="MIT",
        source="here",
        uncertain_below=0.5,
        cv_accuracy=0.75,
        description="words",
        protocol="5-fold",
        extra=(("z", "1"), ("musicgenre.newer", "2")),
    )
    props = full.to_props()
    assert list(props)[: len(KEYS)] == list(KEYS) and list(props)[len(KEYS) :] == ["z", "musicgenre.newer"]
    assert ModelFileMeta.from_props(props) == full


def test_missing_required_keys_are_named_in_order():
    with pytest.raises(ModelFileError) as caught:
        ModelFileMeta.from_props(_props(clip_seconds=None, recipe=None))
    assert str(caught.value) == (
        "metadata lacks musicgenre.recipe, musicgenre.clip_seconds (see DEVELOPING.md, Model file)"
    )


@pytest.mark.parametrize("genres", ["rock", '["a", "a"]', "a,,b"])
def test_genres_must_be_two_or_more_distinct_names(genres):
    with pytest.raises(ModelFileError, match=r"^genres must be two or more distinct names, got \("):
        ModelFileMeta.from_props(_props(genres=genres))


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("sample_rate", "0", "musicgenre.sample_rate must be a positive number of Hz, got '0'"),
        ("clip_seconds", "nan", "musicgenre.clip_seconds must be a positive number of seconds, got 'nan'"),
        ("n_mels", "96.5", "musicgenre.n_mels must be a whole number, got '96.5'"),
        ("temperature", "-1", "musicgenre.temperature must be a positive number, got '-1'"),
        ("classes", '{"a": 1}', "musicgenre.classes must be a JSON list of class names, got '{\"a\": 1}'"),
    ],
)
def test_a_malformed_value_is_one_line_naming_its_key(field, value, says):
    with pytest.raises(ModelFileError) as caught:
        ModelFileMeta.from_props(_props(**{field: value}))
    assert str(caught.value) == says


def test_empty_optional_numbers_are_absent_and_strings_kept():
    meta = ModelFileMeta.from_props(_props(uncertain_below="", n_mels="", name="", licence=""))
    assert (meta.uncertain_below, meta.n_mels, meta.name, meta.licence) == (None, None, "", "")
    assert ModelFileMeta.from_props(_props(name=None)).name is None


def test_old_comma_genres_and_a_float_rate_read():
    meta = ModelFileMeta.from_props(_props(genres=" rock , pop ", sample_rate="16000.0", feature_names="a, b"))
    assert (meta.genres, meta.sample_rate, meta.feature_names, meta.genres_as_json) == (
        ("rock", "pop"),
        16000,
        ("a", "b"),
        False,
    )
    assert read_genres('["x, y", "z"]') == ("x, y", "z") and read_genres('["x", 1]') == ('["x"', "1]")


def test_extra_may_not_repeat_a_key_and_unknown_fields_are_refused():
    with pytest.raises(ValueError, match="repeats keys"):
        dataclasses.replace(FEATURES, extra=(("musicgenre.name", "x"),))
    with pytest.raises(TypeError, match="no Model file field"):
        partial_props(colour="red")
    with pytest.raises(KeyError):
        key("extra")


def test_set_metadata_replaces_the_props_in_order():
    import onnx

    proto = onnx.ModelProto()
    proto.metadata_props.add(key="old", value="1")
    set_metadata(proto, {"b": "2", "a": "1"})
    assert [(p.key, p.value) for p in proto.metadata_props] == [("b", "2"), ("a", "1")]
    assert proto.producer_name == "musicgenre"


#: A string literal that starts ``musicgenre.<name>`` with no further dot (a module path such as
#: ``"musicgenre.features.warmup"`` has one).
_LITERAL = re.compile(r"""(?<![\w.])[rbfu]*["']musicgenre\.(\w+)(?![\w.])""")


def test_only_the_schema_spells_a_key():
    modules = {m.name for m in pkgutil.iter_modules(musicgenre.__path__)}
    spelled: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        for name in _LITERAL.findall(path.read_text(encoding="utf-8")):
            if name not in modules:
                spelled.setdefault(path.relative_to(SRC).as_posix(), set()).add(name)
    assert spelled == {}, spelled
