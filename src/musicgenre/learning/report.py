"""What a learned model's card and report say: how often it agrees with the library's own genres on artists it
has not learned from, per genre with intervals, where it goes wrong, and which tracks and names were merged,
dropped or left out.

The figures come from the out-of-fold predictions of the CV that also chose C (no separate test set in a user's
library): an estimate for this library, slightly optimistic, and only as good as the tags it is measured against.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from musicgenre.learning.collect import TrainingSet
from musicgenre.metrics.classification import bootstrap_interval, confusion, grouped_bootstrap_interval
from musicgenre.training.head_fitting import TagHeadFit

#: the files named in the card and report when many were set aside (the count is always given)
SHOWN = 20


def card_facts(name: str, chosen: TrainingSet, fit: TagHeadFit, *, source: str, seconds: float) -> dict:
    """The card's figures (JSON-ready): genres, protocol, CV accuracy with 95 % intervals overall and per genre,
    the confusion matrix, calibration, and what was merged, dropped and set aside."""
    y = np.array([chosen.genres.index(label) for label in chosen.labels])
    groups = np.array(chosen.groups)
    predicted = fit.oof_proba.argmax(axis=1)
    right = predicted == y
    grouped = chosen.group_by == "artist"
    artists = chosen.artists()
    per_genre = {}
    for k, genre in enumerate(chosen.genres):
        mine = y == k
        low, high = _interval(right[mine], groups[mine], grouped)
        per_genre[genre] = {
            "tracks": int(mine.sum()),
            "artists": artists[genre],
            "right": int(right[mine].sum()),
            "accuracy": float(right[mine].mean()),
            "ci_low": low,
            "ci_high": high,
        }
    flagged = fit.oof_proba.max(axis=1) < fit.uncertain_below
    return {
        "name": name,
        "kind": "learned from a library's own genres",
        "source": source,
        "genres": list(chosen.genres),
        "tracks": len(chosen),
        "artists": len(set(chosen.groups)) if grouped else None,
        "windows": fit.n_windows,
        "protocol": _protocol(chosen, fit),
        "cv": {
            "accuracy": fit.accuracy,
            "ci_low": fit.ci_low,
            "ci_high": fit.ci_high,
            "n": len(chosen),
            "per_genre": per_genre,
        },
        "confusion": confusion(y, predicted, len(chosen.genres)).tolist(),
        "c": fit.c,
        "cv_accuracy_by_c": {repr(c): a for c, a in fit.cv_accuracy.items()},
        "temperature": fit.head.temperature,
        "uncertain_below": fit.uncertain_below,
        "uncertain": {
            "flagged": int(flagged.sum()),
            "accuracy_flagged": float(right[flagged].mean()) if flagged.any() else None,
            "accuracy_rest": float(right[~flagged].mean()) if (~flagged).any() else None,
        },
        "merged": [
            {"name": m.name, "spellings": [list(s) for s in m.spellings], "mapped": m.mapped} for m in chosen.merges
        ],
        "dropped": [
            {"name": d.name, "tracks": d.tracks, "artists": d.artists, "reason": d.reason} for d in chosen.dropped
        ],
        "set_aside": {
            "count": len(chosen.set_aside),
            "files": [f"{s.path}: {s.reason}" for s in chosen.set_aside[:SHOWN]],
        },
        "unlabelled": len(chosen.unlabelled),
        "tracks_without_artist": chosen.without_artist,
        "seconds": round(seconds, 1),
    }


def _interval(right: np.ndarray, groups: np.ndarray, grouped: bool) -> tuple[float, float]:
    return grouped_bootstrap_interval(right, groups) if grouped else bootstrap_interval(right)


def _protocol(chosen: TrainingSet, fit: TagHeadFit) -> str:
    if chosen.group_by == "artist":
        return f"{fit.folds}-fold CV grouped by artist"
    return f"{fit.folds}-fold CV over tracks, not grouped by artist"


def _percent(x: float | None) -> str:
    return "–" if x is None or x != x else f"{100 * x:.1f} %"


def summary_line(facts: dict) -> str:
    """One line: the CV figure with its interval, the protocol and the counts."""
    cv = facts["cv"]
    unseen = (
        "tracks by artists it did not learn from" if facts["artists"] is not None else "tracks it did not learn from"
    )
    return (
        f"{_percent(cv['accuracy'])} [{_percent(cv['ci_low'])}, {_percent(cv['ci_high'])}] agree with your tags on "
        f"{unseen} ({facts['protocol']}; {cv['n']} tracks, {len(facts['genres'])} genres)"
    )


def merge_text(merge: dict) -> str:
    """``Hip-Hop: Hip-Hop (10), Hip Hop (5)``: a merged genre and its spellings with their counts."""
    spellings = ", ".join(f"{s} ({n})" for s, n in merge["spellings"])
    return f"{merge['name']}: {spellings}" + (" (by the map)" if merge["mapped"] else "")


def report_markdown(facts: dict, model_path: str | Path) -> str:
    """The report a person reads: the estimate and what it means, per genre, confusions, merges, drops."""
    cv, genres = facts["cv"], facts["genres"]
    lines = [
        f"# Genres learned from your library: `{facts['name']}`",
        "",
        f"**{summary_line(facts)}.**",
        "",
        "What this figure is: an estimate, for this library, of how often the model names the genre your own tags "
        "give, measured on tracks it was not fitted on"
        + (
            ", by artists whose other tracks it was not fitted on either. Tracks by artists it learned from will "
            "often do better; music unlike your library's, worse."
            if facts["artists"] is not None
            else " (not grouped by artist: tracks by an artist it learned from flatter this figure)."
        )
        + " The interval is a 95 % bootstrap "
        + ("resampling whole artists. " if facts["artists"] is not None else "over tracks. ")
        + "The same cross-validation chose the regularisation, so the figure is slightly optimistic; and your "
        "tags are the reference, so where they disagree with each other some 'mistakes' are the tags'.",
        "",
        "| genre | tracks | artists | right (out of fold) | accuracy | 95 % interval |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for genre, g in cv["per_genre"].items():
        lines.append(
            f"| {genre} | {g['tracks']} | {g['artists']} | {g['right']} | {_percent(g['accuracy'])} | "
            f"{_percent(g['ci_low'])} – {_percent(g['ci_high'])} |"
        )
    lines += ["", "## Confusions (rows: your tag, columns: the model's answer out of fold)", ""]
    lines.append("| | " + " | ".join(genres) + " |")
    lines.append("|---|" + "---:|" * len(genres))
    lines += [
        f"| {g} | " + " | ".join(str(n) for n in row) + " |" for g, row in zip(genres, facts["confusion"], strict=True)
    ]
    unc = facts["uncertain"]
    lines += [
        "",
        "## Confidence",
        "",
        f"Temperature {facts['temperature']:.3f}. A track whose top probability is below "
        f"**{facts['uncertain_below']:.3f}** is marked *uncertain* (it may be none of these genres); `label` leaves "
        f"such files alone. Out of fold, {unc['flagged']} of {cv['n']} tracks were under it (right on "
        f"{_percent(unc['accuracy_flagged'])} of them, {_percent(unc['accuracy_rest'])} of the rest).",
        "",
        "## Names merged",
        "",
    ]
    lines += [f"- {merge_text(m)}" for m in facts["merged"]] or ["None."]
    lines += ["", "## Genres left out", ""]
    lines += [f"- {d['name']}: {d['reason']}" for d in facts["dropped"]] or ["None."]
    aside = facts["set_aside"]
    lines += [
        "",
        "## Files",
        "",
        f"{facts['tracks']} tracks taught the model; {facts['unlabelled']} carry no genre (what `label --learn` "
        f"fills); {aside['count']} were left out"
        + (
            f", {facts['tracks_without_artist']} name no artist (each counted as an artist of its own)"
            if facts["artists"] is not None
            else ""
        )
        + ".",
    ]
    lines += [f"- {line}" for line in aside["files"]]
    if aside["count"] > len(aside["files"]):
        lines.append(f"- … and {aside['count'] - len(aside['files'])} more")
    lines += [
        "",
        f"C = {facts['c']:g}; {facts['windows']} windows of 30 s; learned in {facts['seconds']:.0f} s. "
        f"Use it: `musicgenre predict FILES --model {model_path}`.",
        "",
    ]
    return "\n".join(lines)


__all__ = ["card_facts", "merge_text", "report_markdown", "summary_line"]
