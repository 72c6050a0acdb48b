"""Our EfficientAT ``mn04_as`` (numpy front end, PyTorch network) against the UPSTREAM code's outputs
(``../shared/efficientat/reference_outputs.npz``: ``AugmentMelSTFT`` and ``get_model(width_mult=0.4)`` in float32).

Tolerances come from what float32 arithmetic can promise, not from one machine: ``efficientat_rounding.py``
carries a bound ``sigma`` on the rounding error of ANY float32 evaluation through the front end and every layer
(per value, from ``u = 2**-24``, the weights and the exact values; the method of ``rounding.py``), and two float32
runs may differ by ``LAMBDA * sqrt(2)`` times it. Each stage is checked on upstream's own input to it (the network
on upstream's mel), so a network error is not hidden in the front end's larger noise, and then end to end with
the front end's ``sigma`` as the network's input error.

Worst gap as a fraction of the tolerance (1.0 = the limit), on an AVX-512 CPU with the default kernels / with
``ONEDNN_MAX_CPU_ISA=SSE41 ATEN_CPU_CAPABILITY=default``: log-mel 0.076 / 0.076 (gap 1.7e-5, band 45); network on
upstream's mel, logits 0.010 / 0.016 (gap 2.9e-6 / 5.3e-6), embedding 0.006 / 0.019; end to end, logits 0.014 /
0.020 (gap 1.1e-5), embedding 0.015 / 0.016 (oneDNN off, one thread: at most 0.014). Logits' tolerances: 1.1e-4
to 5.7e-4 on upstream's mel, 2.3e-4 to 1.1e-3 end to end.

Caught (``test_a_porting_error_fails``, worst gap in tolerances): a kernel flipped in time (a depthwise 5x5 of
block 4: 1600; of block 14: 580), hard-swish as ReLU in one block (6600), one squeeze-excite skipped (40000),
the output bias moved by 1e-3 (8.8), batch-norm epsilon +10 % where the smallest running variance of a live
channel is small enough (stem, 0.076: 5.0; block 8's depthwise, 1.3e-3: 33; block 15's projection, 0.15: 2.2),
the log offset 1e-6 (23000), pre-emphasis 0.96 (17600), a periodic window (300). NOT caught: epsilon +10 % where
every live channel's variance is larger (block 12's projection, 0.45: 0.57; block 14's expansion, 0.96, its
near-zero variances only in channels with gamma below 1e-3: 0.35; the last convolution's, 3.3: 0.33). That moves
a scale by 1e-4 at most, within what float32 can promise after a dozen more layers.
"""

from __future__ import annotations

import copy
import functools
import math
import pickle
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from backbones.efficientat_rounding import (
    C_FFT,
    LAMBDA,
    SPREAD,
    EfficientATSigmas,
    exact_log_mel,
    fft_partial_sums,
    filterbank,
    hann_sigma,
    network_sigmas,
    u,
)
from backbones.rounding import Noisy
from torch import nn

from musicgenre.backbones.efficientat import frontend
from musicgenre.backbones.efficientat.config import InputConfig
from musicgenre.backbones.efficientat.network import EfficientAT, load_network

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "efficientat"
WEIGHTS = SHARED / "mn04_as_mAP_432.pt"
REFERENCE = SHARED / "reference_outputs.npz"

pytestmark = pytest.mark.skipif(
    not (WEIGHTS.is_file() and REFERENCE.is_file()),
    reason=f"EfficientAT weights and upstream reference outputs not found at {SHARED}",
)

KEYS = ("logits", "embedding")
UPSTREAM = {"logits": "synth_logits", "embedding": "synth_features"}


@functools.cache
def reference() -> dict[str, np.ndarray]:
    with np.load(REFERENCE, allow_pickle=False) as data:
        return {k: data[k] for k in ("synth_signal", "synth_mel", "synth_logits", "synth_features")}


@functools.cache
def network() -> EfficientAT:
    """The published network (shared: never corrupt it, copy it)."""
    return load_network(WEIGHTS)


@functools.cache
def front_end_bounds() -> Noisy:
    """The exact log-mel of the synthesized signal (float64) and its ``sigma``."""
    return exact_log_mel(reference()["synth_signal"])


@functools.cache
def network_bounds() -> EfficientATSigmas:
    """Bounds of the network on upstream's mel (both runs read the same input)."""
    return network_sigmas(network(), reference()["synth_mel"])


