"""``musicgenre experiment taggrams``: the heads on musicnn's published GTZAN taggrams (protocol
fault-filtered-cv: hyper-parameters by CV inside the 443 training clips, one test on the 290)."""

from __future__ import annotations

import time

import click

from musicgenre.interfaces.cli.experiment_options import (
    FOLDER_HELP,
    models_option,
    output_option,
    seed_option,
    table_option,
)


@click.command("taggrams")
@click.option(
    "--taggrams",
    type=click.Path(exists=True, file_okay=False),
    required=True,
    help="Folder of musicnn's published GTZAN taggrams (training_/evaluation_data_GTZAN_MSDmusicnn_taggram.npz).",
)
@table_option(required=False, help="Feature table (features_30_sec.csv layout): its ensemble scored beside the heads.")
@click.option(
    "--cv",
    "cv",
    type=click.IntRange(min=2),
    default=5,
    show_default=True,
    help="Folds of the CV over the training clips that picks hyper-parameters.",
)
@click.option(
    "--inner-cv",
    "inner_cv",
    type=click.Choice(["blocked", "stratified"]),
    default="blocked",
    show_default=True,
    help="How that CV cuts the training clips. blocked: each genre's clips sorted by number, cut into contiguous "
    "blocks (an artist proxy, like the artist-conditional test); stratified: shuffled, by genre only.",
)
@models_option("Comma-separated taggram heads (default: every one).")
@seed_option
@output_option(FOLDER_HELP)
def command(taggrams, table, cv, inner_cv, models, seed, output) -> None:
    """Train the taggram heads on the 443 fault-filtered training clips and test once on the 290.

    \b
    musicgenre experiment taggrams --taggrams ../shared/gtzan/musicnn -o runs/tag
    musicgenre experiment taggrams --taggrams ../shared/gtzan/musicnn --inner-cv stratified -o runs/tag-strat
    musicgenre experiment taggrams --taggrams ../shared/gtzan/musicnn --table features_30_sec.csv -o runs/tag
    """
    from musicgenre.interfaces.cli.experiment_run import chosen_models, set_threads
    from musicgenre.models.taggram_heads import TAGGRAM_HEADS

    chosen = chosen_models(models)
    unknown = [m for m in chosen or () if m not in TAGGRAM_HEADS]
    if unknown:
        raise click.UsageError(f"not a taggram head: {', '.join(unknown)}; heads: {', '.join(TAGGRAM_HEADS)}")
    set_threads(1)
    _run(taggrams, table, chosen, cv, inner_cv, seed, output)


def _run(taggrams, table, chosen, cv, inner_cv, seed, output) -> None:
    from musicgenre.evaluation.taggram_study import PROTOCOL, load_taggram_study, note_text, run_taggram_study
    from musicgenre.interfaces.cli.experiment_run import fail, log

    start = time.perf_counter()
    try:
        data = load_taggram_study(taggrams)
        frames, views = data.views["taggram-frames"].x, ", ".join(data.views)
        log(f"taggrams: {len(data)} clips, {len(frames)} frames of {frames.shape[1]} tags; views {views}")
        log(note_text(cv, inner_cv))
        board = run_taggram_study(
            data,
            output,
            table=table,
            models=chosen,
            cv=cv,
            seed=seed,
            inner_cv=inner_cv,
            log=log,
            draw_reliability=_reliability_drawer(),
        )
    except (ValueError, OSError) as error:
        fail(error)
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


def _reliability_drawer():
    """The study's reliability figure: drawn here, a layer above the study, when matplotlib is installed."""
    from musicgenre.interfaces.cli.experiment_run import log

    try:
        from musicgenre.visualization.calibration import save_reliability
    except ImportError:
        log("no reliability.png: drawing it needs the plotting extra (pip install 'musicgenre[plot]')")
        return None
    return save_reliability
