"""One model's leaderboard row: what ``result.json`` holds and what the leaderboards are made of.

``valid_accuracy`` is the score a row's hyper-parameters (or early stopping) were chosen by; ``selected_by`` says
what that score was:

- ``"validation"``: accuracy on held-out validation clips (fault-filtered's 197 valid clips, k-fold's and
  holdout's held-out part);
- ``"inner-cv"``: mean accuracy of a k-fold CV inside the training clips (``fault-filtered-cv``, which has no
  valid clips);
- ``"none"``: nothing was selected (an ensemble or a fusion of fixed members; ``valid_accuracy`` is NaN).

``to_dict()`` gives the keys in the order ``run_experiment`` has always written them, ``selected_by`` last;
``from_dict`` reads any ``result.json`` (files written before ``selected_by`` existed get it inferred).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

#: what a row's ``valid_accuracy`` was measured on
SELECTED_BY = ("validation", "inner-cv", "none")

#: the selection score every row of a protocol's leaderboard column must have been chosen by
PROTOCOL_SELECTION = {"fault-filtered-cv": "inner-cv"}

#: key order of ``result.json`` (the keys a row lacks are left out); other keys follow in their own order
_ORDER = (
    "model",
    "protocol",
    "accuracy",
    "ci_low",
    "ci_high",
    "macro_f1",
    "n_test",
    "accuracy_std",
    "folds",
    "valid_accuracy",
    "fold_accuracies",
    "train_seconds",
    "selection",
    "inner_cv",
    "cv_scores",
    "members",
    "best_epochs",
    "chosen_params",
    "inputs",
    "description",
)
#: typed fields left out of ``to_dict`` when None
_OPTIONAL = ("inputs", "members", "cv_scores", "chosen_params")


def protocol_selection(protocol: str) -> str:
    """What the selection column of a ``protocol`` leaderboard means (``inner-cv`` or ``validation``)."""
    return PROTOCOL_SELECTION.get(protocol, "validation")


@dataclass(frozen=True)
class LeaderboardRow:
    """One model's test result under one protocol. Accuracies are fractions; ``train_seconds`` wall-clock.

    ``details`` holds every other ``result.json`` key (``fold_accuracies``, ``selection``, ``inner_cv``,
    ``best_epochs``, ``description``, …) as read or written."""

    model: str
    protocol: str
    accuracy: float
    ci_low: float
    ci_high: float
    macro_f1: float
    n_test: int
    train_seconds: float
    valid_accuracy: float = math.nan
    selected_by: str = "none"
    accuracy_std: float = 0.0
    folds: int = 1
    inputs: str | None = None
    #: an ensemble's members (None: not an ensemble)
    members: tuple[str, ...] | None = None
    #: CV accuracy of every grid entry (``repr`` of its parameters -> accuracy); None: no CV grid
    cv_scores: Mapping[str, float] | None = None
    chosen_params: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.selected_by not in SELECTED_BY:
            raise ValueError(f"selected_by {self.selected_by!r}; known: {', '.join(SELECTED_BY)}")

    def to_dict(self) -> dict[str, Any]:
        """The row as ``result.json`` holds it (key order included), ``selected_by`` last."""
        typed = {f.name for f in fields(self)} - {"details", "selected_by"}
        record: dict[str, Any] = {}
        for key in _ORDER:
            if key in typed:
                value = getattr(self, key)
                if value is None and key in _OPTIONAL:
                    continue
                record[key] = _plain(value)
            elif key in self.details:
                record[key] = self.details[key]
        record.update((k, v) for k, v in self.details.items() if k not in record)
        record["selected_by"] = self.selected_by
        return record

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> LeaderboardRow:
        """A row from ``result.json``'s mapping; keys that are not fields go to ``details``."""
        typed = {f.name for f in fields(cls)} - {"details"}
        known = {k: v for k, v in record.items() if k in typed}
        if known.get("members") is not None:
            known["members"] = tuple(known["members"])
        known.setdefault("selected_by", infer_selected_by(record))
        details = {k: v for k, v in record.items() if k not in typed}
        return cls(**known, details=details)


def score_fields(scores: Mapping[str, Any]) -> dict[str, Any]:
    """The row fields of :func:`musicgenre.metrics.classification.summarise`'s scores."""
    return {k: scores[k] for k in ("accuracy", "ci_low", "ci_high", "macro_f1", "n_test")}


def scored(model: str, protocol: str, scores: Mapping[str, Any], **rest: Any) -> LeaderboardRow:
    """A row of ``model`` with ``scores`` (``summarise``'s) and the other fields ``rest``."""
    return LeaderboardRow(model, protocol, **score_fields(scores), **rest)


def with_scores(row: LeaderboardRow, scores: Mapping[str, Any], **rest: Any) -> LeaderboardRow:
    """``row`` with ``scores`` (``summarise``'s) and the other fields ``rest`` replaced."""
    return replace(row, **score_fields(scores), **rest)


def infer_selected_by(record: Mapping[str, Any]) -> str:
    """``selected_by`` of a ``result.json`` mapping written before the key existed."""
    if record.get("selection") == "cv":
        return "inner-cv"
    value = record.get("valid_accuracy")
    return "none" if value is None or value != value else "validation"


def _plain(value: Any) -> Any:
    """JSON's form of a typed field's value (tuples as lists, mappings as dicts)."""
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    return value


__all__ = [
    "PROTOCOL_SELECTION",
    "SELECTED_BY",
    "LeaderboardRow",
    "infer_selected_by",
    "protocol_selection",
    "score_fields",
    "scored",
    "with_scores",
]
