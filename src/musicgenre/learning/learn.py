"""Learn a library's own genres from the tracks that carry one: a model to label the tracks that do not.

The tracks that carry a genre are analysed as the shipped musicnn model does at inference. The shipped kind of
head is fitted on their window statistics with artist-grouped CV. The result is one Model file, its card and its
report.

The head is the shipped model's: musicnn MSD tags, mean/max/std per 30 s window, logistic regression,
temperature, "uncertain" threshold (:func:`~musicgenre.training.head_fitting.fit_window_head`). C, the
temperature and the threshold come from cross-validation in which no artist is on both sides of a fold. So the
figures estimate how the model does on artists it has not heard, in this library.

In use:

    files, unreadable = read_labels(find_inputs(["~/Music"])[0])
    learned = learn(files, "my-genres.onnx", LearnConfig())      # my-genres.onnx, .card.json, .report.md
    musicgenre.classify("song.mp3", model=load_model(learned.path))   # or predict/label/serve --model my-genres.onnx
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from musicgenre.audio import is_url
from musicgenre.audio.atomic import write_atomically
from musicgenre.inference.batch import BatchConfig, run_batch
from musicgenre.learning.collect import CollectConfig, LabelledFile, SetAside, TrainingSet, choose_tracks
from musicgenre.learning.report import card_facts, report_markdown
from musicgenre.models.model_file import partial_props
from musicgenre.training.head_fitting import TagHeadConfig, TagHeadFit, fit_window_head


class LearnError(ValueError):
    """The library cannot teach a model (too few genres, tracks or artists); ``str()`` is one line saying what
    was found."""


@dataclass(frozen=True)
class LearnConfig:
    """What is learned and how: the choice of tracks, the head and its CV, and how the tracks are analysed (the
    shipped musicnn model's run: processes, time limit per file, cluster)."""

    collect: CollectConfig = field(default_factory=CollectConfig)
    head: TagHeadConfig = field(default_factory=TagHeadConfig)
    analysis: BatchConfig = field(default_factory=BatchConfig)


@dataclass(frozen=True)
class Learned:
    """A learned model: its file, the card's facts (also in ``<stem>.card.json``), the report's path, the tracks
    it learned from and the fit."""

    path: Path
    card: dict
    report_path: Path
    training: TrainingSet
    fit: TagHeadFit


def learn(
    files: Sequence[LabelledFile],
    out: str | Path,
    config: LearnConfig = LearnConfig(),
    *,
    set_aside: Sequence[SetAside] = (),
    source: str = "tags",
    log: Callable[[str], None] | None = None,
    progress: Callable[[int], object] | None = None,
    total: Callable[[int], object] | None = None,
) -> Learned:
    """Learn from ``files`` and write ``out`` (the Model file), ``<stem>.card.json`` and ``<stem>.report.md``, each
    whole or not at all and never through a planted link (:func:`~musicgenre.audio.atomic.write_atomically`).

    ``set_aside``: files already left out while reading (unreadable tags), named in the report. ``total(n)``
    once with the tracks to analyse, ``progress(1)`` after each. Raises :class:`LearnError` when fewer than two
    genres can be learned.
    """
    from musicgenre.backbones.registry import get_backbone

    start = time.perf_counter()
    out = Path(out)
    chosen = choose_tracks(files, config.collect)
    chosen = replace(chosen, set_aside=tuple(set_aside) + chosen.set_aside)
    _check(chosen, len(files))
    if log:
        log(_plan_line(chosen))
    statistics, failed = _analyse(chosen.paths, config, progress, total)
    if failed:
        chosen = chosen.without(failed, config.collect.min_tracks)
        _check(chosen, len(files))
    y = np.array([chosen.genres.index(label) for label in chosen.labels], dtype=np.int64)
    groups = np.array(chosen.groups) if chosen.group_by == "artist" else None
    if log:
        log(f"fitting the head: C by {_cv_words(chosen, config.head)}")
    fit = fit_window_head([statistics[p] for p in chosen.paths], y, chosen.genres, config.head, groups=groups)
    name = out.stem
    facts = card_facts(name, chosen, fit, source=source, seconds=time.perf_counter() - start)
    get_backbone("musicnn-msd").export_genre_graph(
        out, fit.head, name=name, extra={**fit.metadata(), **partial_props(protocol=facts["protocol"])}
    )
    write_atomically(out.with_suffix(".card.json"), json.dumps(facts, indent=1, ensure_ascii=False) + "\n")
    report = out.with_suffix(".report.md")
    write_atomically(report, report_markdown(facts, out))
    return Learned(out, facts, report, chosen, fit)


def _analyse(
    paths: Sequence[str],
    config: LearnConfig,
    progress: Callable[[int], object] | None,
    total: Callable[[int], object] | None,
) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Each track's window statistics ``(windows, d)`` as the shipped musicnn model computes them at inference
    (its graph, its windows, silent windows left out), and the tracks that could not be analysed (path ->
    reason). The head then learns from exactly what it will read when it classifies."""
    analysis = replace(config.analysis, model_path=None, recipe=None, keep_statistics=True)
    by_key = {_key(p): p for p in paths}
    statistics: dict[str, np.ndarray] = {}
    failed: dict[str, str] = {}
    if total:
        total(len(paths))
    for result in run_batch(paths, analysis):
        path = by_key.get(_key(result.file), result.file)
        found = result.prediction.window_statistics if result.prediction is not None else None
        if found is None or not len(found):
            failed[path] = f"could not be analysed: {result.error or 'no window to learn from'}"
        else:
            statistics[path] = found
        if progress:
            progress(1)
    return statistics, failed


def _key(path: str | Path) -> str:
    """One name per file, however it was written (a URL as it is)."""
    text = str(path)
    return text if is_url(text) else str(Path(text).resolve())


def _check(chosen: TrainingSet, n_files: int) -> None:
    """LearnError unless at least two genres are left to learn."""
    if len(chosen.genres) >= 2:
        return
    found = ", ".join(f"{g} ({n} tracks)" for g, n in chosen.counts().items()) or "none"
    dropped = "; ".join(f"{d.name}: {d.reason}" for d in chosen.dropped[:6])
    raise LearnError(
        f"a model needs at least 2 genres to tell apart; of {n_files} files, {len(chosen.unlabelled)} carry no "
        f"genre; genres kept: {found}" + (f"; dropped: {dropped}" if dropped else "")
    )


def _cv_words(chosen: TrainingSet, head: TagHeadConfig) -> str:
    if chosen.group_by == "artist":
        return f"up to {head.folds}-fold CV grouped by artist ({chosen.without_artist} tracks without one, each alone)"
    return f"{head.folds}-fold CV over tracks (not grouped by artist)"


def _plan_line(chosen: TrainingSet) -> str:
    counts = ", ".join(f"{g} {n}" for g, n in chosen.counts().items())
    return f"learning {len(chosen.genres)} genres from {len(chosen)} tracks ({counts}); analysing them"


__all__ = ["LearnConfig", "LearnError", "Learned", "learn"]
