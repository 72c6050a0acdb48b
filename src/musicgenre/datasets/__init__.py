"""Datasets: find GTZAN (either layout) or labelled folders, cut them by published splits or k-fold,
and check their integrity.

``find_dataset(path)`` -> :class:`Dataset` of :class:`Track` (path, label, clip_id);
``fault_filtered(dataset)`` -> train/valid/test; ``stratified_kfold`` / ``grouped_kfold`` / ``blocked_kfold``
-> index arrays; ``check_integrity(path)`` -> :class:`IntegrityReport`. The k-fold and integrity names load on first use
(they pull in scikit-learn and the decoders).
"""

from musicgenre.datasets.dataset import FORMAT_PREFERENCE, Dataset, DatasetError, Track
from musicgenre.datasets.folders import find_dataset, load_folders
from musicgenre.datasets.gtzan import GTZAN_CLIP_IDS, KNOWN_FAULTS, load_gtzan, locate_gtzan, not_gtzan_note
from musicgenre.datasets.splits import (
    DatasetSplit,
    clip_id,
    fault_filtered,
    load_split,
    load_splits,
    outside_split,
    split_dataset,
)

_LAZY = {
    "stratified_kfold": "kfold",
    "grouped_kfold": "kfold",
    "blocked_kfold": "kfold",
    "check_integrity": "integrity",
    "IntegrityConfig": "integrity",
    "IntegrityReport": "integrity",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FORMAT_PREFERENCE",
    "GTZAN_CLIP_IDS",
    "KNOWN_FAULTS",
    "Dataset",
    "DatasetError",
    "DatasetSplit",
    "Track",
    "clip_id",
    "fault_filtered",
    "find_dataset",
    "load_folders",
    "load_gtzan",
    "load_split",
    "load_splits",
    "locate_gtzan",
    "not_gtzan_note",
    "outside_split",
    "split_dataset",
    *_LAZY,
]
