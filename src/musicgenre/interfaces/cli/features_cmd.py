"""``musicgenre features PATH... --recipe kaggle30 -o out.csv``: a feature table of audio files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from musicgenre.interfaces.cli.batch_options import cluster_option


def _recipe_names() -> list[str]:
    from musicgenre.features.recipes import RECIPES

    return sorted(RECIPES)


@click.command("features")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--recipe",
    "-r",
    default="kaggle30",
    show_default=True,
    type=click.Choice(_recipe_names()),
    help="Feature recipe (kaggle30: the 57 columns of the public GTZAN table).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output .csv or .parquet (default: CSV on standard output).",
)
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes [default: all cores].")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Per-file feature cache [default: ~/.cache/musicgenre/features].",
)
@cluster_option("The cache stays on this machine.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def command(
    paths: tuple[Path, ...],
    recipe: str,
    output: Path | None,
    jobs: int | None,
    cache_dir: Path | None,
    no_cache: bool,
    cluster: str | None,
    quiet: bool,
) -> None:
    """Extract features of audio files, folders (searched recursively) and glob patterns into one table.

    Columns: filename, length (samples at the recipe's rate), the recipe's features, and label when
    the parent folder is a genre name. Files that fail are listed at the end (one line each) and
    the exit status is 1; the others are still written.
    """
    from tqdm import tqdm

    from musicgenre.executors import ClusterError, executor_for
    from musicgenre.executors.base import default_jobs
    from musicgenre.features.cache import DEFAULT_CACHE_DIR
    from musicgenre.features.extract import ExtractConfig, extract, write_table

    if output is not None and output.suffix.lower() not in (".csv", ".parquet"):
        raise click.BadParameter("must end in .csv or .parquet", param_hint="--output")
    config = ExtractConfig(recipe=recipe, cache_dir=None if no_cache else (cache_dir or DEFAULT_CACHE_DIR))
    executor = executor_for(jobs or default_jobs(), cluster or None)
    with tqdm(desc=f"features ({recipe})", unit="file", file=sys.stderr, disable=quiet, dynamic_ncols=True) as bar:
        try:
            result = extract(paths, config, progress=bar.update, total=lambda n: bar.reset(total=n), executor=executor)
        except ClusterError as error:
            raise click.ClickException(str(error)) from None
    frame = result.to_frame()
    if output is None:
        frame.to_csv(sys.stdout, index=False)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        write_table(frame, output)
    where = f" to {output}" if output is not None else ""
    click.echo(
        f"{len(result.rows)} file(s) written{where} ({result.n_cached} from cache), {len(result.failures)} failed",
        err=True,
    )
    for failure in result.failures:
        click.echo(f"FAILED {failure}", err=True)
    if result.failures:
        sys.exit(1)
