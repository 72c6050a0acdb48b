"""One self-contained HTML page of an experiment: protocol, leaderboard table and every figure.

The page embeds its PNG images as base64 ``data:`` URIs and its CSS inline, and links nothing outside
itself, so it opens from disk in any browser with no server and no network.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from musicgenre.audio.atomic import write_atomically
from musicgenre.version import __version__
from musicgenre.visualization.experiment import ExperimentRun, LeaderboardRow
from musicgenre.visualization.experiment_figures import NamedFigure, experiment_figures
from musicgenre.visualization.html_page import escape, page_start
from musicgenre.visualization.results import SEED_REFERENCES, Reference, ranked
from musicgenre.visualization.style import figure_png

#: What the known protocols mean, stated at the top of the report (HTML).
PROTOCOL_NOTES: dict[str, str] = {
    "fault-filtered": (
        "Fault-filtered, artist-conditional split of Kereliuk, Sturm &amp; Larsen (2015): trained on 443 clips, "
        "selected on 197 validation clips, scored once on 290 test clips; the 70 faulty clips are left out and "
        "no artist is on both sides, so the test clips are unseen music by unseen artists."
    ),
    "kfold": (
        "Stratified k-fold over all clips: every clip is scored once, by the fold that did not train on it. "
        "Folds are random, with no artist filter and GTZAN's faulty and repeated clips kept, so the same artists fall "
        "on both sides: like the seed's random split, numbers run optimistic next to fault-filtered ones."
    ),
    "holdout": (
        "One random split of all clips (the seed study's kind of split): artists repeat across train and test, "
        "so numbers run optimistic."
    ),
    "stratified": (
        "Random stratified 500 / 250 / 250 split of all 1000 clips: artists repeat across train and test, "
        "so numbers run optimistic."
    ),
}

#: Why the seed's numbers are drawn but not directly comparable (HTML).
SEED_NOTE = (
    "The seed study's 62 % (validation) and 64.4 % (unseen clips) were measured on a random split of GTZAN, "
    "where the same artists and GTZAN's repeated clips fall on both sides, and without intervals; they are drawn "
    "for orientation, and are directly comparable only to a random-split protocol."
)

#: experiment.json keys shown as a plain "key: value" list (others are summarised or left out).
META_SCALARS = ("data", "data_kind", "n_tracks", "seed", "date", "seconds_this_run")

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto; max-width: 1400px;
       padding: 1.5rem 2rem 3rem; color: #222; line-height: 1.45; background: #fff; }
h1 { font-size: 1.7rem; margin-bottom: 0.3rem; }
h2 { font-size: 1.3rem; margin-top: 2.2rem; border-bottom: 2px solid #ddd; padding-bottom: 0.2rem; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 0.4rem; }
.protocol { background: #eef4fb; border-left: 5px solid #1f4e79; padding: 0.8rem 1rem; margin: 1rem 0; }
.protocol .name { font-size: 1.2rem; font-weight: bold; }
.warning { background: #fff4e5; border-left: 5px solid #e07b00; padding: 0.6rem 1rem; margin: 1rem 0; }
dl.meta { display: grid; grid-template-columns: max-content auto; gap: 0.15rem 1rem; margin: 0.5rem 0 0; }
dl.meta dt { font-weight: 600; color: #555; } dl.meta dd { margin: 0; }
table { border-collapse: collapse; margin: 0.8rem 0; font-variant-numeric: tabular-nums; }
th, td { padding: 0.35rem 0.8rem; border-bottom: 1px solid #ddd; text-align: right; }
th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
tr.reference td { color: #7d3c98; font-style: italic; }
figure { margin: 0.8rem 0 1.6rem; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
nav ul { columns: 3; font-size: 0.95rem; }
footer { margin-top: 3rem; color: #777; font-size: 0.85rem; }
"""


@dataclass(frozen=True)
class ReportImage:
    """A PNG for the page: ``png`` bytes, a slug for its anchor, a title, and the model it belongs to."""

    slug: str
    title: str
    png: bytes
    model: str | None = None


_e = escape  # the short name the page builders use


def _pct(value: float) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value * 100:.1f} %"


