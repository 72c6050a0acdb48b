"""load_model(): the shipped feature model follows the Model file contract; broken model files get one clear line.

(The default musicnn model: ``test_tag_model.py``.)"""

from __future__ import annotations

import numpy as np
import onnx
import pandas as pd
import pytest

from musicgenre.features.kaggle30 import KAGGLE30_COLUMNS
from musicgenre.genres import GENRES
from musicgenre.inference import SHIPPED_MODELS, ModelError, load_model

FEATURES_PATH = SHIPPED_MODELS["features"]


def test_features_model_follows_the_contract():
    model = load_model("features")
    assert model.path == str(FEATURES_PATH)
    assert model.recipe.name == "kaggle30" and model.feature_names == KAGGLE30_COLUMNS
    assert model.genres == GENRES and model.sample_rate == 22050 and model.clip_seconds == 30.0
    graph = onnx.load(FEATURES_PATH).graph  # an ONNX protobuf, not a pickle
    assert [i.name for i in graph.input] == ["features"] and [o.name for o in graph.output] == ["probabilities"]
    assert FEATURES_PATH.stat().st_size < 5_000_000
    assert FEATURES_PATH.with_name("MODEL_CARD.md").is_file()


def test_features_model_on_the_real_table(feature_table):
    """On its own training table the shipped model's probabilities are valid and its accuracy is what the card says."""
    table = pd.read_csv(feature_table)
    model = load_model("features")
    p = model.predict_proba(table[list(KAGGLE30_COLUMNS)].to_numpy(np.float32))
    assert p.shape == (1000, 10) and np.allclose(p.sum(axis=1), 1.0, atol=1e-5) and (p >= 0).all()
    accuracy = float(np.mean(np.array(GENRES)[p.argmax(axis=1)] == table["label"].to_numpy()))
    card = FEATURES_PATH.with_name("MODEL_CARD.md").read_text()
    assert f"{accuracy:.3f}" in card  # the training-set accuracy printed on the card is this model's


def test_features_model_card_describes_this_file():
    """The card's figures belong to the shipped bytes, and the Markdown card prints them."""
    import hashlib

    facts = load_model("features").card()
    assert facts["sha256"] == hashlib.sha256(FEATURES_PATH.read_bytes()).hexdigest()
    markdown = FEATURES_PATH.with_name("MODEL_CARD.md").read_text()
    for protocol, n_test in (("fault_filtered", 290), ("kfold10", 1000)):
        row = facts[protocol]
        assert row["n_test"] == n_test and row["ci_low"] <= row["accuracy"] <= row["ci_high"]
        assert f"**{100 * row['accuracy']:.1f} %**" in markdown
        assert [g["genre"] for g in row["per_genre"]] == list(GENRES)
    assert facts["sha256"] in markdown


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(ModelError, match="no such model file"):
        load_model(tmp_path / "nope.onnx")
    text = tmp_path / "model.onnx"
    text.write_text("not a model")
    with pytest.raises(ModelError) as caught:
        load_model(text)
    assert str(caught.value).startswith(f"{text}: not a readable ONNX model") and "\n" not in str(caught.value)


def test_metadata_is_checked(tmp_path, rms):
    with pytest.raises(ModelError, match="musicgenre.clip_seconds"):
        load_model(rms.write_model(tmp_path / "a.onnx", metadata={"musicgenre.clip_seconds": None}), recipe=rms.recipe)
    twice = GENRES[:9] + GENRES[:1]  # any names in any order are fine (a model of your own genres), twice not
    with pytest.raises(ModelError, match="distinct names"):
        load_model(rms.write_model(tmp_path / "b.onnx", genres=twice), recipe=rms.recipe)
    with pytest.raises(ModelError, match="unknown feature recipe"):
        load_model(rms.write_model(tmp_path / "c.onnx", metadata={"musicgenre.recipe": "no_such_recipe"}))
    with pytest.raises(ModelError, match="metadata names 2"):
        load_model(
            rms.write_model(tmp_path / "d.onnx", metadata={"musicgenre.feature_names": "rms,zcr"}), recipe=rms.recipe
        )


def test_recipe_columns_must_match(tmp_path, rms):
    """A model whose feature names differ from its recipe's columns is refused (features would be misread)."""
    path = rms.write_model(tmp_path / "e.onnx", metadata={"musicgenre.recipe": "kaggle30"})
    with pytest.raises(ModelError, match="differ from the columns"):
        load_model(path)


def test_clip_length_comes_from_the_model(tmp_path, rms):
    model = load_model(rms.write_model(tmp_path / "ten.onnx", clip_seconds=10.0), recipe=rms.recipe)
    from signals import tone

    from musicgenre.inference import classify

    p = classify(tone(220.0, 25.0), 22050, timeline=True, model=model)
    assert [(w.start_s, w.end_s) for w in p.timeline] == [(0.0, 10.0), (10.0, 20.0), (15.0, 25.0)]  # hop capped at 10 s
