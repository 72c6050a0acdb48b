"""A zoo network behind scikit-learn's ``fit``/``predict_proba``, with its input scaling.

Scaling statistics are fitted on the training samples only and travel with the model (and into
its ONNX graph), so a caller always passes raw features.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import replace
from typing import Callable

import numpy as np
import torch
from torch import nn

from musicgenre.models.config import NetworkConfig
from musicgenre.models.networks import N_CLASSES, build_network
from musicgenre.training import History, TrainConfig, train

ONNX_OPSET = 17


def scaling_stats(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std per feature (axis 1 of ``(n, d)`` / ``(n, C, T)``, axis 2 of ``(n, 1, M, T)``).

    Returned shaped to broadcast over one sample (e.g. ``(C, 1)`` for frames); std 0 becomes 1.
    """
    feature_axis = 2 if x.ndim == 4 else 1
    axes = tuple(a for a in range(x.ndim) if a != feature_axis)
    mean = x.mean(axis=axes, keepdims=True)[0]
    std = x.std(axis=axes, keepdims=True)[0]
    std = np.where(std > 1e-12, std, 1.0)
    return mean.astype(np.float32), std.astype(np.float32)


class _Scaled(nn.Module):
    """Raw flat features ``(batch, n_features)`` -> reshape -> standardise -> network -> softmax."""

    def __init__(self, network: nn.Module, mean: np.ndarray, std: np.ndarray, sample_shape: tuple[int, ...]) -> None:
        super().__init__()
        self.network = network
        self.sample_shape = tuple(int(s) for s in sample_shape)
        self.register_buffer("mean", torch.as_tensor(mean))
        self.register_buffer("std", torch.as_tensor(std))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.reshape((-1,) + self.sample_shape)
        return torch.softmax(self.network((x - self.mean) / self.std), dim=-1)


class NeuralClassifier:
    """Fit a zoo network like a scikit-learn classifier.

    ``fit(X, y, X_val, y_val)``: ``X`` float ``(n, *sample_shape)``, ``y`` int genre indices ``(n,)``;
    the validation set drives early stopping / reduce-LR (selection on valid, never on test).
    ``predict_proba(X) -> (n, 10)``. After fitting: ``history_``, ``network_``, ``sample_shape_``.
    """

    def __init__(self, config: NetworkConfig, *, seed: int = 0, train_config: TrainConfig | None = None) -> None:
        self.config = config
        self.train_config = replace(train_config or config.train, seed=seed)
        self.seed = seed

    def fit(self, x: np.ndarray, y: np.ndarray, x_val: np.ndarray | None = None, y_val: np.ndarray | None = None,
            on_epoch: Callable[[dict[str, float]], None] | None = None) -> "NeuralClassifier":
        x = np.asarray(x, np.float32)
        self.sample_shape_ = tuple(x.shape[1:])
        self.mean_, self.std_ = scaling_stats(x)
        torch.manual_seed(self.seed)
        self.network_ = build_network(self.config, self.sample_shape_)
        scale = lambda a: (np.asarray(a, np.float32) - self.mean_) / self.std_  # noqa: E731
        self.history_: History = train(
            self.network_, scale(x), np.asarray(y), None if x_val is None else scale(x_val),
            None if y_val is None else np.asarray(y_val), self.train_config, l2=self.config.l2, on_epoch=on_epoch)
        self.module_ = _Scaled(self.network_, self.mean_, self.std_, self.sample_shape_).eval()
        return self

    def predict_proba(self, x: np.ndarray, batch: int = 1024) -> np.ndarray:
        x = np.asarray(x, np.float32).reshape(len(x), -1)
        with torch.no_grad():
            out = [self.module_(torch.from_numpy(x[i:i + batch])).numpy() for i in range(0, len(x), batch)]
        return np.concatenate(out) if out else np.zeros((0, N_CLASSES), np.float32)

    def onnx_model(self, n_features: int):
        """The fitted model as ONNX: input ``features`` ``(batch, n_features)`` raw, output ``probabilities``."""
        import onnx

        if int(np.prod(self.sample_shape_)) != n_features:
            raise ValueError(f"model takes {int(np.prod(self.sample_shape_))} features, not {n_features}")
        buffer = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                self.module_, (torch.zeros(2, n_features),), buffer, input_names=["features"],
                output_names=["probabilities"], dynamic_axes={"features": {0: "batch"}, "probabilities": {0: "batch"}},
                opset_version=ONNX_OPSET, dynamo=False)
        return onnx.load_from_string(buffer.getvalue())
