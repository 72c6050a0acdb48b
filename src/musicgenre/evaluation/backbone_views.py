"""A pretrained backbone's embeddings as study views: what ``musicgenre experiment backbone`` runs.

    data = load_backbone_data("GTZAN/", "musicnn-msd")          # one embedding row per clip, view "musicnn-msd"
    run_experiment(data, "runs/msd", ExperimentConfig(protocol="kfold", models=HEADS, inputs="musicnn-msd"))
    data = add_backbone_view(load_audio_study("GTZAN/"), "GTZAN/", "efficientat-as")   # beside the audio views

The heads are the zoo's ``logreg`` (logistic regression), ``svm`` (RBF SVM) and ``mlp-kaggle57`` (MLP
128-256-128), each with its own scaling and validation-tuned grid, run under the same protocols into the same
Experiment folder. Each clip's embedding is the mean over its 3 s patches of ``max_pool`` by default, as in the
published GTZAN probes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from musicgenre.backbones.interface import DEFAULT_CACHE_DIR, Backbone
from musicgenre.backbones.registry import BACKBONES, get_backbone

#: The heads trained on the embeddings when no models are named: zoo models over per-clip vectors.
HEADS = ("logreg", "svm", "mlp-kaggle57")


def backbone_view(
    paths: list[Path],
    backbone: str = "musicnn-msd",
    layer: str | None = None,
    *,
    jobs: int = 1,
    cache_dir: Path | None = DEFAULT_CACHE_DIR,
    clip_seconds: float = 30.0,
    progress=None,
):
    """A study :class:`~musicgenre.evaluation.data.View` named ``backbone``: one embedding row per path.

    ``layer`` None: the backbone's first. Raises :class:`~musicgenre.audio.AudioError` naming the first file that
    could not be embedded.
    """
    network = get_backbone(backbone)
    layer = layer or next(iter(network.layers))
    x = network.embed_tracks(paths, layer, jobs=jobs, cache_dir=cache_dir, progress=progress)
    return _embedding_view(x, backbone, layer, clip_seconds)


def _embedding_view(x: np.ndarray, backbone: str, layer: str, clip_seconds: float = 30.0):
    """The study View named ``backbone`` of embeddings ``x`` ``(n_clips, dim)`` of ``layer`` (recipe
    ``<backbone>-<layer>``)."""
    from musicgenre.evaluation.data import View

    chosen = get_backbone(backbone)
    names = chosen.feature_names(layer)
    return View(backbone, x, names, f"{backbone}-{layer}", clip_seconds, sample_rate=chosen.input_spec.sample_rate)


def add_backbone_view(
    data,
    dataset_path: str | Path,
    backbone: str = "musicnn-msd",
    layer: str | None = None,
    *,
    jobs: int = 1,
    cache_dir: Path | None = DEFAULT_CACHE_DIR,
    progress=None,
):
    """``data`` (a StudyData from ``load_audio_study(dataset_path)``) with the view ``backbone`` added."""
    from musicgenre.datasets import find_dataset

    dataset = find_dataset(dataset_path)
    by_id = {t.clip_id: t.path for t in dataset}
    missing = [c for c in data.clip_ids if c not in by_id]
    if missing:
        raise ValueError(f"{dataset_path}: no audio for clip ids {', '.join(missing[:5])}")
    view = backbone_view(
        [by_id[c] for c in data.clip_ids], backbone, layer, jobs=jobs, cache_dir=cache_dir, progress=progress
    )
    return replace(data, views={**data.views, backbone: view})


def load_backbone_data(
    dataset_path: str | Path,
    backbone: str = "musicnn-msd",
    layer: str | None = None,
    *,
    jobs: int = 1,
    cache_dir: Path | None = DEFAULT_CACHE_DIR,
    log: Callable[[str], None] | None = None,
):
    """The clips of the dataset at ``dataset_path`` (GTZAN or ``<genre>/`` folders) as a StudyData whose one
    view, named ``backbone``, is their embedding (recipe ``<backbone>-<layer>``; ``layer`` None: the backbone's
    first, e.g. musicnn's ``max_pool``, EfficientAT's ``embedding``).

    Raises ValueError (one line) for a folder that holds no labelled audio, labels outside the ten genres,
    or clips that cannot be embedded (all of them named, up to five). ``log`` gets a line every 25 clips.
    """
    from musicgenre.evaluation.data import StudyData
    from musicgenre.genres import GENRES

    dataset = _find(dataset_path)
    unknown = sorted({t.label for t in dataset} - set(GENRES))
    if unknown:
        raise ValueError(f"{dataset_path}: labels outside the ten GTZAN genres: {', '.join(unknown[:5])}")
    done = [0]

    def progress(n: int) -> None:
        done[0] += n
        if log and (done[0] % 25 == 1 or done[0] == len(dataset)):
            log(f"{backbone} embeddings {done[0]}/{len(dataset)}")

    network = get_backbone(backbone)
    layer = layer or next(iter(network.layers))
    outputs = _outputs(dataset, network, cache_dir=cache_dir, jobs=jobs, progress=progress)
    x = np.stack([o.track(layer) for o in outputs]).astype(np.float32)
    view = _embedding_view(x, backbone, layer)
    y = np.array([GENRES.index(t.label) for t in dataset], dtype=np.int64)
    return StudyData(str(dataset_path), "audio", dataset.clip_ids, y, {backbone: view})


def _find(dataset_path: str | Path):
    """The labelled dataset at ``dataset_path``; ValueError (one line) when there is none."""
    from musicgenre.datasets import DatasetError, find_dataset

    try:
        return find_dataset(dataset_path)
    except DatasetError as error:
        raise ValueError(str(error)) from None


def _outputs(dataset, backbone: Backbone, *, cache_dir: Path | None, jobs: int, progress=None) -> list:
    """``backbone``'s per-patch outputs (:class:`~musicgenre.backbones.interface.TrackEmbedding`) of every
    track, in the dataset's order (cached by content); ValueError naming up to five tracks that failed."""
    run = backbone.embed_files(dataset.paths, cache_dir=cache_dir, jobs=jobs, progress=progress)
    if run.failures:
        shown = "; ".join(str(f) for f in run.failures[:5])
        raise ValueError(f"{len(run.failures)} of {len(dataset)} clips could not be embedded: {shown}")
    by_path = {Path(t.path).resolve(): t for t in run.tracks}
    return [by_path[p.resolve()] for p in dataset.paths]


__all__ = ["BACKBONES", "HEADS", "add_backbone_view", "backbone_view", "load_backbone_data"]
