"""The zoo by name: networks (TOML configs), scikit-learn baselines, and an ensemble of fixed members."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from musicgenre.models.baselines import BASELINES, BaselineClassifier
from musicgenre.models.config import NetworkConfig, load_zoo_configs
from musicgenre.models.neural import NeuralClassifier

Family = Literal["network", "baseline", "ensemble"]
ENSEMBLE = "ensemble"
#: The ensemble's members, fixed in advance with equal weights: every kaggle57 model but the random forest (the
#: weakest alone, and its 12 MB graph would dwarf the shipped model). A 197-clip valid split is too small to pick
#: members or weights without fitting its noise: greedy selection on it chose a single 50 % member.
ENSEMBLE_MEMBERS = ("logreg", "svm", "gboost", "mlp-kaggle57-small", "mlp-kaggle57")


@dataclass(frozen=True)
class ModelInfo:
    """What the experiment runner needs to know about a zoo entry before fitting it."""

    name: str
    family: Family
    inputs: str  # input view: mfcc40, kaggle57, mfcc_frames, logmel
    description: str

    @property
    def needs_audio(self) -> bool:
        return self.inputs in ("mfcc_frames", "logmel")


@lru_cache(maxsize=1)
def network_configs() -> dict[str, NetworkConfig]:
    return load_zoo_configs()


def available_models() -> dict[str, ModelInfo]:
    """Every model of the zoo in run order: baselines, networks, then the ensemble (fitted last)."""
    infos = {name: ModelInfo(name, "baseline", "kaggle57", spec.description) for name, spec in BASELINES.items()}
    for name, config in network_configs().items():
        infos[name] = ModelInfo(name, "network", config.inputs, config.description)
    infos[ENSEMBLE] = ModelInfo(ENSEMBLE, "ensemble", "kaggle57", "mean probability of " + ", ".join(ENSEMBLE_MEMBERS))
    return infos


def make_model(name: str, *, seed: int = 0, max_epochs: int | None = None):
    """A fresh, unfitted model with ``fit(X, y, X_val, y_val)`` / ``predict_proba`` / ``onnx_model``.

    ``max_epochs`` caps a network's epochs (quick runs and tests); baselines ignore it.
    """
    if name in BASELINES:
        return BaselineClassifier(BASELINES[name], seed=seed)
    configs = network_configs()
    if name in configs:
        train = configs[name].train
        if max_epochs is not None:
            train = train.with_(epochs=min(train.epochs, max_epochs))
        return NeuralClassifier(configs[name], seed=seed, train_config=train)
    if name == ENSEMBLE:
        raise ValueError("the ensemble is assembled from fitted members (musicgenre.evaluation.experiment)")
    raise KeyError(f"unknown model {name!r}; known: {', '.join(available_models())}")
