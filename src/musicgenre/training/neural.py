"""A zoo network behind scikit-learn's ``fit``/``predict_proba``: the network, its input scaling
(:mod:`musicgenre.models.scaling`, fitted on the training samples only) and the training loop.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import torch

from musicgenre.models.export import ONNX_OPSET
from musicgenre.models.networks import N_CLASSES, build_network
from musicgenre.models.scaling import ScaledNetwork, Standardise, YeoJohnson
from musicgenre.training.config import TrainConfig
from musicgenre.training.loop import History, train
from musicgenre.training.network_config import NetworkConfig


class NeuralClassifier:
    """Fit a zoo network like a scikit-learn classifier.

    ``fit(X, y, X_val, y_val)``: ``X`` float ``(n, *sample_shape)``, ``y`` int genre indices ``(n,)``;
    the validation set drives early stopping / reduce-LR (selection on valid, never on test).
    ``predict_proba(X) -> (n, 10)``. After fitting: ``history_``, ``network_``, ``scaler_``, ``sample_shape_``.
    """

    def __init__(self, config: NetworkConfig, *, seed: int = 0, train_config: TrainConfig | None = None) -> None:
        self.config = config
        self.train_config = replace(train_config or config.train, seed=seed)
        self.seed = seed

    def fit(
        self,
        x: np.ndarray,
        y: np.ndarray,
        x_val: np.ndarray | None = None,
        y_val: np.ndarray | None = None,
        on_epoch: Callable[[dict[str, float]], None] | None = None,
    ) -> NeuralClassifier:
        x = np.asarray(x, np.float32)
        self.sample_shape_ = tuple(x.shape[1:])
        self.scaler_ = (YeoJohnson.fit(x) if self.config.scaler == "power" else Standardise.fit(x)).eval()
        torch.manual_seed(self.seed)
        self.network_ = build_network(self.config, self.sample_shape_)

        def scale(a: np.ndarray) -> np.ndarray:
            with torch.no_grad():
                return self.scaler_(torch.as_tensor(np.asarray(a, np.float32))).numpy()

        self.history_: History = train(
            self.network_,
            scale(x),
            np.asarray(y),
            None if x_val is None else scale(x_val),
            None if y_val is None else np.asarray(y_val),
            self.train_config,
            l2=self.config.l2,
            on_epoch=on_epoch,
        )
        self.module_ = ScaledNetwork(self.network_, self.scaler_, self.sample_shape_).eval()
        return self

    def predict_proba(self, x: np.ndarray, batch: int = 1024) -> np.ndarray:
        x = np.asarray(x, np.float32).reshape(len(x), -1)
        with torch.no_grad():
            out = [self.module_(torch.from_numpy(x[i : i + batch])).numpy() for i in range(0, len(x), batch)]
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
                self.module_,
                (torch.zeros(2, n_features),),
                buffer,  # type: ignore[arg-type]  # torch annotates a path; its legacy exporter also writes to a file object
                input_names=["features"],
                output_names=["probabilities"],
                dynamic_axes={"features": {0: "batch"}, "probabilities": {0: "batch"}},
                opset_version=ONNX_OPSET,
                dynamo=False,
            )
        return onnx.load_from_string(buffer.getvalue())
