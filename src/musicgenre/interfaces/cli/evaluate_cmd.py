"""``musicgenre evaluate``: a model's accuracy on a published GTZAN split, from the user's own GTZAN copy."""

from __future__ import annotations

import json
from pathlib import Path

import click

from musicgenre.interfaces.cli.model_option import model_option
from musicgenre.interfaces.cli.output_file import OutputFile


@click.command("evaluate")
@click.argument("gtzan", type=click.Path(exists=True, file_okay=False, path_type=Path))
@model_option("Its genres must be GTZAN's ten (audioset-genres has no GTZAN accuracy).")
@click.option(
    "--split",
    type=click.Choice(["filtered", "stratified"]),
    default="filtered",
    show_default=True,
    help="filtered: Kereliuk, Sturm & Larsen's fault-filtered, artist-conditional split; stratified: random.",
)
@click.option("--part", type=click.Choice(["train", "valid", "test"]), default="test", show_default=True)
@click.option("-o", "--output", type=OutputFile(), help="Also write the result as JSON.")
def command(gtzan: Path, model_path: str | None, split: str, part: str, output: Path | None) -> None:
    """Classify the clips of a GTZAN split found under GTZAN (genres/<genre>/<genre>.000NN.au or the Kaggle
    layout) and print accuracy with its 95 % bootstrap interval, macro F1 and each genre's recall.

    With the full GTZAN, `musicgenre evaluate GTZAN` gives the default model's figure on the 290 clips of the
    fault-filtered test, the one the model cards compare against published results. Clips of the list missing
    from the folder are counted and named, never guessed.
    """
    from musicgenre.audio.atomic import write_atomically
    from musicgenre.datasets.dataset import DatasetError
    from musicgenre.inference.loading import load_model
    from musicgenre.inference.model import ModelError
    from musicgenre.inference.split_score import score_split

    try:
        model = load_model(model_path)
        score = score_split(model, gtzan, split, part)  # type: ignore[arg-type]  # click.Choice gives the literals
    except (ModelError, DatasetError, ValueError) as error:
        raise click.ClickException(str(error)) from None
    if score.note:
        click.echo(f"note: {score.note}")
    for clip, reason in score.failed:
        click.echo(f"{clip}: {reason}", err=True)
    n = len(score.clips)
    click.echo(
        f"model {score.model} on GTZAN {split}/{part}: {n} of {score.listed} listed clips scored"
        f" ({len(score.missing)} not found, {len(score.failed)} failed)"
    )
    if n:
        s = score.summary
        click.echo(
            f"accuracy {100 * s['accuracy']:.1f} % [{100 * s['ci_low']:.1f}, {100 * s['ci_high']:.1f}] "
            f"(95 % bootstrap), macro F1 {s['macro_f1']:.3f}"
        )
        for row in score.per_genre:
            if row["n"]:
                click.echo(f"  {row['genre']:<10} {row['correct']:>3}/{row['n']:<3} {100 * row['accuracy']:5.1f} %")
    if score.missing and n < score.listed:
        click.echo("not a full GTZAN: the figure covers only the clips found", err=True)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(output, json.dumps(score.to_dict(), indent=1) + "\n")
