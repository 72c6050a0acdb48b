"""The study on musicnn's published GTZAN taggrams (``musicgenre experiment --taggrams DIR``).

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
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from musicgenre.evaluation import leaderboard as board
from musicgenre.evaluation.data import StudyData, View, load_table
from musicgenre.evaluation.experiment import PROBA_COLUMNS, ExperimentConfig, run_experiment
from musicgenre.evaluation.protocols import fault_filtered
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


#: The backbone whose published GTZAN taggrams this study reads.
PUBLISHED_BACKBONE = "musicnn-msd"
PROTOCOL = "fault-filtered-cv"
REFERENCE = "table-ensemble"
FUSION = "fusion"

NOTE = (
    "Protocol fault-filtered-cv: musicnn's published GTZAN taggrams hold the 443 train and 290 test clips of "
    "the fault-filtered split but none of its 197 valid clips, so every head chose its hyper-parameters by "
    "{cv}-fold {inner} CV inside the 443 training clips only (folds over clips; frames of a clip never on "
    "two sides) and was then fitted on all 443; the 290 test clips were scored once."
)

INNER_DESCRIPTION = {
    "blocked": (
        "blocked: each genre's training clips sorted by clip number and cut into k contiguous blocks, fold "
        "i = block i of every genre. GTZAN's clips of one artist mostly sit in consecutive numbers within "
        "a genre, so this keeps most of an artist's clips on one side, as the artist-conditional test "
        "split does (an artist proxy: no artist labels here)"
    ),
    "stratified": (
        "stratified: clips shuffled and spread evenly by genre, not by artist; GTZAN holds many clips "
        "per artist, so held-out clips usually have their artist in the fitting folds"
    ),
}


def note_text(cv: int, inner_cv: str) -> str:
    """The bold note at the top of leaderboard.md (and the CLI's last line)."""
    return NOTE.format(cv=cv, inner=inner_cv)


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


def _write_scored(folder: Path, clips: Sequence[str], y: np.ndarray, proba: np.ndarray, seed: int) -> dict:
    """per_genre.csv, confusion.csv and predictions.csv (test part) of test probabilities; returns the scores."""
    folder.mkdir(parents=True, exist_ok=True)
    pred = proba.argmax(1)
    per_genre(y, pred, seed=seed).to_csv(folder / "per_genre.csv", index=False, float_format="%.4f")
    matrix = pd.DataFrame(confusion(y, pred), index=list(GENRES), columns=list(GENRES))
    matrix.index.name = "genre"
    matrix.to_csv(folder / "confusion.csv")
    frame = pd.DataFrame(proba, columns=PROBA_COLUMNS)
    frame.insert(0, "clip_id", list(clips))
    frame.insert(1, "fold", PROTOCOL)
    frame.insert(2, "part", "test")
    frame.insert(3, "genre", [GENRES[i] for i in y])
    frame.to_csv(folder / "predictions.csv", index=False, float_format="%.6g")
    return summarise(y, pred, seed=seed)


def fusion_verdict(fusion: dict, singles: Sequence[dict]) -> tuple[bool, str]:
    """Whether ``fusion`` (a leaderboard row) beats the better of ``singles`` by more than half its own 95 %
    interval's width, and a sentence saying so with the figures."""
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


def calibrate(oof: np.ndarray, y_train: np.ndarray, test: np.ndarray, y_test: np.ndarray, n_bins: int = 15) -> dict:
    """Temperature from the out-of-fold training probabilities; test NLL and ECE before and after."""
    from musicgenre.metrics.calibration import (
        apply_temperature,
        expected_calibration_error,
        fit_temperature,
        negative_log_likelihood,
    )

    t = fit_temperature(oof, y_train)
    after = apply_temperature(test, t)
    return {
        "temperature": t,
        "n_bins": n_bins,
        "oof_nll_before": negative_log_likelihood(oof, y_train),
        "oof_nll_after": negative_log_likelihood(oof, y_train, t),
        "test_nll_before": negative_log_likelihood(test, y_test),
        "test_nll_after": negative_log_likelihood(test, y_test, t),
        "test_ece_before": expected_calibration_error(test, y_test, n_bins),
        "test_ece_after": expected_calibration_error(after, y_test, n_bins),
    }


def _calibration_section(
    out: Path,
    data: StudyData,
    rows: list[dict],
    selected: dict,
    clips_test: list[str],
    y_test: np.ndarray,
    draw_reliability: ReliabilityDrawer | None,
) -> tuple[list[str], dict]:
    """Temperature scaling of every head with out-of-fold probabilities; threshold (and figure, when
    ``draw_reliability`` is given) for ``selected``."""
    from musicgenre.metrics.calibration import apply_temperature, reliability_curve, uncertainty_threshold

    train = fault_filtered(data.clip_ids.tolist(), valid=False)[0].train
    clips_train, y_train = data.clip_ids[train].tolist(), data.y[train]
    lines = [
        "",
        "## Calibration: temperature scaling fitted on the training clips only",
        "",
        "Each head's temperature T minimizes the negative log-likelihood of its out-of-fold probabilities of "
        "the 443 training clips (from the inner CV with the chosen hyper-parameters; the final model is "
        "fitted on all 443, so its test probabilities may be a little sharper than these). Test figures: the "
        f"{len(clips_test)} test clips; ECE in 15 equal-width confidence bins; NLL in nats per clip. "
        "Ridge heads' probabilities are softmaxed scores, so their T also sets their scale.",
        "",
        "| model | T | test NLL before → after | test ECE % before → after | out-of-fold NLL before → after |",
        "|---|---|---|---|---|",
    ]
    figures: dict = {}
    read: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # model -> (out-of-fold, test) probabilities
    for r in rows:
        oof = _part_proba(out / r["model"], clips_train, "oof")
        if oof is None:
            continue
        test = _test_proba(out / r["model"], clips_test)
        read[r["model"]] = oof, test
        c = calibrate(oof, y_train, test, y_test)
        figures[r["model"]] = c
        lines.append(
            f"| `{r['model']}` | {c['temperature']:.2f} | {c['test_nll_before']:.3f} → "
            f"{c['test_nll_after']:.3f} | {100 * c['test_ece_before']:.1f} → {100 * c['test_ece_after']:.1f} "
            f"| {c['oof_nll_before']:.3f} → {c['oof_nll_after']:.3f} |"
        )
    meta: dict = {"per_model": figures}
    if selected["model"] not in figures:
        return (lines if figures else []), meta
    name = selected["model"]
    c = figures[name]
    t = c["temperature"]
    oof_before, test_before = read[name]
    oof = apply_temperature(oof_before, t)
    test_after = apply_temperature(test_before, t)
    threshold, how = uncertainty_threshold(oof, y_train)
    conf = test_after.max(1)
    right = test_after.argmax(1) == y_test
    flagged = conf < threshold
    oof_flagged = oof.max(1) < threshold
    acc = lambda mask: float(right[mask].mean()) if mask.any() else float("nan")  # noqa: E731
    unc = {
        "model": name,
        "temperature": t,
        "threshold": threshold,
        "chosen_how": how,
        "chosen_on": "out-of-fold calibrated probabilities of the 443 training clips (inner CV)",
        "oof_fraction_flagged": float(oof_flagged.mean()),
        "oof_accuracy_flagged": float((oof.argmax(1) == y_train)[oof_flagged].mean())
        if oof_flagged.any()
        else float("nan"),
        "test_fraction_flagged": float(flagged.mean()),
        "test_n_flagged": int(flagged.sum()),
        "test_accuracy_flagged": acc(flagged),
        "test_accuracy_confident": acc(~flagged),
        "test_accuracy_all": float(right.mean()),
    }
    meta["selected"] = {**c, "model": name}
    meta["uncertain"] = unc
    if draw_reliability is not None:
        draw_reliability(
            [
                ("before: T = 1", reliability_curve(test_before, y_test)),
                (f"after: T = {t:.2f} (fitted out of fold on train)", reliability_curve(test_after, y_test)),
            ],
            out / "reliability.png",
            title=f"{name}: reliability on the {len(clips_test)} fault-filtered test clips",
            threshold=threshold,
        )
        meta["figure"] = "reliability.png"
    pct = lambda v: "–" if v != v else f"{100 * v:.1f} %"  # noqa: E731
    lines += [
        "",
        f'### The selected head `{name}`: calibration and an "uncertain" mark',
        "",
        f"T = {t:.2f}. On the {len(clips_test)} test clips: NLL {c['test_nll_before']:.3f} → "
        f"{c['test_nll_after']:.3f}, ECE {pct(c['test_ece_before'])} → {pct(c['test_ece_after'])}"
        + (
            " (`reliability.png`: confidence against accuracy per bin with counts, before and after)."
            if "figure" in meta
            else "."
        ),
        "",
        f"Uncertain when the calibrated top probability is below **{threshold:.3f}**, chosen on the training "
        f"clips' out-of-fold predictions: {how}. On the test clips it flags {unc['test_n_flagged']} of "
        f"{len(clips_test)} ({pct(unc['test_fraction_flagged'])}); accuracy {pct(unc['test_accuracy_flagged'])} "
        f"on the flagged clips and {pct(unc['test_accuracy_confident'])} on the rest "
        f"({pct(unc['test_accuracy_all'])} overall).",
    ]
    return lines, meta


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
    from musicgenre.models.taggram_heads import PROBABILISTIC_HEADS, TAGGRAM_HEADS

    out = Path(out)
    names = tuple(models) if models else tuple(TAGGRAM_HEADS)
    if inner_cv not in INNER_DESCRIPTION:
        raise ValueError(f"unknown inner CV {inner_cv!r}; known: {', '.join(INNER_DESCRIPTION)}")
    note = note_text(cv, inner_cv)
    config = ExperimentConfig(
        protocol=PROTOCOL, models=names, seed=seed, cv=cv, inner_cv=inner_cv, export_onnx=False, note=note
    )
    # one BLAS thread: these fits are small, and on a shared 2-core machine more threads made the MLP 300x slower;
    # the MLP's L-BFGS stops at its iteration cap on some folds (said once here, not once per fit)
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        run_experiment(data, out, config, log=log)
    rows = [json.loads((out / n / "result.json").read_text()) for n in names if (out / n / "result.json").is_file()]
    fold = fault_filtered(data.clip_ids.tolist(), valid=False)[0]
    clips, y = data.clip_ids[fold.test].tolist(), data.y[fold.test]
    extra: list[dict] = []
    section: list[str] = []
    meta_extra: dict = {
        "protocol_text": board.PROTOCOL_TEXT[PROTOCOL],
        "cv_folds": cv,
        "inner_cv": inner_cv,
        "inner_cv_text": INNER_DESCRIPTION[inner_cv],
    }
    if table is not None:
        log(f"reference: the zoo's ensemble on {table} under fault-filtered (443/197/290) into {out / REFERENCE}")
        with threadpool_limits(1):
            reference = run_experiment(
                load_table(table),
                out / REFERENCE,
                ExperimentConfig(protocol="fault-filtered", models=("ensemble",), seed=seed, export_onnx=False),
                log=log,
            )
        ens_row = json.loads((out / REFERENCE / "ensemble" / "result.json").read_text())
        ens_proba = _test_proba(out / REFERENCE / "ensemble", clips)
        ens = {
            **ens_row,
            "model": REFERENCE,
            "inputs": "kaggle57 feature table (reference)",
            **summarise(y, ens_proba.argmax(1), seed=seed),
            # its selection was on the 197 valid clips, not CV: kept apart from the CV column
            "valid_accuracy": float("nan"),
            "valid_accuracy_197": ens_row["valid_accuracy"],
        }
        if abs(ens["accuracy"] - float(reference.iloc[0]["accuracy"])) > 1e-9:
            raise ValueError(f"{table}: the ensemble's fault-filtered test clips differ from the taggrams' test clips")
        extra.append(ens)
        candidates = [r for r in rows if r["model"] in PROBABILISTIC_HEADS]
        section += [
            "",
            f"## Beside the feature-table ensemble (the same {len(clips)} test clips)",
            "",
            f"`{REFERENCE}` is the zoo's `ensemble` ({', '.join(ens_row.get('members', []))}) on the 57 "
            f"statistics of `{table}`, run under the plain fault-filtered protocol (its members tuned on "
            f"the 197 valid clips, as in the table study: valid accuracy {100 * ens['valid_accuracy_197']:.1f} %); "
            f"folder `{REFERENCE}/`. Scored on the same "
            f"{len(clips)} test clips: **{100 * ens['accuracy']:.1f} %** "
            f"[{100 * ens['ci_low']:.1f}, {100 * ens['ci_high']:.1f}], macro F1 {ens['macro_f1']:.3f}.",
        ]
        if candidates:
            head = max(candidates, key=lambda r: r["valid_accuracy"])  # by CV accuracy on train; ties: run order
            head_proba = _test_proba(out / head["model"], clips)
            fused = 0.5 * head_proba + 0.5 * ens_proba
            fusion = {
                "model": FUSION,
                "protocol": PROTOCOL,
                **_write_scored(out / FUSION, clips, y, fused, seed),
                "train_seconds": head["train_seconds"] + ens["train_seconds"],
                "folds": 1,
                "accuracy_std": 0.0,
                "valid_accuracy": float("nan"),
                "inputs": f"mean of {head['model']} and {REFERENCE}",
                "members": None,
                "fused": [head["model"], REFERENCE],
                "weights": [0.5, 0.5],
            }
            beats, verdict = fusion_verdict(fusion, [head, ens])
            fusion["beats_better_single_by_half_ci"] = beats
            (out / FUSION / "result.json").write_text(json.dumps(fusion, indent=1))
            extra.append(fusion)
            section += [
                "",
                f"`{FUSION}`: the mean of the probabilities of `{head['model']}` (the probabilistic "
                f"head with the best CV accuracy on the training clips, {100 * head['valid_accuracy']:.1f} %) "
                f"and `{REFERENCE}`, equal weights fixed in advance (nothing tuned on the test clips): "
                f"**{100 * fusion['accuracy']:.1f} %** [{100 * fusion['ci_low']:.1f}, "
                f"{100 * fusion['ci_high']:.1f}], macro F1 {fusion['macro_f1']:.3f}.",
                "",
                f"**Verdict:** {verdict}",
            ]
            meta_extra["fusion"] = {
                "models": [head["model"], REFERENCE],
                "weights": [0.5, 0.5],
                "accuracy": fusion["accuracy"],
                "ci": [fusion["ci_low"], fusion["ci_high"]],
                "beats_better_single_by_half_ci": beats,
                "verdict": verdict,
            }
        meta_extra["reference"] = {
            "model": REFERENCE,
            "table": str(table),
            "protocol": "fault-filtered",
            "accuracy": ens["accuracy"],
            "ci": [ens["ci_low"], ens["ci_high"]],
        }
    if rows:
        best = max(rows, key=lambda r: r["valid_accuracy"])
        top = max(rows, key=lambda r: r["accuracy"])
        section = [
            "",
            f"**Selected head** (best {inner_cv} CV accuracy on the training clips; the study's answer to "
            f'"which head", not the top test row): `{best["model"]}`, CV {100 * best["valid_accuracy"]:.1f} %, '
            f"test **{100 * best['accuracy']:.1f} %** [{100 * best['ci_low']:.1f}, "
            f"{100 * best['ci_high']:.1f}], macro F1 {best['macro_f1']:.3f}.",
        ] + section
        section += [
            "",
            "## How far to trust the CV column",
            "",
            f"Inner CV: {INNER_DESCRIPTION[inner_cv]}. The fault-filtered test is artist-conditional. "
            + (
                "Blocks of consecutive clip numbers are only a proxy for artists (runs can straddle a block "
                "edge, and an artist may recur elsewhere in a genre), so the CV column may still be "
                "optimistic."
                if inner_cv == "blocked"
                else "CV accuracy is optimistic, and a ranking by it need not hold on the test clips."
            )
            + " Each head's hyper-parameters came from CV alone.",
        ]
        shown = [(best["model"], "the head with the best CV accuracy: the selection rule")]
        if top["model"] != best["model"]:
            shown.append((top["model"], "the highest test accuracy, read off the test clips after the fact"))
        for model, why in shown:
            genres = pd.read_csv(out / model / "per_genre.csv")
            section += [
                "",
                f"## Per genre: `{model}` ({why}), {len(clips)} test clips",
                "",
                "| genre | n | correct | accuracy % | 95 % CI |",
                "|---|---|---|---|---|",
            ]
            section += [
                f"| {g.genre} | {g.n} | {g.correct} | {100 * g.accuracy:.1f} | "
                f"[{100 * g.ci_low:.1f}, {100 * g.ci_high:.1f}] |"
                for g in genres.itertuples()
            ]
        meta_extra["best_by_cv"] = best["model"]
        meta_extra["selected_head"] = {
            "model": best["model"],
            "rule": f"best {inner_cv} inner-CV accuracy",
            "cv_accuracy": best["valid_accuracy"],
            "test_accuracy": best["accuracy"],
            "ci": [best["ci_low"], best["ci_high"]],
            "macro_f1": best["macro_f1"],
            "chosen_params": best.get("chosen_params"),
        }
        meta_extra["best_on_test"] = top["model"]
        calib_lines, calib_meta = _calibration_section(out, data, rows, best, clips, y, draw_reliability)
        section += calib_lines
        if calib_meta.get("per_model"):
            meta_extra["calibration"] = calib_meta
    frame = board.leaderboard_frame(rows + extra)
    frame.to_csv(out / "leaderboard.csv", index=False, float_format="%.6g")
    text = board.leaderboard_markdown(frame, PROTOCOL, data, 1, rows + extra, note=note)
    (out / "leaderboard.md").write_text(text.rstrip("\n") + "\n" + "\n".join(section) + "\n")
    meta = json.loads((out / "experiment.json").read_text())
    meta.update(meta_extra)
    meta["models"] = [r["model"] for r in rows + extra]
    (out / "experiment.json").write_text(json.dumps(meta, indent=1))
    return frame


__all__ = [
    "FUSION",
    "INNER_DESCRIPTION",
    "PROTOCOL",
    "REFERENCE",
    "calibrate",
    "fusion_verdict",
    "load_taggram_study",
    "note_text",
    "run_taggram_study",
]
