"""The options ``musicgenre experiment``'s subcommands share, each defined once.

    @table_option(required=True)
    @protocol_options
    @models_option
    @seed_option
    @output_option("Experiment folder (written; a second run into it resumes).")
    def command(table, protocol, k, models, seed, output): ...

Light on purpose: ``musicgenre experiment <mode> --help`` imports this module and nothing heavy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def table_option(*, required: bool, help: str = "Feature table in the layout of features_30_sec.csv.") -> Decorator:
    return click.option("--table", type=click.Path(exists=True, dir_okay=False), required=required, help=help)


def data_option(*, required: bool, help: str) -> Decorator:
    return click.option(
        "--data", "data_path", type=click.Path(exists=True, file_okay=False), required=required, help=help
    )


#: --data for the subcommands that study the zoo on audio.
AUDIO_HELP = "Audio dataset folder: GTZAN in either layout, or <genre>/ folders named by the ten GTZAN genres."


def protocol_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """``--protocol`` and ``-k/--folds`` (its folds under kfold)."""
    function = click.option(
        "-k", "--folds", "k", type=int, default=10, show_default=True, help="Folds for --protocol kfold."
    )(function)
    return click.option(
        "--protocol",
        type=click.Choice(["fault-filtered", "kfold", "holdout"]),
        default="fault-filtered",
        show_default=True,
        help="fault-filtered: published 443/197/290 split; kfold: stratified k folds; "
        "holdout: one random 70/15/15 split (the seed's kind, comparison only).",
    )(function)


def models_option(help: str = "Comma-separated model names (default: every applicable model).") -> Decorator:
    return click.option("--models", default=None, help=help)


seed_option = click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed of splits, initialisation and batches."
)
max_epochs_option = click.option(
    "--max-epochs", type=int, default=None, help="Cap every network's epochs (quick looks)."
)
threads_option = click.option(
    "--threads", type=int, default=1, show_default=True, help="torch threads (the machine is shared)."
)


def output_option(help: str) -> Decorator:
    return click.option("-o", "--output", required=True, help=help)


#: -o of the subcommands that write an Experiment folder.
FOLDER_HELP = "Experiment folder to write (a second run into it resumes: finished models are skipped)."
