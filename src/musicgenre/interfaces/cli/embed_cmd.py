"""``musicgenre embed``: musicnn embeddings of audio files to a Parquet/CSV table, per track or per patch."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import click

from musicgenre.interfaces.cli.batch_options import cluster_option


@click.command("embed")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Table to write: .parquet (needs pyarrow) or .csv.",
)
@click.option(
    "--layer",
    type=click.Choice(["max_pool", "mean_pool", "penultimate", "taggram"]),
    default="max_pool",
    show_default=True,
    help="max_pool / mean_pool: 753 values; penultimate: 200; taggram: the 50 tag probabilities.",
)
@click.option("--model", type=click.Choice(["msd", "mtt"]), default="msd", show_default=True)
@click.option(
    "--patches", is_flag=True, help="One row per 3 s patch (with patch, start_s, end_s) instead of per track."
)
@click.option(
    "-j", "--jobs", type=click.IntRange(min=0), default=1, show_default=True, help="Worker processes (0: one per core)."
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Cache of per-file outputs, keyed by content hash [default: ~/.cache/musicgenre/musicnn].",
)
@cluster_option("The cache stays on this machine.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@click.option(
    "--progress/--no-progress", default=None, help="Progress bar on stderr (default: when stderr is a terminal)."
)
def command(paths, output, layer, model, patches, jobs, cache_dir, cluster, no_cache, progress):
    """musicnn embeddings of PATHS (audio files, folders searched recursively, glob patterns).

    Per track (default) a row is the mean over the track's 3 s patches; with --patches, one row per patch.
    Outputs are cached per file content as each file finishes, so a second run (any layer) reads them back.
    Files that cannot be read, are shorter than 1 s or silent are listed on stderr, one line each, and left
    out; the exit status is 1 if any failed. A clip shorter than a 3 s patch is repeated to fill one.
    """
    _require_backbone_packages()
    from tqdm import tqdm

    from musicgenre.backbones.musicnn.embed import DEFAULT_CACHE_DIR, EmbedConfig, embed_files, to_frame
    from musicgenre.executors import ClusterError, executor_for
    from musicgenre.executors.base import default_jobs
    from musicgenre.features.extract import write_table

    if output.suffix.lower() not in (".parquet", ".csv"):
        raise click.UsageError("-o must end in .parquet or .csv")
    if output.suffix.lower() == ".parquet" and importlib.util.find_spec("pyarrow") is None:
        raise click.ClickException(
            "writing Parquet needs pyarrow (pip install 'musicgenre[parquet]'), or give -o FILE.csv"
        )
    _check_writable(output)  # before the work, so a bad -o never costs a finished run
    config = EmbedConfig(model=model, cache_dir=None if no_cache else (cache_dir or DEFAULT_CACHE_DIR))
    executor = executor_for(jobs or default_jobs(), cluster or None)
    show = sys.stderr.isatty() if progress is None else progress
    with tqdm(total=0, disable=not show, file=sys.stderr, unit="file", dynamic_ncols=True, leave=False) as bar:

        def set_total(n: int) -> None:
            bar.reset(total=n)

        try:
            run = embed_files(paths, config, progress=bar.update, total=set_total, executor=executor)
        except ClusterError as error:
            raise click.ClickException(str(error)) from None
    for failure in run.failures:
        click.echo(f"error: {failure}", err=True)
    for reason in run.cache_errors:
        click.echo(f"warning: outputs not cached ({reason})", err=True)
    if not run.tracks:
        click.echo(f"nothing embedded ({len(run.failures)} failed); {output} not written", err=True)
        sys.exit(1)
    frame = to_frame(run, layer=layer, patches=patches, model=model)
    try:
        write_table(frame, output)
    except (ImportError, OSError) as error:
        again = (
            "; the outputs are cached, run again with another -o" if config.cache_dir and not run.cache_errors else ""
        )
        raise click.ClickException(
            f"{output}: cannot write the table ({type(error).__name__}: {error}){again}"
        ) from None
    dim = sum(c.startswith("e") and c[1:].isdigit() for c in frame.columns)
    click.echo(
        f"{len(run.tracks)} embedded ({run.n_cached} from cache), {len(run.failures)} failed; "
        f"{len(frame)} rows x {dim} values ({layer}, {'per patch' if patches else 'mean over patches'}) -> {output}",
        err=True,
    )
    sys.exit(1 if run.failures else 0)


def _check_writable(output: Path) -> None:
    """Create the output's folder and make sure a file can be written there; else a one-line error."""
    import tempfile

    if output.is_dir():
        raise click.UsageError(f"-o {output} is a folder; give a .parquet or .csv file name")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=output.parent, prefix=".embed-", suffix=".tmp"):
            pass
    except OSError as error:
        raise click.ClickException(f"{output}: cannot write there ({error.strerror or error})") from None


def _require_backbone_packages() -> None:
    """torch and safetensors come with the ``backbones`` extra; say so instead of a traceback."""
    import importlib.util

    missing = [m for m in ("torch", "safetensors") if importlib.util.find_spec(m) is None]
    if missing:
        raise click.ClickException(f"musicnn needs {', '.join(missing)}: pip install 'musicgenre[backbones]'")
