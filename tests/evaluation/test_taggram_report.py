"""The taggram study's renderers: pure functions of its typed results."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from musicgenre.evaluation.rows import scored
from musicgenre.evaluation.taggram_report import study_markdown, study_meta, study_sections
from musicgenre.evaluation.taggram_results import (
    Calibration,
    CalibrationResult,
    FusionResult,
    GenreLine,
    PerGenreTable,
    ReferenceResult,
    Selection,
    TaggramStudyResult,
    UncertainMark,
)

SCORES = {"accuracy": 0.8, "ci_low": 0.75, "ci_high": 0.85, "macro_f1": 0.79, "n_test": 290}
HEAD = scored("head", "fault-filtered-cv", SCORES, train_seconds=1.0, valid_accuracy=0.83, selected_by="inner-cv")
OTHER = scored("other", "fault-filtered-cv", {**SCORES, "accuracy": 0.81}, train_seconds=1.0, valid_accuracy=0.8)
CAL = Calibration(0.5, 15, 0.7, 0.6, 0.8, 0.65, 0.12, 0.05)
MARK = UncertainMark("head", 0.5, 0.4, "how", "oof", 0.05, 0.4, 0.04, 12, 0.25, 0.83, 0.8)


def _result(**kw) -> TaggramStudyResult:
    genres = (GenreLine("blues", 31, 24, 24 / 31, 0.6, 0.9),)
    selection = Selection(HEAD, OTHER, (PerGenreTable("head", "rule", genres), PerGenreTable("other", "top", genres)))
    return TaggramStudyResult(5, "blocked", 290, (HEAD, OTHER), selection=selection, **kw)


def test_sections_in_order_with_calibration_of_the_selected_head():
    result = _result(calibration=CalibrationResult({"head": CAL, "other": CAL}, "head", MARK, None, "reliability.png"))
    text = "\n".join(study_sections(result))
    order = ["**Selected head** (best blocked CV", "## How far to trust", "## Per genre: `head` (rule)",
             "| blues | 31 | 24 | 77.4 | [60.0, 90.0] |", "## Per genre: `other` (top)", "## Calibration",
             "| `head` | 0.50 | 0.800 → 0.650 | 12.0 → 5.0 | 0.700 → 0.600 |", '### The selected head `head`',
             "ECE 12.0 % → 5.0 % (`reliability.png`", "flags 12 of 290 (4.0 %); accuracy 25.0 %"]  # fmt: skip
    assert [text.index(s) for s in order] == sorted(text.index(s) for s in order)
    assert "## Beside the feature-table ensemble" not in text
    meta = study_meta(result)
    assert list(meta) == ["protocol_text", "cv_folds", "inner_cv", "inner_cv_text", "best_by_cv", "selected_head",
                          "best_on_test", "calibration"]  # fmt: skip
    assert meta["selected_head"]["cv_accuracy"] == 0.83 and meta["best_on_test"] == "other"
    calib = meta["calibration"]
    assert list(calib) == ["per_model", "selected", "uncertain", "figure"] and list(calib["selected"])[-1] == "model"
    assert study_markdown("# board\n\n", result) == "# board\n" + text + "\n"


def test_reference_and_fusion_and_no_figure():
    ref_row = replace(OTHER, model="table-ensemble", members=("logreg", "svm"), valid_accuracy=0.457)
    fusion_row = scored("fusion", "fault-filtered-cv", SCORES, train_seconds=2.0, inputs="mean")
    fusion = FusionResult(fusion_row, HEAD, (0.5, 0.5), False, "It does NOT beat.", np.zeros((290, 10)))
    result = _result(
        reference=ReferenceResult(ref_row, "t.csv"),
        fusion=fusion,
        calibration=CalibrationResult({"head": CAL, "other": CAL}, "head", MARK),
    )
    text = "\n".join(study_sections(result))
    assert "(logreg, svm) on the 57 statistics of `t.csv`" in text and "valid accuracy 45.7 %" in text
    assert "**Verdict:** It does NOT beat." in text and "ECE 12.0 % → 5.0 %." in text
    meta = study_meta(result)
    assert list(meta)[4:6] == ["fusion", "reference"] and "figure" not in meta["calibration"]
    assert meta["fusion"]["models"] == ["head", "table-ensemble"] and meta["reference"]["table"] == "t.csv"
    assert [r.model for r in result.rows] == ["head", "other", "table-ensemble", "fusion"]
    assert list(fusion.to_dict())[-4:] == ["fused", "weights", "beats_better_single_by_half_ci", "selected_by"]
    # no selected head with out-of-fold predictions: the calibration table only
    only = _result(calibration=CalibrationResult({"other": CAL}))
    assert "### The selected head" not in "\n".join(study_sections(only))
    assert list(study_meta(only)["calibration"]) == ["per_model"]
    assert study_sections(TaggramStudyResult(5, "stratified", 290, ())) == []
