"""The taggram study's results as Markdown (the sections after the leaderboard in ``leaderboard.md``) and as
``experiment.json`` entries: pure functions of a :class:`~musicgenre.evaluation.taggram_results.TaggramStudyResult`."""

from __future__ import annotations

from typing import Any

from musicgenre.evaluation.leaderboard import PROTOCOL_TEXT
from musicgenre.evaluation.taggram_results import (
    FUSION,
    INNER_DESCRIPTION,
    PROTOCOL,
    REFERENCE,
    CalibrationResult,
    FusionResult,
    ReferenceResult,
    Selection,
    TaggramStudyResult,
)


def _pct(v: float) -> str:
    return "–" if v != v else f"{100 * v:.1f} %"


def study_markdown(leaderboard: str, result: TaggramStudyResult) -> str:
    """``leaderboard.md``: the leaderboard's Markdown followed by the study's sections."""
    return leaderboard.rstrip("\n") + "\n" + "\n".join(study_sections(result)) + "\n"


def study_sections(result: TaggramStudyResult) -> list[str]:
    """The lines after the leaderboard: selected head, reference and fusion, trust, per genre, calibration."""
    lines = selected_head_lines(result.selection, result.inner_cv) if result.selection else []
    if result.reference is not None:
        lines += reference_lines(result.reference, result.n_test)
    if result.fusion is not None:
        lines += fusion_lines(result.fusion)
    if result.selection is None:
        return lines
    lines += trust_lines(result.inner_cv)
    lines += per_genre_lines(result.selection, result.n_test)
    if result.calibration is not None:
        lines += calibration_lines(result.calibration, result.n_test)
    return lines


def selected_head_lines(selection: Selection, inner_cv: str) -> list[str]:
    best = selection.best
    return [
        "",
        f"**Selected head** (best {inner_cv} CV accuracy on the training clips; the study's answer to "
        f'"which head", not the top test row): `{best.model}`, CV {100 * best.valid_accuracy:.1f} %, '
        f"test **{100 * best.accuracy:.1f} %** [{100 * best.ci_low:.1f}, "
        f"{100 * best.ci_high:.1f}], macro F1 {best.macro_f1:.3f}.",
    ]


def reference_lines(reference: ReferenceResult, n_test: int) -> list[str]:
    ens = reference.row
    return [
        "",
        f"## Beside the feature-table ensemble (the same {n_test} test clips)",
        "",
        f"`{REFERENCE}` is the zoo's `ensemble` ({', '.join(ens.members or ())}) on the 57 "
        f"statistics of `{reference.table}`, run under the plain fault-filtered protocol (its members tuned on "
        f"the 197 valid clips, as in the table study: valid accuracy {100 * ens.valid_accuracy:.1f} %); "
        f"folder `{REFERENCE}/`. Scored on the same "
        f"{n_test} test clips: **{100 * ens.accuracy:.1f} %** "
        f"[{100 * ens.ci_low:.1f}, {100 * ens.ci_high:.1f}], macro F1 {ens.macro_f1:.3f}.",
    ]


def fusion_lines(fusion: FusionResult) -> list[str]:
    head, row = fusion.head, fusion.row
    return [
        "",
        f"`{FUSION}`: the mean of the probabilities of `{head.model}` (the probabilistic "
        f"head with the best CV accuracy on the training clips, {100 * head.valid_accuracy:.1f} %) "
        f"and `{REFERENCE}`, equal weights fixed in advance (nothing tuned on the test clips): "
        f"**{100 * row.accuracy:.1f} %** [{100 * row.ci_low:.1f}, "
        f"{100 * row.ci_high:.1f}], macro F1 {row.macro_f1:.3f}.",
        "",
        f"**Verdict:** {fusion.verdict}",
    ]


