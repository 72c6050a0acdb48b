"""What ``musicgenre experiment``'s subcommands share once their options are parsed: logging, failing in one
line, the models asked for, the GTZAN-genres check, loading audio, and running a study and printing its board."""

from __future__ import annotations

import sys
import time
from typing import NoReturn

import click


def log(message: str) -> None:
    click.echo(message, err=True)


def fail(error: Exception) -> NoReturn:
    """One line on stderr, exit status 2: what the data or the study refused."""
    click.echo(f"musicgenre experiment: {error}", err=True)
    sys.exit(2)


def chosen_models(models: str | None) -> tuple[str, ...] | None:
    """``--models a,b`` as a tuple (None when not given)."""
    return tuple(m.strip() for m in models.split(",") if m.strip()) if models else None


def set_threads(threads: int) -> None:
    import torch

    torch.set_num_threads(max(1, threads))


def require_gtzan_labels(data_path: str) -> None:
    """A UsageError pointing to ``musicgenre learn`` when the folders name genres outside the ten GTZAN ones:
    the zoo's models have those ten as outputs."""
    from musicgenre.datasets import DatasetError, find_dataset
    from musicgenre.genres import GENRES

    try:
        dataset = find_dataset(data_path)
    except DatasetError as error:
        raise click.ClickException(str(error)) from None
    if not {t.label for t in dataset} <= set(GENRES):
        raise click.UsageError(
            "the zoo's models have the ten GTZAN genres as outputs and these folders name others; for genres of "
            f"your own: musicgenre learn {data_path} --from folders -o MODEL.onnx"
        )


def load_audio_data(data_path: str):
    """The audio study data of ``data_path`` (features of every clip, progress on stderr); exit 2 on bad data."""
    from musicgenre.evaluation import load_audio_study

    try:
        return load_audio_study(
            data_path, progress=lambda i, n, clip: log(f"features {i}/{n} {clip}") if i == n or i % 25 == 1 else None
        )
    except (ValueError, OSError) as error:
        fail(error)


def protocol_for_clips(data, protocol: str, k: int) -> tuple[str | None, str, int]:
    """The note for audio clips that are not the complete GTZAN (logged; None for GTZAN itself) and the protocol
    and folds they are studied under (see :func:`protocol_for_part`)."""
    from musicgenre.datasets import not_gtzan_note

    note = not_gtzan_note(data.clip_ids)
    if note:
        log(note)
        protocol, k = protocol_for_part(protocol, k, data.y)
    return note, protocol, k


def protocol_for_part(protocol: str, k: int, y) -> tuple[str, int]:
    """On audio that is not the complete GTZAN, the fault-filtered split cannot apply: unless --protocol was
    given, take k-fold (k lowered to the smallest genre's tracks unless -k was given) and say so in one line."""
    import numpy as np

    ctx = click.get_current_context()
    if protocol != "fault-filtered" or ctx.get_parameter_source("protocol") != click.core.ParameterSource.DEFAULT:
        return protocol, k
    if ctx.get_parameter_source("k") == click.core.ParameterSource.DEFAULT:
        k = max(2, min(k, int(np.bincount(np.asarray(y))[np.unique(y)].min())))
    log(
        f"protocol: kfold with {k} folds, chosen because these clips are not the complete GTZAN that the "
        f"fault-filtered split needs (--protocol and -k choose otherwise)"
    )
    return "kfold", k


def run_study(data, output: str, config, start: float) -> None:
    """Run the experiment ``config`` on ``data`` into ``output`` and print its leaderboard (and its note)."""
    from musicgenre.evaluation import run_experiment

    try:
        board = run_experiment(data, output, config, log=log)
    except ValueError as error:
        fail(error)
    protocol = config.protocol
    click.echo(
        f"{protocol} leaderboard ({len(board)} models, {time.perf_counter() - start:.0f} s), written to {output}:"
    )
    for _, row in board.iterrows():
        click.echo(
            f"  {row['model']:<20} {100 * row['accuracy']:5.1f} % [{100 * row['ci_low']:.1f}, "
            f"{100 * row['ci_high']:.1f}]  macro F1 {row['macro_f1']:.3f}  ({protocol}, n={int(row['n_test'])})"
        )
    if config.note:
        click.echo(config.note)
