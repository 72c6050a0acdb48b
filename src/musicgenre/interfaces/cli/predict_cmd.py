"""``musicgenre predict``: the genre of audio files, folders (recursive) and glob patterns.

Imports only the light inference path (numpy, librosa, onnxruntime): never torch, and matplotlib only for ``--plot``.
"""

from __future__ import annotations

import io
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import click

from musicgenre.audio.atomic import atomic_text
from musicgenre.inference.output import FORMATS, OutputConfig, terminal_text
from musicgenre.interfaces.cli.batch_options import (
    cluster_option,
    jobs_option,
    pick_jobs,
    progress_bar,
    progress_option,
    timeout_option,
)
from musicgenre.interfaces.cli.model_option import model_option
from musicgenre.interfaces.cli.output_file import OutputFile
from musicgenre.interfaces.cli.output_format import format_option, pick_format


@click.command("predict")
@click.argument("paths", nargs=-1)
@click.option(
    "--top",
    "top",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Show the K most probable genres (at most the model's: 10, or 50 with audioset-genres).",
)
@format_option(FORMATS)
@click.option(
    "-o",
    "--output",
    type=OutputFile(),
    help="Write results to FILE (streamed) instead of stdout; its extension picks the format. FILE is replaced "
    "when the run ends (stopped or failed too: with every finished file, which --resume then skips).",
)
@click.option("--timeline", is_flag=True, help="Also give one row per window (start, end, genre, probabilities).")
@click.option(
    "--explain",
    is_flag=True,
    help="Say which tags pushed each answer (and against the runner-up), and the track's top tags: the terms of "
    "the model's linear head, not causes (models with a tag head: musicnn, and the default, which also gives each "
    "network's own answer).",
)
@model_option()
@click.option(
    "--hop",
    "hop_s",
    type=click.FloatRange(min=0.5),
    default=15.0,
    show_default=True,
    help="Seconds between window starts.",
)
@jobs_option
@timeout_option
@cluster_option("--jobs and --timeout then do not apply.")
@click.option("--resume", is_flag=True, help="Skip files already classified in the -o output; retry failed ones.")
@progress_option
@click.option("--examples", is_flag=True, help="Classify a few clips the package synthesizes (a demo, not real music).")
@click.option(
    "--plot",
    "plot_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Draw each file's genre timeline to FILE (PNG; needs matplotlib, musicgenre[plot]).",
)
def command(
    paths,
    top,
    fmt,
    output,
    timeline,
    explain,
    model_path,
    hop_s,
    jobs,
    timeout_s,
    cluster,
    resume,
    progress,
    examples,
    plot_path,
):
    """Classify PATHS (files, folders searched recursively, glob patterns) into the ten GTZAN genres (or, with
    --model audioset-genres, AudioSet's 50 music genres, each scored on its own).

    Tracks are cut into windows of the model's clip length (30 s) every --hop seconds and the window
    probabilities are averaged; tracks shorter than a window are scored as they are (no padding). A file that
    cannot be read gets one error row naming the reason and the run goes on; the exit status is 1 if any failed.
    """
    from musicgenre.audio import find_inputs
    from musicgenre.executors import ClusterError, executor_for  # light: distributed only when a cluster is used
    from musicgenre.inference.batch import BatchConfig, FileResult, run_batch
    from musicgenre.inference.loading import load_model
    from musicgenre.inference.model import ModelError
    from musicgenre.inference.output import (
        ResumeError,
        Writer,
        file_key,
        genre_width,
        read_finished,
        table_header,
        to_record,
    )

    if not paths and not examples:
        raise click.UsageError("give audio files, folders or glob patterns (or --examples for a synthetic demo)")
    fmt = pick_format(fmt, output, FORMATS)
    if resume and output is None:
        raise click.UsageError("--resume needs -o FILE (the output to continue)")
    try:
        model = load_model(model_path)
    except ModelError as error:
        raise click.ClickException(terminal_text(str(error))) from None
    if top > len(model.genres):
        raise click.BadParameter(f"{top}: model {model.name} has {len(model.genres)} genres", param_hint="--top")
    multi_label = model.multi_label
    timeline = timeline or plot_path is not None
    if explain and model.explain_unavailable:
        click.echo(f"--explain: {terminal_text(model.explain_unavailable)}", err=True)
    files, nothing = find_inputs(paths)
    missing = [FileResult(item, error=reason) for item, reason in nothing]
    kept: list[dict] = []
    if resume:
        try:
            kept = read_finished(output, OutputConfig(fmt, top, timeline, explain=explain))
        except ResumeError as error:
            raise click.UsageError(terminal_text(str(error))) from None
        done = {file_key(record["file"]) for record in kept}
        files = [f for f in files if file_key(f) not in done]
    executor = executor_for(pick_jobs(jobs, len(files)), cluster or None, None if cluster else timeout_s or None)
    config = BatchConfig(model_path=model_path, hop_s=hop_s, timeline=timeline, explain=explain)
    names = files + [m.file for m in missing]
    widest = max([len(terminal_text(n)) for n in names] + [34 if examples else 24])
    out_config = OutputConfig(
        fmt,
        top,
        timeline,
        file_width=min(widest, 70),
        explain=explain,
        genre_width=genre_width(model.genres),
        multi_label=multi_label,
    )
    to_stdout = output is None
    show_bar = (sys.stderr.isatty() if progress is None else progress) and bool(files)
    failures = classified = 0
    plotter = _Plotter(plot_path) if plot_path else None

    # a file name that is not UTF-8 is written as the bytes it is (like ls), not a crash after the work is done
    if not output and isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="surrogateescape")
    begun = False  # once the kept records are all in the new output, a run that fails keeps what it wrote
    target = (
        atomic_text(output, errors="surrogateescape", keep_partial=lambda: begun) if output else nullcontext(sys.stdout)
    )
    with sigterm_as_exit(), target as stream:
        writer = Writer(stream, out_config)
        if fmt == "table":
            stream.write(table_header(out_config))
        writer.begin(kept)
        begun = True
        bar = progress_bar(len(files), show_bar)

        def emit(result: FileResult) -> None:
            nonlocal failures, classified
            failures += not result.ok
            classified += result.ok
            record = to_record(result, out_config)
            if to_stdout and show_bar:  # keep the bar and the rows apart on a terminal
                with bar.external_write_mode(file=sys.stdout):
                    writer.write(record)
            else:
                writer.write(record)
            if plotter and result.ok:
                plotter.draw(result.prediction)

        try:
            for result in missing:
                emit(result)
            if examples:
                _run_examples(model, config, emit)
            for result in run_batch(files, config, model, executor):
                emit(result)
                bar.update(1)
        except ClusterError as error:
            raise click.ClickException(terminal_text(str(error))) from None
        finally:  # ended however the run ends: -o FILE then holds every finished record (see atomic_text)
            bar.close()
            writer.end()

    skipped = f", {len(kept)} already in {terminal_text(str(output))} (skipped)" if resume else ""
    click.echo(
        f"{classified} classified, {failures} failed{skipped}; model {terminal_text(model.name)}; "
        f"{model.clip_seconds:g} s windows every {min(hop_s, model.clip_seconds):g} s, averaged; "
        f"shorter tracks scored as they are"
        + ("; each genre's probability is its own (they need not sum to 1)" if multi_label else ""),
        err=True,
    )
    if examples:
        click.echo(
            "The 'synthetic:' clips are made up by the package (tones, drum loops), not music of any genre: "
            "they show the pipeline runs, not how accurate it is.",
            err=True,
        )
    sys.exit(1 if failures else 0)


