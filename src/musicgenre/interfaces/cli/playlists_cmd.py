"""``musicgenre playlists``: one extended M3U8 playlist per genre from the predictions ``predict -o`` wrote."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("playlists")
@click.argument("predictions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    "folder",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the playlists (created): <genre>.m3u8 each.",
)
@click.option(
    "--min-probability",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Leave out tracks whose genre's probability is below P.",
)
@click.option("--exclude-uncertain", is_flag=True, help="Leave out tracks marked uncertain (and not music).")
@click.option(
    "--base",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The folder predict ran in: relative paths in PREDICTIONS are relative to it.",
)
def command(predictions: Path, folder: Path, min_probability: float, exclude_uncertain: bool, base: Path) -> None:
    """Write one playlist per genre from PREDICTIONS (the CSV, JSONL or JSON of `musicgenre predict -o`).

    Each DIR/<genre>.m3u8 lists that genre's tracks as paths relative to DIR where possible, with #EXTINF
    duration and file name; files that no longer exist are left out and counted. Failed rows are skipped. Genres
    whose file names would clash, or are too long, get a short hash of the genre after the name. A malformed
    predictions file is refused in one line naming its line.
    """
    from musicgenre.inference.library import PredictionsError
    from musicgenre.inference.playlists import PlaylistFilter, read_predictions, write_playlists

    try:
        tracks = read_predictions(predictions)
    except PredictionsError as error:
        raise click.ClickException(str(error)) from None
    try:
        report = write_playlists(tracks, folder, PlaylistFilter(min_probability, exclude_uncertain), base)
    except OSError as error:
        raise click.ClickException(f"{folder}: cannot write playlists ({error.strerror or error})") from None
    for playlist in sorted(report.playlists, key=lambda p: p.genre):
        n = len(playlist.tracks)
        click.echo(f"{playlist.path}  {n} track{'' if n == 1 else 's'}")
    listed = sum(len(p.tracks) for p in report.playlists)
    click.echo(
        f"{len(report.playlists)} playlists written, {listed} tracks of {report.read} classified; "
        f"{report.filtered} left out by the filters, {len(report.missing)} no longer found",
        err=True,
    )
    for name in report.unlistable:
        click.echo(f"left out (a line break in its name, which M3U cannot hold): {name!r}", err=True)
    for name in report.missing[:5]:
        click.echo(f"not found: {name}", err=True)
    if len(report.missing) > 5:
        click.echo(f"… and {len(report.missing) - 5} more not found", err=True)
    for genre, reason in report.failed:
        click.echo(f"not written ({genre!r}): {reason}", err=True)
    if report.failed:
        raise SystemExit(1)
