"""What the taggram study computes (:mod:`musicgenre.evaluation.taggram_study`), as typed results that
:mod:`musicgenre.evaluation.taggram_report` turns into Markdown and ``experiment.json`` entries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from musicgenre.evaluation.rows import LeaderboardRow

if TYPE_CHECKING:
    from musicgenre.metrics.calibration import ReliabilityCurve

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


@dataclass(frozen=True)
class Calibration:
    """A head's temperature (fitted on its out-of-fold training probabilities) and its NLL / ECE before and
    after."""

    temperature: float
    n_bins: int
    oof_nll_before: float
    oof_nll_after: float
    test_nll_before: float
    test_nll_after: float
    test_ece_before: float
    test_ece_after: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class UncertainMark:
    """The selected head's "uncertain" threshold on its calibrated top probability and what it flags."""

    model: str
    temperature: float
    threshold: float
    chosen_how: str
    chosen_on: str
    oof_fraction_flagged: float
    oof_accuracy_flagged: float
    test_fraction_flagged: float
    test_n_flagged: int
    test_accuracy_flagged: float
    test_accuracy_confident: float
    test_accuracy_all: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ReliabilityFigure:
    """What the selected head's reliability diagram shows (drawn by the caller's ``draw_reliability``)."""

    panels: tuple[tuple[str, ReliabilityCurve], ...]
    title: str
    threshold: float


@dataclass(frozen=True)
class CalibrationResult:
    """Every head's calibration (in leaderboard row order); the selected head's mark when it has out-of-fold
    predictions; ``figure``: the reliability diagram's file name once drawn."""

    per_model: Mapping[str, Calibration]
    selected: str | None = None
    uncertain: UncertainMark | None = None
    reliability: ReliabilityFigure | None = None
    figure: str | None = None


@dataclass(frozen=True)
class GenreLine:
    """One genre's test accuracy (a row of ``per_genre.csv``)."""

    genre: str
    n: int
    correct: int
    accuracy: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class PerGenreTable:
    model: str
    why: str
    lines: tuple[GenreLine, ...]


@dataclass(frozen=True)
class Selection:
    """The selected head (best inner-CV accuracy), the top head on test, and their per-genre tables."""

    best: LeaderboardRow
    top: LeaderboardRow
    per_genre: tuple[PerGenreTable, ...]


@dataclass(frozen=True)
class ReferenceResult:
    """The feature table's ensemble scored on the taggrams' test clips (``row.valid_accuracy``: on the 197 valid
    clips of its own fault-filtered study)."""

    row: LeaderboardRow
    table: str


@dataclass(frozen=True)
class FusionResult:
    """The mean of the best probabilistic head's and the reference's test probabilities."""

    row: LeaderboardRow
    head: LeaderboardRow
    weights: tuple[float, float]
    beats: bool
    verdict: str
    proba: np.ndarray = field(repr=False, compare=False)

    @property
    def fused(self) -> list[str]:
        return [self.head.model, REFERENCE]

    def to_dict(self) -> dict[str, Any]:
        """``fusion/result.json``."""
        r = self.row
        return {
            "model": r.model,
            "protocol": r.protocol,
            "accuracy": r.accuracy,
            "ci_low": r.ci_low,
            "ci_high": r.ci_high,
            "macro_f1": r.macro_f1,
            "n_test": r.n_test,
            "train_seconds": r.train_seconds,
            "folds": r.folds,
            "accuracy_std": r.accuracy_std,
            "valid_accuracy": r.valid_accuracy,
            "inputs": r.inputs,
            "members": None,
            "fused": self.fused,
            "weights": list(self.weights),
            "beats_better_single_by_half_ci": self.beats,
            "selected_by": r.selected_by,
        }


@dataclass(frozen=True)
class TaggramStudyResult:
    """Everything the study computed: the heads' rows (run order), the reference and fusion (with a table), the
    selection and the calibration (with at least one head)."""

    cv: int
    inner_cv: str
    n_test: int
    heads: tuple[LeaderboardRow, ...]
    reference: ReferenceResult | None = None
    fusion: FusionResult | None = None
    selection: Selection | None = None
    calibration: CalibrationResult | None = None

    @property
    def rows(self) -> list[LeaderboardRow]:
        """Every leaderboard row: heads, then the reference and the fusion."""
        extra = [x.row for x in (self.reference, self.fusion) if x is not None]
        return [*self.heads, *extra]


__all__ = [
    "FUSION",
    "INNER_DESCRIPTION",
    "NOTE",
    "PROTOCOL",
    "PUBLISHED_BACKBONE",
    "REFERENCE",
    "Calibration",
    "CalibrationResult",
    "FusionResult",
    "GenreLine",
    "PerGenreTable",
    "ReferenceResult",
    "ReliabilityFigure",
    "Selection",
    "TaggramStudyResult",
    "UncertainMark",
    "note_text",
]
