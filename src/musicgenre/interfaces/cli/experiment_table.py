"""``musicgenre experiment table``: the zoo's models that read a feature table, under a protocol."""

from __future__ import annotations

import time

import click

from musicgenre.interfaces.cli.experiment_options import (
    FOLDER_HELP,
    max_epochs_option,
    models_option,
    output_option,
    protocol_options,
    seed_option,
    table_option,
    threads_option,
)


@click.command("table")
@table_option(required=True)
@protocol_options
@models_option()
@seed_option
@max_epochs_option
@threads_option
@output_option(FOLDER_HELP)
def command(table, protocol, k, models, seed, max_epochs, threads, output) -> None:
    """Train and evaluate the zoo's models on a feature table into an Experiment folder.

    \b
    musicgenre experiment table --table ../shared/gtzan/features_30_sec.csv --protocol fault-filtered -o runs/ff
    musicgenre experiment table --table ../shared/gtzan/features_30_sec.csv --protocol kfold -o runs/kfold

    Every number names its protocol and carries a 95 % bootstrap interval.
    """
    from musicgenre.interfaces.cli.experiment_run import chosen_models, fail, run_study, set_threads

    set_threads(threads)
    from musicgenre.evaluation import ExperimentConfig, load_table_study

    start = time.perf_counter()
    try:
        data = load_table_study(table)
    except (ValueError, OSError) as error:
        fail(error)
    config = ExperimentConfig(protocol=protocol, models=chosen_models(models), seed=seed, k=k, max_epochs=max_epochs)
    run_study(data, output, config, start)
