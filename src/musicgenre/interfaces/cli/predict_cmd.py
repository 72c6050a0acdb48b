"""``musicgenre predict``: the genre of audio files, folders (recursive) and glob patterns.

Imports only the light inference path (numpy, librosa, onnxruntime): never torch, and matplotlib only for ``--plot``.
"""

from __future__ import annotations

import sys
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from musicgenre.inference.output import FORMATS, OutputConfig, genre_width, terminal_text
from musicgenre.interfaces.cli.batch_options import (
    cluster_option,
    jobs_option,
    pick_jobs,
    progress_bar,
    progress_option,
    timeout_option,
)
from musicgenre.interfaces.cli.model_option import load_chosen_model, model_option
from musicgenre.interfaces.cli.output_file import OutputFile
from musicgenre.interfaces.cli.output_format import format_option, pick_format
from musicgenre.interfaces.cli.streamed_output import streamed_output

if TYPE_CHECKING:
    from musicgenre.inference.batch import BatchConfig


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
def command(paths: tuple[str, ...], **given) -> None:
    """Classify PATHS (files, folders searched recursively, glob patterns) into the ten GTZAN genres (or, with
    --model audioset-genres, AudioSet's 50 music genres, each scored on its own).

    Tracks are cut into windows of the model's clip length (30 s) every --hop seconds and the window
    probabilities are averaged; tracks shorter than a window are scored as they are (no padding). A file that
    cannot be read gets one error row naming the reason and the run goes on; the exit status is 1 if any failed.
    """
    from musicgenre.audio import find_inputs
    from musicgenre.executors import executor_for  # light: distributed only when a cluster is used
    from musicgenre.inference.batch import BatchConfig, FileResult

    opts = PredictOptions(**given)
    if not paths and not opts.examples:
        raise click.UsageError("give audio files, folders or glob patterns (or --examples for a synthetic demo)")
    fmt = pick_format(opts.fmt, opts.output, FORMATS)
    if opts.resume and opts.output is None:
        raise click.UsageError("--resume needs -o FILE (the output to continue)")
    model = _load(opts.model_path, opts.top)
    timeline = opts.timeline or opts.plot_path is not None
    if opts.explain and model.explain_unavailable:
        click.echo(f"--explain: {terminal_text(model.explain_unavailable)}", err=True)
    files, nothing = find_inputs(paths)
    missing = [FileResult(item, error=reason) for item, reason in nothing]
    kept: list[dict] = []
    if opts.resume and opts.output is not None:
        kept, files = _resume(opts.output, OutputConfig(fmt, opts.top, timeline, explain=opts.explain), files)
    widest = max([len(terminal_text(n)) for n in files + [m.file for m in missing]] + [34 if opts.examples else 24])
    out_config = OutputConfig(
        fmt,
        opts.top,
        timeline,
        file_width=min(widest, 70),
        explain=opts.explain,
        genre_width=genre_width(model.genres),
        multi_label=model.multi_label,
    )
    run = _Run(
        batch=BatchConfig(model_path=opts.model_path, hop_s=opts.hop_s, timeline=timeline, explain=opts.explain),
        output=opts.output,
        rows=out_config,
        show_bar=(sys.stderr.isatty() if opts.progress is None else opts.progress) and bool(files),
        plot_path=opts.plot_path,
        examples=opts.examples,
    )
    cluster = opts.cluster or None
    executor = executor_for(pick_jobs(opts.jobs, len(files)), cluster, None if cluster else opts.timeout_s or None)
    classified, failures = _classify(run, files, missing, kept, model, executor)
    _summary(classified, failures, len(kept) if opts.resume else None, opts.output, model, opts.hop_s)
    if opts.examples:
        click.echo(
            "The 'synthetic:' clips are made up by the package (tones, drum loops), not music of any genre: "
            "they show the pipeline runs, not how accurate it is.",
            err=True,
        )
    sys.exit(1 if failures else 0)


