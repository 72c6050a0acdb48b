"""``musicgenre label``: write the predicted genre into music files' own tags (a dry run unless ``--apply``)."""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from musicgenre.interfaces.cli.batch_options import (
    jobs_option,
    pick_jobs,
    progress_bar,
    progress_option,
    timeout_option,
)
from musicgenre.interfaces.cli.learn_options import (
    learn_from,
    learn_options,
    merge_map,
    require_learning_packages,
)
from musicgenre.interfaces.cli.model_option import load_chosen_model, model_option
from musicgenre.interfaces.cli.output_file import OutputFile
from musicgenre.interfaces.cli.output_format import format_option, pick_format
from musicgenre.interfaces.cli.streamed_output import streamed_output
from musicgenre.tagging.policy import POLICIES
from musicgenre.tagging.report import FORMATS

if TYPE_CHECKING:
    from musicgenre.learning.collect import GroupBy, Multiple
    from musicgenre.tagging.label import LabelConfig


@click.command("label")
@click.argument("paths", nargs=-1)
@click.option("--apply", "apply", is_flag=True, help="Write the tags (without it: a dry run that only shows them).")
@click.option(
    "--only-empty",
    "policy",
    flag_value="only-empty",
    default=True,
    help="Tag only files with no genre (the default).",
)
@click.option("--replace", "policy", flag_value="replace", help="Set the predicted genre in place of any genre.")
@click.option("--append", "policy", flag_value="append", help="Add the predicted genre after the file's genres.")
@click.option(
    "--min-probability",
    metavar="P",
    type=click.FloatRange(0.0, 1.0),
    default=0.0,
    show_default=True,
    help="Leave files whose top genre is less probable than P alone (and say so).",
)
@click.option(
    "--include-uncertain",
    is_flag=True,
    help="Also tag files the model marks uncertain (by default they are left alone).",
)
@click.option(
    "--map",
    "map_items",
    multiple=True,
    metavar="GENRE=NAME",
    help="Write NAME for the model's GENRE, e.g. --map hiphop=Rap (repeatable); by default the names players "
    "know (Blues, Hip-Hop, ...; for audioset-genres' classes too: 'Hip hop music=Rap').",
)
@click.option(
    "--map-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help='A TOML file of genre = "Name" lines (optionally under [map]); --map entries win.',
)
@click.option(
    "--probabilities/--no-probabilities",
    default=True,
    show_default=True,
    help="Also store the model's probabilities of every genre (JSON) in a musicgenre field of the file, for later "
    "runs and tools.",
)
@click.option(
    "--undo-log",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where --apply records each file's previous tags (default: a new musicgenre-undo-<date-time>.jsonl here). "
    "An existing file is appended to only if it is an undo log (not a link).",
)
@click.option(
    "--undo",
    "undo_path",
    metavar="LOG",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Restore the tags an earlier --apply run recorded in this undo log (newest change first), then stop.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="With --undo: list what would be restored, and what would be refused and why; change nothing.",
)
@model_option("With audioset-genres the files get readable names of its classes (Hip hop music: Hip-Hop).")
@click.option(
    "--learn",
    is_flag=True,
    help="First learn the genres the files among PATHS already carry (as `musicgenre learn`), then fill the files "
    "without a genre with them, in the library's own names; --map then merges spellings (SPELLING=GENRE).",
)
@click.option(
    "--learned-model",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --learn: where the learned model goes (default: musicgenre-learned-<date-time>.onnx here).",
)
@learn_options
@jobs_option
@timeout_option
@format_option(FORMATS)
@click.option(
    "-o",
    "--output",
    type=OutputFile(),
    help="Write the rows to FILE (streamed); FILE is replaced when the run ends (stopped or failed too: with every "
    "row written, which --resume then skips).",
)
@click.option("--resume", is_flag=True, help="Skip files an earlier run wrote a row for in the -o output.")
@progress_option
def command(paths: tuple[str, ...], **given) -> None:
    """Classify PATHS (files, folders searched recursively, glob patterns) and write each one's genre into its
    tags: ID3 TCON (MP3, AIFF, WAV), Vorbis GENRE (FLAC, Ogg, Opus), ©gen (M4A).

    Without --apply nothing is written: a table shows each file's current genre, the new one and the model's
    probability. With --apply each change is written atomically (the audio is not touched) and recorded first in
    an undo log; --undo LOG gives back each file's original bytes (or, for a file changed since, its previous
    genre fields). A file that cannot be read or tagged (or is busy: another run is writing it) gets an error row
    and the run goes on; an undo log that cannot be written stops the run. The exit status is 1 if any failed.

    With --learn the model is learned first from the files among PATHS that carry a genre (their spellings merged,
    genres with too few tracks or one artist left out; see `musicgenre learn`) and fills only the files without
    one; a file that fits none of the learned genres well is marked uncertain and left alone.
    """
    _require_mutagen()
    opts = LabelOptions(**given)
    if opts.undo_path is not None:
        if paths:
            raise click.UsageError("--undo restores from its log alone; give it no PATHS")
        _run_undo(opts.undo_path, opts.dry_run)
        return
    fmt = pick_format(opts.fmt, opts.output, FORMATS)
    _check_arguments(paths, opts)

    from musicgenre.audio import find_inputs
    from musicgenre.executors import executor_for

    stamp = f"{datetime.now():%Y%m%d-%H%M%S}"
    log_path = opts.undo_log or _free_log_name(stamp)
    if opts.apply:
        _check_undo_log(log_path)  # before learning or any file: a link or a file not a log is refused
    files, nothing = find_inputs(paths)
    show_progress = sys.stderr.isatty() if opts.progress is None else opts.progress
    model_path = _learn_first(files, opts, stamp, show_progress) if opts.learn else opts.model_path
    model = load_chosen_model(model_path)
    kept, files = _resume(opts.output, fmt, opts.apply, files) if opts.resume and opts.output else ([], files)
    run = _Run(
        config=_label_config(opts, model.genres, model_path),
        output=opts.output,
        fmt=fmt,
        log_path=log_path if opts.apply else None,
        file_width=min(max([len(f) for f in files] + [len(n) for n, _ in nothing] + [24]), 60),
        show_bar=show_progress and bool(files),
    )
    executor = executor_for(pick_jobs(opts.jobs, len(files)), None, opts.timeout_s or None)
    counts, stopped = _label(run, files, nothing, kept, model, executor)
    if stopped is not None:
        click.echo(f"stopped: {stopped} (the file it was for is untouched)", err=True)
    click.echo(_summary(counts, opts.apply, run.log_path, len(kept)), err=True)
    sys.exit(1 if counts.get("error") or stopped is not None else 0)


