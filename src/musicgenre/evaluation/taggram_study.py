"""The study on musicnn's published GTZAN taggrams (``musicgenre experiment taggrams --taggrams DIR``).

    data = load_taggram_study(DIR)                  # 733 clips; views taggram-meanmax, -meanmaxstd, -quantiles, -frames
    board = run_taggram_study(data, "runs/tag", table="features_30_sec.csv")

The taggrams cover the fault-filtered split's 443 train and 290 test clips but none of its 197 valid clips, so
the heads (:data:`musicgenre.models.TAGGRAM_HEADS`) run under ``fault-filtered-cv``: hyper-parameters chosen
by k-fold CV inside the 443 training clips (``inner_cv``: ``blocked``, the default, cuts each genre's training
clips, sorted by clip number, into k contiguous blocks, an artist proxy that mirrors the artist-conditional test;
``stratified`` shuffles them by genre only), the 290 test clips scored once. With a feature table,
the zoo's ``ensemble`` runs on it under the plain ``fault-filtered`` protocol (its own 443/197/290 study) into
``DIR/table-ensemble/``; its test predictions on the same 290 clips become a labelled reference row, and the
mean of its probabilities and the best probabilistic head's (best by CV, equal weights fixed in advance) a
``fusion`` row, with a verdict on whether the fusion beats the better of the two by more than its interval's
half-width.

Calibration (:mod:`musicgenre.metrics.calibration`): every head's temperature is fitted on its out-of-fold
probabilities of the training clips from the inner CV (the chosen hyper-parameters'; no test clip involved), and
its test NLL and ECE are reported before and after. For the selected head (best CV accuracy) an "uncertain"
threshold on the calibrated top probability is chosen on the same out-of-fold predictions, and ``reliability.png``
shows its test reliability before and after.

The steps return typed results (:mod:`musicgenre.evaluation.taggram_results`): :func:`run_heads` the heads'
rows, :func:`run_reference` and :func:`fuse` the reference and the fusion, :func:`select` the selected head,
:func:`calibrate_heads` the calibration, all gathered by :func:`study_result`;
:mod:`musicgenre.evaluation.taggram_report` renders them, and :func:`write_study` writes the files.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from musicgenre.evaluation import leaderboard as board
from musicgenre.evaluation.data import StudyData, View, load_table_study
from musicgenre.evaluation.experiment import PROBA_COLUMNS, ExperimentConfig, run_experiment
from musicgenre.evaluation.protocols import fault_filtered
from musicgenre.evaluation.rows import LeaderboardRow, scored, with_scores
from musicgenre.evaluation.taggram_report import study_markdown, study_meta
from musicgenre.evaluation.taggram_results import (
    FUSION,
    INNER_DESCRIPTION,
    PROTOCOL,
    PUBLISHED_BACKBONE,
    REFERENCE,
    Calibration,
    CalibrationResult,
    FusionResult,
    GenreLine,
    PerGenreTable,
    ReferenceResult,
    ReliabilityFigure,
    Selection,
    TaggramStudyResult,
    UncertainMark,
    note_text,
)
from musicgenre.genres import GENRES
from musicgenre.metrics.classification import confusion, per_genre, summarise

if TYPE_CHECKING:
    from musicgenre.metrics.calibration import ReliabilityCurve


class ReliabilityDrawer(Protocol):
    """Writes a reliability diagram of ``(label, curve)`` panels to ``path`` (e.g.
    :func:`musicgenre.visualization.calibration.save_reliability`)."""

    def __call__(
        self, panels: Sequence[tuple[str, ReliabilityCurve]], path: Path, *, title: str, threshold: float | None
    ) -> object: ...


def _tag_names(n_tags: int) -> tuple[str, ...]:
    from musicgenre.backbones.registry import get_backbone

    tags = get_backbone(PUBLISHED_BACKBONE).tags
    return tags if n_tags == len(tags) else tuple(f"tag{i}" for i in range(n_tags))


def load_taggram_study(folder: str | Path) -> StudyData:
    """The clips of a taggram folder as StudyData (kind ``taggram``) with one view per feature set of
    :data:`~musicgenre.features.taggram_stats.FEATURE_SETS` (``taggram-<set>``, one row per clip) and
    ``taggram-frames`` (one row per 3 s frame, ``track`` = its clip). Raises ValueError on a bad folder."""
    from musicgenre.backbones.registry import get_backbone
    from musicgenre.features.taggram_stats import FEATURE_SETS, clip_statistics, statistic_names

    tg = get_backbone(PUBLISHED_BACKBONE).load_published(folder)
    tags = _tag_names(tg.frames.shape[1])
    views = {}
    for name, stats in FEATURE_SETS.items():
        x = clip_statistics(tg.frames, tg.clip, len(tg), stats)
        views[f"taggram-{name}"] = View(
            f"taggram-{name}", x, statistic_names(tags, stats), f"musicnn-msd-taggram-{name}", 30.0, 16000
        )
    views["taggram-frames"] = View("taggram-frames", tg.frames, tags, "musicnn-msd-taggram", 3.0, 16000, tg.clip)
    return StudyData(str(folder), "taggram", tg.clip_ids, tg.y, views)


def _part_proba(folder: Path, clips: Sequence[str], part: str) -> np.ndarray | None:
    """Probabilities ``(len(clips), 10)`` of one part (``test``, ``oof``) of a model folder's predictions.csv, in
    the order of ``clips``; None when any clip has none."""
    table = pd.read_csv(folder / "predictions.csv")
    table = table[table["part"] == part].set_index("clip_id")
    if any(c not in table.index for c in clips):
        return None
    return table.loc[list(clips), PROBA_COLUMNS].to_numpy(np.float64)


def _test_proba(folder: Path, clips: Sequence[str]) -> np.ndarray:
    """Test probabilities ``(len(clips), 10)`` from a model folder's predictions.csv, in the order of ``clips``."""
    proba = _part_proba(folder, clips, "test")
    if proba is None:
        table = pd.read_csv(folder / "predictions.csv")
        have = set(table.loc[table["part"] == "test", "clip_id"])
        missing = [c for c in clips if c not in have]
        raise ValueError(f"{folder}: no test prediction for {len(missing)} clips (e.g. {missing[0]})")
    return proba


