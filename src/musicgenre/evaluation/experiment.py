"""One reproducible study: every applicable model under one protocol, written as an Experiment folder.

``DIR/leaderboard.csv|.md``, ``DIR/experiment.json`` and per model ``DIR/<model>/`` with
``per_genre.csv``, ``confusion.csv``, ``predictions.csv``, ``result.json`` and, for networks,
``history.csv`` / ``best_epoch.txt``; ``model.onnx`` for every model (see DEVELOPING.md). A model
whose ``result.json`` exists is finished: running again into the same folder skips it (resume).
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from musicgenre.evaluation import leaderboard as board
from musicgenre.evaluation.data import StudyData
from musicgenre.evaluation.protocols import Fold, make_folds
from musicgenre.evaluation.rows import LeaderboardRow, protocol_selection, scored
from musicgenre.evaluation.runner import FoldResult, fit_on, run_folds
from musicgenre.genres import GENRES
from musicgenre.metrics.classification import confusion, per_genre, summarise
from musicgenre.models.ensemble import SoftVotingEnsemble
from musicgenre.models.export import save_onnx
from musicgenre.training import HISTORY_COLUMNS
from musicgenre.training.zoo import ENSEMBLE, ENSEMBLE_MEMBERS, available_models, make_model

PROBA_COLUMNS = [f"p_{g}" for g in GENRES]


@dataclass(frozen=True)
class ExperimentConfig:
    """What to run: protocol (``fault-filtered``, ``kfold``, ``holdout``), models (None: all applicable)."""

    protocol: str = "fault-filtered"
    models: tuple[str, ...] | None = None
    seed: int = 0
    k: int = 10
    export_onnx: bool = True
    #: cap on every network's epochs (quick looks and tests; None: each config's own)
    max_epochs: int | None = None
    #: the view every model reads instead of its own (a backbone's per-clip embedding); None: each model's own
    inputs: str | None = None
    #: said at the top of leaderboard.md and in experiment.json (e.g. that the clips are not the whole of GTZAN)
    note: str | None = None
    #: folds of the CV over the training tracks that picks hyper-parameters when a fold has no valid tracks
    cv: int = 5
    #: how that CV cuts the training tracks: ``blocked`` (contiguous clip-number blocks per genre) or ``stratified``
    inner_cv: str = "blocked"


def input_view(name: str, config: ExperimentConfig) -> str:
    """The view model ``name`` reads in this experiment."""
    return config.inputs or available_models()[name].inputs


def applicable_models(
    data: StudyData, requested: Sequence[str] | None, inputs: str | None = None
) -> tuple[list[str], dict[str, str]]:
    """Models to run on ``data`` in zoo order, and the skipped ones with the reason.

    With ``inputs`` every model reads that view, so models over frames or spectrograms are skipped.
    """
    infos = available_models()
    unknown = [m for m in (requested or []) if m not in infos]
    if unknown:
        raise ValueError(f"unknown model(s): {', '.join(unknown)}; known: {', '.join(infos)}")
    # taggram heads join an unnamed selection only where their view exists (not in every table or audio study)
    names = (
        list(requested) if requested else [n for n, i in infos.items() if i.family != "head" or i.inputs in data.views]
    )
    run, skipped = [], {}
    for name in names:
        info = infos[name]
        if inputs is not None and info.needs_audio:
            skipped[name] = f"reads {info.inputs} segments, not the per-clip {inputs} view"
        elif (inputs or info.inputs) not in data.views:
            skipped[name] = (
                f"needs {info.inputs} from audio (--data)"
                if info.needs_audio
                else f"needs the {info.inputs} view, absent from this input"
            )
        else:
            run.append(name)
    if ENSEMBLE in run:  # the ensemble averages its members, so they run first (asked for or not) and it goes last
        run = [m for m in run if m != ENSEMBLE] + [m for m in ENSEMBLE_MEMBERS if m not in run] + [ENSEMBLE]
    return run, skipped


def _write_predictions(path: Path, data: StudyData, results: list[FoldResult]) -> None:
    frames = []
    for r in results:
        parts = [("valid", r.fold.valid, r.valid_proba), ("test", r.fold.test, r.test_proba)]
        if r.oof_proba is not None:  # out-of-fold probabilities of the training tracks from the inner CV
            parts.append(("oof", r.fold.train, r.oof_proba))
        for part, tracks, proba in parts:
            frame = pd.DataFrame(proba, columns=PROBA_COLUMNS)
            frame.insert(0, "clip_id", data.clip_ids[tracks])
            frame.insert(1, "fold", r.fold.name)
            frame.insert(2, "part", part)
            frame.insert(3, "genre", [GENRES[i] for i in data.y[tracks]])
            frames.append(frame)
    pd.concat(frames).to_csv(path, index=False, float_format="%.6g")


def _read_predictions(path: Path, data: StudyData, folds: list[Fold]) -> list[FoldResult]:
    """Per-fold valid/test probabilities of a finished model, in the order of ``folds``' tracks."""
    table = pd.read_csv(path)
    position = {c: i for i, c in enumerate(data.clip_ids)}
    out = []
    for fold in folds:
        parts = {}
        for part, tracks in (("valid", fold.valid), ("test", fold.test)):
            rows = table[(table["fold"] == fold.name) & (table["part"] == part)]
            proba = np.zeros((len(tracks), len(GENRES)), np.float32)
            where = {t: i for i, t in enumerate(tracks)}
            for clip, values in zip(rows["clip_id"], rows[PROBA_COLUMNS].to_numpy(np.float32), strict=True):
                proba[where[position[clip]]] = values
            parts[part] = proba
        out.append(FoldResult(fold, parts["valid"], parts["test"], 0.0))
    return out


