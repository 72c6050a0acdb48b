"""``musicgenre report``: one self-contained HTML page of an experiment folder, or of a library's predictions."""

from __future__ import annotations

from pathlib import Path

import click

from musicgenre.interfaces.cli.output_file import OutputFile


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("source", metavar="RUN_DIR|PREDICTIONS", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=OutputFile(),
    default=Path("report.html"),
    show_default=True,
    help="HTML file to write.",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Library report: the embedding cache to place tracks without --explain tags on the map "
    "[default: ~/.cache/musicgenre/musicnn].",
)
@click.option("--no-cache", is_flag=True, help="Library report: do not look in the embedding cache.")
@click.option(
    "--base",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Library report: the folder predict ran in (relative paths in PREDICTIONS are relative to it).",
)
def command(source: Path, output: Path, cache_dir: Path | None, no_cache: bool, base: Path) -> None:
    """Build one HTML page that opens from disk with no server.

    RUN_DIR (a folder written by `musicgenre experiment`): the protocol, the leaderboard table and every figure,
    images embedded.

    PREDICTIONS (the CSV, JSONL or JSON file `musicgenre predict -o` wrote): an overview of the library: genre
    shares, the distribution of confidence, the uncertain / not-music / failed files to review, the tracks whose
    windows disagree (with --timeline) and a 2-D map of the tracks by their tags (with --explain, or from the
    embedding cache).
    """
    if source.is_file():
        _library_report(source, output, cache_dir, no_cache, base)
    else:
        _experiment_report(source, output)


def _library_report(predictions: Path, output: Path, cache_dir: Path | None, no_cache: bool, base: Path) -> None:
    from musicgenre.inference.library import PredictionsError
    from musicgenre.visualization.library_report import write_library_report

    try:
        report = write_library_report(predictions, output, read_cache=not no_cache, cache_dir=cache_dir, base=base)
    except PredictionsError as error:
        raise click.ClickException(str(error)) from None
    except OSError as error:
        raise click.ClickException(f"{output}: cannot write ({error.strerror or error})") from None
    for file, reason in report.skipped:
        click.echo(f"map: skipped {file!r} ({reason})", err=True)
    if report.map_source is None:
        click.echo("map: no tags to place the tracks by (predict --explain, or musicgenre embed)", err=True)
    click.echo(f"wrote {report.path} ({report.tracks} tracks, {report.size / 1e6:.2f} MB)")


def _experiment_report(run_dir: Path, output: Path) -> None:
    from musicgenre.audio.atomic import write_atomically
    from musicgenre.visualization.experiment import ExperimentError, load_experiment
    from musicgenre.visualization.experiment_figures import experiment_figures
    from musicgenre.visualization.report import render_images, report_html

    try:
        run = load_experiment(run_dir)
    except ExperimentError as error:
        raise click.ClickException(str(error)) from None
    for name in run.all_missing():
        click.echo(f"missing: {run_dir / name}", err=True)
    for problem in run.all_problems():
        click.echo(f"unreadable: {run_dir / problem}", err=True)
    page = report_html(run, render_images(experiment_figures(run)))  # as write_report, then written atomically
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(output, page)
    except OSError as error:
        raise click.ClickException(f"{output}: cannot write ({error.strerror or error})") from None
    click.echo(f"wrote {output}")
