"""The published GTZAN splits, shipped as package data, as lists of clip ids.

A clip id is ``"<genre>.000NN"`` (no folder, no extension), so it matches both GTZAN layouts.
"""

from __future__ import annotations

from importlib import resources
from typing import Literal

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
    text = resources.files("musicgenre.datasets").joinpath("splits", f"{part}_{name}.txt").read_text()
    return [clip_id(line.strip()) for line in text.splitlines() if line.strip()]


def load_splits(name: SplitName = "filtered") -> dict[SplitPart, list[str]]:
    """All three parts of a split: ``{"train": [...], "valid": [...], "test": [...]}``."""
    return {part: load_split(name, part) for part in PARTS}
