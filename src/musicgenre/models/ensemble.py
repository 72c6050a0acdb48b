"""Soft-voting ensemble: the mean of its members' probabilities (members already fitted)."""

from __future__ import annotations

from typing import Sequence

import numpy as np


class SoftVotingEnsemble:
    """Average ``predict_proba`` of fitted members that share one input.

    ``members`` are ``(name, model)`` pairs; each model has ``predict_proba`` and ``onnx_model``.
    ``fit`` is a no-op that exists for the common interface (members are fitted on train first).
    """

    def __init__(self, members: Sequence[tuple[str, object]]) -> None:
        if not members:
            raise ValueError("an ensemble needs at least one member")
        self.members = list(members)

    @property
    def member_names(self) -> list[str]:
        return [name for name, _ in self.members]

    def fit(self, *_, **__) -> "SoftVotingEnsemble":
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return np.mean([model.predict_proba(x) for _, model in self.members], axis=0).astype(np.float32)

    def onnx_model(self, n_features: int):
        """One graph: every member's subgraph on the shared ``features`` input, then their mean."""
        from musicgenre.models.export import mean_of_graphs

        return mean_of_graphs([model.onnx_model(n_features) for _, model in self.members])


def select_members(val_probabilities: dict[str, np.ndarray], y_val: np.ndarray, max_members: int = 5) -> list[str]:
    """Greedy forward selection (Caruana et al. 2004, without replacement) of members on *valid*.

    Start from the best single model; add the model that most raises valid accuracy of the mean
    probability (ties: lower valid log-loss); stop when nothing improves or ``max_members`` reached.
    """
    def score(names: list[str]) -> tuple[float, float]:
        p = np.mean([val_probabilities[n] for n in names], axis=0)
        acc = float((p.argmax(1) == y_val).mean())
        nll = float(-np.log(np.clip(p[np.arange(len(y_val)), y_val], 1e-7, 1)).mean())
        return acc, -nll

    names = sorted(val_probabilities)
    chosen = [max(names, key=lambda n: score([n]))]
    best = score(chosen)
    while len(chosen) < max_members:
        candidates = [(score(chosen + [n]), n) for n in names if n not in chosen]
        if not candidates:
            break
        top, name = max(candidates)
        if top <= best:
            break
        chosen.append(name)
        best = top
    return chosen
