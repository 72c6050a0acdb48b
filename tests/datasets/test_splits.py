"""The shipped split lists and cutting a dataset by them."""

from __future__ import annotations

import pytest

from musicgenre.datasets import (
    GTZAN_CLIP_IDS,
    Dataset,
    Track,
    fault_filtered,
    load_splits,
    outside_split,
    split_dataset,
)
from musicgenre.genres import GENRES


def _dataset(ids) -> Dataset:
    """A dataset of the given ids (paths are never opened when splitting)."""
    from pathlib import Path

    return Dataset(
        Path("/nowhere"), "gtzan", tuple(Track(Path(f"/nowhere/{c}.wav"), c.split(".")[0], c) for c in ids), GENRES
    )


def test_filtered_lists_sizes_and_disjoint():
    parts = load_splits("filtered")
    assert {p: len(ids) for p, ids in parts.items()} == {"train": 443, "valid": 197, "test": 290}
    sets = {p: set(ids) for p, ids in parts.items()}
    assert sum(len(s) for s in sets.values()) == 930  # no id twice within a part
    assert not (sets["train"] & sets["valid"] or sets["train"] & sets["test"] or sets["valid"] & sets["test"])
    assert set().union(*sets.values()) <= set(GTZAN_CLIP_IDS)


def test_seventy_outside_filtered():
    outside = outside_split("filtered")
    assert len(outside) == 70 == len(GTZAN_CLIP_IDS) - 930
    listed = set().union(*map(set, load_splits("filtered").values()))
    assert set(outside).isdisjoint(listed) and set(outside) | listed == set(GTZAN_CLIP_IDS)
    assert outside == sorted(outside, key=GTZAN_CLIP_IDS.index)


def test_stratified_lists_cover_all_1000():
    parts = load_splits("stratified")
    assert [len(parts[p]) for p in ("train", "valid", "test")] == [500, 250, 250]
    assert set().union(*map(set, parts.values())) == set(GTZAN_CLIP_IDS)
    assert outside_split("stratified") == []


def test_fault_filtered_on_complete_dataset():
    split = fault_filtered(_dataset(GTZAN_CLIP_IDS))
    assert (len(split.train), len(split.valid), len(split.test)) == (443, 197, 290)
    assert split.complete and split.outside == tuple(outside_split("filtered"))
    assert split.test.clip_ids.tolist() == load_splits("filtered")["test"]
    assert "test  290 of 290 (0 missing)" in split.summary()


def test_fault_filtered_reports_missing_ids():
    lists = load_splits("filtered")
    held = [c for c in GTZAN_CLIP_IDS if c not in {"blues.00012", "jazz.00054"}]
    split = fault_filtered(_dataset(held))
    assert split.missing["test"] == ("blues.00012",) and split.missing["train"] == ("jazz.00054",)
    assert split.missing["valid"] == ()
    assert len(split.test) == 289 and len(split.train) == 442 and not split.complete
    assert len(split.test) + len(split.missing["test"]) == len(lists["test"])
    with pytest.raises(ValueError, match="test 1 missing"):
        fault_filtered(_dataset(held), strict=True)


def test_split_of_partial_dataset_counts_outside():
    split = split_dataset(_dataset(["classical.00042", "blues.00000"]), "filtered")
    assert split.outside == ("classical.00042",)  # one of the 70
    assert split.valid.clip_ids.tolist() == ["blues.00000"]
