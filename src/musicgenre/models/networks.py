"""PyTorch networks of the zoo, built from an :class:`Architecture` (a zoo entry's
:class:`~musicgenre.training.network_config.NetworkConfig`) and a sample shape.

Every network maps a batch of samples to logits ``(batch, 10)``; softmax is applied outside
(the loss wants logits, the exported graph appends a Softmax).
"""

from __future__ import annotations

import math
from typing import Literal, Protocol

import torch
from torch import nn

from musicgenre.genres import GENRES

N_CLASSES = len(GENRES)


class Architecture(Protocol):
    """What a network is built from: the layer fields of a zoo entry (the training knobs stay with the trainer)."""

    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> Literal["mlp", "cnn1d", "cnn2d"]: ...
    @property
    def hidden(self) -> tuple[int, ...]: ...
    @property
    def dense(self) -> tuple[int, ...]: ...
    @property
    def batchnorm(self) -> bool: ...
    @property
    def dropout(self) -> float: ...
    @property
    def pooling(self) -> Literal["flatten", "gap"]: ...
    @property
    def kernel_size(self) -> int: ...


def _dense_stack(n_in: int, widths: tuple[int, ...], batchnorm: bool, dropout: float) -> tuple[nn.Sequential, int]:
    layers: list[nn.Module] = []
    for width in widths:
        layers.append(nn.Linear(n_in, width))
        if batchnorm:
            layers.append(nn.BatchNorm1d(width))
        layers.append(nn.ReLU())
        if dropout:
            layers.append(nn.Dropout(dropout))
        n_in = width
    return nn.Sequential(*layers), n_in


class MLP(nn.Module):
    """Dense -> [BatchNorm] -> ReLU -> [Dropout] per hidden width, then Dense 10. Input ``(batch, n_features)``."""

    def __init__(self, n_features: int, config: Architecture) -> None:
        super().__init__()
        self.body, n_out = _dense_stack(n_features, config.hidden, config.batchnorm, config.dropout)
        self.head = nn.Linear(n_out, N_CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


class CNN1D(nn.Module):
    """Temporal convolutions over MFCC frames. Input ``(batch, n_coefficients, n_frames)``."""

    def __init__(self, sample_shape: tuple[int, int], config: Architecture) -> None:
        super().__init__()
        channels, length = sample_shape
        blocks: list[nn.Module] = []
        for width in config.hidden:
            blocks.append(nn.Conv1d(channels, width, config.kernel_size, padding=config.kernel_size // 2))
            if config.batchnorm:
                blocks.append(nn.BatchNorm1d(width))
            blocks += [nn.ReLU(), nn.MaxPool1d(2)]
            channels, length = width, length // 2
        self.features = nn.Sequential(*blocks)
        self.pool = nn.Flatten() if config.pooling == "flatten" else _GlobalAverage((2,))
        n_flat = channels * length if config.pooling == "flatten" else channels
        self.dense, n_out = _dense_stack(n_flat, config.dense, config.batchnorm, config.dropout)
        self.drop = nn.Dropout(config.dropout) if config.dropout and not config.dense else nn.Identity()
        self.head = nn.Linear(n_out, N_CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.drop(self.dense(self.pool(self.features(x)))))


class CNN2D(nn.Module):
    """2-D convolutions over a log-mel spectrogram. Input ``(batch, 1, n_mels, n_frames)``."""

    def __init__(self, sample_shape: tuple[int, int, int], config: Architecture) -> None:
        super().__init__()
        channels, height, width_ = sample_shape
        blocks: list[nn.Module] = []
        for width in config.hidden:
            blocks.append(nn.Conv2d(channels, width, config.kernel_size, padding=config.kernel_size // 2))
            if config.batchnorm:
                blocks.append(nn.BatchNorm2d(width))
            blocks += [nn.ReLU(), nn.MaxPool2d(2)]
            channels, height, width_ = width, height // 2, width_ // 2
        self.features = nn.Sequential(*blocks)
        self.pool = nn.Flatten() if config.pooling == "flatten" else _GlobalAverage((2, 3))
        n_flat = channels * height * width_ if config.pooling == "flatten" else channels
        self.dense, n_out = _dense_stack(n_flat, config.dense, config.batchnorm, config.dropout)
        self.drop = nn.Dropout(config.dropout) if config.dropout and not config.dense else nn.Identity()
        self.head = nn.Linear(n_out, N_CLASSES)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.drop(self.dense(self.pool(self.features(x)))))


class _GlobalAverage(nn.Module):
    """Mean over the given axes (global average pooling), ``(batch, C, ...) -> (batch, C)``."""

    def __init__(self, axes: tuple[int, ...]) -> None:
        super().__init__()
        self.axes = axes

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=self.axes)


def build_network(config: Architecture, sample_shape: tuple[int, ...]) -> nn.Module:
    """The network for ``config`` over samples of ``sample_shape`` (without the batch axis)."""
    if config.kind == "mlp":
        return MLP(math.prod(sample_shape), config)
    if config.kind == "cnn1d":
        if len(sample_shape) != 2:
            raise ValueError(f"{config.name}: cnn1d wants (coefficients, frames), got {sample_shape}")
        return CNN1D(sample_shape, config)
    if len(sample_shape) != 3:
        raise ValueError(f"{config.name}: cnn2d wants (1, mels, frames), got {sample_shape}")
    return CNN2D(sample_shape, config)
