"""Synthesized taggram ``.npz`` files in the published layout (X frames x tags, Y, IDS per frame)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from musicgenre.datasets.splits import load_split
from musicgenre.datasets.taggrams import TAGGRAM_FILES
from musicgenre.genres import GENRES


def write_taggram_file(path: Path, clip_ids: list[str], *, frames: int = 3, n_tags: int = 50, seed: int = 0) -> None:
    """Frames whose tag ``genre index`` is high (0.6-0.9) and every other tag low (0-0.3): separable genres."""
    rng = np.random.default_rng(seed)
    xs, ys, ids = [], [], []
    for clip in clip_ids:
        genre = GENRES.index(clip.split(".")[0])
        x = rng.uniform(0.0, 0.3, size=(frames, n_tags))
        x[:, genre] = rng.uniform(0.6, 0.9, size=frames)
        xs.append(x)
        ys += [genre] * frames
        ids += [f"{clip.split('.')[0]}/{clip}.au"] * frames
    np.savez(path, X=np.concatenate(xs).astype(np.float32), Y=np.array(ys, np.int64), IDS=np.array(ids))


def write_split_taggrams(folder: Path, frames: int = 3) -> Path:
    """Both published files over the real fault-filtered train (443) and test (290) clip ids."""
    folder.mkdir(parents=True, exist_ok=True)
    for seed, (part, name) in enumerate(TAGGRAM_FILES.items()):
        write_taggram_file(folder / name, load_split("filtered", part), frames=frames, seed=seed)
    return folder