@functools.cache
def end_to_end_bounds() -> EfficientATSigmas:
    """Bounds of the network on the exact mel, with the error any float32 front end leaves in it."""
    exact = front_end_bounds()
    return network_sigmas(network(), exact.value.numpy(), exact.sigma.numpy())


@functools.cache
def network64() -> EfficientAT:
    """The published network in float64: the exact outputs, for this purpose."""
    return copy.deepcopy(network()).double()


def run64(mel: np.ndarray) -> dict[str, np.ndarray]:
    """Outputs of :func:`network64` on ``mel`` ``(128, T)``, on one thread (only the float32 runs under test need
    the default kernels; float64's grouped convolutions only wait on a second thread)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.inference_mode():
            out = network64()(torch.from_numpy(np.asarray(mel, dtype=np.float64))[None])
    finally:
        torch.set_num_threads(threads)
    return {"logits": out.logits.numpy(), "embedding": out.embedding.numpy()}


def assert_within(ours: np.ndarray, expected: np.ndarray, tolerance: np.ndarray, name: str) -> None:
    """Every value of ``ours`` within its float32 tolerance of ``expected``."""
    ours = np.asarray(ours, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64).reshape(ours.shape)
    gap = np.abs(ours - expected)
    worst = np.unravel_index(np.argmax(gap / tolerance), gap.shape)
    assert np.all(gap <= tolerance), (
        f"{name}: {int((gap > tolerance).sum())} of {gap.size} values past the float32 tolerance; worst at "
        f"{worst}: ours {ours[worst]:.7g}, upstream {expected[worst]:.7g}, gap {gap[worst]:.3g} > "
        f"{tolerance[worst]:.3g}"
    )


def run(net: EfficientAT, mel: np.ndarray) -> dict[str, np.ndarray]:
    with torch.inference_mode():
        out = net(torch.from_numpy(np.ascontiguousarray(mel, dtype=np.float32))[None])
    return {"logits": out.logits.numpy(), "embedding": out.embedding.numpy()}


def check_port(net: EfficientAT, cfg: InputConfig) -> None:
    """The front end on upstream's signal, and the network on upstream's mel."""
    ref = reference()
    tolerance = SPREAD * front_end_bounds().sigma.numpy()
    assert_within(frontend.log_mel(ref["synth_signal"], cfg), ref["synth_mel"], tolerance, "log-mel")
    ours, bounds = run(net, ref["synth_mel"]), network_bounds()
    for key in KEYS:
        assert_within(ours[key], ref[UPSTREAM[key]], bounds.tolerance(key), key)


def test_log_mel_matches_upstream():
    ref = reference()
    ours = frontend.log_mel(ref["synth_signal"])
    assert ours.shape == ref["synth_mel"].shape == (128, 1000)
    assert ours.dtype == np.float32
    assert_within(ours, ref["synth_mel"], SPREAD * front_end_bounds().sigma.numpy(), "log-mel")


def test_network_matches_upstream_on_the_same_input():
    ref, bounds = reference(), network_bounds()
    ours = run(network(), ref["synth_mel"])
    assert ours["logits"].shape == (1, 527) and ours["embedding"].shape == (1, 384)
    for key in KEYS:
        assert_within(ours[key], ref[UPSTREAM[key]], bounds.tolerance(key), key)


def test_end_to_end_matches_upstream():
    """Our network on our log-mel, within the bound that the front end's error allows."""
    ref, bounds = reference(), end_to_end_bounds()
    ours = run(network(), frontend.log_mel(ref["synth_signal"]))
    for key in KEYS:
        assert_within(ours[key], ref[UPSTREAM[key]], bounds.tolerance(key), f"end-to-end {key}")