def _selected_by(results: list[FoldResult]) -> str:
    """What the selection score is: accuracy on the valid tracks, or (no valid tracks) the inner-CV accuracy."""
    if all(len(r.fold.valid) for r in results):
        return "validation"
    return "inner-cv" if any(r.selection_accuracy is not None for r in results) else "none"


def _score(name: str, protocol: str, data: StudyData, results: list[FoldResult], seed: int) -> LeaderboardRow:
    """Leaderboard row of a model: pooled test predictions (k-fold: every track once) + fold spread."""
    tracks = np.concatenate([r.fold.test for r in results])
    pred = np.concatenate([r.test_proba.argmax(1) for r in results])
    fold_acc = [float((r.test_proba.argmax(1) == data.y[r.fold.test]).mean()) for r in results]
    # selection score: accuracy on the valid tracks, or (no valid tracks) the CV accuracy over the training tracks
    valid_acc = [
        float((r.valid_proba.argmax(1) == data.y[r.fold.valid]).mean())
        if len(r.fold.valid)
        else (np.nan if r.selection_accuracy is None else r.selection_accuracy)
        for r in results
    ]
    cv = results[0].cv_scores
    return scored(
        name,
        protocol,
        summarise(data.y[tracks], pred, seed=seed),
        train_seconds=float(sum(r.train_seconds for r in results)),
        valid_accuracy=float(np.mean(valid_acc)),
        selected_by=_selected_by(results),
        accuracy_std=float(np.std(fold_acc)) if len(fold_acc) > 1 else 0.0,
        folds=len(results),
        cv_scores=cv,
        details={
            "fold_accuracies": fold_acc,
            **({} if cv is None else {"selection": "cv", "inner_cv": results[0].inner_cv}),
        },
    )


def _write_model_files(
    folder: Path, name: str, data: StudyData, results: list[FoldResult], row: LeaderboardRow, seed: int
) -> LeaderboardRow:
    """The model's files; returns ``row`` with what they add (best epochs, chosen parameters)."""
    tracks = np.concatenate([r.fold.test for r in results])
    pred = np.concatenate([r.test_proba.argmax(1) for r in results])
    per_genre(data.y[tracks], pred, seed=seed).to_csv(folder / "per_genre.csv", index=False, float_format="%.4f")
    matrix = pd.DataFrame(confusion(data.y[tracks], pred), index=list(GENRES), columns=list(GENRES))
    matrix.index.name = "genre"
    matrix.to_csv(folder / "confusion.csv")
    _write_predictions(folder / "predictions.csv", data, results)
    first = results[0].model
    history = getattr(first, "history_", None)
    if history is not None:
        pd.DataFrame(history.rows, columns=list(HISTORY_COLUMNS)).to_csv(
            folder / "history.csv", index=False, float_format="%.6g"
        )
        (folder / "best_epoch.txt").write_text(f"{history.best_epoch}\n")
        best = [getattr(getattr(r.model, "history_", None), "best_epoch", None) for r in results[:1]]
        row = replace(row, details={**row.details, "best_epochs": best})
    params = getattr(first, "params_", None)
    return row if params is None else replace(row, chosen_params=repr(params))


