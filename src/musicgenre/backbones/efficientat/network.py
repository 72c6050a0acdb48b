"""EfficientAT's ``mn04_as`` in PyTorch: a MobileNetV3-style CNN over a normalised log-mel, trained on AudioSet.

Layout inside: ``(batch, channels, mel bands, time frames)``; the input is the front end's mel ``(batch, 128,
frames)``, any number of frames (the head pools over time). Every batch norm (epsilon 1e-3) runs in inference mode
with the checkpoint's statistics; dropout is left out (identity at inference).

* stem: 3x3 convolution, stride 2, 8 channels, batch norm, hard-swish;
* 15 inverted-residual blocks (:data:`~.config.NetworkConfig.blocks`): 1x1 expansion, depthwise convolution,
  optional squeeze-and-excitation over channels (mean over frequency and time, 1x1 down to a quarter, ReLU, up,
  sigmoid, scale), 1x1 projection, residual add where shapes allow; stride 2 in four blocks, so the time axis
  shrinks 32 times;
* 1x1 convolution to 384 channels, batch norm, hard-swish; its mean over frequency and time is the
  ``embedding`` ``(batch, 384)``;
* classifier: the same mean, linear 384 -> 512, hard-swish, linear 512 -> 527 ``logits`` (sigmoid for
  multi-label probabilities).

Module names follow the published state dict (``features.N.block.M``, ``conc_se_layers``, ``classifier.2`` and
``classifier.5``), so :func:`load_network` reads ``mn04_as_mAP_432.pt`` with ``strict=True`` and no renaming.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from musicgenre.backbones.efficientat.config import BlockConfig, NetworkConfig


@dataclass
class EfficientATOutputs:
    """Per-input outputs of :class:`EfficientAT`."""

    logits: torch.Tensor  # (batch, 527)
    embedding: torch.Tensor  # (batch, 384): the last convolution's mean over frequency and time


class ConvNorm(nn.Sequential):
    """Convolution without bias, batch norm, then the activation if any (indices 0, 1, 2 as published)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel: int,
        eps: float,
        activation: type[nn.Module] | None,
        stride: int = 1,
        groups: int = 1,
    ):
        layers: list[nn.Module] = [
            nn.Conv2d(in_channels, out_channels, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
            nn.BatchNorm2d(out_channels, eps=eps),
        ]
        if activation is not None:
            layers.append(activation())
        super().__init__(*layers)


class SqueezeExcite(nn.Module):
    """Channel gates from the mean over frequency and time: ``x * sigmoid(fc2(relu(fc1(mean(x)))))``."""

    def __init__(self, channels: int, squeezed: int):
        super().__init__()
        self.fc1 = nn.Linear(channels, squeezed)
        self.fc2 = nn.Linear(squeezed, channels)

    def gates(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, channels, 1, 1)`` in (0, 1)."""
        squeezed = torch.relu(self.fc1(x.mean(dim=(2, 3))))
        return torch.sigmoid(self.fc2(squeezed))[:, :, None, None]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gates(x)


class ChannelGate(nn.Module):
    """Holds the one :class:`SqueezeExcite` of a block under upstream's name ``conc_se_layers.0`` (upstream allows
    several concurrent gates over channels, frequency or time; ``mn04_as`` has one, over channels)."""

    def __init__(self, channels: int, squeezed: int):
        super().__init__()
        self.conc_se_layers = nn.ModuleList([SqueezeExcite(channels, squeezed)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conc_se_layers[0](x)


class InvertedResidual(nn.Module):
    """One block of :class:`~.config.BlockConfig`; its layers in ``block`` in published order."""

    def __init__(self, cfg: BlockConfig, net: NetworkConfig):
        super().__init__()
        activation = nn.Hardswish if cfg.hard_swish else nn.ReLU
        eps = net.batch_norm_eps
        layers: list[nn.Module] = []
        if cfg.expanded != cfg.in_channels:
            layers.append(ConvNorm(cfg.in_channels, cfg.expanded, 1, eps, activation))
        layers.append(ConvNorm(cfg.expanded, cfg.expanded, cfg.kernel, eps, activation, cfg.stride, cfg.expanded))
        if cfg.squeeze_excite:
            layers.append(ChannelGate(cfg.expanded, net.squeeze_channels(cfg.expanded)))
        layers.append(ConvNorm(cfg.expanded, cfg.out_channels, 1, eps, None))
        self.block = nn.Sequential(*layers)
        self.residual = cfg.residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.block(x)
        return y + x if self.residual else y


class EfficientAT(nn.Module):
    """The network; ``forward(mel)`` with ``mel`` ``(batch, n_mels, frames)`` float32 -> :class:`EfficientATOutputs`."""

    def __init__(self, cfg: NetworkConfig = NetworkConfig()):
        super().__init__()
        self.cfg = cfg
        eps = cfg.batch_norm_eps
        blocks = cfg.blocks
        self.features = nn.Sequential(
            ConvNorm(1, cfg.stem_channels, 3, eps, nn.Hardswish, stride=2),
            *(InvertedResidual(block, cfg) for block in blocks),
            ConvNorm(blocks[-1].out_channels, cfg.embedding_dim, 1, eps, nn.Hardswish),
        )
        self.classifier = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(start_dim=1),
            nn.Linear(cfg.embedding_dim, cfg.hidden_units),
            nn.Hardswish(),
            nn.Identity(),  # upstream's dropout, identity at inference; keeps the published index of the last layer
            nn.Linear(cfg.hidden_units, cfg.n_classes),
        )

    def forward(self, mel: torch.Tensor) -> EfficientATOutputs:
        h = self.features(mel.unsqueeze(1))
        return EfficientATOutputs(self.classifier(h), h.mean(dim=(2, 3)))


def load_network(weights: str | Path, cfg: NetworkConfig = NetworkConfig()) -> EfficientAT:
    """The network in eval mode with the published state dict at ``weights`` (``mn04_as_mAP_432.pt``), read with
    ``torch.load(weights_only=True)`` (tensors only, no pickled code) and loaded with ``strict=True``."""
    state = torch.load(weights, map_location="cpu", weights_only=True)
    if not isinstance(state, dict):
        raise ValueError(f"{weights}: not a state dict (a mapping of names to tensors)")
    net = EfficientAT(cfg)
    net.load_state_dict(state, strict=True)
    return net.eval()
