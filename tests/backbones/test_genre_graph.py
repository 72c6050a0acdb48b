"""The one-graph genre model: musicnn MSD tags -> window statistics -> a linear head, in PyTorch and ONNX.

The exported graph is held against PyTorch musicnn (``run_patches``) + the head in numpy: probabilities within
1e-5, tags within the float32 rounding bound of ``rounding.py`` (onnxruntime's kernels sum in other orders than
PyTorch's, so the allowed gap comes from ``u = 2**-24`` carried through the network, not from one machine).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from backbones.rounding import network_sigmas
from signals import tone

from musicgenre.audio import load
from musicgenre.backbones import musicnn
from musicgenre.backbones.musicnn.config import MSD_TAGS, InputConfig
from musicgenre.backbones.musicnn.genre_graph import MusicnnGenreGraph, export_onnx, run_onnx
from musicgenre.features.taggram_stats import clip_statistics
from musicgenre.genres import GENRES
from musicgenre.models.linear_head import RECIPE, LinearHead
from musicgenre.models.sessions import ort_session
from musicgenre.models.windows import window_matrix

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

FIXTURE = Path(__file__).parent / "fixtures" / "synth16k.wav"
#: Distinct shared clips (four genres and the MP3; all 30 s).
SHARED_CLIPS = (
    "metal/metal.00000.wav",
    "classical/classical.00000.wav",
    "blues/blues.00099.mp3",
    "hiphop/hiphop.00000.wav",
)
PROBABILITY_ATOL = 1e-5
SR = InputConfig().sample_rate


def _tag_like(rng: np.random.Generator, n: int, stats: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Clip statistics of random taggrams (6-12 frames of tag-like probabilities) and 10 labels from a linear rule."""
    frames, clip = [], []
    for i in range(n):
        k = int(rng.integers(6, 13))
        frames.append(rng.beta(0.6, 4.0, size=(k, len(MSD_TAGS))))
        clip += [i] * k
    x = clip_statistics(np.vstack(frames), np.array(clip), n, stats)
    z = (x - x.mean(0)) / x.std(0)
    y = np.argmax(z @ rng.normal(size=(x.shape[1], len(GENRES))) + rng.normal(scale=3.0, size=(n, len(GENRES))), 1)
    return x, y


def _pipeline(estimator):
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    return Pipeline([("scale", StandardScaler()), ("model", estimator)])


@functools.cache
def fitted_head(stats: tuple[str, ...] = ("mean", "max")) -> LinearHead:
    from sklearn.linear_model import LogisticRegression

    x, y = _tag_like(np.random.default_rng(1), 400, stats)
    return LinearHead.from_sklearn(_pipeline(LogisticRegression(C=0.1, max_iter=3000)).fit(x, y), stats, GENRES)


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    path = export_onnx(
        tmp_path_factory.mktemp("graph") / "musicnn-genre.onnx", fitted_head(), "test-head", {"musicgenre.note": "test"}
    )
    return ort_session(path)


@pytest.fixture(scope="module")
def session_std(tmp_path_factory):
    head = fitted_head(("mean", "max", "std"))
    return ort_session(export_onnx(tmp_path_factory.mktemp("graph") / "std.onnx", head, "test-std"))


# --- the head --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stats", [("mean", "max"), ("mean", "max", "std")])
def test_head_equals_sklearn_logistic_regression(stats):
    from sklearn.linear_model import LogisticRegression

    x, y = _tag_like(np.random.default_rng(0), 300, stats)
    model = _pipeline(LogisticRegression(C=0.1, max_iter=3000)).fit(x, y)
    head = LinearHead.from_sklearn(model, stats, GENRES)
    assert head.coef.shape == (10, 50 * len(stats)) and head.genres == GENRES
    assert head.feature_names(MSD_TAGS)[:2] == (f"{stats[0]}(rock)", f"{stats[0]}(pop)")
    assert head.feature_names(MSD_TAGS)[50] == f"{stats[1]}(rock)"
    probe, _ = _tag_like(np.random.default_rng(5), 50, stats)
    np.testing.assert_allclose(head.predict_proba(probe), model.predict_proba(probe), rtol=0, atol=1e-6)


def test_head_equals_sklearn_ridge_and_binary():
    from sklearn.linear_model import LogisticRegression, RidgeClassifier

    x, y = _tag_like(np.random.default_rng(2), 300, ("mean", "max"))
    ridge = _pipeline(RidgeClassifier(alpha=10.0)).fit(x, y)
    d = ridge.decision_function(x)
    softmax = np.exp(d - d.max(1, keepdims=True))
    softmax /= softmax.sum(1, keepdims=True)
    head = LinearHead.from_sklearn(ridge, ("mean", "max"), GENRES)
    np.testing.assert_allclose(head.predict_proba(x), softmax, rtol=0, atol=1e-6)

    binary = _pipeline(LogisticRegression(max_iter=3000)).fit(x, y % 2)
    head2 = LinearHead.from_sklearn(binary, ("mean", "max"), ("even", "odd"))
    np.testing.assert_allclose(head2.predict_proba(x), binary.predict_proba(x), rtol=0, atol=1e-6)


