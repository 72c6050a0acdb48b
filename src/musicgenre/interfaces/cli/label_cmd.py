"""``musicgenre label``: write the predicted genre into music files' own tags (a dry run unless ``--apply``)."""

from __future__ import annotations

import io
import os
import sys
from contextlib import ExitStack, nullcontext
from datetime import datetime
from pathlib import Path

import click

from musicgenre.audio.atomic import atomic_text
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
from musicgenre.interfaces.cli.model_option import model_option
from musicgenre.interfaces.cli.output_file import OutputFile
from musicgenre.interfaces.cli.output_format import format_option, pick_format
from musicgenre.interfaces.cli.predict_cmd import sigterm_as_exit
from musicgenre.tagging.policy import POLICIES
from musicgenre.tagging.report import FORMATS


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
def command(
    paths,
    apply,
    policy,
    min_probability,
    include_uncertain,
    map_items,
    map_file,
    probabilities,
    undo_log,
    undo_path,
    dry_run,
    model_path,
    learn,
    learned_model,
    min_tracks,
    multiple,
    group_by,
    jobs,
    timeout_s,
    fmt,
    output,
    resume,
    progress,
):
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
    try:
        import mutagen  # noqa: F401
    except ImportError:
        raise click.ClickException("label needs mutagen: pip install 'musicgenre[label]'") from None
    if undo_path is not None:
        if paths:
            raise click.UsageError("--undo restores from its log alone; give it no PATHS")
        _run_undo(undo_path, dry_run)
        return
    if dry_run:
        raise click.UsageError("--dry-run goes with --undo (without --apply, label is a dry run already)")
    if not paths:
        raise click.UsageError("give audio files, folders or glob patterns")
    fmt = pick_format(fmt, output, FORMATS)
    if resume and output is None:
        raise click.UsageError("--resume needs -o FILE (the output to continue)")
    if learn and policy != "only-empty":
        raise click.UsageError("--learn fills only files without a genre: the files that teach it keep theirs")
    if learn and model_path:
        raise click.UsageError("--learn makes its own model; use --model without --learn to label with another")
    if learned_model and not learn:
        raise click.UsageError("--learned-model goes with --learn")

    from musicgenre.audio import find_inputs
    from musicgenre.executors import executor_for
    from musicgenre.inference.batch import BatchConfig
    from musicgenre.inference.loading import load_model
    from musicgenre.inference.model import ModelError
    from musicgenre.inference.output import file_key
    from musicgenre.tagging.label import LabelConfig, LabelRow, label_files
    from musicgenre.tagging.policy import LabelPolicy, MapError, default_mapping, parse_map_items, read_map_file
    from musicgenre.tagging.report import ReportError, ReportWriter, read_settled
    from musicgenre.tagging.undo import UndoLog, UndoLogError

    stamp = f"{datetime.now():%Y%m%d-%H%M%S}"
    log_path = undo_log or _free_log_name(stamp)
    if apply:
        try:
            UndoLog(log_path).check()  # before learning or any file: a link or a file not a log is refused
        except UndoLogError as error:
            raise click.ClickException(f"{error} (give another --undo-log)") from None
    files, nothing = find_inputs(paths)
    if learn:
        require_learning_packages()
        learned = learn_from(
            files,
            learned_model or Path(f"musicgenre-learned-{stamp}.onnx"),
            source="tags",
            min_tracks=min_tracks,
            multiple=multiple,
            group_by=group_by,
            mapping=merge_map(map_items, map_file),
            jobs=pick_jobs(jobs, len(files)),
            progress=sys.stderr.isatty() if progress is None else progress,
        )
        model_path = str(learned.path)
    try:
        model = load_model(model_path)
    except ModelError as error:
        raise click.ClickException(str(error)) from None
    known = model.genres
    try:
        if learn:  # the learned genres are the library's own names already
            mapping = {}
        else:
            mapping = default_mapping(known)
            mapping.update(read_map_file(map_file, known) if map_file else {})
            mapping.update(parse_map_items(map_items, known))
    except MapError as error:
        raise click.UsageError(str(error)) from None
    assert policy in POLICIES, "click offers only the three policy flags"
    label_policy = LabelPolicy(policy, min_probability, mapping, skip_uncertain=not include_uncertain, learned=learn)

    kept: list[str] = []
    if resume:
        try:
            kept, settled = read_settled(output, fmt, apply)
        except ReportError as error:
            raise click.UsageError(str(error)) from None
        done = {file_key(f) for f in settled}
        files = [f for f in files if file_key(f) not in done]
    executor = executor_for(pick_jobs(jobs, len(files)), None, timeout_s or None)
    config = LabelConfig(label_policy, apply, probabilities, BatchConfig(model_path=model_path))
    widest = max([len(f) for f in files] + [len(n) for n, _ in nothing] + [24])
    show_bar = (sys.stderr.isatty() if progress is None else progress) and bool(files)
    counts: dict[str, int] = {}

    if not output and isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="surrogateescape")  # a file name that is not UTF-8 is written as its bytes
    begun = False  # once the kept rows are all in the new output, a run that fails keeps what it wrote
    target = (
        atomic_text(output, errors="surrogateescape", keep_partial=lambda: begun) if output else nullcontext(sys.stdout)
    )
    stopped: UndoLogError | None = None
    with sigterm_as_exit(), ExitStack() as stack:
        try:
            log = stack.enter_context(UndoLog(log_path)) if apply else None
        except UndoLogError as error:  # changed since the check above: still before any file is touched
            raise click.ClickException(f"{error} (give another --undo-log)") from None
        stream = stack.enter_context(target)
        writer = ReportWriter(stream, fmt, file_width=min(widest, 60))
        writer.begin(kept)
        begun = True
        bar = progress_bar(len(files), show_bar)

        def emit(row: LabelRow) -> None:
            counts[row.action] = counts.get(row.action, 0) + 1
            if output is None and show_bar:
                with bar.external_write_mode(file=sys.stdout):
                    writer.write(row)
            else:
                writer.write(row)

        try:
            for item, reason in nothing:
                emit(LabelRow(item, "error", reason=reason))
            for row in label_files(files, config, log, model, executor):
                emit(row)
                bar.update(1)
        except UndoLogError as error:  # nothing more can be written safely: stop, the files done stay undoable
            stopped = error
        finally:  # -o FILE then holds every row written, however the run ends (see atomic_text)
            bar.close()

    if stopped is not None:
        click.echo(f"stopped: {stopped} (the file it was for is untouched)", err=True)
    click.echo(_summary(counts, apply, log_path if apply else None, len(kept)), err=True)
    sys.exit(1 if counts.get("error") or stopped is not None else 0)


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
