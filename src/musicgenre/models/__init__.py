"""The model zoo: PyTorch networks from TOML configs, scikit-learn baselines, heads on musicnn taggrams, a soft-voting
ensemble, all behind ``fit(X, y, X_val, y_val)`` / ``predict_proba(X) -> (n, 10)``, and ONNX export."""

from musicgenre.models.baselines import BASELINES, BaselineClassifier
from musicgenre.models.config import NetworkConfig
from musicgenre.models.ensemble import SoftVotingEnsemble
from musicgenre.models.export import onnx_predict, save_onnx, to_onnx
from musicgenre.models.neural import NeuralClassifier
from musicgenre.models.taggram_heads import PROBABILISTIC_HEADS, TAGGRAM_HEADS
from musicgenre.models.zoo import (
    ENSEMBLE,
    ENSEMBLE_MEMBERS,
    ModelInfo,
    available_models,
    make_model,
    model_grid,
    network_configs,
)

__all__ = [
    "BASELINES",
    "ENSEMBLE",
    "ENSEMBLE_MEMBERS",
    "BaselineClassifier",
    "ModelInfo",
    "NetworkConfig",
    "NeuralClassifier",
    "PROBABILISTIC_HEADS",
    "SoftVotingEnsemble",
    "TAGGRAM_HEADS",
    "available_models",
    "make_model",
    "model_grid",
    "network_configs",
    "onnx_predict",
    "save_onnx",
    "to_onnx",
]
