"""``musicgenre experiment backbone``: the heads on a pretrained backbone's embedding of every clip."""

from __future__ import annotations

import time

import click

from musicgenre.backbones.registry import BACKBONES
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


@click.command("backbone")
@data_option(required=True, help=AUDIO_HELP)
@click.option(
    "--backbone",
    type=click.Choice(list(BACKBONES)),
    required=True,
    help="The pretrained network whose embedding of each clip the heads read (musicnn's max_pool, "
    "EfficientAT's embedding; mean over the clip's patches).",
)
@protocol_options
@models_option("Comma-separated model names (default: the heads logreg, svm, mlp-kaggle57).")
@seed_option
@max_epochs_option
@threads_option
@output_option(FOLDER_HELP)
def command(data_path, backbone, protocol, k, models, seed, max_epochs, threads, output) -> None:
    """Train and evaluate heads on each clip's embedding by a pretrained backbone into an Experiment folder.

    \b
    musicgenre experiment backbone --data ../shared/gtzan/audio --backbone musicnn-msd --protocol kfold -k 5 -o runs/msd

    Embeddings are cached by content. Genres of your own: musicgenre learn DIR --from folders -o MODEL.onnx.
    """
    from musicgenre.interfaces.cli.experiment_run import (
        chosen_models,
        fail,
        log,
        protocol_for_clips,
        require_gtzan_labels,
        run_study,
        set_threads,
    )

    set_threads(threads)
    from musicgenre.evaluation import ExperimentConfig
    from musicgenre.evaluation.backbone_views import HEADS, load_backbone_data

    start = time.perf_counter()
    require_gtzan_labels(data_path)
    try:
        data = load_backbone_data(data_path, backbone, log=log)
    except (ValueError, OSError) as error:
        fail(error)
    view = data.views[backbone]
    log(f"inputs: {backbone} embeddings ({view.recipe}, mean over its patches), {view.x.shape[1]} values a clip")
    note, protocol, k = protocol_for_clips(data, protocol, k)
    config = ExperimentConfig(
        protocol=protocol,
        models=chosen_models(models) or HEADS,
        seed=seed,
        k=k,
        max_epochs=max_epochs,
        inputs=backbone,
        note=note,
    )
    run_study(data, output, config, start)
