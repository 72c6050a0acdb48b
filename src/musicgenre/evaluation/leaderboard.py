"""Leaderboard tables (CSV frame and Markdown) of an experiment, with the seed study beside ours."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import pandas as pd

from musicgenre.evaluation.rows import LeaderboardRow, protocol_selection

COLUMNS = [
    "model",
    "protocol",
    "accuracy",
    "ci_low",
    "ci_high",
    "macro_f1",
    "n_test",
    "train_seconds",
    "accuracy_std",
    "folds",
    "valid_accuracy",
    "inputs",
]

PROTOCOL_TEXT = {
    "fault-filtered": (
        "fault-filtered artist-conditional split of Kereliuk, Sturm & Larsen (2015): "
        "trained on 443 train clips, selected on 197 valid clips, scored once on 290 test clips"
    ),
    "fault-filtered-cv": (
        "fault-filtered artist-conditional split of Kereliuk, Sturm & Larsen (2015) without its "
        "valid clips: trained on the 443 train clips, hyper-parameters chosen by k-fold CV "
        "inside those 443 clips only (folds over clips; blocked: contiguous clip-number blocks "
        "within each genre, an artist proxy, or stratified: shuffled by genre), scored once on "
        "the 290 test clips"
    ),
    "kfold": "stratified k-fold over all clips (10 % of each training fold held out for early stopping/selection)",
    "holdout": "one random 70/15/15 split of all clips (the seed study's kind of split; artists repeat across sides)",
}

SEED_NOTE = (
    "The seed study reported **62 %** validation and **64.4 %** accuracy on unseen clips for its best model "
    "(`mlp-mfcc`), measured on a *random* split of GTZAN, in which the same artists (and GTZAN's repeated and "
    "distorted clips) appear on both sides, without intervals. Random splits are known to flatter GTZAN "
    "results; the fault-filtered split removes the 70 faulty clips and keeps each artist on one side, so its "
    "numbers are lower and not directly comparable. Use `--protocol holdout` for the seed's kind of split."
)


def leaderboard_frame(rows: Sequence[LeaderboardRow], selected_by: str | None = None) -> pd.DataFrame:
    """Rows (one per model) sorted by accuracy, best first, with :data:`COLUMNS`.

    With ``selected_by`` (see :func:`~musicgenre.evaluation.rows.protocol_selection`) the ``valid_accuracy`` of a
    row chosen by anything else is left blank: the column holds one kind of score."""
    table = pd.DataFrame([_column_row(r, selected_by).to_dict() for r in rows])
    for column in COLUMNS:
        if column not in table.columns:
            table[column] = pd.NA
    if table.empty:
        return table[COLUMNS]
    return table[COLUMNS].sort_values("accuracy", ascending=False, kind="stable").reset_index(drop=True)


def _column_row(row: LeaderboardRow, selected_by: str | None) -> LeaderboardRow:
    if selected_by is None or row.selected_by == selected_by:
        return row
    return replace(row, valid_accuracy=math.nan)


def _pct(value) -> str:
    return "–" if pd.isna(value) else f"{100 * float(value):.1f}"


def leaderboard_markdown(
    table: pd.DataFrame,
    protocol: str,
    data,
    n_folds: int,
    rows: Sequence[LeaderboardRow],
    note: str | None = None,
) -> str:
    """The leaderboard as Markdown: protocol, data, table with intervals, the seed's figures for contrast;
    ``note`` (e.g. "not the whole of GTZAN") in bold before everything else."""
    lines = [
        *_header_lines(protocol, data, n_folds, note),
        *_table_lines(table, protocol),
        *_ensemble_lines(rows),
        *_chosen_lines(rows),
    ]
    if data.kind == "taggram":
        return "\n".join([*lines, ""])
    return "\n".join([*lines, *_seed_lines(table, protocol, rows, data.kind)])


def _header_lines(protocol: str, data, n_folds: int, note: str | None) -> list[str]:
    return [
        f"# Leaderboard: {protocol}",
        "",
        *([f"**{note}**", ""] if note else []),
        f"Protocol: {PROTOCOL_TEXT.get(protocol, protocol)}; {n_folds} fold(s). Data: `{data.source}` "
        f"({data.kind}, {len(data)} tracks).",
        "Accuracy over the test tracks (k-fold: every track once, ± is the std over folds); "
        "[low, high] is the 95 % bootstrap interval.",
        "",
    ]


def _table_lines(table: pd.DataFrame, protocol: str) -> list[str]:
    selection = "CV acc % (train)" if protocol_selection(protocol) == "inner-cv" else "valid acc %"
    lines = [
        f"| # | model | inputs | test accuracy % | 95 % CI | ± folds | macro F1 | {selection} | n test | train s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for i, r in table.iterrows():
        std = "" if not r["folds"] or int(r["folds"]) < 2 else f"±{_pct(r['accuracy_std'])}"
        lines.append(
            f"| {i + 1} | `{r['model']}` | {r['inputs']} | **{_pct(r['accuracy'])}** | "
            f"[{_pct(r['ci_low'])}, {_pct(r['ci_high'])}] | {std} | {float(r['macro_f1']):.3f} | "
            f"{_pct(r['valid_accuracy'])} | {int(r['n_test'])} | {float(r['train_seconds']):.1f} |"
        )
    return lines


def _ensemble_lines(rows: Sequence[LeaderboardRow]) -> list[str]:
    ensemble = next((r for r in rows if r.members), None)
    if ensemble is None or ensemble.members is None:
        return []
    return [
        "",
        f"`ensemble`: the mean probability of {', '.join(f'`{m}`' for m in ensemble.members)} "
        "(members fixed in advance, equal weights).",
    ]


def _chosen_lines(rows: Sequence[LeaderboardRow]) -> list[str]:
    chosen = [r for r in rows if r.cv_scores]
    if not chosen:
        return []
    lines = [
        "",
        "## Hyper-parameters chosen by CV on the training clips",
        "",
        "| model | chosen | CV accuracy % of every grid entry |",
        "|---|---|---|",
    ]
    for r in chosen:
        grid = ", ".join(f"{p} {_pct(s)}" for p, s in (r.cv_scores or {}).items())
        lines.append(f"| `{r.model}` | {r.chosen_params or ''} | {grid} |")
    return lines


def _seed_lines(table: pd.DataFrame, protocol: str, rows: Sequence[LeaderboardRow], kind: str) -> list[str]:
    """The seed study's figures beside this run's ``mlp-mfcc`` and best row."""
    seed = next((r for r in rows if r.model == "mlp-mfcc"), None)
    lines = [
        "",
        "## Beside the seed study",
        "",
        "| | split | validation % | unseen/test % |",
        "|---|---|---|---|",
        "| seed study, `mlp-mfcc` (Keras) | random split | 62.0 | 64.4 (no interval) |",
    ]
    if seed:
        lines.append(
            f"| this run, `mlp-mfcc` | {protocol} | {_pct(seed.valid_accuracy)} | "
            f"{_pct(seed.accuracy)} [{_pct(seed.ci_low)}, {_pct(seed.ci_high)}] |"
        )
    if not table.empty:
        best = table.iloc[0]
        lines.append(
            f"| this run, best (`{best['model']}`) | {protocol} | {_pct(best['valid_accuracy'])} | "
            f"{_pct(best['accuracy'])} [{_pct(best['ci_low'])}, {_pct(best['ci_high'])}] |"
        )
    lines += ["", SEED_NOTE, ""]
    if kind == "table":
        lines += [
            "In table mode `mlp-mfcc` is fed the table's 20 MFCC means and 20 MFCC variances (40 columns); "
            "the public table has no 40 MFCC means. With `--data` it gets the true means of 40 MFCCs.",
            "",
        ]
    return lines