def _test_split(data: StudyData) -> tuple[list[str], np.ndarray, list[str], np.ndarray]:
    """Clip ids and labels of the fault-filtered test clips, then of the training clips."""
    fold = fault_filtered(data.clip_ids.tolist(), valid=False)[0]
    return (
        data.clip_ids[fold.test].tolist(),
        data.y[fold.test],
        data.clip_ids[fold.train].tolist(),
        data.y[fold.train],
    )


def _read_row(folder: Path) -> LeaderboardRow:
    return LeaderboardRow.from_dict(json.loads((folder / "result.json").read_text()))


def run_heads(
    data: StudyData, out: Path, config: ExperimentConfig, log: Callable[[str], None]
) -> tuple[LeaderboardRow, ...]:
    """Run the heads of ``config`` into ``out``; their rows, in run order (finished ones only)."""
    # one BLAS thread: these fits are small and the machine is shared (docs/benchmarks.md, "Other measurements");
    # the MLP's L-BFGS stops at its iteration cap on some folds (said once here, not once per fit)
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        run_experiment(data, out, config, log=log)
    names = config.models or ()
    return tuple(_read_row(out / n) for n in names if (out / n / "result.json").is_file())


def run_reference(
    table: str | Path, out: Path, clips: Sequence[str], y: np.ndarray, seed: int, log: Callable[[str], None]
) -> tuple[ReferenceResult, np.ndarray]:
    """The zoo's ensemble on the feature table under fault-filtered into ``out/table-ensemble``, scored on the
    taggrams' test ``clips``; with its test probabilities."""
    log(f"reference: the zoo's ensemble on {table} under fault-filtered (443/197/290) into {out / REFERENCE}")
    with threadpool_limits(1):
        frame = run_experiment(
            load_table_study(table),
            out / REFERENCE,
            ExperimentConfig(protocol="fault-filtered", models=("ensemble",), seed=seed, export_onnx=False),
            log=log,
        )
    proba = _test_proba(out / REFERENCE / "ensemble", clips)
    row = with_scores(
        _read_row(out / REFERENCE / "ensemble"),
        summarise(y, proba.argmax(1), seed=seed),
        model=REFERENCE,
        inputs="kaggle57 feature table (reference)",
    )
    if abs(row.accuracy - float(frame.iloc[0]["accuracy"])) > 1e-9:
        raise ValueError(f"{table}: the ensemble's fault-filtered test clips differ from the taggrams' test clips")
    return ReferenceResult(row, str(table)), proba


