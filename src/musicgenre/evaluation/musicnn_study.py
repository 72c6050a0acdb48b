"""musicnn embeddings in the study: what ``musicgenre experiment --data DIR --backbone musicnn-msd`` runs.

    data = load_backbone_data("GTZAN/", "musicnn-msd")          # one embedding row per clip, view "musicnn-msd"
    run_experiment(data, "runs/msd", ExperimentConfig(protocol="kfold", models=HEADS, inputs="musicnn-msd"))
    fit_genre_graph("my_folders/", "runs/msd/genre-graph")      # any genres: one-graph model.onnx + its card

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

#: The genre graph is fitted on this backbone's tags (``fit_genre_graph``).
GRAPH_BACKBONE = "musicnn-msd"

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
    """``data`` (a StudyData from ``load_audio(dataset_path)``) with the view ``backbone`` added."""
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


def fit_genre_graph(
    dataset_path: str | Path,
    out_dir: str | Path,
    *,
    config=None,
    jobs: int = 1,
    cache_dir: Path | None = DEFAULT_CACHE_DIR,
    log: Callable[[str], None] | None = None,
) -> Path:
    """Fit a genre head on the MSD tags of the labelled tracks at ``dataset_path`` (GTZAN, or ``<genre>/``
    folders with any names) and write ``out_dir/model.onnx`` (the one-graph model of
    :mod:`~musicgenre.backbones.musicnn.genre_graph`, genres = the folder names), ``model.card.json`` and
    ``report.md`` (its cross-validated accuracy). Returns the model's path. Raises ValueError (one line) for a
    folder without labelled audio, a genre with fewer than two tracks, or tracks that cannot be analysed."""
    import json

    from musicgenre.training.tag_head import TagHeadConfig, fit_tag_head

    config = config or TagHeadConfig()
    dataset = _find(dataset_path)
    counts = dataset.counts()
    present = [c for c in dataset.classes if counts[c]]
    backbone = get_backbone(GRAPH_BACKBONE)
    taggrams = [o.patches("taggram") for o in _outputs(dataset, backbone, cache_dir=cache_dir, jobs=jobs)]
    y = np.array([present.index(t.label) for t in dataset], dtype=np.int64)
    if log:
        log(
            f"genre graph: {len(dataset)} tracks of {len(present)} genres ({', '.join(present)}), "
            f"C by {config.folds}-fold CV over tracks"
        )
    fit = fit_tag_head(taggrams, y, present, config)
    out = Path(out_dir)
    name = f"{GRAPH_BACKBONE}-{'-'.join(present)}"[:80]
    path = backbone.export_genre_graph(out / "model.onnx", fit.head, name=name, extra=fit.metadata())
    facts = {
        "name": name,
        "dataset": str(dataset_path),
        "genres": present,
        "tracks": len(dataset),
        "windows": fit.n_windows,
        "protocol": f"stratified {fit.folds}-fold CV over tracks",
        "cv": {
            "accuracy": fit.accuracy,
            "ci_low": fit.ci_low,
            "ci_high": fit.ci_high,
            "n": len(dataset),
            "per_genre": {g: {"right": r, "tracks": n} for g, (r, n) in fit.per_class.items()},
        },
        "c": fit.c,
        "cv_accuracy_by_c": {repr(c): a for c, a in fit.cv_accuracy.items()},
        "temperature": fit.head.temperature,
        "uncertain_below": fit.uncertain_below,
    }
    (out / "model.card.json").write_text(json.dumps(facts, indent=1) + "\n")
    rows = "\n".join(f"| {g} | {r}/{n} | {100 * r / n:.1f} % |" for g, (r, n) in fit.per_class.items())
    (out / "report.md").write_text(
        f"# Genre graph on `{dataset_path}`\n\n{len(dataset)} tracks, genres {', '.join(present)}; musicnn MSD tags "
        f"of every 3 s patch, mean/max/std per 30 s window, logistic regression with C = {fit.c:g} chosen by "
        f"{fit.folds}-fold stratified CV over tracks, then fitted on all of them.\n\n"
        f"**Cross-validated track accuracy: {100 * fit.accuracy:.1f} %** [{100 * fit.ci_low:.1f}, "
        f"{100 * fit.ci_high:.1f}] (95 % bootstrap over tracks). No separate test set: this figure also chose C, so "
        f"it is slightly optimistic; tracks by the same artist in several folds make it more so.\n\n"
        f"| genre | right (out of fold) | accuracy |\n|---|---|---|\n{rows}\n\n"
        f'Temperature {fit.head.temperature:.3f}; "uncertain" below {fit.uncertain_below:.3f} (both from the '
        f"out-of-fold predictions). Use it: `musicgenre predict FILES --model {path}`.\n"
    )
    if log:
        log(
            f"genre graph: CV accuracy {100 * fit.accuracy:.1f} % [{100 * fit.ci_low:.1f}, {100 * fit.ci_high:.1f}] "
            f"(C = {fit.c:g}); wrote {path}"
        )
    return path


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


__all__ = ["BACKBONES", "HEADS", "add_backbone_view", "backbone_view", "fit_genre_graph", "load_backbone_data"]
