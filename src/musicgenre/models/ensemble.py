"""Soft-voting ensemble: the mean of its members' probabilities (members already fitted)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    import onnx


class Member(Protocol):
    """What an ensemble member has: probabilities of feature rows, and its graph."""

    def predict_proba(self, x: np.ndarray) -> np.ndarray: ...

    def onnx_model(self, n_features: int) -> onnx.ModelProto: ...


class SoftVotingEnsemble:
    """Average ``predict_proba`` of fitted members that share one input.

    ``members`` are ``(name, model)`` pairs; each model has ``predict_proba`` and ``onnx_model``.
    ``fit`` is a no-op that exists for the common interface (members are fitted on train first).
    """

    def __init__(self, members: Sequence[tuple[str, Member]]) -> None:
        if not members:
            raise ValueError("an ensemble needs at least one member")
        self.members = list(members)

    @property
    def member_names(self) -> list[str]:
        return [name for name, _ in self.members]

    def fit(self, *_, **__) -> SoftVotingEnsemble:
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return np.mean([model.predict_proba(x) for _, model in self.members], axis=0).astype(np.float32)

    def onnx_model(self, n_features: int) -> onnx.ModelProto:
        """One graph: every member's subgraph on the shared ``features`` input, then their mean."""
        from musicgenre.models.export import mean_of_graphs

        return mean_of_graphs([model.onnx_model(n_features) for _, model in self.members])
