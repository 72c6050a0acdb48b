"""musicnn embeddings as a view of the study (``musicgenre.evaluation``): what ``--backbone musicnn-msd`` adds.

    data = load_audio(folder)                             # the study's StudyData (kind "audio")
    data = add_backbone_view(data, folder, "musicnn-msd")  # + view "musicnn-msd": (n_tracks, 753)

The view's rows follow ``data.clip_ids`` (the dataset's track order); each row is the mean over the
track's 3 s patches of the chosen layer (max_pool by default, as in the published GTZAN probes).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from musicgenre.backbones.musicnn.config import model_config
from musicgenre.backbones.musicnn.embed import DEFAULT_CACHE_DIR, embed_dataset

#: Backbone names the study accepts -> musicnn model.
BACKBONES = {"musicnn-msd": "msd", "musicnn-mtt": "mtt"}


def backbone_view(paths: list[Path], backbone: str = "musicnn-msd", layer: str = "max_pool", *,
                  jobs: int = 1, cache_dir: Path | None = DEFAULT_CACHE_DIR, clip_seconds: float = 30.0, progress=None):
    """A study :class:`~musicgenre.evaluation.data.View` named ``backbone``: one embedding row per path."""
    from musicgenre.evaluation.data import View

    if backbone not in BACKBONES:
        raise ValueError(f"unknown backbone {backbone!r}: choose one of {', '.join(BACKBONES)}")
    model = BACKBONES[backbone]
    x = embed_dataset(paths, layer=layer, model=model, jobs=jobs, cache_dir=cache_dir, progress=progress)
    names = tuple(f"{model_config(model).name}.{layer}[{i}]" for i in range(x.shape[1]))
    return View(backbone, x, names, f"{backbone}-{layer}", clip_seconds, sample_rate=16000)


def add_backbone_view(data, dataset_path: str | Path, backbone: str = "musicnn-msd", layer: str = "max_pool", *,
                      jobs: int = 1, cache_dir: Path | None = DEFAULT_CACHE_DIR, progress=None):
    """``data`` (a StudyData from ``load_audio(dataset_path)``) with the view ``backbone`` added."""
    from musicgenre.datasets import find_dataset

    dataset = find_dataset(dataset_path)
    by_id = {t.clip_id: t.path for t in dataset}
    missing = [c for c in data.clip_ids if c not in by_id]
    if missing:
        raise ValueError(f"{dataset_path}: no audio for clip ids {', '.join(missing[:5])}")
    view = backbone_view([by_id[c] for c in data.clip_ids], backbone, layer, jobs=jobs, cache_dir=cache_dir, progress=progress)
    return replace(data, views={**data.views, backbone: view})


__all__ = ["BACKBONES", "add_backbone_view", "backbone_view"]
