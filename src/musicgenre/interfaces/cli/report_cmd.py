"""``musicgenre report``: one self-contained HTML page of an experiment folder."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("report.html"),
    show_default=True,
    help="HTML file to write.",
)
def command(run_dir: Path, output: Path) -> None:
    """Build one HTML page from RUN_DIR (a folder written by `musicgenre experiment`): the protocol, the
    leaderboard table and every figure, images embedded, opening from disk with no server."""
    from musicgenre.visualization.experiment import ExperimentError, load_experiment
    from musicgenre.visualization.report import write_report

    try:
        run = load_experiment(run_dir)
    except ExperimentError as error:
        raise click.ClickException(str(error)) from None
    for name in run.all_missing():
        click.echo(f"missing: {run_dir / name}", err=True)
    for problem in run.all_problems():
        click.echo(f"unreadable: {run_dir / problem}", err=True)
    click.echo(f"wrote {write_report(run, output)}")
