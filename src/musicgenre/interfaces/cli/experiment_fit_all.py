"""``musicgenre experiment fit-all``: one zoo model fitted on every track, written as a shippable ONNX Model file."""

from __future__ import annotations

import time

import click

from musicgenre.interfaces.cli.experiment_options import (
    AUDIO_HELP,
    data_option,
    output_option,
    seed_option,
    table_option,
    threads_option,
)


@click.command("fit-all")
@click.argument("model")
@table_option(required=False)
@data_option(required=False, help=AUDIO_HELP)
@seed_option
@threads_option
@output_option("The ONNX Model file to write (MODEL.onnx).")
def command(model, table, data_path, seed, threads, output) -> None:
    """Fit MODEL (a zoo name, e.g. ensemble) on every track of --table or --data and write its ONNX file.

    \b
    musicgenre experiment fit-all ensemble --table ../shared/gtzan/features_30_sec.csv -o model.onnx
    musicgenre experiment fit-all logreg --data ~/GTZAN -o logreg.onnx
    """
    from musicgenre.interfaces.cli.experiment_run import fail, load_audio_data, log, require_gtzan_labels, set_threads

    if bool(table) == bool(data_path):
        raise click.UsageError("give exactly one of --table CSV or --data FOLDER")
    set_threads(threads)
    from musicgenre.evaluation import export_all, load_table_study

    start = time.perf_counter()
    if data_path:
        require_gtzan_labels(data_path)
        data = load_audio_data(data_path)
    else:
        try:
            data = load_table_study(table)
        except (ValueError, OSError) as error:
            fail(error)
    path = export_all(data, model, output, seed=seed, log=log)
    click.echo(f"{path}: {model} fitted on all {len(data)} tracks ({time.perf_counter() - start:.0f} s)")
