"""Our PyTorch musicnn against the ORIGINAL musicnn code run under TensorFlow (fixtures by tools/musicnn_reference.py).

Tolerances come from what float32 arithmetic can promise, not from one machine: ``rounding.py`` carries a
bound on the rounding error of ANY float32 evaluation through every layer (per value, from ``u = 2**-24``,
the weights and the exact values), and two float32 runs may differ by ``LAMBDA * sqrt(2)`` times it.
Each stage is also checked on TensorFlow's own input to that stage (the back end on TensorFlow's pooled
features), so a back-end error is not hidden in the front end's larger noise.

Measured with ``tools/musicnn_rounding.py`` on an AMD EPYC (AVX2, no AVX-512), worst gap as a fraction of
the tolerance over both models and the three clips: 0.37 (max_pool; gap 3.3e-4 on values up to 149) with
oneDNN's AVX2 and AVX kernels, 0.21 (mean_pool) with oneDNN capped at SSE41, with ATen's default
(no-SIMD) kernels and with oneDNN off (MKL's GEMM); the back end 0.02. A 10 % change of one batch-norm
epsilon, a kernel flipped in time or a bias moved by 1e-3 is caught (``test_a_porting_error_fails``).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable

import numpy as np
import pytest
import torch
from backbones.musicnn_ref import FIXTURES, reference
from backbones.rounding import LAMBDA, MusicnnSigmas, backend_sigmas, network_sigmas

from musicgenre.audio import load
from musicgenre.backbones import musicnn
from musicgenre.backbones.musicnn.extract import run_patches
from musicgenre.backbones.musicnn.model import Musicnn

MODELS = ("MSD_musicnn", "MTT_musicnn")
CLIPS = ("metal00000", "classical00000", "synth16k")
KEYS = ("taggram", "max_pool", "mean_pool", "penultimate")
#: Our log-mel against the original's (librosa 0.11 on another machine). Float32 STFT, mel and log10 kernels
#: differ by CPU by a few units in the last place (values up to ~5: within 1e-5); and as the original rounds
#: mel powers to float16 before the log, such a difference now and then flips one float16 rounding, which
#: moves that value by up to ``log10(1 + 2**-10)`` = 4.2e-4. Observed on metal.00000: 1 value of 53856
#: flipped by 2.7e-4, the rest within 4.8e-7.
INPUT_ATOL = 1e-5
FLOAT16_STEP = float(np.log10(1 + 2.0**-10))
MAX_FLIPPED = 1e-3  # fraction of input values allowed a float16 flip


def assert_within(
    ours: dict[str, np.ndarray], ref: dict[str, np.ndarray], sigmas: MusicnnSigmas, keys: tuple[str, ...] = KEYS
) -> None:
    """Every value of ``ours`` within the float32 tolerance of TensorFlow's ``ref``, per value."""
    for key in keys:
        expected = ref[key][: len(ours[key])].astype(np.float64)
        assert ours[key].shape == expected.shape, key
        gap = np.abs(ours[key].astype(np.float64) - expected)
        tolerance = sigmas.tolerance(key)
        worst = np.unravel_index(np.argmax(gap / tolerance), gap.shape)
        assert np.all(gap <= tolerance), (
            f"{key}: {int((gap > tolerance).sum())} values past the float32 tolerance; worst at {worst}: "
            f"ours {ours[key][worst]:.7g}, TensorFlow {expected[worst]:.7g}, "
            f"gap {gap[worst]:.3g} > {tolerance[worst]:.3g}"
        )


def backend_outputs(net: Musicnn, max_pool: np.ndarray, mean_pool: np.ndarray) -> dict[str, np.ndarray]:
    with torch.inference_mode():
        penultimate, logits = net.backend(torch.from_numpy(max_pool), torch.from_numpy(mean_pool))
        return {"penultimate": penultimate.numpy(), "taggram": torch.sigmoid(logits).numpy()}


@functools.cache
def reference_sigmas(model: str, clip: str) -> tuple[MusicnnSigmas, MusicnnSigmas]:
    """Bounds of the shipped network on TensorFlow's input, and of its back end on TensorFlow's pooled features."""
    ref, exact = reference(clip, model), musicnn.load_network(model)
    return network_sigmas(exact, ref["input"]), backend_sigmas(exact, ref["max_pool"], ref["mean_pool"])


def check_port(net: Musicnn, model: str, clip: str) -> None:
    """The whole network on TensorFlow's input, and the back end on TensorFlow's pooled features."""
    ref = reference(clip, model)
    network, backend = reference_sigmas(model, clip)
    assert_within(run_patches(net, ref["input"]), ref, network)
    assert_within(
        backend_outputs(net, ref["max_pool"], ref["mean_pool"]), ref, backend, keys=("penultimate", "taggram")
    )


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("clip", CLIPS)
def test_network_matches_tensorflow_on_the_same_input(clip, model):
    check_port(musicnn.load_network(model), model, clip)


