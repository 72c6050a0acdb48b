"""Evaluation protocols as lists of folds of *track* indices (train / valid / test).

Folds are always made over tracks; segment models expand them to their segments afterwards, so
the segments of one track can never sit on two sides of a split.

* ``fault-filtered``: the published artist-conditional split (Kereliuk, Sturm & Larsen 2015):
  train 443 / valid 197 / test 290; the 70 faulty clips are not used.
* ``fault-filtered-cv``: the same train and test clips without the valid ones (data that lacks them, such as
  musicnn's published GTZAN taggrams): the fold's valid part is empty and models choose their
  hyper-parameters by k-fold CV over the 443 training clips instead (blocked by clip number by default, or
  stratified: :func:`musicgenre.evaluation.runner.select_by_cv`).
* ``kfold``: stratified k folds (default 10) over every track; within each training fold a
  stratified ``valid_fraction`` is held out for early stopping and selection.
* ``holdout``: the seed study's kind of split: one random 70 / 15 / 15 permutation of all tracks
  (no artist filter, so artists repeat across sides). For comparison with the seed only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from sklearn.model_selection import train_test_split

from musicgenre.datasets.splits import load_splits

ProtocolName = Literal["fault-filtered", "kfold", "holdout"]
PROTOCOLS: tuple[str, ...] = ("fault-filtered", "fault-filtered-cv", "kfold", "holdout")


@dataclass(frozen=True)
class Fold:
    """Index arrays into the track list; pairwise disjoint."""

    name: str
    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray

    def __post_init__(self) -> None:
        parts = [set(self.train.tolist()), set(self.valid.tolist()), set(self.test.tolist())]
        if parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2]:
            raise ValueError(f"fold {self.name}: a track is on two sides")


def fault_filtered(clip_ids: Sequence[str], *, valid: bool = True) -> list[Fold]:
    """The one fold of the fault-filtered split over ``clip_ids`` (GTZAN ids like ``blues.00012``).

    Raises ValueError naming the count when any listed clip is missing: this protocol's numbers
    only compare with the literature on the complete split. ``valid=False``: the fold has no valid
    clips (named ``fault-filtered-cv``), and only the train and test clips must be present.
    """
    position = {clip: i for i, clip in enumerate(clip_ids)}
    parts = {"valid": np.zeros(0, np.int64)}
    for part, ids in load_splits("filtered").items():
        if part == "valid" and not valid:
            continue
        missing = [c for c in ids if c not in position]
        if missing:
            raise ValueError(
                f"fault-filtered {part} names {len(missing)} clips the data lacks "
                f"(e.g. {', '.join(missing[:3])}); use --protocol kfold on partial data"
            )
        parts[part] = np.array([position[c] for c in ids], dtype=np.int64)
    return [Fold("fault-filtered" if valid else "fault-filtered-cv", parts["train"], parts["valid"], parts["test"])]


def inner_valid(train: np.ndarray, labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Split ``train`` into (fit, valid) stratified by label when every label has two members."""
    y = labels[train]
    counts = np.bincount(y)
    stratify = y if counts[counts > 0].min() >= 2 and round(fraction * len(train)) >= len(np.unique(y)) else None
    fit, valid = train_test_split(train, test_size=fraction, random_state=seed, stratify=stratify)
    return np.sort(fit), np.sort(valid)


def kfold(labels: np.ndarray, k: int = 10, *, seed: int = 0, valid_fraction: float = 0.1) -> list[Fold]:
    """``k`` stratified folds; each track is in exactly one test fold."""
    from musicgenre.datasets.kfold import stratified_kfold

    labels = np.asarray(labels, dtype=np.int64)
    folds = []
    for i, (train, test) in enumerate(stratified_kfold(labels, k=k, seed=seed)):
        fit, valid = inner_valid(train, labels, valid_fraction, seed + i)
        folds.append(Fold(f"fold{i + 1}", fit, valid, np.sort(test)))
    return folds


def holdout(
    labels: np.ndarray, *, seed: int = 0, fractions: tuple[float, float, float] = (0.7, 0.15, 0.15)
) -> list[Fold]:
    """One random (unstratified) train / valid / test permutation, like the seed study's split."""
    n = len(labels)
    order = np.random.default_rng(seed).permutation(n)
    n_train, n_valid = int(round(fractions[0] * n)), int(round(fractions[1] * n))
    return [
        Fold(
            "holdout",
            np.sort(order[:n_train]),
            np.sort(order[n_train : n_train + n_valid]),
            np.sort(order[n_train + n_valid :]),
        )
    ]


def make_folds(protocol: str, clip_ids: Sequence[str], labels: np.ndarray, *, k: int = 10, seed: int = 0) -> list[Fold]:
    """The folds of ``protocol`` over tracks with these ids and genre indices."""
    if protocol == "fault-filtered":
        return fault_filtered(clip_ids)
    if protocol == "fault-filtered-cv":
        return fault_filtered(clip_ids, valid=False)
    if protocol == "kfold":
        return kfold(labels, k, seed=seed)
    if protocol == "holdout":
        return holdout(labels, seed=seed)
    raise ValueError(f"unknown protocol {protocol!r}; choose one of {', '.join(PROTOCOLS)}")