def test_the_analysis_walks_the_network_itself():
    """The float64 values the bound carries are the network's own outputs in float64 (no layer skipped)."""
    exact, bounds = run64(reference()["synth_mel"]), network_bounds()
    np.testing.assert_allclose(bounds.exact_logits, exact["logits"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(bounds.exact_embedding, exact["embedding"], rtol=0, atol=1e-10)


def test_both_float32_runs_lie_within_the_bound_of_the_exact_one():
    """The bound describes float32 itself: our float32 run and upstream's are each within ``LAMBDA`` sigma of the
    float64 run (rounding near 1e-16, so the exact values for this purpose), stage by stage and end to end."""
    ref, exact = reference(), front_end_bounds()
    for name, mel in (("ours", frontend.log_mel(ref["synth_signal"])), ("upstream", ref["synth_mel"])):
        gap = np.abs(mel - exact.value.numpy())
        assert np.all(gap <= LAMBDA * exact.sigma.numpy()), f"{name} log-mel: {gap.max():.3g}"

    cases = (
        (network_bounds(), ref["synth_mel"], ref["synth_mel"], "network"),
        (end_to_end_bounds(), exact.value.numpy(), frontend.log_mel(ref["synth_signal"]), "end-to-end"),
    )
    for bounds, exact_mel, our_mel, stage in cases:
        exact_outputs, ours = run64(exact_mel), run(network(), our_mel)
        for key in KEYS:
            for name, values in (("ours", ours[key]), ("upstream", ref[UPSTREAM[key]][None])):
                gap = np.abs(values - exact_outputs[key])
                assert np.all(gap <= LAMBDA * getattr(bounds, key)), f"{name} {stage} {key}: {gap.max():.3g}"


def _torchaudio_kaldi_banks(cfg: InputConfig) -> np.ndarray:
    """``torchaudio.compliance.kaldi.get_mel_banks``' arithmetic (vtln_warp_factor 1) in float32, as upstream
    computes its filterbank, padded with the zero Nyquist column."""
    mel_low = 1127.0 * math.log(1.0 + cfg.f_min / 700.0)
    mel_high = 1127.0 * math.log(1.0 + cfg.f_max / 700.0)
    delta = (mel_high - mel_low) / (cfg.n_mels + 1)
    band = torch.arange(cfg.n_mels).unsqueeze(1)
    left, center, right = mel_low + band * delta, mel_low + (band + 1.0) * delta, mel_low + (band + 2.0) * delta
    hz = (cfg.sample_rate / cfg.n_fft) * torch.arange(cfg.n_fft // 2)
    mel = (1127.0 * (1.0 + hz / 700.0).log()).unsqueeze(0)
    up, down = (mel - left) / (center - left), (right - mel) / (right - center)
    banks = torch.max(torch.zeros(1), torch.min(up, down))
    return torch.nn.functional.pad(banks, (0, 1)).double().numpy()


def test_float32_window_filterbank_and_fft_lie_within_their_bounds():
    """The three front-end bounds against float32 computations run here: torch's Hann window, the Kaldi
    filterbank formula in float32 (torchaudio's arithmetic), and numpy's and torch's float32 FFTs."""
    cfg = InputConfig()
    window, sigma_window = hann_sigma(cfg)
    start = (cfg.n_fft - cfg.win_length) // 2
    hann32 = torch.hann_window(cfg.win_length, periodic=False, dtype=torch.float32).double().numpy()
    inside = slice(start, start + cfg.win_length)
    assert np.all(np.abs(hann32 - window[inside]) <= LAMBDA * sigma_window[inside]), "torch's Hann window"

    weights, sigma_weights, _ = filterbank(cfg)
    gap = np.abs(_torchaudio_kaldi_banks(cfg) - weights)
    assert np.all(gap <= LAMBDA * sigma_weights), f"filterbank weight off by {gap.max():.3g}"

    y = frontend.preemphasis(reference()["synth_signal"])
    frames = np.lib.stride_tricks.sliding_window_view(np.pad(y, cfg.n_fft // 2, mode="reflect"), cfg.n_fft)
    z = (frames[:: cfg.hop_length] * frontend.stft_window()).astype(np.float32)
    exact = np.fft.rfft(z.astype(np.float64), axis=1)
    sigma = u * np.sqrt(fft_partial_sums(z.astype(np.float64)))  # per unit of C_FFT
    for name, spectrum in (
        ("numpy", np.fft.rfft(z, axis=1)),
        ("torch", torch.fft.rfft(torch.from_numpy(z), dim=1).numpy()),
    ):
        gap = np.abs(spectrum - exact)
        assert np.all(gap <= LAMBDA * C_FFT * sigma), f"{name} rfft: {np.max(gap / sigma):.3g} u-sigmas"


def test_the_published_state_dict_loads_strictly(tmp_path):
    """``load_network`` reads tensors only (``weights_only=True``) and every key must match (``strict=True``)."""
    net = network()
    assert not net.training
    assert sum(p.numel() for p in net.parameters()) == 983_599
    state = torch.load(WEIGHTS, map_location="cpu", weights_only=True)

    missing = dict(state)
    missing.pop("classifier.5.bias")
    torch.save(missing, tmp_path / "missing.pt")
    with pytest.raises(RuntimeError, match="Missing key"):
        load_network(tmp_path / "missing.pt")

    extra = dict(state, **{"features.0.1.extra": torch.zeros(1)})
    torch.save(extra, tmp_path / "extra.pt")
    with pytest.raises(RuntimeError, match="Unexpected key"):
        load_network(tmp_path / "extra.pt")

    torch.save([state], tmp_path / "list.pt")
    with pytest.raises(ValueError, match="not a state dict"):
        load_network(tmp_path / "list.pt")

    torch.save(dict(state, code=Path("x")), tmp_path / "pickled.pt")  # an arbitrary object: needs pickled code
    with pytest.raises(pickle.UnpicklingError):
        load_network(tmp_path / "pickled.pt")


# -- small porting errors must fail ----------------------------------------------------------------------------

Corruption = Callable[[EfficientAT, pytest.MonkeyPatch], InputConfig]


def _set_eps(name: str) -> Corruption:
    def corrupt(net: EfficientAT, monkeypatch: pytest.MonkeyPatch) -> InputConfig:
        bn = net.get_submodule(name)
        bn.eps = bn.eps * 1.1
        return InputConfig()

    return corrupt


def _flip_kernel(name: str) -> Corruption:
    def corrupt(net: EfficientAT, monkeypatch: pytest.MonkeyPatch) -> InputConfig:
        weight = net.get_submodule(name).weight
        weight.copy_(weight.flip(3))  # in time
        return InputConfig()

    return corrupt


def _replace(name: str, module: nn.Module) -> Corruption:
    def corrupt(net: EfficientAT, monkeypatch: pytest.MonkeyPatch) -> InputConfig:
        parent, _, child = name.rpartition(".")
        setattr(net.get_submodule(parent), child, module)
        return InputConfig()

    return corrupt


def _shift_output_bias(net: EfficientAT, monkeypatch: pytest.MonkeyPatch) -> InputConfig:
    net.classifier[5].bias.add_(1e-3)
    return InputConfig()


def _config(**changes) -> Corruption:
    def corrupt(net: EfficientAT, monkeypatch: pytest.MonkeyPatch) -> InputConfig:
        return InputConfig(**changes)

    return corrupt


def _periodic_window(net: EfficientAT, monkeypatch: pytest.MonkeyPatch) -> InputConfig:
    cfg = InputConfig()
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(cfg.win_length) / cfg.win_length)  # periodic: N, not N - 1
    window = np.zeros(cfg.n_fft, np.float32)
    start = (cfg.n_fft - cfg.win_length) // 2
    window[start : start + cfg.win_length] = hann
    monkeypatch.setattr(frontend, "stft_window", lambda cfg=cfg: window)
    return cfg


CORRUPTIONS = {
    "stem-bn-eps+10%": _set_eps("features.0.1"),
    "depthwise-bn-eps+10%": _set_eps("features.8.block.1.1"),
    "late-projection-bn-eps+10%": _set_eps("features.15.block.3.1"),
    "depthwise-kernel-flipped": _flip_kernel("features.4.block.1.0"),
    "late-depthwise-kernel-flipped": _flip_kernel("features.14.block.1.0"),
    "hardswish-as-relu": _replace("features.10.block.0.2", nn.ReLU()),
    "squeeze-excite-skipped": _replace("features.13.block.2", nn.Identity()),
    "output-bias+1e-3": _shift_output_bias,
    "log-offset-1e-6": _config(log_offset=1e-6),
    "preemphasis-0.96": _config(preemphasis=0.96),
    "periodic-window": _periodic_window,
}


@pytest.mark.parametrize("corrupt", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_a_porting_error_fails(corrupt, monkeypatch):
    """The tolerances are tight enough to catch real porting mistakes: small ones fail the comparison."""
    net = copy.deepcopy(network())
    with torch.no_grad():
        cfg = corrupt(net, monkeypatch)
    with pytest.raises(AssertionError, match="past the float32 tolerance"):
        check_port(net, cfg)
