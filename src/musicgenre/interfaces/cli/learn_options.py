"""What ``learn`` and ``label --learn`` share: the options that choose the tracks, and one run of learning that
says what it read, merged, dropped and measured, in a few lines on stderr."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import click

from musicgenre.learning.collect import GroupBy, Multiple

F = TypeVar("F", bound=Callable)

#: the packages learning needs beyond the base install (the ``learn`` extra)
NEEDS = ("torch", "safetensors", "onnx", "mutagen")


def learn_options(f: F) -> F:
    """``--min-tracks``, ``--multiple``, ``--group-by``."""
    f = click.option(
        "--group-by",
        type=click.Choice(["artist", "file"]),
        default="artist",
        show_default=True,
        help="Cross-validation groups: artist (no artist on both sides; a file without one stands alone) or "
        "file (each alone: for libraries without artist tags; the figures then flatter).",
    )(f)
    f = click.option(
        "--multiple",
        type=click.Choice(["first", "skip"]),
        default="first",
        show_default=True,
        help="A file with several genres teaches its first (first) or nothing (skip).",
    )(f)
    return click.option(
        "--min-tracks",
        type=click.IntRange(min=2),
        default=10,
        show_default=True,
        help="Genres with fewer tracks are left out (and listed).",
    )(f)


def require_learning_packages() -> None:
    """One line naming the extra when a package learning needs is missing."""
    missing = [name for name in NEEDS if importlib.util.find_spec(name) is None]
    if missing:
        raise click.ClickException(f"learning needs {', '.join(missing)}: pip install 'musicgenre[learn]'")


def merge_map(map_items: Sequence[str], map_file: Path | None) -> dict[str, str]:
    """The spellings to merge (``--map SPELLING=GENRE``, ``--map-file``; the items win); a bad one is a UsageError."""
    from musicgenre.tagging.policy import MapError, parse_map_items, read_map_file

    try:
        mapping = read_map_file(map_file) if map_file else {}
        mapping.update(parse_map_items(list(map_items)))
    except MapError as error:
        raise click.UsageError(str(error)) from None
    return mapping


def learn_from(
    files: Sequence[str],
    out: Path,
    *,
    source: str,
    min_tracks: int,
    multiple: Multiple,
    group_by: GroupBy,
    mapping: dict[str, str],
    jobs: int,
    cluster: str | None = None,
    seed: int = 0,
    progress: bool = False,
    roots: Sequence[str] = (),
):
    """Read ``files`` (``source="tags"``) or the genre folders ``roots`` (``"folders"``), learn, write ``out``;
    echo what happened; return the :class:`~musicgenre.learning.learn.Learned`. A library that cannot teach a
    model is a one-line ClickException."""
    from musicgenre.datasets import DatasetError
    from musicgenre.inference.batch import BatchConfig
    from musicgenre.interfaces.cli.batch_options import progress_bar
    from musicgenre.learning import CollectConfig, read_labels
    from musicgenre.learning.collect import read_folders
    from musicgenre.learning.learn import LearnConfig, LearnError, learn
    from musicgenre.learning.report import merge_text, summary_line
    from musicgenre.training.head_fitting import TagHeadConfig

    say = lambda text: click.echo(text, err=True)  # noqa: E731
    if source == "folders":
        try:
            read = [f for root in roots for f in read_folders(root)]
        except DatasetError as error:
            raise click.ClickException(str(error)) from None
        aside: list = []
    else:
        read, aside = read_labels(files)
    with_genre = sum(bool(f.genres) for f in read)
    say(
        f"read {len(read) + len(aside)} files: {with_genre} with a genre, {len(read) - with_genre} without, "
        f"{len(aside)} whose tags cannot be read"
    )
    config = LearnConfig(
        CollectConfig(min_tracks, multiple, group_by, mapping),
        TagHeadConfig(seed=seed),
        BatchConfig(jobs=jobs, cluster=cluster),
    )
    bar = progress_bar(0, progress)
    try:
        learned = learn(
            read, out, config, set_aside=aside, source=source, log=say, progress=bar.update, total=bar.reset
        )
    except LearnError as error:
        raise click.ClickException(str(error)) from None
    finally:
        bar.close()
    facts = learned.card
    for merge in facts["merged"]:
        say(f"merged {merge_text(merge)}")
    for dropped in facts["dropped"]:
        say(f"left out {dropped['name']}: {dropped['reason']}")
    say(summary_line(facts))
    per_genre = facts["cv"]["per_genre"].items()
    say("  " + "; ".join(f"{g} {100 * v['accuracy']:.0f} % of {v['tracks']}" for g, v in per_genre))
    say(f"wrote {out} (card {out.with_suffix('.card.json')}, report {out.with_suffix('.report.md')})")
    return learned
