"""``musicgenre experiment``: run the model zoo under a protocol into an Experiment folder, or fit
one model on every track and write its ONNX Model file for shipping (``--fit-all``)."""

from __future__ import annotations

import sys
import time

import click

from musicgenre.backbones.registry import BACKBONES


def _log(message: str) -> None:
    click.echo(message, err=True)


@click.command("experiment")
@click.option(
    "--table", type=click.Path(exists=True, dir_okay=False), help="Feature table in the layout of features_30_sec.csv."
)
@click.option(
    "--data",
    "data_path",
    type=click.Path(exists=True, file_okay=False),
    help="Audio dataset folder (GTZAN in either layout, or <genre>/ folders); enables the CNNs.",
)
@click.option(
    "--protocol",
    type=click.Choice(["fault-filtered", "kfold", "holdout"]),
    default="fault-filtered",
    show_default=True,
    help="fault-filtered: published 443/197/290 split; kfold: stratified k folds; "
    "holdout: one random 70/15/15 split (the seed's kind, comparison only).",
)
@click.option("-k", "--folds", "k", type=int, default=10, show_default=True, help="Folds for --protocol kfold.")
@click.option("--models", default=None, help="Comma-separated model names (default: every applicable model).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of splits, initialisation and batches.")
@click.option(
    "--fit-all",
    "fit_all_model",
    default=None,
    metavar="MODEL",
    help="Fit MODEL on all tracks and write its ONNX file to -o instead of running a study.",
)
@click.option("--max-epochs", type=int, default=None, help="Cap every network's epochs (quick looks).")
@click.option("--threads", type=int, default=1, show_default=True, help="torch threads (the machine is shared).")
@click.option(
    "--backbone",
    type=click.Choice(list(BACKBONES)),
    default=None,
    help="With --data: train heads (logreg, svm, mlp-kaggle57) on each clip's embedding by a pretrained "
    "backbone (GTZAN genres; musicnn's max_pool, EfficientAT's embedding); "
    "musicnn-msd also fits a genre graph on the folders' own genres (any names) "
    "into -o/genre-graph/model.onnx, which predict --model runs.",
)
@click.option(
    "--taggrams",
    type=click.Path(exists=True, file_okay=False),
    default=None,
    help="Folder of musicnn's published GTZAN taggrams (training_/evaluation_data_GTZAN_MSDmusicnn_"
    "taggram.npz): train the taggram heads, hyper-parameters by CV inside the 443 train clips, "
    "test once on the 290 (protocol fault-filtered). With --table: the table's ensemble beside them.",
)
@click.option(
    "--cv",
    "cv",
    type=int,
    default=5,
    show_default=True,
    help="With --taggrams: folds of the CV over the training clips that picks hyper-parameters.",
)
@click.option(
    "--inner-cv",
    "inner_cv",
    type=click.Choice(["blocked", "stratified"]),
    default="blocked",
    show_default=True,
    help="With --taggrams: how that CV cuts the training clips. blocked: each genre's clips sorted by "
    "number, cut into contiguous blocks (an artist proxy, like the artist-conditional test); "
    "stratified: shuffled, by genre only.",
)
@click.option("--list", "list_models", is_flag=True, help="List the zoo and exit.")
@click.option("-o", "--output", default=None, help="Experiment folder (or the .onnx file with --fit-all).")
def command(
    table,
    data_path,
    protocol,
    k,
    models,
    seed,
    fit_all_model,
    max_epochs,
    threads,
    backbone,
    taggrams,
    cv,
    inner_cv,
    list_models,
    output,
) -> None:
    """Train and evaluate the zoo (networks, scikit-learn baselines, ensemble) honestly.

    \b
    musicgenre experiment --table ../shared/gtzan/features_30_sec.csv --protocol fault-filtered -o runs/ff
    musicgenre experiment --table ../shared/gtzan/features_30_sec.csv --protocol kfold -o runs/kfold
    musicgenre experiment --data ~/GTZAN --models cnn2d-gap,mlp-mfcc -o runs/audio
    musicgenre experiment --table ../shared/gtzan/features_30_sec.csv --fit-all ensemble -o model.onnx
    musicgenre experiment --taggrams ../shared/gtzan/musicnn --table ../shared/gtzan/features_30_sec.csv -o runs/tag

    Every number names its protocol and carries a 95 % bootstrap interval. Running again into the
    same folder resumes: finished models are skipped.
    """
    from musicgenre.training.zoo import available_models

    if list_models:
        for name, info in available_models().items():
            click.echo(f"{name:<20} {info.family:<9} {info.inputs:<12} {info.description}")
        return
    if taggrams:
        return _taggram_study(
            taggrams, table, data_path, protocol, models, seed, cv, inner_cv, fit_all_model, backbone, output
        )
    if bool(table) == bool(data_path):
        raise click.UsageError("give exactly one of --table CSV, --data FOLDER or --taggrams FOLDER")
    if not output:
        raise click.UsageError("-o/--output is required")
    if backbone and (not data_path or fit_all_model):
        raise click.UsageError("--backbone needs --data FOLDER (it embeds the audio) and no --fit-all")
    import torch

    from musicgenre.evaluation import ExperimentConfig, export_all, load_audio, load_table, run_experiment

    torch.set_num_threads(max(1, threads))
    start = time.perf_counter()
    if backbone == "musicnn-msd" and not _gtzan_labels(data_path):
        return _genre_graph(data_path, output, seed)
    if data_path and not backbone and not _gtzan_labels(data_path):
        raise click.UsageError(
            "the zoo's models have the ten GTZAN genres as outputs and these folders name others; for genres of "
            f"your own: musicgenre learn {data_path} --from folders -o MODEL.onnx (or --backbone musicnn-msd)"
        )
    try:
        if backbone:
            from musicgenre.evaluation.musicnn_study import load_backbone_data

            data = load_backbone_data(data_path, backbone, log=_log)
        elif table:
            data = load_table(table)
        else:
            data = load_audio(
                data_path,
                progress=lambda i, n, clip: _log(f"features {i}/{n} {clip}") if i == n or i % 25 == 1 else None,
            )
    except (ValueError, OSError) as error:
        click.echo(f"musicgenre experiment: {error}", err=True)
        sys.exit(2)
    if fit_all_model:
        path = export_all(data, fit_all_model, output, seed=seed, log=_log)
        click.echo(f"{path}: {fit_all_model} fitted on all {len(data)} tracks ({time.perf_counter() - start:.0f} s)")
        return
    from musicgenre.datasets import not_gtzan_note

    chosen = tuple(m.strip() for m in models.split(",") if m.strip()) if models else None
    if backbone:
        from musicgenre.evaluation.musicnn_study import HEADS

        chosen = chosen or HEADS
        view = data.views[backbone]
        _log(f"inputs: {backbone} embeddings ({view.recipe}, mean over its patches), {view.x.shape[1]} values a clip")
    note = not_gtzan_note(data.clip_ids) if data_path else None
    if note:
        _log(note)
        protocol, k = _protocol_for_part(protocol, k, data.y)
    config = ExperimentConfig(
        protocol=protocol, models=chosen, seed=seed, k=k, max_epochs=max_epochs, inputs=backbone, note=note
    )
    try:
        board = run_experiment(data, output, config, log=_log)
    except ValueError as error:
        click.echo(f"musicgenre experiment: {error}", err=True)
        sys.exit(2)
    click.echo(
        f"{protocol} leaderboard ({len(board)} models, {time.perf_counter() - start:.0f} s), written to {output}:"
    )
    for _, row in board.iterrows():
        click.echo(
            f"  {row['model']:<20} {100 * row['accuracy']:5.1f} % [{100 * row['ci_low']:.1f}, "
            f"{100 * row['ci_high']:.1f}]  macro F1 {row['macro_f1']:.3f}  ({protocol}, n={int(row['n_test'])})"
        )
    if note:
        click.echo(note)
    if backbone == "musicnn-msd":
        _genre_graph(data_path, output, seed)


