"""Stratified k-fold cross-validation, plain and grouped, as index arrays.

The grouped variant keeps every member of a group (the segments of one track, the tracks of one
artist) in the same fold: cutting a 30-s clip into ten 3-s segments and folding the segments
independently puts near-copies of test material in training, which inflates accuracy.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

Fold = tuple[np.ndarray, np.ndarray]


def _check(labels: np.ndarray, k: int) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be one-dimensional, got shape {labels.shape}")
    if k < 2:
        raise ValueError(f"k must be at least 2, got {k}")
    if labels.size < k:
        raise ValueError(f"cannot make {k} folds of {labels.size} items")
    return labels


def stratified_kfold(labels: np.ndarray, k: int = 10, seed: int = 0) -> Iterator[Fold]:
    """Yield ``k`` pairs ``(train_indices, test_indices)``, int64 arrays into ``labels`` (shape ``(n,)``).

    Items are shuffled with ``seed`` and every label is spread as evenly as possible over the folds
    (scikit-learn's StratifiedKFold); each index is in exactly one test fold.
    """
    labels = _check(labels, k)
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(labels.size), labels):
        yield train.astype(np.int64), test.astype(np.int64)


def grouped_kfold(labels: np.ndarray, groups: np.ndarray, k: int = 10, seed: int = 0) -> Iterator[Fold]:
    """Like :func:`stratified_kfold`, but all items of one group land in the same test fold.

    ``groups`` (shape ``(n,)``, any hashable values, e.g. the clip id of each segment) name the group
    of each item. Stratification is then approximate (scikit-learn's StratifiedGroupKFold): whole
    groups are moved, so fold sizes differ by up to one group. Raises ValueError when there are
    fewer groups than folds.
    """
    labels = _check(labels, k)
    groups = np.asarray(groups)
    if groups.shape != labels.shape:
        raise ValueError(f"groups shape {groups.shape} differs from labels shape {labels.shape}")
    n_groups = np.unique(groups).size
    if n_groups < k:
        raise ValueError(f"cannot make {k} folds of {n_groups} groups")
    splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(labels.size), labels, groups):
        yield train.astype(np.int64), test.astype(np.int64)


def grouped_kfold_covering(
    labels: np.ndarray, groups: np.ndarray, k: int = 5, seed: int = 0, *, tries: int = 20
) -> list[Fold]:
    """:func:`grouped_kfold` whose every training part holds every label, so a model fitted on it has all outputs.

    ``k`` is lowered to the fewest groups any label has (a label held by 3 artists allows 3 folds). Shuffles
    with ``seed``, ``seed + 1``, … until the folds cover every label (``tries`` at most). Raises ValueError (one
    line) when a label has a single group, or no shuffle covers every label.
    """
    labels, groups = np.asarray(labels), np.asarray(groups)
    per_label = {label: np.unique(groups[labels == label]).size for label in np.unique(labels)}
    alone = sorted(str(label) for label, n in per_label.items() if n < 2)
    if alone:
        raise ValueError(f"every label needs items of at least 2 groups; one group only: {', '.join(alone)}")
    k = min(k, *per_label.values())
    everything = set(per_label)
    for attempt in range(tries):
        folds = list(grouped_kfold(labels, groups, k=k, seed=seed + attempt))
        if all(set(labels[train]) == everything for train, _ in folds):
            return folds
    raise ValueError(f"no grouping into {k} folds keeps every label in every training part ({tries} shuffles)")


def blocked_kfold(labels: np.ndarray, order: np.ndarray, k: int = 5) -> Iterator[Fold]:
    """Yield ``k`` pairs ``(train_indices, test_indices)`` of contiguous blocks within each label.

    For each label its items are sorted by ``order`` (shape ``(n,)``, e.g. GTZAN clip numbers) and cut into
    ``k`` contiguous blocks as equal as possible (``np.array_split``); test fold ``i`` is block ``i`` of every
    label. No shuffling, so no seed. An artist proxy on GTZAN, whose clips of one artist mostly sit in
    consecutive numbers within a genre: items next to each other in ``order`` rarely land on two sides.
    Raises ValueError when a label has fewer than ``k`` items.
    """
    labels = _check(labels, k)
    order = np.asarray(order)
    if order.shape != labels.shape:
        raise ValueError(f"order shape {order.shape} differs from labels shape {labels.shape}")
    fold_of = np.empty(labels.size, np.int64)
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        if members.size < k:
            raise ValueError(f"label {label!r} has {members.size} items, fewer than {k} folds")
        members = members[np.argsort(order[members], kind="stable")]
        for i, block in enumerate(np.array_split(members, k)):
            fold_of[block] = i
    for i in range(k):
        yield np.flatnonzero(fold_of != i).astype(np.int64), np.flatnonzero(fold_of == i).astype(np.int64)