@dataclass(frozen=True)
class LabelOptions:
    """The options of ``musicgenre label`` as the command line gave them (names as the parameters above)."""

    apply: bool
    policy: str
    min_probability: float
    include_uncertain: bool
    map_items: tuple[str, ...]
    map_file: Path | None
    probabilities: bool
    undo_log: Path | None
    undo_path: Path | None
    dry_run: bool
    model_path: str | None
    learn: bool
    learned_model: Path | None
    min_tracks: int
    multiple: Multiple
    group_by: GroupBy
    jobs: int
    timeout_s: float
    fmt: str | None
    output: Path | None
    resume: bool
    progress: bool | None


def _require_mutagen() -> None:
    try:
        import mutagen  # noqa: F401
    except ImportError:
        raise click.ClickException("label needs mutagen: pip install 'musicgenre[label]'") from None


def _learn_first(files: list[str], opts: LabelOptions, stamp: str, progress: bool) -> str:
    """``--learn``: learn the genres the files already carry (as ``musicgenre learn``); the learned model's path."""
    require_learning_packages()
    learned = learn_from(
        files,
        opts.learned_model or Path(f"musicgenre-learned-{stamp}.onnx"),
        source="tags",
        min_tracks=opts.min_tracks,
        multiple=opts.multiple,
        group_by=opts.group_by,
        mapping=merge_map(opts.map_items, opts.map_file),
        jobs=pick_jobs(opts.jobs, len(files)),
        progress=progress,
    )
    return str(learned.path)


def _check_arguments(paths: tuple[str, ...], opts: LabelOptions) -> None:
    """The combinations of options that make no run: one usage line each."""
    if opts.dry_run:
        raise click.UsageError("--dry-run goes with --undo (without --apply, label is a dry run already)")
    if not paths:
        raise click.UsageError("give audio files, folders or glob patterns")
    if opts.resume and opts.output is None:
        raise click.UsageError("--resume needs -o FILE (the output to continue)")
    if opts.learn and opts.policy != "only-empty":
        raise click.UsageError("--learn fills only files without a genre: the files that teach it keep theirs")
    if opts.learn and opts.model_path:
        raise click.UsageError("--learn makes its own model; use --model without --learn to label with another")
    if opts.learned_model and not opts.learn:
        raise click.UsageError("--learned-model goes with --learn")


def _check_undo_log(log_path: Path) -> None:
    """Refuse (one line) an undo log path that is a link or a file that is not an undo log."""
    from musicgenre.tagging.undo import UndoLog, UndoLogError

    try:
        UndoLog(log_path).check()
    except UndoLogError as error:
        raise click.ClickException(f"{error} (give another --undo-log)") from None


def _label_config(opts: LabelOptions, known: tuple[str, ...], model_path: str | None) -> LabelConfig:
    """What each file's decision and write follow: the policy with the names to write for the model's ``known``
    genres (see :func:`~musicgenre.tagging.policy.genre_map`), whether to write, and the model to classify with."""
    from musicgenre.inference.batch import BatchConfig
    from musicgenre.tagging.label import LabelConfig
    from musicgenre.tagging.policy import LabelPolicy, MapError, genre_map

    try:
        mapping = genre_map(known, learned=opts.learn, map_file=opts.map_file, items=opts.map_items)
    except MapError as error:
        raise click.UsageError(str(error)) from None
    assert opts.policy in POLICIES, "click offers only the three policy flags"
    policy = LabelPolicy(
        opts.policy, opts.min_probability, mapping, skip_uncertain=not opts.include_uncertain, learned=opts.learn
    )
    return LabelConfig(policy, opts.apply, opts.probabilities, BatchConfig(model_path=model_path))


