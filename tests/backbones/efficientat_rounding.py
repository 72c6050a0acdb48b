"""How far a float32 run of EfficientAT's ``mn04_as`` (front end and network) may lie from the exact outputs.

The method of :mod:`backbones.rounding` (musicnn), after Higham & Mary (*A new approach to probabilistic rounding
error analysis*, SIAM J. Sci. Comput. 41, 2019): every float32 operation rounds with a relative error of at most
``u = 2**-24``, independent of the others and of mean zero; the computation runs in float64 (the exact values, for
this purpose) and beside every value goes ``sigma``, a bound on the standard deviation of the error that ANY
float32 evaluation of it carries (any summation order, blocking, FMA or FFT radix). Two float32 runs differ by at
most ``LAMBDA * sqrt(2) * sigma`` (:data:`SPREAD`). Only ``u``, the weights and the exact values enter.

Front end (:func:`exact_log_mel`, upstream's ``AugmentMelSTFT`` in eval mode), per value:

* pre-emphasis ``y[n + 1] - c y[n]``, a two-term dot product: ``sigma = sqrt(3) u (|y[n + 1]| + |c y[n]|)``. The
  constants are the float32 values both sides use (``c = float32(0.97)``, upstream's conv1d kernel, and
  ``float32(1e-5)``, the log offset), so their representation is part of the definition, not an error;
* the window: a symmetric Hann computed in float32 (``torch.hann_window``: ``0.5 - 0.5 cos(k 2 pi / (N - 1))``)
  is off by at most ``u (0.5 (theta_k + 1) + w_k)`` (the angle's rounding through the cosine's slope, the cosine's
  own, the affine step); a windowed sample ``z = x w`` carries ``(w sigma_x)^2 + (x sigma_w)^2 + (u x w)^2``;
* the FFT (:func:`fft_partial_sums`): ``sigma_X(j)^2 = sum_k sigma_z^2 + (C_FFT u)^2 sum_s sum_r |Y_{s,r}(j)|^2``.
  The first term carries the input errors through a transform whose coefficients have modulus 1. The second is
  the butterflies' rounding, output by output: in a Cooley-Tukey FFT (decimation in time or in frequency; radix-4
  and split-radix butterflies form the same partial sums) the values output ``j`` is built from at stage ``s`` are
  ``Y_{s,r}(j)``, the length-``2^s`` DFTs of the decimated subsequences ``z[r :: N / 2^s]`` at ``j mod 2^s``
  (from the inputs, ``s = 0``, to ``X_j`` itself, ``s = log2 N``); each is rounded once per stage with an error
  of std at most ``C_FFT u`` times its inputs' modulus (a twiddle factor off by ``u``, the complex product's
  four products and two sums, ``sqrt(2) u``, the complex sum's ``u``: ``sqrt(1 + 2 + 1) = 2``; ``C_FFT = 3``
  leaves room for a real FFT's packing stage and less accurate twiddles), and those errors reach ``X_j`` through
  factors of modulus 1. The two textbook forms would not do: the sum form ``u log2(N) sum_k |z_k|`` is a worst
  case 8 to 120 times larger on this signal's frames (median 68; it made the end-to-end bound useless), and the
  root-sum-square form ``u log2(N) sqrt(sum_k |z_k|^2)`` is the average over outputs (Parseval), not a bound for
  each: torch's float32 FFT exceeds it 4-fold beside strong peaks. Measured here: numpy's float32 rfft reaches
  0.68 and torch's 2.75 of ``u sqrt(sum_s sum_r |Y|^2)``, i.e. 0.23 and 0.92 ``sigma``;
* the power ``|X|^2``: ``2 |X| sigma_X + sigma_X^2 + 2 u |X|^2``;
* the mel bands ``M = W P``: the dot rule of rounding.py over each band's bins (errors of different FFT outputs
  come from different roundings), plus the OTHER side's float32 filterbank (:func:`filterbank_sigma`), whose
  weight errors are summed linearly over a band's bins (a band's edge errors are shared by all its bins);
* ``log(M + c)``: ``sigma_M`` times the largest slope over ``M +- SPREAD sigma_M``, ``1 / (M + c - SPREAD
  sigma_M)``, plus ``u`` (the sum's rounding) and ``2 u |log|`` (one ulp of the logarithm);
* ``(L + 4.5) / 5``: ``sigma_L / 5 + 2 u |out|``.

Network (:func:`network_sigmas`, walking :class:`~musicgenre.backbones.efficientat.network.EfficientAT`; a module
it has no rule for raises ``TypeError``):

* convolutions (dense, 1x1 and depthwise with groups) and linear layers: rounding.py's dot rule with ``n`` terms per
  output (``in_channels / groups * kh * kw``); batch norm in inference as rounding.py;
* ReLU: ``sigma`` passes where ``x + SPREAD sigma > 0``; elsewhere every float32 run's input is negative too and its
  output an exact 0;
* hard-swish ``x relu6(x + 3) / 6``: ``sigma`` times the largest slope over ``x +- SPREAD sigma`` (``|2x + 3| / 6``
  inside (-3, 3), 1 above, 0 below), plus ``3 u |out|`` (add, multiply, divide);
* the means over (f, t) (squeeze-excite, the embedding, the classifier's pool) are dot products with weights
  ``1 / n`` and get the dot rule: ``sum sigma^2 / n^2 + (n + 1) (u mean|x|)^2``. (rounding.py averages musicnn's
  sigmas over time linearly, as if all positions' errors were one; here that let the squeeze-excite gates' error,
  multiplied back onto every position, dominate everything downstream: logits' tolerances 5000 times the gap a
  float32 run shows, instead of 100, too loose to see a bias moved by 1e-3);
* squeeze-excite: the mean, two linear layers with a ReLU between, the sigmoid (slope <= 1/4, plus ``8 u g``),
  the product ``x g``: ``|g| sigma_x + |x| sigma_g + u |x g|`` (linear: ``g`` depends on ``x``);
* the residual add ``y + x``: ``sigma_y + sigma_x + u |y + x|`` (linear: ``y`` depends on ``x``);
* the classifier: mean, Linear, hard-swish, Linear as above.

Errors of different positions are taken as independent in every convolution and mean, the model's assumption
for roundings of different operations. The other side's float32 filterbank errors break it: they are the same in
every frame (and dominate the mel's ``sigma``, median 7.8 times the rest; they add 22 % to the logits'). Checked
by drawing them in float64 (16 draws of independent weight errors of std ``sigma_W``: logits moved by at most
0.08 of the end-to-end tolerance; every weight of a band off by ``sigma_W`` with one sign: 0.11).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from backbones.rounding import LAMBDA, UNIT_ROUNDOFF, Noisy, _batch_norm, _dot
from torch import nn

from musicgenre.backbones.efficientat.config import InputConfig
from musicgenre.backbones.efficientat.network import ChannelGate, EfficientAT, InvertedResidual, SqueezeExcite

u = UNIT_ROUNDOFF
SPREAD = LAMBDA * np.sqrt(2.0)  # how far two float32 runs may lie apart, in sigmas
C_FFT = 3.0  # std of a butterfly's roundings per stage, in u times its inputs' modulus (derived: 2)
KALDI_MEL = 1127.0  # mel = 1127 ln(1 + f / 700)
EDGE_MARGIN = 1e-2  # mel: bins this close outside a band may get a float32 weight above 0 on the other side


@dataclass
class EfficientATSigmas:
    """``sigma`` of the two outputs the tests compare, float64 arrays shaped like them (one row per input)."""

    logits: np.ndarray  # (batch, 527)
    embedding: np.ndarray  # (batch, 384)
    exact_logits: np.ndarray  # the float64 run's values, same shapes
    exact_embedding: np.ndarray

    def tolerance(self, key: str) -> np.ndarray:
        """Largest gap allowed between two float32 runs, per value: ``LAMBDA * sqrt(2) * sigma``."""
        return SPREAD * getattr(self, key)


# -- front end -------------------------------------------------------------------------------------------------


def kaldi_mel(hz: np.ndarray | float) -> np.ndarray:
    return KALDI_MEL * np.log1p(np.asarray(hz, dtype=np.float64) / 700.0)


def filterbank(cfg: InputConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The exact Kaldi weights ``(n_mels, n_fft // 2 + 1)`` in float64 (zero Nyquist column), the float32 error
    bound of each weight (:func:`filterbank_sigma`) and the mask of each band's bins (with a margin)."""
    lo, hi = float(kaldi_mel(cfg.f_min)), float(kaldi_mel(cfg.f_max))
    step = (hi - lo) / (cfg.n_mels + 1)
    band = np.arange(cfg.n_mels, dtype=np.float64)[:, None]
    left, center, right = lo + band * step, lo + (band + 1) * step, lo + (band + 2) * step
    bins = np.zeros((1, cfg.n_fft // 2 + 1))
    bins[0, :-1] = kaldi_mel(np.arange(cfg.n_fft // 2) * cfg.sample_rate / cfg.n_fft)
    weights = np.maximum(0.0, np.minimum((bins - left) / step, (right - bins) / step))
    support = (bins > left - EDGE_MARGIN) & (bins < right + EDGE_MARGIN)
    support[:, -1] = False  # the Nyquist column is padded with an exact zero
    weights[:, -1] = 0.0
    return weights, np.where(support, filterbank_sigma(bins, left, center, right, step), 0.0), support


def filterbank_sigma(mel: np.ndarray, left: np.ndarray, center: np.ndarray, right: np.ndarray, step: float):
    """Std bound of a triangular weight's error when the Kaldi formula runs in float32 (torchaudio's
    ``get_mel_banks``), for the bins' mels ``mel`` and the bands' edges.

    A bin's mel ``1127 * log(1 + f / 700)``: ``f / 700`` and ``1 + f / 700`` round (``z`` off by ``2 u`` relative
    at most, so the logarithm by ``2 u`` absolute: ``1127 u`` per rounding in mel, the largest term at low
    frequencies, where ``log(1 + a)`` loses ``a``'s low bits), the logarithm (one ulp, ``2 u |mel|``) and the
    product by 1127 (``u |mel|``). A band edge ``lo + b * step`` (python float ``step`` cast to float32, a
    product, a sum): three roundings of ``|edge|``. The slopes ``(mel - left) / (center - left)`` and ``(right -
    mel) / (right - center)`` (at most 1 where they count): the numerator's and the denominator's errors over the
    band step, plus the difference's, the denominator's and the quotient's own roundings. These are independent
    roundings, so their root-sum-square bounds the std (their worst-case sum is about 4 times larger). With
    ``f_max`` 15 kHz the top band edge is mel 3505 and the step 27.2, so this bound reaches 2.6e-5; torchaudio's
    arithmetic re-run here in float32 (the tests' ``_torchaudio_kaldi_banks``) is off by up to 1.3e-5, 0.73
    sigma."""
    numerator = (
        2 * KALDI_MEL**2  # f / 700 and 1 + f / 700, through the logarithm and the factor 1127
        + 5 * mel**2  # one ulp of the logarithm (2 u), the product by 1127
        + 3 * np.maximum(np.abs(left), np.abs(right)) ** 2  # the outer edge of the slope, three roundings
        + 3 * center**2  # the centre, three roundings
        + 3 * step**2  # the difference, the denominator and the quotient (slope <= 1) round once each
    )
    return u * np.sqrt(numerator) / step


def hann_sigma(cfg: InputConfig) -> tuple[np.ndarray, np.ndarray]:
    """The exact symmetric Hann window centred in ``n_fft`` (float64) and its float32 error bound."""
    theta = 2 * np.pi * np.arange(cfg.win_length) / (cfg.win_length - 1)
    hann = 0.5 - 0.5 * np.cos(theta)
    window, sigma = np.zeros(cfg.n_fft), np.zeros(cfg.n_fft)
    start = (cfg.n_fft - cfg.win_length) // 2
    window[start : start + cfg.win_length] = hann
    sigma[start : start + cfg.win_length] = u * (0.5 * (theta + 1) + hann)
    return window, sigma


def fft_partial_sums(z: np.ndarray) -> np.ndarray:
    """``sum_s sum_r |DFT_{2^s}(z[r :: N / 2^s])[j mod 2^s]|^2`` for ``s = 0 .. log2(N)`` and every output ``j <=
    N / 2`` of the real FFT of each row of ``z`` ``(frames, N)``: the squared moduli of the intermediate values
    output ``j`` is built from, stage by stage (the inputs, then the ever longer partial DFTs, then ``X_j``)."""
    n = z.shape[1]
    stages = int(np.log2(n))
    if 2**stages != n:
        raise ValueError(f"the FFT length must be a power of two, not {n}")
    j = np.arange(n // 2 + 1)
    total = np.zeros((z.shape[0], j.size))
    for s in range(stages + 1):
        m = 2**s
        partial = np.fft.fft(z.reshape(z.shape[0], m, n // m), axis=1)  # [f, j', r]: DFT_m of z[r :: n / m] at j'
        total += (np.abs(partial) ** 2).sum(axis=2)[:, j % m]
    return total


def exact_log_mel(signal: np.ndarray, cfg: InputConfig | None = None) -> Noisy:
    """The normalised log-mel ``(n_mels, frames)`` of a float32 ``signal`` in float64, with its ``sigma``."""
    cfg = cfg or InputConfig()
    y = np.asarray(signal, dtype=np.float32).astype(np.float64)
    c = float(np.float32(cfg.preemphasis))  # both sides multiply by the float32 constant
    x = y[1:] - c * y[:-1]
    sigma_x = np.sqrt(3.0) * u * (np.abs(y[1:]) + c * np.abs(y[:-1]))
    half = cfg.n_fft // 2
    x, sigma_x = np.pad(x, half, mode="reflect"), np.pad(sigma_x, half, mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(x, cfg.n_fft)[:: cfg.hop_length]
    sigma_frames = np.lib.stride_tricks.sliding_window_view(sigma_x, cfg.n_fft)[:: cfg.hop_length]
    window, sigma_window = hann_sigma(cfg)
    z = frames * window
    sigma_z2 = (window * sigma_frames) ** 2 + (frames * sigma_window) ** 2 + (u * z) ** 2

    spectrum = np.fft.rfft(z, axis=1)  # (frames, bins)
    sigma_spectrum = np.sqrt(sigma_z2.sum(axis=1, keepdims=True) + (C_FFT * u) ** 2 * fft_partial_sums(z))
    magnitude = np.abs(spectrum)
    power = magnitude**2
    sigma_power = 2 * magnitude * sigma_spectrum + sigma_spectrum**2 + 2 * u * power

    weights, sigma_weights, support = filterbank(cfg)
    terms = support.sum(axis=1, keepdims=True)  # nonzero products per band (adding a zero is exact)
    mel = weights @ power.T  # (bands, frames)
    sigma_mel = np.sqrt(weights**2 @ sigma_power.T**2 + (terms + 1) * (u * mel) ** 2 + (sigma_weights @ power.T) ** 2)

    offset = float(np.float32(cfg.log_offset))
    floor = mel + offset - SPREAD * sigma_mel
    if np.any(floor <= 0):
        raise ValueError("the mel error reaches the log's pole: no float32 bound for this signal")
    log = np.log(mel + offset)
    sigma_log = sigma_mel / floor + u + 2 * u * np.abs(log)
    out = (log + cfg.shift) / cfg.scale
    sigma_out = sigma_log / cfg.scale + 2 * u * np.abs(out)
    return Noisy(torch.from_numpy(out), torch.from_numpy(sigma_out))


def frontend_sigmas(signal: np.ndarray, cfg: InputConfig | None = None) -> np.ndarray:
    """``sigma`` ``(n_mels, frames)`` of the normalised log-mel of ``signal``."""
    return exact_log_mel(signal, cfg).sigma.numpy()


# -- network ---------------------------------------------------------------------------------------------------


def _conv(conv: nn.Conv2d, h: Noisy) -> Noisy:
    def op(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None = None) -> torch.Tensor:
        return F.conv2d(x, w, b, conv.stride, conv.padding, conv.dilation, conv.groups)

    w = conv.weight.double()
    b = None if conv.bias is None else conv.bias.double()
    terms = w[0].numel()  # products summed into each output: in_channels / groups * kh * kw
    magnitude = op(h.value.abs(), w.abs(), None if b is None else b.abs())
    variance = op(h.sigma**2, w**2) + (terms + 1) * (u * magnitude) ** 2
    return Noisy(op(h.value, w, b), torch.sqrt(variance))


def _relu_gated(h: Noisy) -> Noisy:
    """ReLU: slope 1 where ``x + LAMBDA sqrt(2) sigma > 0``, else 0 (every float32 run's input is negative too,
    so its output is an exact 0)."""
    live = h.value + SPREAD * h.sigma > 0
    return Noisy(F.relu(h.value), torch.where(live, h.sigma, torch.zeros_like(h.sigma)))


def _hardswish_slope(low: torch.Tensor, high: torch.Tensor) -> torch.Tensor:
    """Largest ``|d hardswish / dx|`` over ``[low, high]``: ``|2x + 3| / 6`` inside (-3, 3), 1 above, 0 below."""
    a, b = low.clamp(-3.0, 3.0), high.clamp(-3.0, 3.0)
    inside = torch.maximum((2 * a + 3).abs(), (2 * b + 3).abs()) / 6
    inside = torch.where((high > -3.0) & (low < 3.0), inside, torch.zeros_like(inside))
    return torch.where(high > 3.0, torch.maximum(inside, torch.ones_like(inside)), inside)


def _hardswish(h: Noisy) -> Noisy:
    value = F.hardswish(h.value)
    spread = SPREAD * h.sigma
    slope = _hardswish_slope(h.value - spread, h.value + spread)
    return Noisy(value, slope * h.sigma + 3 * u * value.abs())


def _mean(h: Noisy) -> Noisy:
    """Mean over (f, t) ``(B, C, F, T) -> (B, C)``: a dot product with weights ``1 / n``, so the dot rule."""
    n = h.value.shape[2] * h.value.shape[3]
    mean_abs = h.value.abs().mean(dim=(2, 3))
    variance = (h.sigma**2).sum(dim=(2, 3)) / n**2 + (n + 1) * (u * mean_abs) ** 2
    return Noisy(h.value.mean(dim=(2, 3)), torch.sqrt(variance))


def _squeeze_excite(se: SqueezeExcite, h: Noisy) -> Noisy:
    squeezed = _relu_gated(_dot(se.fc1, _mean(h)))
    z = _dot(se.fc2, squeezed)
    g = torch.sigmoid(z.value)
    gate = Noisy(g[:, :, None, None], (z.sigma / 4 + 8 * u * g)[:, :, None, None])  # exp and divide rounded too
    value = h.value * gate.value
    return Noisy(value, gate.value * h.sigma + h.value.abs() * gate.sigma + u * value.abs())


def _module(module: nn.Module, h: Noisy) -> Noisy:
    """``sigma`` through one module of the network (and everything in it)."""
    if isinstance(module, nn.Conv2d):
        return _conv(module, h)
    if isinstance(module, nn.BatchNorm2d):
        return _batch_norm(module, h)
    if isinstance(module, nn.ReLU):
        return _relu_gated(h)
    if isinstance(module, nn.Hardswish):
        return _hardswish(h)
    if isinstance(module, ChannelGate):
        (se,) = module.conc_se_layers
        return _squeeze_excite(se, h)
    if isinstance(module, InvertedResidual):
        y = _module(module.block, h)
        if not module.residual:
            return y
        total = y.value + h.value  # y depends on h: their errors add linearly
        return Noisy(total, y.sigma + h.sigma + u * total.abs())
    if isinstance(module, nn.Sequential):
        for child in module:
            h = _module(child, h)
        return h
    raise TypeError(f"no rounding rule for {type(module).__name__}")


def network_sigmas(
    net: EfficientAT, mel: np.ndarray | torch.Tensor, input_sigma: float | np.ndarray | torch.Tensor = 0.0
) -> EfficientATSigmas:
    """``sigma`` of the logits and the embedding of ``net`` on a normalised log-mel ``mel`` ``(B, 128, T)`` or
    ``(128, T)`` (exact values, float64 preferred). ``input_sigma``: the error already in the input (0 when both
    runs read the same array; :func:`frontend_sigmas` when each computed its own)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # hundreds of small float64 operations: threads only add waiting (and on a busy
    try:  # machine, spinning); the float32 runs the tests compare keep their own thread count
        with torch.inference_mode():
            return _network_sigmas(net, mel, input_sigma)
    finally:
        torch.set_num_threads(threads)


def _network_sigmas(
    net: EfficientAT, mel: np.ndarray | torch.Tensor, input_sigma: float | np.ndarray | torch.Tensor
) -> EfficientATSigmas:
    x = torch.as_tensor(np.asarray(mel, dtype=np.float64))
    if x.dim() == 2:
        x = x[None]
    sigma = torch.broadcast_to(torch.as_tensor(np.asarray(input_sigma, dtype=np.float64)), x.shape).clone()
    h = _module(net.features, Noisy(x[:, None], sigma[:, None]))
    embedding = _mean(h)
    pool, flatten, hidden, activation, dropout, output = net.classifier
    if not (
        isinstance(pool, nn.AdaptiveAvgPool2d)
        and pool.output_size in (1, (1, 1))
        and isinstance(flatten, nn.Flatten)
        and isinstance(activation, nn.Hardswish)
        and isinstance(dropout, nn.Identity)
    ):
        raise TypeError("the classifier is no longer mean, flatten, Linear, Hardswish, Identity, Linear")
    logits = _dot(output, _hardswish(_dot(hidden, embedding)))
    return EfficientATSigmas(
        logits.sigma.numpy(), embedding.sigma.numpy(), logits.value.numpy(), embedding.value.numpy()
    )
