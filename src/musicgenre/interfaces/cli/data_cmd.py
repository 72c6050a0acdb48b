"""``musicgenre data``: inspect datasets (``data check PATH`` prints the integrity report)."""

from __future__ import annotations

import sys

import click

from musicgenre.datasets.dataset import DatasetError
from musicgenre.datasets.folders import find_dataset
from musicgenre.datasets.integrity import FOLDERS_CHECK, GTZAN_CHECK, check_integrity


@click.group("data")
def command() -> None:
    """Inspect datasets: find GTZAN (either layout) or labelled folders, check their integrity."""


@command.command("check")
@click.argument("path", type=click.Path(path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (every list in full).")
@click.option(
    "--seconds", type=float, default=None, help="Expected clip length in s (GTZAN: 30; labelled folders: not checked)."
)
@click.option(
    "--tolerance", type=float, default=None, show_default="1.0", help="Allowed distance from --seconds, in s."
)
@click.option("-j", "--jobs", type=int, default=2, show_default=True, help="Threads decoding files.")
@click.option("--strict", is_flag=True, help="Exit with status 1 when any problem (including missing clips) is found.")
def check(path: str, as_json: bool, seconds: float | None, tolerance: float | None, jobs: int, strict: bool) -> None:
    """Decode every audio file under PATH once and report missing clips, undecodable files (with the
    reason), wrong lengths, duplicate content and, for GTZAN, its known faults (jazz.00054 and the 70
    clips outside the fault-filtered split)."""
    try:
        dataset = find_dataset(path)
    except DatasetError as error:
        click.echo(f"musicgenre data check: {error}", err=True)
        sys.exit(2)
    base = GTZAN_CHECK if dataset.kind == "gtzan" else FOLDERS_CHECK
    config = type(base)(
        expected_seconds=seconds if seconds is not None else base.expected_seconds,
        tolerance_seconds=tolerance if tolerance is not None else base.tolerance_seconds,
        expected_sample_rate=base.expected_sample_rate,
        workers=max(1, jobs),
    )
    n_files = len(dataset.tracks) + len(dataset.set_aside)
    show_bar = sys.stderr.isatty()
    with click.progressbar(length=n_files, label="decoding", file=sys.stderr, hidden=not show_bar) as bar:
        done = [0]

        def advance(n: int, total: int) -> None:
            bar.update(n - done[0])
            done[0] = n

        report = check_integrity(dataset, config, progress=advance)
    click.echo(report.to_json() if as_json else report.render_text())
    if strict and not report.ok:
        sys.exit(1)
