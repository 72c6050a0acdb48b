"""How far a float32 run of musicnn may lie from the exact outputs, on any CPU and any kernel.

A running rounding-error analysis of :class:`~musicgenre.backbones.musicnn.model.Musicnn` in the
probabilistic model of Higham & Mary (*A new approach to probabilistic rounding error analysis*, SIAM J. Sci.
Comput. 41, 2019): every float32 operation rounds with a relative error of at most ``u = 2**-24``, and the
errors of different operations are independent with mean zero. The network runs in float64 (standing in for
exact arithmetic) and beside every activation goes ``sigma``, an upper bound on the standard deviation of
the error that ANY float32 evaluation of it carries, whatever its summation order, blocking or FMA use:

* a dot product of ``n`` terms plus a bias: ``sigma^2 = sum(w^2 sigma_in^2) + (n + 1) u^2 (sum(|w| |x|) + |b|)^2``
  (input errors carried through the weights, then at most ``n + 1`` roundings, each of a partial sum no
  larger than ``sum(|w| |x|) + |b|``);
* batch norm in inference, ``x * a + c`` with ``a = gamma / sqrt(var + eps)``, ``c = beta - mean * a``:
  ``sigma^2 = a^2 sigma_in^2 + (8 u (|a x| + |c| + |mean a|))^2`` (a handful of roundings, rsqrt included);
* ReLU, padding and concatenation are exact and 1-Lipschitz, so errors pass; a max over frequency or time
  takes the largest ``sigma`` of what it pools; a residual add and a mean over ``T`` frames add their own
  roundings (linearly, as the summed errors are correlated); the sigmoid's slope is at most 1/4.

Two independent float32 runs (ours on this CPU, TensorFlow's on the fixture's) then differ by a
random error of standard deviation at most ``sqrt(2) sigma``, and the tests allow :data:`LAMBDA` of those:
a Gaussian tail beyond 6 sigma has probability 2e-9, so a few million compared values all fit with
room to spare. Nothing about one machine's kernels enters the bound; only ``u``, the weights and the values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from musicgenre.backbones.musicnn.model import Musicnn, same_pad

UNIT_ROUNDOFF = 2.0**-24  # float32, round to nearest
LAMBDA = 6.0  # standard deviations allowed between two float32 runs


@dataclass
class Noisy:
    """Exact values (float64) and a bound ``sigma`` on the standard deviation of a float32 run's error."""

    value: torch.Tensor
    sigma: torch.Tensor


@dataclass
class MusicnnSigmas:
    """``sigma`` of the four outputs the tests compare, float64 arrays shaped like them (one row per patch)."""

    taggram: np.ndarray  # (patches, 50)
    max_pool: np.ndarray  # (patches, 753)
    mean_pool: np.ndarray  # (patches, 753)
    penultimate: np.ndarray  # (patches, 200)

    def tolerance(self, key: str) -> np.ndarray:
        """Largest gap allowed between two float32 runs, per value: ``LAMBDA * sqrt(2) * sigma``."""
        return LAMBDA * np.sqrt(2.0) * getattr(self, key)


def _batch_norm(bn: nn.BatchNorm1d | nn.BatchNorm2d, h: Noisy) -> Noisy:
    shape = (1, -1) + (1,) * (h.value.dim() - 2)
    a = (bn.weight.double() / torch.sqrt(bn.running_var.double() + bn.eps)).reshape(shape)
    mean_a = bn.running_mean.double().reshape(shape) * a
    c = bn.bias.double().reshape(shape) - mean_a
    value = h.value * a + c
    own = 8 * UNIT_ROUNDOFF * ((h.value * a).abs() + c.abs() + mean_a.abs())
    return Noisy(value, torch.sqrt((a * h.sigma) ** 2 + own**2))


def _dot(layer: nn.Conv1d | nn.Conv2d | nn.Linear, h: Noisy) -> Noisy:
    op = F.linear if isinstance(layer, nn.Linear) else (F.conv1d if isinstance(layer, nn.Conv1d) else F.conv2d)
    w, b = layer.weight.double(), layer.bias.double()
    terms = w[0].numel()  # products summed into each output
    magnitude = op(h.value.abs(), w.abs(), b.abs())
    variance = op(h.sigma**2, w**2) + (terms + 1) * (UNIT_ROUNDOFF * magnitude) ** 2
    return Noisy(op(h.value, w, b), torch.sqrt(variance))


def _relu(h: Noisy) -> Noisy:
    return Noisy(F.relu(h.value), h.sigma)


def _pad(h: Noisy, pad: tuple[int, ...]) -> Noisy:
    return Noisy(F.pad(h.value, pad), F.pad(h.sigma, pad))


def _amax(h: Noisy, dim: int) -> Noisy:
    return Noisy(h.value.amax(dim=dim), h.sigma.amax(dim=dim))


def _cat(parts: list[Noisy], dim: int) -> Noisy:
    return Noisy(torch.cat([p.value for p in parts], dim=dim), torch.cat([p.sigma for p in parts], dim=dim))