def _export(folder: Path, name: str, model, data: StudyData, view_name: str) -> None:
    """``model.onnx``: the model fitted on the first fold, reading the raw features of ``view_name``."""
    view = data.views[view_name]
    save_onnx(
        model,
        folder / "model.onnx",
        view.feature_names,
        view.recipe,
        name=name,
        sample_rate=view.sample_rate,
        clip_seconds=view.clip_seconds,
    )


def _ensemble(folds: list[Fold], members: dict[str, list[FoldResult]]) -> list[FoldResult]:
    """Per fold: valid and test probabilities are the mean of the members' (equal weights, no selection)."""
    return [
        FoldResult(
            fold,
            np.mean([rs[i].valid_proba for rs in members.values()], axis=0),
            np.mean([rs[i].test_proba for rs in members.values()], axis=0),
            sum(rs[i].train_seconds for rs in members.values()),
        )
        for i, fold in enumerate(folds)
    ]


def run_experiment(
    data: StudyData,
    out: str | Path,
    config: ExperimentConfig = ExperimentConfig(),
    *,
    log: Callable[[str], None] = print,
) -> pd.DataFrame:
    """Run the study into folder ``out``; return the leaderboard (one row per finished model)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    names, skipped = applicable_models(data, config.models, config.inputs)
    for name, reason in skipped.items():
        log(f"skip {name}: {reason}")
    folds = make_folds(config.protocol, data.clip_ids.tolist(), data.y, k=config.k, seed=config.seed)
    log(
        f"{config.protocol}: {len(folds)} fold(s), train/valid/test tracks "
        f"{len(folds[0].train)}/{len(folds[0].valid)}/{len(folds[0].test)}; {len(names)} model(s)"
    )
    infos = available_models()
    rows: list[LeaderboardRow] = []
    fold_results: dict[str, list[FoldResult]] = {}
    for index, name in enumerate(names, 1):
        folder = out / name
        result_file = folder / "result.json"
        finished = _finished_row(result_file, config)
        if finished is not None:
            log(f"[{index}/{len(names)}] {name}: finished earlier, skipped ({finished.accuracy:.3f})")
            rows.append(finished)
            if (folder / "predictions.csv").is_file():
                fold_results[name] = _read_predictions(folder / "predictions.csv", data, folds)
            continue
        folder.mkdir(exist_ok=True)
        log(f"[{index}/{len(names)}] {name}: {infos[name].description}")
        if name == ENSEMBLE:
            missing = [n for n in ENSEMBLE_MEMBERS if n not in fold_results]
            if missing:
                log(f"skip {ENSEMBLE}: members {', '.join(missing)} did not finish")
                continue
            results = _ensemble(folds, {n: fold_results[n] for n in ENSEMBLE_MEMBERS})
            results[0].model = SoftVotingEnsemble(
                [(n, _refit_member(n, data, folds[0], config, fold_results)) for n in ENSEMBLE_MEMBERS]
            )
            log(f"  members: {', '.join(ENSEMBLE_MEMBERS)}")
        else:
            view = data.views[input_view(name, config)]
            results = run_folds(
                name,
                data,
                view,
                folds,
                seed=config.seed,
                max_epochs=config.max_epochs,
                cv=config.cv,
                inner_cv=config.inner_cv,
                progress=lambda m: log("  " + m),
            )
            fold_results[name] = results
        row = _model_row(folder, name, data, results, config)
        if config.export_onnx:
            _export(folder, name, results[0].model, data, input_view(name, config))
        result_file.write_text(json.dumps(row.to_dict(), indent=1))
        fold_results.setdefault(name, results)
        log(
            f"  {name}: {config.protocol} accuracy {row.accuracy:.3f} "
            f"[{row.ci_low:.3f}, {row.ci_high:.3f}] ({row.train_seconds:.1f} s)"
        )
        rows.append(row)
        _write_summary(out, data, config, rows, folds, skipped, time.perf_counter() - started)
    return _write_summary(out, data, config, rows, folds, skipped, time.perf_counter() - started)


def _finished_row(result_file: Path, config: ExperimentConfig) -> LeaderboardRow | None:
    """The row of a model finished earlier under this protocol (and inner CV), else None."""
    if not result_file.is_file():
        return None
    row = LeaderboardRow.from_dict(json.loads(result_file.read_text()))
    # a CV-selected row counts as finished only under the same inner CV (rows before it: stratified)
    same_cv = row.details.get("selection") != "cv" or row.details.get("inner_cv", "stratified") == config.inner_cv
    return row if row.protocol == config.protocol and same_cv else None


def _model_row(
    folder: Path, name: str, data: StudyData, results: list[FoldResult], config: ExperimentConfig
) -> LeaderboardRow:
    """The scored row of a model just run, its files written (the row gains what they add)."""
    row = _score(name, config.protocol, data, results, config.seed)
    if name == ENSEMBLE:
        row = replace(row, members=ENSEMBLE_MEMBERS)
    row = _write_model_files(folder, name, data, results, row, config.seed)
    description = available_models()[name].description
    return replace(row, inputs=input_view(name, config), details={**row.details, "description": description})


def _refit_member(
    name: str, data: StudyData, fold: Fold, config: ExperimentConfig, fold_results: dict[str, list[FoldResult]]
):
    """The member fitted on ``fold`` (from this run when kept, else refitted: same seed, same model)."""
    kept = fold_results.get(name, [None])[0]
    if kept is not None and kept.model is not None:
        return kept.model
    view = data.views[input_view(name, config)]
    return fit_on(make_model(name, seed=config.seed, max_epochs=config.max_epochs), data, view, fold.train, fold.valid)


def _write_summary(
    out: Path,
    data: StudyData,
    config: ExperimentConfig,
    rows: list[LeaderboardRow],
    folds: list[Fold],
    skipped: dict[str, str],
    seconds: float,
) -> pd.DataFrame:
    table = board.leaderboard_frame(rows, protocol_selection(config.protocol))
    table.to_csv(out / "leaderboard.csv", index=False, float_format="%.6g")
    (out / "leaderboard.md").write_text(
        board.leaderboard_markdown(table, config.protocol, data, len(folds), rows, note=config.note)
    )
    meta = {
        "protocol": config.protocol,
        "data": data.source,
        "data_kind": data.kind,
        "n_tracks": len(data),
        "seed": config.seed,
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "folds": [{"name": f.name, "train": len(f.train), "valid": len(f.valid), "test": len(f.test)} for f in folds],
        "config": asdict(config),
        "models": [r.model for r in rows],
        "skipped": skipped,
        "seconds_this_run": round(seconds, 1),
        "notes": {
            **({"data": config.note} if config.note else {}),
            "mlp-mfcc inputs": (
                "table: 20 MFCC means + 20 MFCC variances (the public table has no 40 MFCC means); "
                "audio: means of 40 MFCCs over the clip"
            ),
            "model.onnx": "the model fitted on the first fold (for fault-filtered and holdout: the only fold)",
            "accuracy": "pooled over the test tracks of every fold (k-fold: each track once); "
            "interval: 95 % percentile bootstrap over those tracks",
        },
        "versions": {"python": platform.python_version(), **_versions()},
    }
    (out / "experiment.json").write_text(json.dumps(meta, indent=1))
    return table


def _versions() -> dict[str, str]:
    import sklearn
    import torch

    return {"numpy": np.__version__, "scikit-learn": sklearn.__version__, "torch": torch.__version__}