def check_end_to_end(
    result: musicnn.MusicnnResult, patches: np.ndarray, ref: dict[str, np.ndarray], model: str
) -> None:
    """Our log-mel equals the original's (float32 noise, rare float16 flips), and our outputs on it lie within
    the bound that such input error allows (every input value taken as possibly one float16 step off)."""
    gap = np.abs(patches[: len(ref["input"])] - ref["input"])
    flipped = gap > INPUT_ATOL
    assert gap.max() <= FLOAT16_STEP, f"log-mel differs by {gap.max():.3g}, more than one float16 step"
    assert flipped.mean() <= MAX_FLIPPED, (
        f"{int(flipped.sum())} of {gap.size} log-mel values differ by more than {INPUT_ATOL}"
    )
    assert result.taggram.shape == ref["taggram"].shape
    assert_within(vars(result), ref, network_sigmas(musicnn.load_network(model), patches, input_sigma=FLOAT16_STEP))


@pytest.mark.parametrize("model", MODELS)
def test_synthesized_file_end_to_end(model):
    ref = reference("synth16k", model)
    patches = musicnn.patches_from_signal(load(FIXTURES / "synth16k.wav", sr=16000))
    result = musicnn.analyze(FIXTURES / "synth16k.wav", model=model)
    assert result.taggram.shape == (int(ref["n_patches"]), 50)
    check_end_to_end(result, patches, ref, model)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize(
    "clip,path", [("metal00000", "metal/metal.00000.wav"), ("classical00000", "classical/classical.00000.wav")]
)
def test_gtzan_clip_end_to_end(shared_audio, clip, path, model):
    ref = reference(clip, model)
    patches = musicnn.patches_from_signal(
        load(shared_audio / path, sr=16000)
    )  # same log-mel as librosa in the original
    check_end_to_end(musicnn.analyze(shared_audio / path, model=model), patches, ref, model)


@pytest.mark.parametrize("model", MODELS)
def test_both_float32_runs_lie_within_the_bound_of_the_exact_one(model):
    """The bound describes float32 itself: our float32 port and TensorFlow's are each within ``LAMBDA`` sigma of
    our port run in float64 (rounding near 1e-16, so the exact outputs for this purpose)."""
    net32 = musicnn.load_network(model)
    net64 = copy.deepcopy(net32).double()
    for clip in CLIPS:
        ref = reference(clip, model)
        x = ref["input"]
        with torch.inference_mode():
            exact = vars(net64(torch.from_numpy(x.astype(np.float64))))
        exact["taggram"] = exact["tags"]
        ours = run_patches(net32, x)
        sigmas = reference_sigmas(model, clip)[0]
        for key in KEYS:
            for name, run in (("ours", ours[key]), ("TensorFlow", ref[key][: len(x)])):
                gap = np.abs(run.astype(np.float64) - exact[key].numpy())
                assert np.all(gap <= LAMBDA * getattr(sigmas, key)), f"{name} {key} {clip}: {gap.max():.3g}"


def _set_eps(name: str, eps: float) -> Callable[[Musicnn], None]:
    def corrupt(net: Musicnn) -> None:
        net.get_submodule(name).eps = eps

    return corrupt


def _flip_in_time(name: str) -> Callable[[Musicnn], None]:
    def corrupt(net: Musicnn) -> None:
        weight = net.get_submodule(name).weight
        weight.copy_(weight.flip(2))

    return corrupt


def _shift_output_bias(net: Musicnn) -> None:
    net.output.bias.add_(1e-3)


def _swap_max_and_mean(net: Musicnn) -> None:
    w = net.dense.weight
    w.copy_(torch.stack([w[:, 1::2], w[:, 0::2]], dim=2).flatten(1))


@pytest.mark.parametrize(
    "corrupt",
    [
        _set_eps("input_bn", 1.1e-3),
        _set_eps("timbral_bn.0", 1.1e-3),
        _set_eps("midend_bn.2", 1.1e-3),
        _set_eps("pool_bn", 1.1e-3),
        _set_eps("dense_bn", 1e-5),
        _flip_in_time("temporal.0"),
        _flip_in_time("midend.2"),
        _shift_output_bias,
        _swap_max_and_mean,
    ],
    ids=[
        "input_bn-eps+10%",
        "timbral_bn-eps+10%",
        "midend_bn-eps+10%",
        "pool_bn-eps+10%",
        "dense_bn-eps-1e-5",
        "temporal-kernel-flipped",
        "midend-kernel-flipped",
        "output-bias+1e-3",
        "max-mean-swapped",
    ],
)
def test_a_porting_error_fails(corrupt):
    """The tolerances are tight enough to catch real porting mistakes: small ones fail the comparison."""
    net = copy.deepcopy(musicnn.load_network("MSD_musicnn"))
    with torch.no_grad():
        corrupt(net)
    with pytest.raises(AssertionError, match="past the float32 tolerance"):
        check_port(net, "MSD_musicnn", "metal00000")