def _backend(net: Musicnn, max_pool: Noisy, mean_pool: Noisy) -> tuple[Noisy, Noisy]:
    """``penultimate`` and the tag probabilities from the pooled features, as ``Musicnn.backend`` + sigmoid."""
    pooled = Noisy(
        torch.stack([max_pool.value, mean_pool.value], dim=2).flatten(1),
        torch.stack([max_pool.sigma, mean_pool.sigma], dim=2).flatten(1),
    )
    penultimate = _batch_norm(net.dense_bn, _relu(_dot(net.dense, _batch_norm(net.pool_bn, pooled))))
    logits = _dot(net.output, penultimate)
    tags = torch.sigmoid(logits.value)
    return penultimate, Noisy(tags, logits.sigma / 4 + 8 * UNIT_ROUNDOFF * tags)  # exp and divide rounded too


def _input(patches: np.ndarray, sigma: float | np.ndarray) -> Noisy:
    x = torch.from_numpy(np.asarray(patches, dtype=np.float64))
    return Noisy(x, torch.broadcast_to(torch.as_tensor(np.asarray(sigma, dtype=np.float64)), x.shape).clone())


@torch.inference_mode()
def network_sigmas(net: Musicnn, patches: np.ndarray, input_sigma: float | np.ndarray = 0.0) -> MusicnnSigmas:
    """``sigma`` of every output of ``net`` on log-mel ``patches`` ``(n, 187, 96)``.

    ``input_sigma``: the error already in the input (0 when both runs read the same array).
    """
    cfg = net.cfg
    x = _input(patches, input_sigma)
    h = _batch_norm(net.input_bn, Noisy(x.value.unsqueeze(1), x.sigma.unsqueeze(1)))  # (B, 1, T, M)
    branches = []
    pad_t = (cfg.timbral_width - 1) // 2
    for conv, bn in zip(net.timbral, net.timbral_bn, strict=True):
        branches.append(_amax(_batch_norm(bn, _relu(_dot(conv, _pad(h, (0, 0, pad_t, pad_t))))), dim=3))
    for conv, bn in zip(net.temporal, net.temporal_bn, strict=True):
        before, after = same_pad(conv.kernel_size[0])
        branches.append(_amax(_batch_norm(bn, _relu(_dot(conv, _pad(h, (0, 0, before, after))))), dim=3))
    front = _cat(branches, dim=1)  # (B, 561, T)

    pad = (cfg.midend_width - 1) // 2
    outs, h = [front], front
    for i, (conv, bn) in enumerate(zip(net.midend, net.midend_bn, strict=True)):
        y = _batch_norm(bn, _relu(_dot(conv, _pad(h, (pad, pad)))))
        if i > 0:  # residual: y depends on h, so their errors add linearly
            total = y.value + h.value
            y = Noisy(total, y.sigma + h.sigma + UNIT_ROUNDOFF * total.abs())
        h = y
        outs.append(h)
    features = _cat(outs, dim=1)  # (B, 753, T)

    frames = features.value.shape[2]
    max_pool = _amax(features, dim=2)
    mean_pool = Noisy(
        features.value.mean(dim=2),
        features.sigma.mean(dim=2) + (frames + 1) ** 0.5 * UNIT_ROUNDOFF * features.value.abs().mean(dim=2),
    )
    penultimate, tags = _backend(net, max_pool, mean_pool)
    return MusicnnSigmas(tags.sigma.numpy(), max_pool.sigma.numpy(), mean_pool.sigma.numpy(), penultimate.sigma.numpy())


@torch.inference_mode()
def backend_sigmas(net: Musicnn, max_pool: np.ndarray, mean_pool: np.ndarray) -> MusicnnSigmas:
    """``sigma`` of ``penultimate`` and the taggram when the back end reads exactly these pooled features (n, 753)."""
    pooled = [_input(a, 0.0) for a in (max_pool, mean_pool)]
    penultimate, tags = _backend(net, *pooled)
    zeros = np.zeros(max_pool.shape)
    return MusicnnSigmas(tags.sigma.numpy(), zeros, zeros, penultimate.sigma.numpy())


def float32_tolerance(model: str, path) -> MusicnnSigmas:
    """Tolerances between two float32 runs of our port on the audio file ``path`` (thread counts and batch
    sizes change the kernels' summation order, so two runs on one machine may differ too)."""
    from musicgenre.audio import load
    from musicgenre.backbones import musicnn
    from musicgenre.backbones.musicnn.config import InputConfig

    patches = musicnn.patches_from_signal(load(path, sr=InputConfig().sample_rate))
    return network_sigmas(musicnn.load_network(model), patches)


def assert_float32_close(ours: np.ndarray, other: np.ndarray, tolerance: np.ndarray, name: str = "") -> None:
    """Every value within its float32 tolerance (same shape, or broadcastable)."""
    gap = np.abs(np.asarray(ours, dtype=np.float64) - np.asarray(other, dtype=np.float64))
    assert np.all(gap <= tolerance), f"{name}: worst gap {gap.max():.3g}, past the float32 tolerance"
