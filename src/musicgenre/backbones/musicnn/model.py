"""musicnn (Pons & Serra, 2019) in PyTorch: the network of the original ``models.build_musicnn``.

Layout inside: ``(batch, channels, time frames, mel bands)``. Every batch norm follows its ReLU,
as in the original, and is used in inference mode with the checkpoint's moving statistics
(epsilon 1e-3). Dropout is omitted (identity at inference).

Shapes for one 3 s patch of 187 frames x 96 mel bands, stage by stage.

* front-end: an input batch norm, then five branches, each max-pooled over frequency -> ``(187, 561)``.
  The two timbral branches have 7 x 38 and 7 x 67 kernels, 204 filters each, time-padded "same".
  The three temporal branches have 128, 64 and 32 x 1 kernels, 51 filters each, TF "same" padding.
* mid-end: three 7-frame convolutions with 64 filters over the whole feature axis, the 2nd and 3rd
  residual. A dense connection of front-end and mid-end outputs gives ``(187, 753)``.
* back-end: max and mean over time -> ``max_pool``, ``mean_pool`` ``(753,)``. These are interleaved, then batch
  norm, dense 200 + ReLU + batch norm -> ``penultimate`` ``(200,)``. Last, dense 50 -> logits; sigmoid -> tags.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from musicgenre.backbones.musicnn.config import MusicnnConfig


@dataclass
class MusicnnOutputs:
    """Per-patch outputs of :class:`Musicnn` (batch = patches)."""

    logits: torch.Tensor  # (batch, 50)
    tags: torch.Tensor  # (batch, 50) sigmoid probabilities
    max_pool: torch.Tensor  # (batch, 753)
    mean_pool: torch.Tensor  # (batch, 753)
    penultimate: torch.Tensor  # (batch, 200)


def same_pad(kernel: int) -> tuple[int, int]:
    """TensorFlow's "same" padding for stride 1: the extra pad (even kernels) goes after."""
    total = kernel - 1
    return total // 2, total - total // 2


class Musicnn(nn.Module):
    """One musicnn network; ``forward(x)`` with ``x`` log-mel patches ``(batch, frames, n_mels)``."""

    def __init__(self, cfg: MusicnnConfig):
        super().__init__()
        self.cfg = cfg
        eps = cfg.batch_norm_eps
        self.input_bn = nn.BatchNorm2d(1, eps=eps)
        self.timbral = nn.ModuleList(
            nn.Conv2d(1, cfg.timbral_filters, (cfg.timbral_width, h)) for h in cfg.timbral_heights
        )
        self.timbral_bn = nn.ModuleList(nn.BatchNorm2d(cfg.timbral_filters, eps=eps) for _ in cfg.timbral_heights)
        self.temporal = nn.ModuleList(nn.Conv2d(1, cfg.temporal_filters, (w, 1)) for w in cfg.temporal_widths)
        self.temporal_bn = nn.ModuleList(nn.BatchNorm2d(cfg.temporal_filters, eps=eps) for _ in cfg.temporal_widths)
        f = cfg.midend_filters
        self.midend = nn.ModuleList(
            [
                nn.Conv1d(cfg.frontend_dim, f, cfg.midend_width),
                nn.Conv1d(f, f, cfg.midend_width),
                nn.Conv1d(f, f, cfg.midend_width),
            ]
        )
        self.midend_bn = nn.ModuleList(nn.BatchNorm1d(f, eps=eps) for _ in range(3))
        self.pool_bn = nn.BatchNorm1d(2 * cfg.pool_dim, eps=eps)
        self.dense = nn.Linear(2 * cfg.pool_dim, cfg.backend_units)
        self.dense_bn = nn.BatchNorm1d(cfg.backend_units, eps=eps)
        self.output = nn.Linear(cfg.backend_units, cfg.n_tags)
        self.eval()

    def frontend(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, frames, n_mels)`` -> front-end features ``(batch, 561, frames)``."""
        x = self.input_bn(x.unsqueeze(1))  # (B, 1, T, M)
        branches = []
        pad_t = (self.cfg.timbral_width - 1) // 2
        x_t = F.pad(x, (0, 0, pad_t, pad_t))
        for conv, bn in zip(self.timbral, self.timbral_bn, strict=True):
            branches.append(bn(F.relu(conv(x_t))).amax(dim=3))  # (B, 204, T)
        for conv, bn, width in zip(self.temporal, self.temporal_bn, self.cfg.temporal_widths, strict=True):
            before, after = same_pad(width)  # the branch's kernel is (width, 1)
            branches.append(bn(F.relu(conv(F.pad(x, (0, 0, before, after))))).amax(dim=3))  # (B, 51, T)
        return torch.cat(branches, dim=1)

    def midend_layers(self, front: torch.Tensor) -> torch.Tensor:
        """Front-end ``(batch, 561, frames)`` -> dense connection of all layers ``(batch, 753, frames)``."""
        pad = (self.cfg.midend_width - 1) // 2
        outs = [front]
        h = front
        for i, (conv, bn) in enumerate(zip(self.midend, self.midend_bn, strict=True)):
            y = bn(F.relu(conv(F.pad(h, (pad, pad)))))
            h = y if i == 0 else y + h
            outs.append(h)
        return torch.cat(outs, dim=1)

    def backend(self, max_pool: torch.Tensor, mean_pool: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Pooled features ``(batch, 753)`` each -> ``penultimate`` ``(batch, 200)`` and tag logits ``(batch, 50)``."""
        pooled = torch.stack([max_pool, mean_pool], dim=2).flatten(1)  # interleaved, as TF's concat + flatten
        penultimate = self.dense_bn(F.relu(self.dense(self.pool_bn(pooled))))
        return penultimate, self.output(penultimate)

    def forward(self, x: torch.Tensor) -> MusicnnOutputs:
        features = self.midend_layers(self.frontend(x))  # (B, 753, T)
        max_pool = features.amax(dim=2)
        mean_pool = features.mean(dim=2)
        penultimate, logits = self.backend(max_pool, mean_pool)
        return MusicnnOutputs(logits, torch.sigmoid(logits), max_pool, mean_pool, penultimate)