def _protocol_for_part(protocol: str, k: int, y) -> tuple[str, int]:
    """On audio that is not the complete GTZAN, the fault-filtered split cannot apply: unless --protocol was
    given, take k-fold (k lowered to the smallest genre's tracks unless -k was given) and say so in one line."""
    import numpy as np

    ctx = click.get_current_context()
    if protocol != "fault-filtered" or ctx.get_parameter_source("protocol") != click.core.ParameterSource.DEFAULT:
        return protocol, k
    if ctx.get_parameter_source("k") == click.core.ParameterSource.DEFAULT:
        k = max(2, min(k, int(np.bincount(np.asarray(y))[np.unique(y)].min())))
    _log(
        f"protocol: kfold with {k} folds, chosen because these clips are not the complete GTZAN that the "
        f"fault-filtered split needs (--protocol and -k choose otherwise)"
    )
    return "kfold", k


def _gtzan_labels(data_path) -> bool:
    """Whether the dataset's labels are all among the ten GTZAN genres (else only the genre graph applies)."""
    from musicgenre.datasets import DatasetError, find_dataset
    from musicgenre.genres import GENRES

    try:
        dataset = find_dataset(data_path)
    except DatasetError as error:
        raise click.ClickException(str(error)) from None
    return {t.label for t in dataset} <= set(GENRES)