@dataclass(frozen=True)
class PredictOptions:
    """The options of ``musicgenre predict`` as the command line gave them (names as the parameters above)."""

    top: int
    fmt: str | None
    output: Path | None
    timeline: bool
    explain: bool
    model_path: str | None
    hop_s: float
    jobs: int
    timeout_s: float
    cluster: str | None
    resume: bool
    progress: bool | None
    examples: bool
    plot_path: Path | None


@dataclass(frozen=True)
class _Run:
    """What the classifying loop needs: how files are classified, where and how rows are written."""

    batch: BatchConfig
    output: Path | None
    rows: OutputConfig
    show_bar: bool
    plot_path: Path | None
    examples: bool


def _load(model_path: str | None, top: int):
    """The model ``--model`` names, checked against ``--top`` (one line when either fails)."""
    model = load_chosen_model(model_path)
    if top > len(model.genres):
        raise click.BadParameter(f"{top}: model {model.name} has {len(model.genres)} genres", param_hint="--top")
    return model


def _resume(output: Path, config: OutputConfig, files: list[str]) -> tuple[list[dict], list[str]]:
    """``--resume``: the records the earlier output finished (written again first) and the files still to do."""
    from musicgenre.inference.output import ResumeError, file_key, read_finished

    try:
        kept = read_finished(output, config)
    except ResumeError as error:
        raise click.UsageError(terminal_text(str(error))) from None
    done = {file_key(record["file"]) for record in kept}
    return kept, [f for f in files if file_key(f) not in done]


def _classify(run: _Run, files, missing, kept, model, executor) -> tuple[int, int]:
    """Classify ``files`` (rows for the ``missing`` first, then the examples if asked), streaming one record per
    file to ``run.output`` or stdout; how many were classified and how many failed."""
    from musicgenre.executors import ClusterError
    from musicgenre.inference.batch import FileResult, run_batch
    from musicgenre.inference.output import Writer, table_header, to_record

    counts = {"classified": 0, "failed": 0}
    plotter = _Plotter(run.plot_path) if run.plot_path else None
    with streamed_output(run.output) as out:
        writer = Writer(out.stream, run.rows)
        if run.rows.format == "table":
            out.stream.write(table_header(run.rows))
        writer.begin(kept)
        out.begin()
        bar = progress_bar(len(files), run.show_bar)

        def emit(result: FileResult) -> None:
            counts["classified" if result.ok else "failed"] += 1
            record = to_record(result, run.rows)
            with bar.external_write_mode(file=sys.stdout) if run.output is None and run.show_bar else nullcontext():
                writer.write(record)  # the bar and the rows kept apart on a terminal
            if plotter and result.ok:
                plotter.draw(result.prediction)

        try:
            for result in missing:
                emit(result)
            if run.examples:
                _run_examples(model, run.batch, emit)
            for result in run_batch(files, run.batch, model, executor):
                emit(result)
                bar.update(1)
        except ClusterError as error:
            raise click.ClickException(terminal_text(str(error))) from None
        finally:  # ended however the run ends: -o FILE then holds every finished record (see streamed_output)
            bar.close()
            writer.end()
    return counts["classified"], counts["failed"]


def _summary(classified: int, failures: int, kept: int | None, output: Path | None, model, hop_s: float) -> None:
    """The closing line on stderr: the counts, the model and how windows were heard."""
    skipped = f", {kept} already in {terminal_text(str(output))} (skipped)" if kept is not None else ""
    click.echo(
        f"{classified} classified, {failures} failed{skipped}; model {terminal_text(model.name)}; "
        f"{model.clip_seconds:g} s windows every {min(hop_s, model.clip_seconds):g} s, averaged; "
        f"shorter tracks scored as they are"
        + ("; each genre's probability is its own (they need not sum to 1)" if model.multi_label else ""),
        err=True,
    )


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
