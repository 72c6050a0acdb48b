"""The published GTZAN splits, shipped as package data, as lists of clip ids.

A clip id is ``"<genre>.000NN"`` (no folder, no extension), so it matches both GTZAN layouts.
:func:`fault_filtered` / :func:`split_dataset` cut a :class:`~musicgenre.datasets.dataset.Dataset` by
a split and report the listed ids the dataset lacks (never dropped silently);
:func:`outside_split` gives the 70 clips the fault-filtered split leaves out.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from musicgenre.datasets.dataset import Dataset

SplitName = Literal["filtered", "stratified"]
SplitPart = Literal["train", "valid", "test"]
PARTS: tuple[SplitPart, ...] = ("train", "valid", "test")


def clip_id(name: str) -> str:
    """``"blues/blues.00012.wav"``, ``"blues.00012.au"`` or a full path -> ``"blues.00012"``."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem, _, extension = base.rpartition(".")
    return stem if extension.lower() in {"wav", "au", "mp3", "flac", "ogg"} else base


def load_split(name: SplitName = "filtered", part: SplitPart = "test") -> list[str]:
    """Clip ids of one part of a published split, in file order (e.g. 290 for ``filtered``/``test``)."""
    if name not in ("filtered", "stratified") or part not in PARTS:
        raise ValueError(f"unknown split {name!r}/{part!r}")
    text = resources.files("musicgenre.datasets").joinpath("splits").joinpath(f"{part}_{name}.txt").read_text()
    return [clip_id(line.strip()) for line in text.splitlines() if line.strip()]


def load_splits(name: SplitName = "filtered") -> dict[SplitPart, list[str]]:
    """All three parts of a split: ``{"train": [...], "valid": [...], "test": [...]}``."""
    return {part: load_split(name, part) for part in PARTS}


def outside_split(name: SplitName = "filtered") -> list[str]:
    """The GTZAN clip ids in none of the split's three lists, in GTZAN order.

    For ``filtered`` these are the 70 clips Kereliuk, Sturm & Larsen left out as faulty
    (all 1000 ids minus the 443 + 197 + 290 listed), computed from the shipped lists.
    """
    from musicgenre.datasets.gtzan import GTZAN_CLIP_IDS

    listed = {clip for part in load_splits(name).values() for clip in part}
    return [clip for clip in GTZAN_CLIP_IDS if clip not in listed]


@dataclass(frozen=True)
class DatasetSplit:
    """A dataset cut by a published split.

    ``missing[part]``: ids the list names that the dataset lacks (in list order);
    ``outside``: ids the dataset holds that no list names (for ``filtered``: present faulty clips).
    """

    name: SplitName
    train: Dataset
    valid: Dataset
    test: Dataset
    missing: dict[SplitPart, tuple[str, ...]]
    outside: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """True when the dataset holds every id of every list."""
        return not any(self.missing.values())

    def part(self, part: SplitPart) -> Dataset:
        return {"train": self.train, "valid": self.valid, "test": self.test}[part]

    def summary(self) -> str:
        """One line per part: ``train 443 of 443 (0 missing)`` and a line for ``outside``."""
        lines = []
        for part in PARTS:
            listed = len(self.part(part)) + len(self.missing[part])
            lines.append(f"{part:<5} {len(self.part(part))} of {listed} ({len(self.missing[part])} missing)")
        lines.append(f"outside the {self.name} split: {len(self.outside)}")
        return "\n".join(lines)


def split_dataset(dataset: Dataset, name: SplitName = "filtered", *, strict: bool = False) -> DatasetSplit:
    """Cut ``dataset`` by the published split ``name``; ids it lacks are reported in ``missing``.

    ``strict=True`` raises ValueError (naming the counts) when any listed id is missing, for
    protocols that must not run on a partial dataset.
    """
    splits = load_splits(name)
    missing = {part: tuple(dataset.missing(ids)) for part, ids in splits.items()}
    listed = {clip for ids in splits.values() for clip in ids}
    outside = tuple(clip for clip in dataset.clip_ids.tolist() if clip not in listed)
    result = DatasetSplit(
        name=name,
        train=dataset.subset(splits["train"]),
        valid=dataset.subset(splits["valid"]),
        test=dataset.subset(splits["test"]),
        missing=missing,
        outside=outside,
    )
    if strict and not result.complete:
        counts = ", ".join(f"{part} {len(ids)}" for part, ids in missing.items())
        raise ValueError(f"{dataset.root}: the {name} split names clips this dataset lacks ({counts} missing)")
    return result


def fault_filtered(dataset: Dataset, *, strict: bool = False) -> DatasetSplit:
    """Train / valid / test of the fault-filtered split (443 / 197 / 290 ids) on ``dataset``."""
    return split_dataset(dataset, "filtered", strict=strict)
