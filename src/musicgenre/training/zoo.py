"""The zoo by name: networks (TOML configs), scikit-learn baselines, heads on musicnn taggrams, and an ensemble
of fixed members."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from musicgenre.models.baselines import BASELINES, BaselineClassifier
from musicgenre.models.taggram_heads import TAGGRAM_HEADS
from musicgenre.training.network_config import NetworkConfig, load_zoo_configs
from musicgenre.training.neural import NeuralClassifier

Family = Literal["network", "baseline", "head", "ensemble"]
ENSEMBLE = "ensemble"
#: The ensemble's members, fixed in advance with equal weights: every kaggle57 model but the random forest (the
#: weakest alone, and its graph would dwarf the shipped model). A 197-clip valid split is too small to pick
#: members or weights without fitting its noise (what greedy selection on it chose: docs/benchmarks.md).
ENSEMBLE_MEMBERS = ("logreg", "svm", "gboost", "mlp-kaggle57-small", "mlp-kaggle57")


@dataclass(frozen=True)
class ModelInfo:
    """What the experiment runner needs to know about a zoo entry before fitting it."""

    name: str
    family: Family
    inputs: str  # input view: mfcc40, kaggle57, mfcc_frames, logmel, taggram-*
    description: str

    @property
    def needs_audio(self) -> bool:
        return self.inputs in ("mfcc_frames", "logmel")


@lru_cache(maxsize=1)
def network_configs() -> dict[str, NetworkConfig]:
    return load_zoo_configs()


def available_models() -> dict[str, ModelInfo]:
    """Every model of the zoo in run order: baselines, networks, taggram heads, then the ensemble (fitted last)."""
    infos = {name: ModelInfo(name, "baseline", spec.inputs, spec.description) for name, spec in BASELINES.items()}
    for name, config in network_configs().items():
        infos[name] = ModelInfo(name, "network", config.inputs, config.description)
    for name, spec in TAGGRAM_HEADS.items():
        infos[name] = ModelInfo(name, "head", spec.inputs, spec.description)
    infos[ENSEMBLE] = ModelInfo(ENSEMBLE, "ensemble", "kaggle57", "mean probability of " + ", ".join(ENSEMBLE_MEMBERS))
    return infos


def model_grid(name: str) -> tuple[dict[str, Any], ...]:
    """The hyper-parameter grid of a baseline or taggram head (first entry: its default); ``()`` for the others."""
    spec = BASELINES.get(name) or TAGGRAM_HEADS.get(name)
    return spec.grid if spec else ()


def make_model(name: str, *, seed: int = 0, max_epochs: int | None = None, params: dict[str, Any] | None = None):
    """A fresh, unfitted model with ``fit(X, y, X_val, y_val)`` / ``predict_proba`` / ``onnx_model``.

    ``max_epochs`` caps a network's epochs (quick runs and tests); baselines ignore it. ``params`` fixes a
    baseline's or head's hyper-parameters (one entry of :func:`model_grid`); networks refuse it.
    """
    spec = BASELINES.get(name) or TAGGRAM_HEADS.get(name)
    if spec:
        return BaselineClassifier(spec, seed=seed, params=params)
    if params is not None:
        raise ValueError(f"{name}: only baselines and taggram heads take fixed params")
    configs = network_configs()
    if name in configs:
        train = configs[name].train
        if max_epochs is not None:
            train = train.with_(epochs=min(train.epochs, max_epochs))
        return NeuralClassifier(configs[name], seed=seed, train_config=train)
    if name == ENSEMBLE:
        raise ValueError("the ensemble is assembled from fitted members (musicgenre.evaluation.experiment)")
    raise KeyError(f"unknown model {name!r}; known: {', '.join(available_models())}")
