"""ONNX export: every family round-trips to its own probabilities (1e-5), with the contract's names and metadata."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
import torch

from musicgenre.genres import GENRES
from musicgenre.models.baselines import BASELINES
from musicgenre.models.ensemble import SoftVotingEnsemble
from musicgenre.models.export import onnx_predict, save_onnx, to_onnx
from musicgenre.training.zoo import make_model

torch.set_num_threads(1)


def _table(n: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows like the kaggle30 table's: positive, heavy-tailed columns (variances up to ~1e6)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 10
    centres = np.random.default_rng(5).normal(0, 1, size=(10, d))
    z = centres[y] + rng.normal(0, 0.8, size=(n, d))
    scales = np.logspace(-3, 6, d)
    return (np.exp(z) * scales).astype(np.float32), y


@pytest.fixture(scope="module")
def table():
    x, y = _table(200, 12, 0)
    xv, yv = _table(60, 12, 1)
    return x, y, xv, yv


@pytest.mark.parametrize("name", [*BASELINES, "mlp-kaggle57", "mlp-mfcc"])
def test_round_trip_equals_predict_proba(name, table, tmp_path):
    x, y, xv, yv = table
    model = make_model(name, max_epochs=5).fit(x, y, xv, yv)
    names = [f"f{i}" for i in range(x.shape[1])]
    path = save_onnx(model, tmp_path / "m.onnx", names, "kaggle30", name=name)
    expected = model.predict_proba(xv)
    got = onnx_predict(path, xv)
    assert got.shape == (len(xv), 10) and got.dtype == np.float32
    np.testing.assert_allclose(got, expected, atol=1e-5)
    np.testing.assert_allclose(got.sum(1), 1.0, atol=1e-5)


@pytest.mark.parametrize("name", ["logreg", "svm", "mlp-kaggle57"])
def test_far_out_features_are_clipped_alike_in_python_and_onnx(name, table, tmp_path):
    """Like the table's harmony_mean (about 0 +- 1e-5, one clip at 0.01): a z of 1000 is clipped to the +-5 limit."""
    from musicgenre.models.scaling import YeoJohnson

    x, y, xv, yv = (a.copy() for a in table)
    rng = np.random.default_rng(3)
    x[:, 0], xv[:, 0] = rng.normal(0, 1e-5, len(x)), rng.normal(0, 1e-5, len(xv))
    model = make_model(name, max_epochs=5).fit(x, y, xv, yv)
    far = xv.copy()
    far[:, 0] = 0.01
    scaled = YeoJohnson.fit(x)(torch.as_tensor(far)).numpy()
    assert np.abs(scaled).max() == pytest.approx(5.0)
    path = save_onnx(model, tmp_path / "m.onnx", [f"f{i}" for i in range(x.shape[1])], "kaggle30", name=name)
    np.testing.assert_allclose(onnx_predict(path, far), model.predict_proba(far), atol=1e-5)
    farther = far.copy()
    farther[:, 0] = 10.0  # beyond the limit nothing changes
    np.testing.assert_allclose(model.predict_proba(farther), model.predict_proba(far), atol=1e-6)


def test_cnn_round_trip_over_flattened_spectrograms(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 1, 16, 32)).astype(np.float32)
    y = np.arange(40) % 10
    model = make_model("cnn2d-gap", max_epochs=2).fit(x, y, x[:10], y[:10])
    proto = to_onnx(model, [f"v{i}" for i in range(16 * 32)], "logmel-test", name="cnn2d-gap", clip_seconds=3)
    np.testing.assert_allclose(onnx_predict(proto, x.reshape(40, -1)), model.predict_proba(x), atol=1e-5)


def test_ensemble_graph_is_the_mean_of_its_members(table):
    x, y, xv, yv = table
    members = [(n, make_model(n, max_epochs=3).fit(x, y, xv, yv)) for n in ("logreg", "gboost", "mlp-kaggle57")]
    ensemble = SoftVotingEnsemble(members)
    expected = np.mean([m.predict_proba(xv) for _, m in members], axis=0)
    np.testing.assert_allclose(ensemble.predict_proba(xv), expected, atol=1e-6)
    proto = to_onnx(ensemble, [f"f{i}" for i in range(12)], "kaggle30", name="ensemble")
    np.testing.assert_allclose(onnx_predict(proto, xv), expected, atol=1e-5)


def test_model_file_contract(table, tmp_path):
    x, y, xv, yv = table
    model = make_model("logreg").fit(x, y, xv, yv)
    names = [f"f{i}" for i in range(12)]
    path = save_onnx(
        model, tmp_path / "sub" / "model.onnx", names, "kaggle30", name="logreg", sample_rate=22050, clip_seconds=30
    )
    proto = onnx.load(str(path))
    assert [i.name for i in proto.graph.input] == ["features"]
    assert [o.name for o in proto.graph.output] == ["probabilities"]
    meta = {p.key: p.value for p in proto.metadata_props}
    assert meta == {
        "musicgenre.name": "logreg",
        "musicgenre.recipe": "kaggle30",
        "musicgenre.feature_names": ",".join(names),
        "musicgenre.genres": json.dumps(list(GENRES)),  # a JSON list: any genre name survives
        "musicgenre.sample_rate": "22050",
        "musicgenre.clip_seconds": "30",
    }
    assert path.read_bytes()[:1] != b"\x80"  # not a pickle
    victim = tmp_path / "victim.onnx"
    victim.write_bytes(b"someone else's")
    path.unlink()
    path.symlink_to(victim)  # a link planted at the model's name is replaced, not written through
    save_onnx(model, path, names, "kaggle30", name="logreg")
    assert victim.read_bytes() == b"someone else's" and not path.is_symlink() and onnx.load(str(path))
    assert sorted(p.name for p in path.parent.iterdir()) == ["model.onnx"]


def test_export_refuses_a_wrong_feature_count(table):
    x, y, xv, yv = table
    model = make_model("mlp-mfcc", max_epochs=1).fit(x, y)
    with pytest.raises(ValueError, match="features"):
        to_onnx(model, ["a", "b"], "kaggle30", name="x")


def test_a_baseline_trained_on_some_genres_exports_ten_columns(table):
    x, y, xv, yv = table
    keep = np.isin(y, [1, 4, 7])
    model = make_model("logreg").fit(x[keep], y[keep])
    proto = to_onnx(model, [f"f{i}" for i in range(12)], "kaggle30", name="logreg")
    got = onnx_predict(proto, xv)
    np.testing.assert_allclose(got, model.predict_proba(xv), atol=1e-5)
    assert np.all(got[:, [0, 2, 3, 5, 6, 8, 9]] == 0)