def fusion_verdict(fusion: Mapping[str, Any], singles: Sequence[Mapping[str, Any]]) -> tuple[bool, str]:
    """Whether ``fusion`` (a leaderboard row's mapping) beats the better of ``singles`` by more than half its own
    95 % interval's width, and a sentence saying so with the figures."""
    better = max(singles, key=lambda r: r["accuracy"])
    half = (fusion["ci_high"] - fusion["ci_low"]) / 2
    gain = fusion["accuracy"] - better["accuracy"]
    beats = gain > half
    text = (
        f"The fusion scores {100 * fusion['accuracy']:.1f} % against {100 * better['accuracy']:.1f} % for the "
        f"better single model (`{better['model']}`): a gain of {100 * gain:+.1f} points, "
        f"{'more' if beats else 'not more'} than the half-width of the fusion's 95 % interval "
        f"({100 * half:.1f} points). "
        + (
            "It beats the better single model by more than its interval's half-width."
            if beats
            else "It does NOT beat the better single model by more than its interval's half-width, "
            "so the fusion is not worth its second input on this evidence."
        )
    )
    return beats, text


def fuse(
    heads: Sequence[LeaderboardRow],
    reference: ReferenceResult,
    reference_proba: np.ndarray,
    out: Path,
    clips: Sequence[str],
    y: np.ndarray,
    seed: int,
) -> FusionResult | None:
    """The mean of the reference's and the best probabilistic head's (by CV; ties: run order) test probabilities,
    equal weights fixed in advance; None without a probabilistic head."""
    from musicgenre.models.taggram_heads import PROBABILISTIC_HEADS

    candidates = [r for r in heads if r.model in PROBABILISTIC_HEADS]
    if not candidates:
        return None
    head = max(candidates, key=lambda r: r.valid_accuracy)
    proba = 0.5 * _test_proba(out / head.model, clips) + 0.5 * reference_proba
    row = scored(
        FUSION,
        PROTOCOL,
        summarise(y, proba.argmax(1), seed=seed),
        train_seconds=head.train_seconds + reference.row.train_seconds,
        inputs=f"mean of {head.model} and {REFERENCE}",
    )
    beats, verdict = fusion_verdict(row.to_dict(), [head.to_dict(), reference.row.to_dict()])
    return FusionResult(row, head, (0.5, 0.5), beats, verdict, proba)


def _per_genre_table(out: Path, model: str, why: str) -> PerGenreTable:
    genres = pd.read_csv(out / model / "per_genre.csv")
    lines = tuple(
        GenreLine(str(g.genre), int(g.n), int(g.correct), float(g.accuracy), float(g.ci_low), float(g.ci_high))
        for g in genres.itertuples()
    )
    return PerGenreTable(model, why, lines)


def select(heads: Sequence[LeaderboardRow], out: Path) -> Selection | None:
    """The head with the best CV accuracy (the selection rule) and the one with the best test accuracy (read off
    the test clips after the fact), with their per-genre tables; None without heads."""
    if not heads:
        return None
    best = max(heads, key=lambda r: r.valid_accuracy)
    top = max(heads, key=lambda r: r.accuracy)
    shown = [(best.model, "the head with the best CV accuracy: the selection rule")]
    if top.model != best.model:
        shown.append((top.model, "the highest test accuracy, read off the test clips after the fact"))
    return Selection(best, top, tuple(_per_genre_table(out, m, why) for m, why in shown))


def calibrate(
    oof: np.ndarray, y_train: np.ndarray, test: np.ndarray, y_test: np.ndarray, n_bins: int = 15
) -> Calibration:
    """Temperature from the out-of-fold training probabilities; test NLL and ECE before and after."""
    from musicgenre.metrics.calibration import (
        apply_temperature,
        expected_calibration_error,
        fit_temperature,
        negative_log_likelihood,
    )

    t = fit_temperature(oof, y_train)
    after = apply_temperature(test, t)
    return Calibration(
        temperature=t,
        n_bins=n_bins,
        oof_nll_before=negative_log_likelihood(oof, y_train),
        oof_nll_after=negative_log_likelihood(oof, y_train, t),
        test_nll_before=negative_log_likelihood(test, y_test),
        test_nll_after=negative_log_likelihood(test, y_test, t),
        test_ece_before=expected_calibration_error(test, y_test, n_bins),
        test_ece_after=expected_calibration_error(after, y_test, n_bins),
    )


def _masked_accuracy(right: np.ndarray, mask: np.ndarray) -> float:
    return float(right[mask].mean()) if mask.any() else float("nan")


