"""musicnn embeddings in the study: what ``musicgenre experiment --data DIR --backbone musicnn-msd`` runs.

    data = load_backbone_data("GTZAN/", "musicnn-msd")          # one embedding row per clip
    board = run_backbone_experiment(data, "runs/msd", ExperimentConfig(protocol="kfold"))

The heads are the zoo's ``logreg`` (logistic regression), ``svm`` (RBF SVM) and ``mlp-kaggle57`` (MLP
128-256-128), each with its own scaling and validation-tuned grid, run by
:func:`musicgenre.evaluation.run_experiment` under the same protocols into the same Experiment folder
(``leaderboard.csv|md``, ``experiment.json``, per model ``per_genre.csv``, ``confusion.csv``, ``model.onnx``).
Each clip's embedding (the mean over its 3 s patches of ``max_pool`` by default, as in the published GTZAN
probes) takes the place of the 57 kaggle30 statistics those heads read in the zoo; afterwards every file
names the embedding as the heads' inputs.

Every leaderboard says whether the clips are the complete GTZAN: on a part of it (such as the 23 shared
clips) or on other clips the numbers only show that the pipeline runs, and are no GTZAN accuracy.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Callable

import numpy as np

from musicgenre.backbones.musicnn.config import model_config
from musicgenre.backbones.musicnn.embed import DEFAULT_CACHE_DIR, EmbedConfig, embed_dataset, embed_files

#: Backbone names the study accepts -> musicnn model.
BACKBONES = {"musicnn-msd": "msd", "musicnn-mtt": "mtt"}

#: The heads trained on the embeddings when no models are named: zoo models over per-clip vectors.
HEADS = ("logreg", "svm", "mlp-kaggle57")

#: The view the heads read in the zoo; in a backbone study it holds the embedding.
HEAD_INPUT = "kaggle57"

GTZAN_SIZE = 1000


def backbone_view(paths: list[Path], backbone: str = "musicnn-msd", layer: str = "max_pool", *,
                  jobs: int = 1, cache_dir: Path | None = DEFAULT_CACHE_DIR, clip_seconds: float = 30.0, progress=None):
    """A study :class:`~musicgenre.evaluation.data.View` named ``backbone``: one embedding row per path.

    Raises :class:`~musicgenre.audio.AudioError` naming the first file that could not be embedded.
    """
    from musicgenre.evaluation.data import View

    model = _model(backbone)
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


def load_backbone_data(dataset_path: str | Path, backbone: str = "musicnn-msd", layer: str = "max_pool", *,
                       jobs: int = 1, cache_dir: Path | None = DEFAULT_CACHE_DIR,
                       log: Callable[[str], None] | None = None):
    """The clips of the dataset at ``dataset_path`` (GTZAN or ``<genre>/`` folders) as a StudyData whose one
    view is their embedding, under the key the heads read (:data:`HEAD_INPUT`); the View itself is named
    ``backbone`` and its recipe ``<backbone>-<layer>``.

    Raises ValueError (one line) for a folder that holds no labelled audio, labels outside the ten genres,
    or clips that cannot be embedded (all of them named, up to five). ``log`` gets a line every 25 clips.
    """
    from musicgenre.datasets import DatasetError, find_dataset
    from musicgenre.evaluation.data import StudyData, View
    from musicgenre.genres import GENRES

    model = _model(backbone)
    try:
        dataset = find_dataset(dataset_path)
    except DatasetError as error:
        raise ValueError(str(error)) from None
    unknown = sorted({t.label for t in dataset} - set(GENRES))
    if unknown:
        raise ValueError(f"{dataset_path}: labels outside the ten GTZAN genres: {', '.join(unknown[:5])}")
    done = [0]

    def progress(n: int) -> None:
        done[0] += n
        if log and (done[0] % 25 == 1 or done[0] == len(dataset)):
            log(f"{backbone} embeddings {done[0]}/{len(dataset)}")

    run = embed_files(dataset.paths, EmbedConfig(model=model, cache_dir=cache_dir, jobs=jobs), progress=progress)
    if run.failures:
        shown = "; ".join(str(f) for f in run.failures[:5])
        raise ValueError(f"{len(run.failures)} of {len(dataset)} clips could not be embedded: {shown}")
    by_path = {t.path.resolve(): t for t in run.tracks}
    x = np.stack([by_path[p.resolve()].track(layer) for p in dataset.paths]).astype(np.float32)
    names = tuple(f"{model_config(model).name}.{layer}[{i}]" for i in range(x.shape[1]))
    view = View(backbone, x, names, f"{backbone}-{layer}", 30.0, sample_rate=16000)
    y = np.array([GENRES.index(t.label) for t in dataset], dtype=np.int64)
    return StudyData(str(dataset_path), "audio", dataset.clip_ids, y, {HEAD_INPUT: view})


def gtzan_note(clip_ids) -> str | None:
    """None for the complete GTZAN (1000 clips); else the warning that these numbers are no GTZAN accuracy."""
    from musicgenre.datasets import GTZAN_CLIP_IDS

    ids = set(map(str, clip_ids))
    if ids == set(GTZAN_CLIP_IDS):
        return None
    n = len(ids)
    if ids <= set(GTZAN_CLIP_IDS):
        what = f"these {n} clips are only part of GTZAN ({n} of its {GTZAN_SIZE})"
    else:
        what = f"these {n} clips are not GTZAN"
    return (f"NOT A GTZAN ACCURACY: {what}. The numbers only show that the pipeline runs end to end; "
            f"with this few clips they say next to nothing about musicnn on GTZAN, which needs the complete "
            f"dataset (e.g. --protocol fault-filtered on all {GTZAN_SIZE} clips).")


def run_backbone_experiment(data, out: str | Path, config=None, *, log: Callable[[str], None] = print):
    """Run the heads on ``data`` (from :func:`load_backbone_data`) into the Experiment folder ``out``.

    ``config.models`` None means :data:`HEADS`. Returns ``(leaderboard, note)`` where ``note`` is
    :func:`gtzan_note` (also written into ``leaderboard.md`` and ``experiment.json``).
    """
    from musicgenre.evaluation import ExperimentConfig, run_experiment

    config = config or ExperimentConfig()
    if config.models is None:
        config = replace(config, models=HEADS)
    view = data.views[HEAD_INPUT]
    note = gtzan_note(data.clip_ids)
    if note:
        log(note)
    log(f"inputs: {view.name} {view.recipe.removeprefix(view.name + '-')} embeddings, {view.x.shape[1]} values per "
        f"clip (mean over its 3 s patches), in place of the 57 kaggle30 statistics")
    run_experiment(data, out, config, log=_relabelling_log(log, view.name))
    return relabel_experiment(out, data, view.name, view.recipe, note), note


def relabel_experiment(out: str | Path, data, backbone: str, recipe: str, note: str | None):
    """Name the embedding as the heads' inputs in every file of the Experiment folder ``out`` (idempotent);
    add ``note`` to ``leaderboard.md`` and ``experiment.json``. Returns the leaderboard frame."""
    from musicgenre.evaluation import leaderboard as board

    out = Path(out)
    meta_path = out / "experiment.json"
    meta = json.loads(meta_path.read_text())
    rows = []
    for name in meta["models"]:
        result = out / name / "result.json"
        row = json.loads(result.read_text())
        if row.get("inputs") == HEAD_INPUT:
            row["inputs"] = backbone
            row["description"] = _head_description(name, row.get("description", ""), recipe)
            result.write_text(json.dumps(row, indent=1))
        rows.append(row)
    table = board.leaderboard_frame(rows)
    table.to_csv(out / "leaderboard.csv", index=False, float_format="%.6g")
    markdown = board.leaderboard_markdown(table, meta["protocol"], data, len(meta["folds"]), rows)
    head = f"Inputs: `{backbone}`: musicnn embeddings ({recipe}, mean over 3 s patches) of each clip."
    parts = markdown.split("\n\n", 1)
    extra = [f"**{note}**", head] if note else [head]
    (out / "leaderboard.md").write_text("\n\n".join([parts[0], *extra, *parts[1:]]))
    meta["backbone"] = {"name": backbone, "recipe": recipe, "heads": [r["model"] for r in rows]}
    meta.setdefault("notes", {})["inputs"] = f"every model reads the {recipe} embedding of each clip"
    meta["notes"]["not a GTZAN accuracy" if note else "data"] = note or "the complete GTZAN (1000 clips)"
    meta_path.write_text(json.dumps(meta, indent=1))
    return table


def _model(backbone: str) -> str:
    if backbone not in BACKBONES:
        raise ValueError(f"unknown backbone {backbone!r}: choose one of {', '.join(BACKBONES)}")
    return BACKBONES[backbone]


def _head_description(name: str, description: str, recipe: str) -> str:
    base = re.split(r" on the 57 ", description)[0]
    return f"{base} on the {recipe} embedding"


def _relabelling_log(log: Callable[[str], None], backbone: str) -> Callable[[str], None]:
    """``log`` with the zoo's "on the 57 ... statistics" in model announcements replaced by the embedding."""
    pattern = re.compile(r" on the 57 (table|kaggle30) statistics")

    def relabel(message: str) -> None:
        log(pattern.sub(f" on {backbone} embeddings", message))

    return relabel


__all__ = ["BACKBONES", "HEADS", "add_backbone_view", "backbone_view", "gtzan_note", "load_backbone_data",
           "relabel_experiment", "run_backbone_experiment"]