def _resume(output: Path, fmt: str, apply: bool, files: list[str]) -> tuple[list[str], list[str]]:
    """``--resume``: the rows the earlier output holds (written again first) and the files still to label."""
    from musicgenre.inference.output import file_key
    from musicgenre.tagging.report import ReportError, read_settled

    try:
        kept, settled = read_settled(output, fmt, apply)
    except ReportError as error:
        raise click.UsageError(str(error)) from None
    done = {file_key(f) for f in settled}
    return kept, [f for f in files if file_key(f) not in done]


@dataclass(frozen=True)
class _Run:
    """What the labelling loop needs: the label configuration, where rows go and how they are shown."""

    config: LabelConfig
    output: Path | None
    fmt: str
    log_path: Path | None  # the undo log (None: a dry run)
    file_width: int
    show_bar: bool


def _label(run: _Run, files, nothing, kept, model, executor) -> tuple[dict[str, int], Exception | None]:
    """Label ``files`` (rows for the ``nothing`` that matched no file first), the rows streamed to ``run.output``
    or stdout; the count of rows by action and the undo log error that stopped the run, if one did."""
    from musicgenre.tagging.label import LabelRow, label_files
    from musicgenre.tagging.report import ReportWriter
    from musicgenre.tagging.undo import UndoLog, UndoLogError

    counts: dict[str, int] = {}
    stopped: UndoLogError | None = None
    with ExitStack() as stack:
        try:
            log = stack.enter_context(UndoLog(run.log_path)) if run.log_path else None
        except UndoLogError as error:  # changed since the check above: still before any file is touched
            raise click.ClickException(f"{error} (give another --undo-log)") from None
        out = stack.enter_context(streamed_output(run.output))
        writer = ReportWriter(out.stream, run.fmt, file_width=run.file_width)
        writer.begin(kept)
        out.begin()
        bar = progress_bar(len(files), run.show_bar)

        def emit(row: LabelRow) -> None:
            counts[row.action] = counts.get(row.action, 0) + 1
            with bar.external_write_mode(file=sys.stdout) if run.output is None and run.show_bar else nullcontext():
                writer.write(row)

        try:
            for item, reason in nothing:
                emit(LabelRow(item, "error", reason=reason))
            for row in label_files(files, run.config, log, model, executor):
                emit(row)
                bar.update(1)
        except UndoLogError as error:  # nothing more can be written safely: stop, the files done stay undoable
            stopped = error
        finally:  # -o FILE then holds every row written, however the run ends (see streamed_output)
            bar.close()
    return counts, stopped


def _free_log_name(stamp: str) -> Path:
    """``musicgenre-undo-<stamp>.jsonl`` here, or ``…-2.jsonl``, ``…-3.jsonl`` when something (a link too) has that
    name already: a default log is always a new file."""
    n = 1
    while True:
        path = Path(f"musicgenre-undo-{stamp}{'' if n == 1 else f'-{n}'}.jsonl")
        if not os.path.lexists(path):
            return path
        n += 1


def _summary(counts: dict[str, int], applied: bool, log_path: Path | None, kept: int) -> str:
    """One line: what changed (or would), what was left alone, what failed; where the undo log is."""
    changes = {a: counts.get(a, 0) for a in ("set", "replace", "append") if counts.get(a)}
    n_changes = sum(changes.values())
    detail = f" ({', '.join(f'{a} {n}' for a, n in changes.items())})" if changes else ""
    left = counts.get("keep", 0) + counts.get("skip", 0)
    verb = "changed" if applied else "would change"
    text = f"{n_changes} {verb}{detail}, {left} left alone, {counts.get('error', 0)} failed"
    if kept:
        text += f", {kept} already in the output (skipped)"
    if not applied:
        return text + "; dry run, nothing written (--apply writes)"
    if n_changes and log_path is not None:
        return text + f"; undo with: musicgenre label --undo {log_path}"
    return text


def _run_undo(log_path: Path, dry_run: bool = False) -> None:
    from musicgenre.inference.output import terminal_text
    from musicgenre.tagging.undo import UndoError, undo

    counts: dict[str, int] = {}
    try:
        for result in undo(log_path, dry_run=dry_run):
            counts[result.action] = counts.get(result.action, 0) + 1
            line = f"{result.file}  {result.action}" + (f": {result.detail}" if result.detail else "")
            click.echo(terminal_text(line))
    except UndoError as error:
        raise click.ClickException(str(error)) from None
    restored = (
        f"{counts.get('would restore', 0)} would be restored" if dry_run else f"{counts.get('restored', 0)} restored"
    )
    click.echo(
        f"{restored}, {counts.get('as-was', 0)} already as before, "
        f"{counts.get('changed', 0)} changed since (left alone), {counts.get('refused', 0)} refused, "
        f"{counts.get('error', 0)} failed" + ("; dry run, nothing changed" if dry_run else ""),
        err=True,
    )
    sys.exit(1 if counts.get("error") or counts.get("refused") else 0)