@contextmanager
def sigterm_as_exit() -> Iterator[None]:
    """Within the block SIGTERM ends the run as Ctrl-C does, by an exception (``SystemExit(143)``), so the output
    file is ended and keeps its finished records; the handler before is put back after. Main thread only (signal
    handlers can be set nowhere else); a pool's workers are spawned, so they keep the default handler."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise SystemExit(128 + signal.SIGTERM)

    before = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


def _run_examples(model, config, emit) -> None:
    """Classify the synthesized example clips in this process and hand each result to ``emit``."""
    from musicgenre.inference.batch import FileResult
    from musicgenre.inference.classify import classify
    from musicgenre.inference.examples import SR, example_clips

    for clip in example_clips():
        prediction = classify(
            clip.signal, SR, model=model, timeline=config.timeline, hop_s=config.hop_s, explain=config.explain
        )
        emit(FileResult(clip.name, prediction.__class__(**{**prediction.__dict__, "file": clip.name})))


class _Plotter:
    """Writes timeline figures through musicgenre.visualization (imported only when --plot is given)."""

    def __init__(self, path: Path):
        try:
            from musicgenre.visualization.style import save_figure
            from musicgenre.visualization.timeline import plot_timeline
        except ImportError as error:
            raise click.ClickException(
                f"--plot needs the plotting extra (pip install 'musicgenre[plot]'): {error}"
            ) from None
        self.path, self.count = path, 0
        self._plot, self._save = plot_timeline, save_figure

    def draw(self, prediction) -> None:
        """First figure goes to the given path; later ones to ``<stem>-<file stem><suffix>`` beside it."""
        target = (
            self.path
            if self.count == 0
            else self.path.with_name(
                f"{self.path.stem}-{Path(str(prediction.file)).stem.replace(':', '_')}{self.path.suffix or '.png'}"
            )
        )
        self.count += 1
        figure = self._plot(prediction)
        self._save(figure, target)
        import matplotlib.pyplot as plt

        plt.close(figure)
