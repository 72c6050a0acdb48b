"""Inference test kit: tiny ONNX models and a feature recipe the tests build themselves (no trained model needed).

The ``rms`` fixture hands the helpers to tests (this folder is not on the import path)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from musicgenre.genres import GENRES
from musicgenre.inference.recipes import FeatureRecipe

SR = 22050
#: Logit weight per genre of the test model: logits = rms * WEIGHTS + BIAS, probabilities = softmax(logits).
WEIGHTS = np.linspace(-20.0, 20.0, len(GENRES)).astype(np.float32)
BIAS = np.zeros(len(GENRES), np.float32)


def rms_features(y: np.ndarray, sr: int = SR) -> np.ndarray:
    """One feature: the root-mean-square of the window, ``(1,)``."""
    return np.array([np.sqrt(np.mean(np.square(y, dtype=np.float64)))])


RMS_RECIPE = FeatureRecipe("test_rms", rms_features, ("rms",), SR)


def expected_probabilities(rms: float) -> np.ndarray:
    """What the rms model gives for one window, computed by hand: softmax(rms * WEIGHTS + BIAS)."""
    logits = rms * WEIGHTS.astype(np.float64) + BIAS
    e = np.exp(logits - logits.max())
    return e / e.sum()


def write_rms_model(
    path: Path, *, metadata: dict[str, str] | None = None, clip_seconds: float = 30.0, genres: tuple[str, ...] = GENRES
) -> Path:
    """An ONNX model ``features (batch, 1) -> probabilities (batch, 10)`` = softmax(features @ W + b)."""
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["features", "W"], ["z"]),
            helper.make_node("Add", ["z", "b"], ["logits"]),
            helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
        ],
        "rms_model",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, [None, 1])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, len(genres)])],
        [numpy_helper.from_array(WEIGHTS[None, :], "W"), numpy_helper.from_array(BIAS, "b")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    props = {
        "musicgenre.name": "test rms model",
        "musicgenre.recipe": "test_rms",
        "musicgenre.feature_names": "rms",
        "musicgenre.genres": ",".join(genres),
        "musicgenre.sample_rate": str(SR),
        "musicgenre.clip_seconds": f"{clip_seconds:g}",
    }
    props.update(metadata or {})
    for key, value in props.items():
        if value is not None:
            model.metadata_props.add(key=key, value=value)
    onnx.save(model, path)
    return path


@pytest.fixture(scope="session")
def rms() -> SimpleNamespace:
    """The rms test kit: ``recipe``, ``features``, ``expected`` (hand-computed probabilities), ``write_model``."""
    return SimpleNamespace(
        recipe=RMS_RECIPE,
        features=rms_features,
        expected=expected_probabilities,
        write_model=write_rms_model,
        weights=WEIGHTS,
    )


@pytest.fixture(scope="session")
def rms_model(rms, tmp_path_factory):
    """A loaded rms model (input: the window's rms; output: softmax(rms * weights))."""
    from musicgenre.inference import load_model

    return load_model(write_rms_model(tmp_path_factory.mktemp("rms") / "rms.onnx"), recipe=RMS_RECIPE)