def uncertain_mark(
    name: str, t: float, oof_before: np.ndarray, y_train: np.ndarray, test_before: np.ndarray, y_test: np.ndarray
) -> UncertainMark:
    """The threshold on ``name``'s calibrated top probability (temperature ``t``) chosen on its out-of-fold
    training probabilities, and what it flags there and on the test clips."""
    from musicgenre.metrics.calibration import apply_temperature, uncertainty_threshold

    oof = apply_temperature(oof_before, t)
    test_after = apply_temperature(test_before, t)
    threshold, how = uncertainty_threshold(oof, y_train)
    right = test_after.argmax(1) == y_test
    flagged = test_after.max(1) < threshold
    oof_flagged = oof.max(1) < threshold
    return UncertainMark(
        model=name,
        temperature=t,
        threshold=threshold,
        chosen_how=how,
        chosen_on="out-of-fold calibrated probabilities of the 443 training clips (inner CV)",
        oof_fraction_flagged=float(oof_flagged.mean()),
        oof_accuracy_flagged=_masked_accuracy(oof.argmax(1) == y_train, oof_flagged),
        test_fraction_flagged=float(flagged.mean()),
        test_n_flagged=int(flagged.sum()),
        test_accuracy_flagged=_masked_accuracy(right, flagged),
        test_accuracy_confident=_masked_accuracy(right, ~flagged),
        test_accuracy_all=float(right.mean()),
    )


def reliability_figure(
    name: str, t: float, threshold: float, test_before: np.ndarray, y_test: np.ndarray
) -> ReliabilityFigure:
    """The selected head's test reliability before and after its temperature."""
    from musicgenre.metrics.calibration import apply_temperature, reliability_curve

    test_after = apply_temperature(test_before, t)
    return ReliabilityFigure(
        (
            ("before: T = 1", reliability_curve(test_before, y_test)),
            (f"after: T = {t:.2f} (fitted out of fold on train)", reliability_curve(test_after, y_test)),
        ),
        title=f"{name}: reliability on the {len(y_test)} fault-filtered test clips",
        threshold=threshold,
    )


def calibrate_heads(
    heads: Sequence[LeaderboardRow],
    selected: str,
    out: Path,
    train: tuple[list[str], np.ndarray],
    test: tuple[list[str], np.ndarray],
) -> CalibrationResult | None:
    """Temperature scaling of every head with out-of-fold probabilities; threshold and figure for ``selected``.
    None when no head has out-of-fold probabilities."""
    (clips_train, y_train), (clips_test, y_test) = train, test
    read: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # model -> (out-of-fold, test) probabilities
    for r in heads:
        oof = _part_proba(out / r.model, clips_train, "oof")
        if oof is not None:
            read[r.model] = oof, _test_proba(out / r.model, clips_test)
    if not read:
        return None
    figures = {m: calibrate(oof, y_train, test, y_test) for m, (oof, test) in read.items()}
    if selected not in figures:
        return CalibrationResult(figures)
    t = figures[selected].temperature
    oof_before, test_before = read[selected]
    mark = uncertain_mark(selected, t, oof_before, y_train, test_before, y_test)
    figure = reliability_figure(selected, t, mark.threshold, test_before, y_test)
    return CalibrationResult(figures, selected, mark, figure)


def study_result(
    data: StudyData,
    out: Path,
    heads: tuple[LeaderboardRow, ...],
    *,
    table: str | Path | None,
    cv: int,
    seed: int,
    inner_cv: str,
    log: Callable[[str], None],
) -> TaggramStudyResult:
    """Reference and fusion (with ``table``), selection and calibration of the heads already run into ``out``."""
    clips, y, clips_train, y_train = _test_split(data)
    result = TaggramStudyResult(cv, inner_cv, len(clips), heads)
    if table is not None:
        reference, reference_proba = run_reference(table, out, clips, y, seed, log)
        fusion = fuse(heads, reference, reference_proba, out, clips, y, seed)
        result = replace(result, reference=reference, fusion=fusion)
    selection = select(heads, out)
    if selection is None:
        return result
    calibration = calibrate_heads(heads, selection.best.model, out, (clips_train, y_train), (clips, y))
    return replace(result, selection=selection, calibration=calibration)