def test_head_temperature_and_checks():
    head = fitted_head()
    hot = LinearHead(head.statistics, head.center, head.scale, head.coef, head.intercept, head.genres, temperature=2.0)
    x, _ = _tag_like(np.random.default_rng(3), 5, head.statistics)
    expected = np.exp(head.decision(x) / 2.0)
    np.testing.assert_allclose(hot.predict_proba(x), expected / expected.sum(1, keepdims=True), rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="statistics"):
        LinearHead(("p10",), np.zeros(50), np.ones(50), np.zeros((2, 50)), np.zeros(2), ("a", "b"))
    with pytest.raises(ValueError, match="coef"):
        LinearHead(("mean",), np.zeros(50), np.ones(50), np.zeros((3, 50)), np.zeros(2), ("a", "b"))


def test_window_statistics_match_the_study_layout():
    """The numpy window statistics are ``clip_statistics``'s columns (the layout the heads were fitted on)."""
    head = fitted_head(("mean", "max", "std"))
    tags = np.random.default_rng(4).beta(0.6, 4.0, size=(7, 50)).astype(np.float32)
    expected = clip_statistics(tags, np.zeros(7, int), 1, head.statistics)[0]
    np.testing.assert_allclose(head.window_statistics(tags), expected, rtol=0, atol=1e-6)


# --- the graph -------------------------------------------------------------------------------------------------

#: Patches whose taggram rows are held to the rounding bound (the bound's float64 run costs ~1-2 s per patch);
#: the probabilities are checked on every patch.
BOUND_PATCHES = 2


@functools.cache
def _patches(name: str) -> np.ndarray:
    if name == "fixture":
        return musicnn.patches_from_signal(load(FIXTURE, sr=SR))
    if name == "tone":
        return musicnn.patches_from_signal(
            tone(440.0, seconds=6.5, sr=SR) + tone(1250.0, seconds=6.5, sr=SR, amplitude=0.2)
        )
    return musicnn.patches_from_signal(load(name, sr=SR))


