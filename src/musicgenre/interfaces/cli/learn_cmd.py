"""``musicgenre learn``: learn the genres of your own library from the files that already carry one."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from musicgenre.interfaces.cli.batch_options import cluster_option, jobs_option, pick_jobs, progress_option
from musicgenre.interfaces.cli.learn_options import learn_from, learn_options, merge_map, require_learning_packages
from musicgenre.interfaces.cli.output_file import OutputFile


@click.command("learn")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    type=OutputFile(),
    required=True,
    help="The model file to write (MODEL.onnx; its card and report go beside it).",
)
@click.option(
    "--from",
    "source",
    type=click.Choice(["tags", "folders"]),
    default="tags",
    show_default=True,
    help="Where each file's genre comes from: its tags, or the name of the first folder below each PATH.",
)
@learn_options
@click.option(
    "--map",
    "map_items",
    multiple=True,
    metavar="SPELLING=GENRE",
    help="Learn files tagged SPELLING (any case, spacing or hyphens) as GENRE, e.g. --map Rap=Hip-Hop (repeatable).",
)
@click.option(
    "--map-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help='A TOML file of "Spelling" = "Genre" lines (optionally under [map]); --map entries win.',
)
@jobs_option
@cluster_option("Each track is analysed where it runs.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the cross-validation folds.")
@progress_option
def command(paths, output, source, min_tracks, multiple, group_by, map_items, map_file, jobs, cluster, seed, progress):
    """Learn the genres PATHS already carry, and write a model that predict, label, serve and classify() use.

    PATHS are files, folders searched recursively or glob patterns. Use the model with --model MODEL.onnx.
    Genres come from the tags (ID3 TCON, Vorbis GENRE, MP4 ©gen), with their spellings merged (case, spaces,
    hyphens, & and "and"). Genres with fewer than --min-tracks tracks, or all by one artist, are left out and
    listed. Cross-validation keeps each artist on one side, so the accuracy it reports estimates how the model
    does on artists it has not learned from, in this library.

    Examples:

    \b
    musicgenre learn ~/Music -o my-genres.onnx
    musicgenre learn ~/Music -o my-genres.onnx --map Rap=Hip-Hop --min-tracks 20
    musicgenre learn ~/Sorted -o my-genres.onnx --from folders      # ~/Sorted/<genre>/...
    musicgenre label ~/Music --model my-genres.onnx                  # then fill the files without a genre
    """
    require_learning_packages()
    from musicgenre.audio import find_inputs
    from musicgenre.executors import ClusterError

    if output.suffix.lower() != ".onnx":
        raise click.UsageError("-o must name an .onnx file")
    mapping = merge_map(map_items, map_file)
    files: list[str] = []
    if source == "tags":
        files, nothing = find_inputs(paths)
        for item, reason in nothing:
            click.echo(f"{item}: {reason}", err=True)
    try:
        learn_from(
            files,
            output,
            source=source,
            roots=paths,
            min_tracks=min_tracks,
            multiple=multiple,
            group_by=group_by,
            mapping=mapping,
            jobs=pick_jobs(jobs, len(files) or 100),
            cluster=cluster,
            seed=seed,
            progress=sys.stderr.isatty() if progress is None else progress,
        )
    except ClusterError as error:
        raise click.ClickException(str(error)) from None
