"""Inference: the shipped genre model, windowing of tracks of any length, ``classify`` and batch prediction.

Light on imports: numpy, librosa-based features and onnxruntime; never torch or matplotlib.
"""

from musicgenre.inference.classify import DEFAULT_HOP_S, classify
from musicgenre.inference.loading import DEFAULT_MODEL, MODEL_NAMES, SHIPPED_MODELS, load_model
from musicgenre.inference.model import FeatureModel, GenreModel, ModelError
from musicgenre.inference.prediction import Prediction, WindowPrediction
from musicgenre.models.windows import Window, WindowConfig, plan_windows

__all__ = [
    "DEFAULT_HOP_S",
    "DEFAULT_MODEL",
    "FeatureModel",
    "GenreModel",
    "MODEL_NAMES",
    "ModelError",
    "Prediction",
    "SHIPPED_MODELS",
    "Window",
    "WindowConfig",
    "WindowPrediction",
    "classify",
    "load_model",
    "plan_windows",
]