def _write_fusion(folder: Path, fusion: FusionResult, clips: Sequence[str], y: np.ndarray, seed: int) -> None:
    """per_genre.csv, confusion.csv, predictions.csv (test part) and result.json of the fusion."""
    folder.mkdir(parents=True, exist_ok=True)
    pred = fusion.proba.argmax(1)
    per_genre(y, pred, seed=seed).to_csv(folder / "per_genre.csv", index=False, float_format="%.4f")
    matrix = pd.DataFrame(confusion(y, pred), index=list(GENRES), columns=list(GENRES))
    matrix.index.name = "genre"
    matrix.to_csv(folder / "confusion.csv")
    frame = pd.DataFrame(fusion.proba, columns=PROBA_COLUMNS)
    frame.insert(0, "clip_id", list(clips))
    frame.insert(1, "fold", PROTOCOL)
    frame.insert(2, "part", "test")
    frame.insert(3, "genre", [GENRES[i] for i in y])
    frame.to_csv(folder / "predictions.csv", index=False, float_format="%.6g")
    (folder / "result.json").write_text(json.dumps(fusion.to_dict(), indent=1))


def _draw(out: Path, result: TaggramStudyResult, draw_reliability: ReliabilityDrawer | None) -> TaggramStudyResult:
    """``out/reliability.png`` of the selected head when there is a drawer and a figure to draw."""
    calibration = result.calibration
    if draw_reliability is None or calibration is None or calibration.reliability is None:
        return result
    figure = calibration.reliability
    draw_reliability(figure.panels, out / "reliability.png", title=figure.title, threshold=figure.threshold)
    return replace(result, calibration=replace(calibration, figure="reliability.png"))


def write_study(out: Path, data: StudyData, result: TaggramStudyResult, note: str, seed: int) -> pd.DataFrame:
    """The fusion's folder, leaderboard.csv|md and experiment.json's study entries; returns the leaderboard."""
    clips, y, _, _ = _test_split(data)
    if result.fusion is not None:
        _write_fusion(out / FUSION, result.fusion, clips, y, seed)
    rows = result.rows
    frame = board.leaderboard_frame(rows, "inner-cv")
    frame.to_csv(out / "leaderboard.csv", index=False, float_format="%.6g")
    text = board.leaderboard_markdown(frame, PROTOCOL, data, 1, rows, note=note)
    (out / "leaderboard.md").write_text(study_markdown(text, result))
    meta = json.loads((out / "experiment.json").read_text())
    meta.update(study_meta(result))
    meta["models"] = [r.model for r in rows]
    (out / "experiment.json").write_text(json.dumps(meta, indent=1))
    return frame


def run_taggram_study(
    data: StudyData,
    out: str | Path,
    *,
    table: str | Path | None = None,
    models: Sequence[str] | None = None,
    cv: int = 5,
    seed: int = 0,
    inner_cv: str = "blocked",
    log: Callable[[str], None] = print,
    draw_reliability: ReliabilityDrawer | None = None,
) -> pd.DataFrame:
    """Run the taggram heads into ``out`` (plus the table ensemble reference and fusion when ``table`` is
    given); rewrite the leaderboard with every row and return it (best first).

    ``draw_reliability`` writes the selected head's reliability diagram to ``out/reliability.png``
    (:func:`musicgenre.visualization.calibration.save_reliability`; the caller passes it, as figures are drawn a
    layer above the studies); None: no figure."""
    from musicgenre.models.taggram_heads import TAGGRAM_HEADS

    out = Path(out)
    if inner_cv not in INNER_DESCRIPTION:
        raise ValueError(f"unknown inner CV {inner_cv!r}; known: {', '.join(INNER_DESCRIPTION)}")
    note = note_text(cv, inner_cv)
    names = tuple(models) if models else tuple(TAGGRAM_HEADS)
    config = ExperimentConfig(
        protocol=PROTOCOL, models=names, seed=seed, cv=cv, inner_cv=inner_cv, export_onnx=False, note=note
    )
    heads = run_heads(data, out, config, log)
    result = study_result(data, out, heads, table=table, cv=cv, seed=seed, inner_cv=inner_cv, log=log)
    return write_study(out, data, _draw(out, result, draw_reliability), note, seed)


__all__ = [
    "FUSION",
    "INNER_DESCRIPTION",
    "PROTOCOL",
    "PUBLISHED_BACKBONE",
    "REFERENCE",
    "ReliabilityDrawer",
    "TaggramStudyResult",
    "calibrate",
    "calibrate_heads",
    "fuse",
    "fusion_verdict",
    "load_taggram_study",
    "note_text",
    "run_heads",
    "run_reference",
    "run_taggram_study",
    "select",
    "study_result",
    "write_study",
]
