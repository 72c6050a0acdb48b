"""Input scaling that travels inside a network and its ONNX graph: statistics fitted on the training samples
(z-score, or Yeo-Johnson then z-score), so a caller always passes raw features."""

from __future__ import annotations

import io
import warnings

import numpy as np
import torch
from torch import nn

from musicgenre.models.export import ONNX_OPSET

#: Yeo-Johnson-scaled features are clipped to +-this many standard deviations. The table's near-zero
#: ``harmony_mean`` / ``perceptr_mean`` reach z-scores of 380 and 2000 on a few clips; unclipped, one such clip
#: gets an absurdly confident answer and dominates a network's validation loss (one 10-fold fold of
#: mlp-kaggle57 stopped at epoch 1 with 47 % test accuracy; clipped: 75 %).
Z_LIMIT = 5.0


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


class YeoJohnson(nn.Module):
    """scikit-learn's ``PowerTransformer`` (Yeo-Johnson, standardised) as a torch layer on ``(batch, d)``.

    Lambdas and the standardisation come from a ``PowerTransformer`` fitted on the training rows, so
    the same transform runs in training, in ``predict_proba`` and inside the exported ONNX graph.
    It computes in float64 (the table's variances reach 1e6; float32 powers of them drift by 1e-5), and clips the
    result to ``+-limit`` (:data:`Z_LIMIT`).
    """

    # buffers (registered in __init__)
    lam: torch.Tensor
    mean: torch.Tensor
    scale: torch.Tensor

    def __init__(self, lambdas: np.ndarray, mean: np.ndarray, scale: np.ndarray, limit: float = Z_LIMIT) -> None:
        super().__init__()
        self.limit = float(limit)
        self.register_buffer("lam", torch.as_tensor(np.asarray(lambdas, np.float64)))
        self.register_buffer("mean", torch.as_tensor(np.asarray(mean, np.float64)))
        self.register_buffer(
            "scale", torch.as_tensor(np.where(np.asarray(scale) > 1e-12, scale, 1.0).astype(np.float64))
        )

    @classmethod
    def from_sklearn(cls, transformer) -> YeoJohnson:
        """From a fitted ``sklearn.preprocessing.PowerTransformer(method="yeo-johnson", standardize=True)``."""
        return cls(transformer.lambdas_, transformer._scaler.mean_, transformer._scaler.scale_)

    @classmethod
    def fit(cls, x: np.ndarray) -> YeoJohnson:
        from sklearn.preprocessing import PowerTransformer

        return cls.from_sklearn(PowerTransformer().fit(np.asarray(x, np.float64)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.to(torch.float64)
        lam, pos = self.lam, x >= 0
        small, near2 = lam.abs() < 1e-8, (lam - 2).abs() < 1e-8
        xp, xn = torch.clamp(x, min=0) + 1, torch.clamp(-x, min=0) + 1
        safe = torch.where(small, torch.ones_like(lam), lam)
        safe2 = torch.where(near2, torch.ones_like(lam), 2 - lam)
        positive = torch.where(small, torch.log(xp), (torch.pow(xp, lam) - 1) / safe)
        negative = torch.where(near2, -torch.log(xn), -(torch.pow(xn, 2 - lam) - 1) / safe2)
        z = (torch.where(pos, positive, negative) - self.mean) / self.scale
        return z.clamp(-self.limit, self.limit).to(torch.float32)

    def onnx_model(self, n_features: int, output: str = "scaled"):
        """This transform alone as ONNX: ``features`` float32 ``(batch, d)`` -> ``output`` float32."""
        import onnx

        buffer = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                self.eval(),
                (torch.ones(2, n_features),),
                buffer,  # type: ignore[arg-type]  # torch annotates a path; its legacy exporter also writes to a file object
                input_names=["features"],
                output_names=[output],
                dynamic_axes={"features": {0: "batch"}, output: {0: "batch"}},
                opset_version=ONNX_OPSET,
                dynamo=False,
            )
        return onnx.load_from_string(buffer.getvalue())


class Standardise(nn.Module):
    """``(x - mean) / std`` with statistics fitted on the training samples (see :func:`scaling_stats`)."""

    # buffers (registered in __init__)
    mean: torch.Tensor
    std: torch.Tensor

    def __init__(self, mean: np.ndarray, std: np.ndarray) -> None:
        super().__init__()
        self.register_buffer("mean", torch.as_tensor(mean))
        self.register_buffer("std", torch.as_tensor(std))

    @classmethod
    def fit(cls, x: np.ndarray) -> Standardise:
        return cls(*scaling_stats(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


class ScaledNetwork(nn.Module):
    """Raw flat features ``(batch, n_features)`` -> reshape -> scaler -> network -> softmax."""

    def __init__(self, network: nn.Module, scaler: nn.Module, sample_shape: tuple[int, ...]) -> None:
        super().__init__()
        self.network, self.scaler = network, scaler
        self.sample_shape = tuple(int(s) for s in sample_shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.reshape((-1,) + self.sample_shape)
        return torch.softmax(self.network(self.scaler(x)), dim=-1)