@functools.cache
def _taggram_tolerance(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the patches checked against the bound, and the bound there."""
    patches = _patches(name)
    rows = np.unique(np.linspace(0, len(patches) - 1, min(BOUND_PATCHES, len(patches))).round().astype(int))
    return rows, network_sigmas(musicnn.load_network("msd"), patches[rows]).tolerance("taggram")


def _check_against_pytorch(session, name: str) -> None:
    head, net = fitted_head(), musicnn.load_network("msd")
    patches = _patches(name)
    probabilities, taggram = run_onnx(session, patches)
    assert probabilities.dtype == np.float32 and taggram.dtype == np.float32
    reference = musicnn.run_patches(net, patches)["taggram"]
    rows, tolerance = _taggram_tolerance(name)
    gap = np.abs(taggram[rows].astype(np.float64) - reference[rows])
    assert np.all(gap <= tolerance), f"taggram: worst gap {gap.max():.3g}, past the float32 tolerance"
    expected = head.window_proba(reference)
    np.testing.assert_allclose(probabilities, expected, rtol=0, atol=PROBABILITY_ATOL)
    assert abs(float(probabilities.sum()) - 1.0) < 1e-5


def test_onnx_equals_pytorch_on_the_fixture_and_a_tone(session):
    assert len(_patches("fixture")) == 2 and len(_patches("tone")) == 2
    _check_against_pytorch(session, "fixture")
    _check_against_pytorch(session, "tone")


@pytest.mark.parametrize("clip", SHARED_CLIPS)
def test_onnx_equals_pytorch_on_shared_clips(session, shared_audio, clip):
    path = shared_audio / clip
    if not path.is_file():
        pytest.skip(f"{path} not found")
    _check_against_pytorch(session, str(path))


def test_pytorch_graph_equals_network_and_head():
    """The module (with batch norm after the frequency max) gives the network's tags and the head's numbers."""
    head, net = fitted_head(("mean", "max", "std")), musicnn.load_network("msd")
    patches = _patches("fixture")
    graph = MusicnnGenreGraph(head)
    with torch.inference_mode():
        probabilities, taggram = graph(torch.tensor(patches), torch.ones(1, len(patches)))
        plain = MusicnnGenreGraph(head, fast_frontend=False)(torch.tensor(patches), torch.ones(1, len(patches)))[1]
    reference = musicnn.run_patches(net, patches)["taggram"]
    rows, tolerance = _taggram_tolerance("fixture")
    assert list(rows) == [0, 1]
    assert np.all(np.abs(taggram.numpy() - reference) <= tolerance)
    assert np.all(np.abs(plain.numpy() - reference) <= tolerance)
    np.testing.assert_allclose(probabilities.numpy(), head.window_proba(reference), rtol=0, atol=PROBABILITY_ATOL)


def test_overlapping_windows_equal_each_window_alone(session, session_std):
    """Two windows over overlapping patch sets in one call give what each window's patches give alone."""
    y = tone(220.0, seconds=21.0, sr=SR) + tone(3000.0, seconds=21.0, sr=SR, amplitude=0.1) * np.sin(
        np.linspace(0, 20, int(21.0 * SR))
    ).astype(np.float32)
    patches = np.ascontiguousarray(musicnn.patches_from_signal(y))
    assert len(patches) == 7
    windows = [slice(0, 4), slice(2, 7)]
    for sess, stats in ((session, ("mean", "max")), (session_std, ("mean", "max", "std"))):
        probabilities, taggram = run_onnx(sess, patches, window_matrix(len(patches), windows))
        assert probabilities.shape == (2, 10) and taggram.shape == (7, 50)
        for row, w in zip(probabilities, windows, strict=True):
            alone, _ = run_onnx(sess, patches[w])
            np.testing.assert_allclose(row, alone[0], rtol=0, atol=PROBABILITY_ATOL)
        np.testing.assert_allclose(probabilities, fitted_head(stats).window_proba(taggram, windows), rtol=0, atol=1e-6)
        # the head the file carries as JSON (what a torch-free engine reads) gives the graph's numbers too
        stored = LinearHead.from_json(sess.get_modelmeta().custom_metadata_map["musicgenre.head"])
        np.testing.assert_allclose(probabilities, stored.window_proba(taggram, windows), rtol=0, atol=1e-6)
    with pytest.raises(ValueError, match="at least one patch"):
        window_matrix(3, [[0], []])


def test_model_file_metadata_and_types(tmp_path):
    import onnx

    head = fitted_head()
    path = export_onnx(tmp_path / "m.onnx", head, "musicnn-test", {"musicgenre.card": "x"})
    proto = onnx.load(str(path))
    meta = {p.key: p.value for p in proto.metadata_props}
    assert meta["musicgenre.name"] == "musicnn-test"
    assert meta["musicgenre.recipe"] == RECIPE == "musicnn-msd-logmel"
    assert json.loads(meta["musicgenre.genres"]) == list(GENRES)  # a JSON list: any name survives
    assert meta["musicgenre.sample_rate"] == "16000" and meta["musicgenre.clip_seconds"] == "30"
    assert meta["musicgenre.patch_frames"] == "187" and meta["musicgenre.patch_hop"] == "187"
    assert meta["musicgenre.statistics"] == "mean,max" and float(meta["musicgenre.temperature"]) == 1.0
    assert meta["musicgenre.feature_names"].split(",")[:2] == ["mean(rock)", "mean(pop)"]
    assert len(meta["musicgenre.feature_names"].split(",")) == 100
    assert meta["musicgenre.card"] == "x"
    stored = LinearHead.from_json(meta["musicgenre.head"])
    for name in ("center", "scale", "coef", "intercept"):
        np.testing.assert_array_equal(getattr(stored, name), getattr(head, name))
    assert (stored.statistics, stored.genres, stored.temperature) == (head.statistics, head.genres, head.temperature)
    io = {v.name: v.type.tensor_type for v in [*proto.graph.input, *proto.graph.output]}
    assert set(io) == {"patches", "windows", "probabilities", "taggram"}
    assert all(t.elem_type == onnx.TensorProto.FLOAT for t in io.values())
    assert not any(i.data_type == onnx.TensorProto.DOUBLE for i in proto.graph.initializer)
    assert io["patches"].shape.dim[0].dim_param and io["windows"].shape.dim[0].dim_param


def test_the_head_and_session_import_without_torch():
    """The engine's side of the model (log-mel patches, head, session, windows) needs no torch."""
    import subprocess
    import sys

    code = (
        "import sys; import numpy as np; import musicgenre.models.linear_head as t; "
        "from musicgenre.backbones.musicnn import InputConfig, patches_from_signal; "
        "p = patches_from_signal(np.random.default_rng(0).standard_normal(16000 * 4).astype(np.float32)); "
        "assert p.shape == (1, 187, 96), p.shape; "
        "print('TORCH', 'torch' in sys.modules, t.LinearHead.__name__)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "TORCH False LinearHead" in result.stdout, result.stdout