def trust_lines(inner_cv: str) -> list[str]:
    return [
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


def per_genre_lines(selection: Selection, n_test: int) -> list[str]:
    lines: list[str] = []
    for table in selection.per_genre:
        lines += [
            "",
            f"## Per genre: `{table.model}` ({table.why}), {n_test} test clips",
            "",
            "| genre | n | correct | accuracy % | 95 % CI |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {g.genre} | {g.n} | {g.correct} | {100 * g.accuracy:.1f} | "
            f"[{100 * g.ci_low:.1f}, {100 * g.ci_high:.1f}] |"
            for g in table.lines
        ]
    return lines


def calibration_lines(calibration: CalibrationResult, n_test: int) -> list[str]:
    """The calibration table of every head, then the selected head's calibration and "uncertain" mark."""
    lines = [
        "",
        "## Calibration: temperature scaling fitted on the training clips only",
        "",
        "Each head's temperature T minimizes the negative log-likelihood of its out-of-fold probabilities of "
        "the 443 training clips (from the inner CV with the chosen hyper-parameters; the final model is "
        "fitted on all 443, so its test probabilities may be a little sharper than these). Test figures: the "
        f"{n_test} test clips; ECE in 15 equal-width confidence bins; NLL in nats per clip. "
        "Ridge heads' probabilities are softmaxed scores, so their T also sets their scale.",
        "",
        "| model | T | test NLL before → after | test ECE % before → after | out-of-fold NLL before → after |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| `{model}` | {c.temperature:.2f} | {c.test_nll_before:.3f} → "
        f"{c.test_nll_after:.3f} | {100 * c.test_ece_before:.1f} → {100 * c.test_ece_after:.1f} "
        f"| {c.oof_nll_before:.3f} → {c.oof_nll_after:.3f} |"
        for model, c in calibration.per_model.items()
    ]
    return lines + selected_calibration_lines(calibration, n_test)


def selected_calibration_lines(calibration: CalibrationResult, n_test: int) -> list[str]:
    unc = calibration.uncertain
    if calibration.selected is None or unc is None:
        return []
    c = calibration.per_model[calibration.selected]
    return [
        "",
        f'### The selected head `{unc.model}`: calibration and an "uncertain" mark',
        "",
        f"T = {c.temperature:.2f}. On the {n_test} test clips: NLL {c.test_nll_before:.3f} → "
        f"{c.test_nll_after:.3f}, ECE {_pct(c.test_ece_before)} → {_pct(c.test_ece_after)}"
        + (
            " (`reliability.png`: confidence against accuracy per bin with counts, before and after)."
            if calibration.figure
            else "."
        ),
        "",
        f"Uncertain when the calibrated top probability is below **{unc.threshold:.3f}**, chosen on the training "
        f"clips' out-of-fold predictions: {unc.chosen_how}. On the test clips it flags {unc.test_n_flagged} of "
        f"{n_test} ({_pct(unc.test_fraction_flagged)}); accuracy {_pct(unc.test_accuracy_flagged)} "
        f"on the flagged clips and {_pct(unc.test_accuracy_confident)} on the rest "
        f"({_pct(unc.test_accuracy_all)} overall).",
    ]


def study_meta(result: TaggramStudyResult) -> dict[str, Any]:
    """The entries the study adds to ``experiment.json`` (in their order there)."""
    meta: dict[str, Any] = {
        "protocol_text": PROTOCOL_TEXT[PROTOCOL],
        "cv_folds": result.cv,
        "inner_cv": result.inner_cv,
        "inner_cv_text": INNER_DESCRIPTION[result.inner_cv],
    }
    if result.fusion is not None:
        meta["fusion"] = fusion_meta(result.fusion)
    if result.reference is not None:
        meta["reference"] = reference_meta(result.reference)
    if result.selection is not None:
        meta.update(selection_meta(result.selection, result.inner_cv))
    if result.calibration is not None:
        meta["calibration"] = calibration_meta(result.calibration)
    return meta


def fusion_meta(fusion: FusionResult) -> dict[str, Any]:
    return {
        "models": fusion.fused,
        "weights": list(fusion.weights),
        "accuracy": fusion.row.accuracy,
        "ci": [fusion.row.ci_low, fusion.row.ci_high],
        "beats_better_single_by_half_ci": fusion.beats,
        "verdict": fusion.verdict,
    }


def reference_meta(reference: ReferenceResult) -> dict[str, Any]:
    return {
        "model": REFERENCE,
        "table": reference.table,
        "protocol": "fault-filtered",
        "accuracy": reference.row.accuracy,
        "ci": [reference.row.ci_low, reference.row.ci_high],
    }


def selection_meta(selection: Selection, inner_cv: str) -> dict[str, Any]:
    best = selection.best
    return {
        "best_by_cv": best.model,
        "selected_head": {
            "model": best.model,
            "rule": f"best {inner_cv} inner-CV accuracy",
            "cv_accuracy": best.valid_accuracy,
            "test_accuracy": best.accuracy,
            "ci": [best.ci_low, best.ci_high],
            "macro_f1": best.macro_f1,
            "chosen_params": best.chosen_params,
        },
        "best_on_test": selection.top.model,
    }


def calibration_meta(calibration: CalibrationResult) -> dict[str, Any]:
    meta: dict[str, Any] = {"per_model": {m: c.to_dict() for m, c in calibration.per_model.items()}}
    if calibration.selected is None or calibration.uncertain is None:
        return meta
    meta["selected"] = {**calibration.per_model[calibration.selected].to_dict(), "model": calibration.selected}
    meta["uncertain"] = calibration.uncertain.to_dict()
    if calibration.figure:
        meta["figure"] = calibration.figure
    return meta


__all__ = [
    "calibration_lines",
    "calibration_meta",
    "fusion_lines",
    "fusion_meta",
    "per_genre_lines",
    "reference_lines",
    "reference_meta",
    "selected_calibration_lines",
    "selected_head_lines",
    "selection_meta",
    "study_markdown",
    "study_meta",
    "study_sections",
]