def data_uri(png: bytes) -> str:
    """``data:image/png;base64,…`` for ``png`` bytes."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def leaderboard_table(
    rows: Sequence[LeaderboardRow], references: Sequence[Reference] = SEED_REFERENCES, interval: str = "interval"
) -> str:
    """The leaderboard as an HTML table (best first), the references as italic rows beneath."""
    body = []
    for rank, row in enumerate(ranked(rows), start=1):
        seconds = f"{row.train_seconds:.1f}" if math.isfinite(row.train_seconds) else "–"
        f1 = f"{row.macro_f1:.3f}" if math.isfinite(row.macro_f1) else "–"
        spread = f" ± {row.accuracy_std * 100:.1f}" if row.folds > 1 and math.isfinite(row.accuracy_std) else ""
        body.append(
            f"<tr><td>{rank}. {_e(row.model)}</td><td>{_pct(row.accuracy)}{spread}</td>"
            f"<td>{_pct(row.ci_low)} – {_pct(row.ci_high)}</td>"
            f"<td>{_pct(row.valid_accuracy)}</td><td>{f1}</td><td>{row.n_test or '–'}</td><td>{seconds}</td></tr>"
        )
    for ref in references:
        test, valid = (_pct(ref.accuracy), "") if ref.measured_on == "test" else ("", _pct(ref.accuracy))
        body.append(
            f'<tr class="reference"><td>{_e(ref.label)}</td><td>{test}</td><td></td><td>{valid}</td>'
            + "<td></td>" * 3
            + "</tr>"
        )
    head = (
        f"<tr><th>model</th><th>test accuracy</th><th>{_e(interval)}</th><th>validation accuracy</th><th>macro F1</th>"
        "<th>test clips</th><th>training (s)</th></tr>"
    )
    return f"<table>\n<thead>{head}</thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody>\n</table>"


def _protocol_block(run: ExperimentRun) -> str:
    protocol = run.protocol
    note = PROTOCOL_NOTES.get(protocol.lower(), "")
    meta = run.meta
    items = [(key, meta[key]) for key in META_SCALARS if key in meta and not isinstance(meta[key], (dict, list))]
    items += [
        (key, value)
        for key, value in meta.items()
        if key not in META_SCALARS and key != "protocol" and isinstance(value, (str, int, float)) and key != "notes"
    ]
    folds = meta.get("folds")
    if isinstance(folds, list) and folds and all(isinstance(f, dict) for f in folds):
        sizes = sorted({(f.get("train"), f.get("valid"), f.get("test")) for f in folds}, key=str)
        text = "; ".join(f"{tr} / {va} / {te}" for tr, va, te in sizes)
        items.append(("folds", f"{len(folds)} × train / valid / test clips: {text}"))
    rows = "".join(f"<dt>{_e(key)}</dt><dd>{_e(value)}</dd>" for key, value in items)
    notes = meta.get("notes")
    notes_html = ""
    if isinstance(notes, dict) and notes:
        notes_html = "<ul>" + "".join(f"<li><strong>{_e(k)}</strong>: {_e(v)}</li>" for k, v in notes.items()) + "</ul>"
    return (
        '<section class="protocol"><div class="name">Protocol: '
        + _e(protocol)
        + "</div>"
        + (f"<p>{note}</p>" if note else "")
        + (f'<dl class="meta">{rows}</dl>' if rows else "")
        + notes_html
        + "</section>"
    )


def _missing_block(run: ExperimentRun) -> str:
    missing, problems = run.all_missing(), run.all_problems()
    if not missing and not problems:
        return ""
    items = [f"<li>missing: <code>{_e(name)}</code></li>" for name in missing]
    items += [f"<li>unreadable: <code>{_e(problem)}</code></li>" for problem in problems]
    return (
        '<section class="warning"><strong>Incomplete experiment folder</strong> — '
        "the figures of what exists are shown; "
        "not shown:<ul>" + "".join(items) + "</ul></section>"
    )


def _figure(image: ReportImage) -> str:
    return f'<figure id="{_e(image.slug)}"><img src="{data_uri(image.png)}" alt="{_e(image.title)}"></figure>'


def report_html(
    run: ExperimentRun, images: Sequence[ReportImage], title: str | None = None, generated: datetime | None = None
) -> str:
    """The whole page as a string: title, protocol, what is missing, leaderboard table and chart, then per model
    its figures under a heading. Pure: no file access, all images given as PNG bytes."""
    title = title or f"Experiment report — {run.path.name or run.path}"
    generated = generated or datetime.now(timezone.utc)
    parts = [
        *page_start(title, CSS),
        _protocol_block(run),
        _missing_block(run),
        "<h2>Leaderboard</h2>",
    ]
    if run.leaderboard:
        parts.append(leaderboard_table(run.leaderboard, interval=run.interval))
        parts.append(
            "<p>Test accuracy on the protocol's test clips (k-fold: ± is the spread over folds), "
            f"with its {_e(run.interval)} "
            "(the leaderboard's <code>ci_low</code>–<code>ci_high</code>). " + SEED_NOTE + "</p>"
        )
    else:
        parts.append("<p>No leaderboard in this folder.</p>")
    parts += [_figure(image) for image in images if image.model is None]
    models = list(dict.fromkeys(image.model for image in images if image.model is not None))
    if models:
        parts.append(
            "<nav><h2>Models</h2><ul>"
            + "".join(f'<li><a href="#model-{i}">{_e(m)}</a></li>' for i, m in enumerate(models))
            + "</ul></nav>"
        )
    for i, model in enumerate(models):
        row = run.row(model)
        summary = f" — {_pct(row.accuracy)} [{_pct(row.ci_low)} – {_pct(row.ci_high)}]" if row else ""
        parts.append(f'<h2 id="model-{i}">{_e(model)}{_e(summary)}</h2>')
        parts += [_figure(image) for image in images if image.model == model]
    parts.append(
        f"<footer>Made by musicgenre {_e(__version__)} from <code>{_e(run.path)}</code> on "
        f"{generated:%Y-%m-%d %H:%M} UTC.</footer>"
    )
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def render_images(figures: Iterable[NamedFigure]) -> list[ReportImage]:
    """PNG bytes of each figure (each figure is released after encoding)."""
    images = []
    for named in figures:
        images.append(ReportImage(named.slug, named.title, figure_png(named.figure), named.model))
        named.figure.clear()
    return images


def write_report(run: ExperimentRun, path: str | Path) -> Path:
    """Draw every figure of ``run``, build the page and write it to ``path`` (parent folders created; whole or not
    at all, never through a planted link: :func:`~musicgenre.audio.atomic.write_atomically`)."""
    path = Path(path)
    page = report_html(run, render_images(experiment_figures(run)))
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, page)
    return path
