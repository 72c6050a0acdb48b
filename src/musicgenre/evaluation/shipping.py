"""Fit a chosen model on *every* track (for shipping) and write its ONNX Model file.

Choices that need a validation set are made first on a stratified hold-out of the tracks
(``valid_fraction``), then the model is refitted on all tracks with those choices frozen:
a baseline keeps the hyper-parameters chosen on the hold-out, a network trains for the best epoch
found there (callbacks off), and the ensemble is its members, each fitted that way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from musicgenre.evaluation.data import StudyData
from musicgenre.evaluation.protocols import inner_valid
from musicgenre.evaluation.runner import fit_on, track_probabilities
from musicgenre.models.baselines import BASELINES, BaselineClassifier
from musicgenre.models.ensemble import SoftVotingEnsemble
from musicgenre.models.export import save_onnx
from musicgenre.training.neural import NeuralClassifier
from musicgenre.training.zoo import ENSEMBLE, ENSEMBLE_MEMBERS, available_models, make_model, network_configs


def _frozen(name: str, chosen, seed: int):
    """An unfitted copy of ``name`` whose valid-set choices (from fitted ``chosen``) are fixed."""
    if name in BASELINES:
        return BaselineClassifier(replace(BASELINES[name], grid=(chosen.params_,)), seed=seed, tune=False)
    config = network_configs()[name]
    epochs = max(1, chosen.history_.best_epoch)
    train = config.train.with_(epochs=epochs, early_stopping_patience=None, reduce_lr_patience=None)
    return NeuralClassifier(config, seed=seed, train_config=train)


def fit_all(
    data: StudyData, name: str, *, seed: int = 0, valid_fraction: float = 0.15, log: Callable[[str], None] = print
):
    """``name`` fitted on all tracks of ``data`` (choices made on a ``valid_fraction`` hold-out first)."""
    infos = available_models()
    if name not in infos:
        raise KeyError(f"unknown model {name!r}; known: {', '.join(infos)}")
    if name == ENSEMBLE:
        return SoftVotingEnsemble(
            [
                (member, fit_all(data, member, seed=seed, valid_fraction=valid_fraction, log=log))
                for member in ENSEMBLE_MEMBERS
            ]
        )
    everything = np.arange(len(data))
    fit, valid = inner_valid(everything, data.y, valid_fraction, seed)
    view = data.views[infos[name].inputs]
    chosen = fit_on(make_model(name, seed=seed), data, view, fit, valid)
    acc = float((track_probabilities(chosen, view, valid).argmax(1) == data.y[valid]).mean())
    log(f"{name}: hold-out accuracy {acc:.3f} on {len(valid)} tracks (choices frozen; refitting on all {len(data)})")
    return fit_on(_frozen(name, chosen, seed), data, view, everything, None)


def export_all(
    data: StudyData, name: str, path: str | Path, *, seed: int = 0, log: Callable[[str], None] = print
) -> Path:
    """Fit ``name`` on all tracks and write the ONNX Model file to ``path``."""
    model = fit_all(data, name, seed=seed, log=log)
    view = data.views[available_models()[name].inputs]
    return save_onnx(
        model,
        path,
        view.feature_names,
        view.recipe,
        name=name,
        sample_rate=view.sample_rate,
        clip_seconds=view.clip_seconds,
    )