def _genre_graph(data_path, output, seed) -> None:
    """Fit the one-graph musicnn genre model on the folders' own genres into ``output/genre-graph/``."""
    from pathlib import Path

    from musicgenre.evaluation.musicnn_study import fit_genre_graph
    from musicgenre.training.tag_head import TagHeadConfig

    try:
        path = fit_genre_graph(data_path, Path(output) / "genre-graph", config=TagHeadConfig(seed=seed), log=_log)
    except ValueError as error:
        click.echo(f"musicgenre experiment: {error}", err=True)
        sys.exit(2)
    click.echo(
        f"genre graph: {path} (report: {path.with_name('report.md')}); "
        f"use it with: musicgenre predict FILES --model {path}"
    )


def _reliability_drawer():
    """The study's reliability figure: drawn here, a layer above the study, when matplotlib is installed."""
    try:
        from musicgenre.visualization.calibration import save_reliability
    except ImportError:
        _log("no reliability.png: drawing it needs the plotting extra (pip install 'musicgenre[plot]')")
        return None
    return save_reliability


def _taggram_study(
    taggrams, table, data_path, protocol, models, seed, cv, inner_cv, fit_all_model, backbone, output
) -> None:
    """``--taggrams DIR``: the heads on musicnn's published GTZAN taggrams (protocol fault-filtered-cv)."""
    if data_path or fit_all_model or backbone:
        raise click.UsageError("--taggrams takes no --data, --fit-all or --backbone (--table adds the reference)")
    if protocol != "fault-filtered":
        raise click.UsageError(
            "--taggrams covers the fault-filtered train and test clips: use --protocol fault-filtered"
        )
    if not output:
        raise click.UsageError("-o/--output is required")
    if cv < 2:
        raise click.UsageError("--cv needs at least 2 folds")
    import torch

    from musicgenre.evaluation.taggram_study import PROTOCOL, load_taggram_study, note_text, run_taggram_study
    from musicgenre.models.taggram_heads import TAGGRAM_HEADS

    torch.set_num_threads(1)
    chosen = tuple(m.strip() for m in models.split(",") if m.strip()) if models else None
    unknown = [m for m in chosen or () if m not in TAGGRAM_HEADS]
    if unknown:
        raise click.UsageError(f"not a taggram head: {', '.join(unknown)}; heads: {', '.join(TAGGRAM_HEADS)}")
    start = time.perf_counter()
    try:
        data = load_taggram_study(taggrams)
        _log(
            f"taggrams: {len(data)} clips, {len(data.views['taggram-frames'].x)} frames of "
            f"{data.views['taggram-frames'].x.shape[1]} tags; views {', '.join(data.views)}"
        )
        _log(note_text(cv, inner_cv))
        board = run_taggram_study(
            data,
            output,
            table=table,
            models=chosen,
            cv=cv,
            seed=seed,
            inner_cv=inner_cv,
            log=_log,
            draw_reliability=_reliability_drawer(),
        )
    except (ValueError, OSError) as error:
        click.echo(f"musicgenre experiment: {error}", err=True)
        sys.exit(2)
    click.echo(f"{PROTOCOL} leaderboard ({len(board)} rows, {time.perf_counter() - start:.0f} s), written to {output}:")
    for _, row in board.iterrows():
        selection = (
            "" if row["valid_accuracy"] != row["valid_accuracy"] else f"  CV {100 * row['valid_accuracy']:.1f} %"
        )
        click.echo(
            f"  {row['model']:<24} {100 * row['accuracy']:5.1f} % [{100 * row['ci_low']:.1f}, "
            f"{100 * row['ci_high']:.1f}]  macro F1 {row['macro_f1']:.3f}{selection}  "
            f"({row['protocol']}, n={int(row['n_test'])})"
        )
    click.echo(note_text(cv, inner_cv))
