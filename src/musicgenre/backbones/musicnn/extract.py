"""Load a musicnn model and run it on audio: taggram, tag names and features per 3 s patch."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from musicgenre.backbones.musicnn.config import InputConfig, MusicnnConfig, model_config
from musicgenre.backbones.musicnn.model import Musicnn
from musicgenre.backbones.musicnn.preprocess import DEFAULT_INPUT, patches_from_signal

WEIGHTS_DIR = Path(__file__).parent / "weights"

#: Names of the embedding layers, as the original's ``features`` dictionary.
LAYERS = ("max_pool", "mean_pool", "penultimate")

#: Shorter signals are refused, as ``musicgenre predict`` does: a clip shorter than a 3 s patch is repeated
#: to fill one, and repeating less than a second says more about the loop than about the music.
MIN_SECONDS = 1.0

#: A signal whose peak stays below this level (dBFS) is silence: no tags or embedding are computed.
SILENCE_DB = -70.0


@dataclass
class MusicnnResult:
    """musicnn's outputs for one signal: one row per 3 s patch.

    ``taggram`` ``(patches, 50)`` sigmoid probabilities; ``max_pool``, ``mean_pool`` ``(patches, 753)``;
    ``penultimate`` ``(patches, 200)``; ``patch_starts_s`` start of each patch in seconds.
    """

    model: str
    tags: tuple[str, ...]
    taggram: np.ndarray
    max_pool: np.ndarray
    mean_pool: np.ndarray
    penultimate: np.ndarray
    patch_starts_s: np.ndarray
    patch_seconds: float = field(
        default=DEFAULT_INPUT.patch_frames * DEFAULT_INPUT.hop_length / DEFAULT_INPUT.sample_rate
    )
    duration_s: float | None = None  # of the analysed signal
    repeated: bool = False  # the signal had fewer frames than one patch and was repeated to fill it

    def layer(self, name: str) -> np.ndarray:
        """The per-patch embedding ``name`` (one of :data:`LAYERS`)."""
        if name not in LAYERS:
            raise ValueError(f"unknown layer {name!r}: choose one of {', '.join(LAYERS)}")
        return getattr(self, name)

    def track_tags(self) -> dict[str, float]:
        """Tag -> probability averaged over patches (the original's "top tags" ranking), in tag order."""
        mean = self.taggram.mean(axis=0)
        return {tag: float(p) for tag, p in zip(self.tags, mean, strict=True)}


def load_network(name: str = "msd", weights: str | Path | None = None) -> Musicnn:
    """A :class:`Musicnn` in eval mode with the shipped (or given) safetensors weights; cached per name."""
    cfg = model_config(name)
    if weights is None:
        return _load_shipped(cfg.name)
    return _build(cfg, Path(weights))


@functools.cache
def _load_shipped(full_name: str) -> Musicnn:
    return _build(model_config(full_name), WEIGHTS_DIR / f"{full_name}.safetensors")


def _build(cfg: MusicnnConfig, path: Path) -> Musicnn:
    from safetensors.torch import load_file

    model = Musicnn(cfg)
    state = load_file(str(path))
    model.load_state_dict(state, strict=True)
    missing = (
        set(model.state_dict()) - set(state) - {k for k in model.state_dict() if k.endswith("num_batches_tracked")}
    )
    if missing:
        raise ValueError(f"{path}: weights missing for {sorted(missing)}")
    return model.eval()


@torch.inference_mode()
def run_patches(model: Musicnn, patches: np.ndarray, batch_size: int = 16) -> dict[str, np.ndarray]:
    """Run ``model`` on log-mel patches ``(n, 187, 96)``; returns taggram and the three layers as float32 arrays.

    Each batch's outputs are copied into arrays made up front and the tensors dropped at once: keeping
    thousands of small output tensors alive between the batches' large temporaries fragmented the heap
    (an hour of audio, 1203 patches, grew by ~500 MB).
    """
    outs: dict[str, np.ndarray] = {}
    n = patches.shape[0]
    for start in range(0, n, batch_size):  # one batch copied at a time: patches may be a view of a long spectrogram
        o = model(torch.from_numpy(np.array(patches[start : start + batch_size], dtype=np.float32)))
        for name, value in (
            ("taggram", o.tags),
            ("max_pool", o.max_pool),
            ("mean_pool", o.mean_pool),
            ("penultimate", o.penultimate),
        ):
            if name not in outs:
                outs[name] = np.empty((n, value.shape[1]), dtype=np.float32)
            outs[name][start : start + value.shape[0]] = value.numpy()
    return outs


def check_signal(y: np.ndarray, sample_rate: int, name: str) -> None:
    """Raise :class:`~musicgenre.audio.AudioError` naming ``name`` when ``y`` is too short or silent to analyse."""
    from musicgenre.audio import AudioError, is_silent

    seconds = y.size / sample_rate
    if round(seconds, 3) < MIN_SECONDS:
        raise AudioError(name, f"too short for musicnn: {seconds:.2f} s (needs at least {MIN_SECONDS:g} s)")
    if is_silent(y, SILENCE_DB):
        raise AudioError(name, f"silent: peak below {SILENCE_DB:g} dBFS, nothing to tag or embed")


def analyze(
    audio: str | Path | np.ndarray,
    sr: int | None = None,
    model: str | Musicnn = "msd",
    cfg: InputConfig = DEFAULT_INPUT,
    *,
    check: bool = True,
) -> MusicnnResult:
    """musicnn on a file (decoded to 16 kHz mono) or a mono signal ``(n,)`` at ``sr`` Hz.

    ``cfg.resampler`` picks how the signal reaches 16 kHz (soxr, or the original's ``kaiser_best``), and
    ``cfg.patch_hop`` how far apart the patches start: ``config.PUBLISHED_GTZAN_INPUT`` is the recipe of the
    published GTZAN taggrams.

    Raises :class:`musicgenre.audio.AudioError` (one line naming the file) for unreadable files and, when
    ``check`` is true, for signals shorter than :data:`MIN_SECONDS` or silent (peak below :data:`SILENCE_DB`).
    A signal shorter than one 3 s patch is repeated to fill it (``result.repeated``); the original extractor
    failed on such clips.
    """
    from musicgenre.audio import load_native
    from musicgenre.backbones.musicnn.resample import resample

    if isinstance(audio, (str, Path)):
        name = str(audio)
        y, sr = load_native(audio)
    else:
        if sr is None:
            raise ValueError("give sr (Hz) with a signal array")
        name = "signal"
        y = np.asarray(audio, dtype=np.float32)
    y = resample(y, sr, cfg.sample_rate, cfg.resampler)
    if check:
        check_signal(y, cfg.sample_rate, name)
    elif y.size == 0:
        raise ValueError(f"{name}: no samples")
    net = load_network(model) if isinstance(model, str) else model
    patches = patches_from_signal(y, cfg)
    out = run_patches(net, patches)
    starts = np.arange(patches.shape[0]) * cfg.patch_hop * cfg.hop_length / cfg.sample_rate
    return MusicnnResult(
        model=net.cfg.name,
        tags=net.cfg.tags,
        taggram=out["taggram"],
        max_pool=out["max_pool"],
        mean_pool=out["mean_pool"],
        penultimate=out["penultimate"],
        patch_starts_s=starts,
        patch_seconds=cfg.patch_frames * cfg.hop_length / cfg.sample_rate,
        duration_s=y.size / cfg.sample_rate,
        repeated=1 + y.size // cfg.hop_length < cfg.patch_frames,  # librosa's centred frame count
    )
