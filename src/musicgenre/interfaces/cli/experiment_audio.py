"""``musicgenre experiment audio``: the zoo (CNNs on log-mel too) on a GTZAN audio folder, under a protocol."""

from __future__ import annotations

import time

import click

from musicgenre.interfaces.cli.experiment_options import (
    AUDIO_HELP,
    FOLDER_HELP,
    data_option,
    max_epochs_option,
    models_option,
    output_option,
    protocol_options,
    seed_option,
    threads_option,
)


@click.command("audio")
@data_option(required=True, help=AUDIO_HELP)
@protocol_options
@models_option()
@seed_option
@max_epochs_option
@threads_option
@output_option(FOLDER_HELP)
def command(data_path, protocol, k, models, seed, max_epochs, threads, output) -> None:
    """Train and evaluate the zoo on audio (every clip's features and log-mel) into an Experiment folder.

    \b
    musicgenre experiment audio --data ~/GTZAN --protocol fault-filtered -o runs/audio
    musicgenre experiment audio --data ~/GTZAN --models cnn2d-gap,mlp-mfcc -o runs/audio

    Clips that are not the complete GTZAN get k-fold (said in one line) and a note that the figures are no
    GTZAN accuracy. Genres of your own: musicgenre learn DIR --from folders -o MODEL.onnx.
    """
    from musicgenre.interfaces.cli.experiment_run import (
        chosen_models,
        load_audio_data,
        protocol_for_clips,
        require_gtzan_labels,
        run_study,
        set_threads,
    )

    set_threads(threads)
    from musicgenre.evaluation import ExperimentConfig

    start = time.perf_counter()
    require_gtzan_labels(data_path)
    data = load_audio_data(data_path)
    note, protocol, k = protocol_for_clips(data, protocol, k)
    config = ExperimentConfig(
        protocol=protocol, models=chosen_models(models), seed=seed, k=k, max_epochs=max_epochs, note=note
    )
    run_study(data, output, config, start)
