"""``musicgenre plot``: waveforms, spectrograms and feature images of audio; the figures of an experiment folder."""

from __future__ import annotations

import functools
from pathlib import Path

import click

from musicgenre.audio import AudioError


def _one_line_errors(command):
    """Turn the expected bad-input errors into one ``Error: <path>: <reason>`` line and exit status 1."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from musicgenre.datasets import DatasetError
        from musicgenre.visualization.experiment import ExperimentError

        try:
            return command(*args, **kwargs)
        except (AudioError, DatasetError, ExperimentError) as error:
            raise click.ClickException(str(error)) from None

    return wrapper


def _wrote(path: Path) -> None:
    click.echo(f"wrote {path}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def command() -> None:
    """Draw waveforms, spectrograms and feature images (PNG), or the figures of an experiment folder."""


@command.command("waveforms", short_help="One example waveform per genre of a folder.")
@click.argument("data", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=Path("waveforms.png"),
    show_default=True,
    help="PNG to write.",
)
@click.option(
    "--seconds", type=click.FloatRange(min=0.1), default=30.0, show_default=True, help="Seconds of each clip to draw."
)
@_one_line_errors
def waveforms(data: Path, output: Path, seconds: float) -> None:
    """One example waveform per genre from DATA (a folder of <genre>/ sub-folders, e.g. GTZAN)."""
    from musicgenre.visualization.clips import genre_examples
    from musicgenre.visualization.style import save_figure
    from musicgenre.visualization.waveforms import plot_waveforms

    _wrote(save_figure(plot_waveforms(genre_examples(data, duration=seconds)), output))


@command.command("spectrogram", short_help="Log-mel spectrogram of one audio file.")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), default=Path("spec.png"), show_default=True, help="PNG to write."
)
@click.option(
    "--offset", type=click.FloatRange(min=0), default=0.0, show_default=True, help="Start, seconds into the file."
)
@click.option("--duration", type=click.FloatRange(min=0.1), default=None, help="Seconds to draw (default: to the end).")
@_one_line_errors
def spectrogram(file: Path, output: Path, offset: float, duration: float | None) -> None:
    """Log-mel spectrogram of FILE (seconds across, Hz up, dB colour bar)."""
    from musicgenre.visualization.analysis import mel_image
    from musicgenre.visualization.clips import load_clip
    from musicgenre.visualization.spectrograms import plot_spectrogram
    from musicgenre.visualization.style import save_figure

    _wrote(save_figure(plot_spectrogram(mel_image(load_clip(file, offset=offset, duration=duration))), output))


@command.command("spectrograms", short_help="One log-mel spectrogram per genre of a folder.")
@click.argument("data", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=Path("specs.png"),
    show_default=True,
    help="PNG to write.",
)
@click.option(
    "--seconds", type=click.FloatRange(min=0.1), default=30.0, show_default=True, help="Seconds of each clip to draw."
)
@_one_line_errors
def spectrograms(data: Path, output: Path, seconds: float) -> None:
    """One log-mel spectrogram per genre from DATA (a folder of <genre>/ sub-folders)."""
    from musicgenre.visualization.analysis import mel_image
    from musicgenre.visualization.clips import genre_examples
    from musicgenre.visualization.spectrograms import plot_spectrograms
    from musicgenre.visualization.style import save_figure

    images = [mel_image(clip) for clip in genre_examples(data, duration=seconds)]
    _wrote(save_figure(plot_spectrograms(images), output))


@command.command("features", short_help="MFCC, chroma, contrast and tonnetz of a file.")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=Path("feats.png"),
    show_default=True,
    help="PNG to write.",
)
@click.option(
    "--offset", type=click.FloatRange(min=0), default=0.0, show_default=True, help="Start, seconds into the file."
)
@click.option("--duration", type=click.FloatRange(min=0.1), default=30.0, show_default=True, help="Seconds to analyse.")
@_one_line_errors
def features(file: Path, output: Path, offset: float, duration: float) -> None:
    """MFCC, chroma, spectral contrast and tonnetz of FILE, on one time axis."""
    from musicgenre.visualization.analysis import clip_features
    from musicgenre.visualization.clips import load_clip
    from musicgenre.visualization.feature_images import plot_features
    from musicgenre.visualization.style import save_figure

    _wrote(save_figure(plot_features(clip_features(load_clip(file, offset=offset, duration=duration))), output))


@command.command("experiment", short_help="Figures of an experiment folder (PNGs).")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("figs"),
    show_default=True,
    help="Folder for the PNGs.",
)
@_one_line_errors
def experiment(run_dir: Path, output: Path) -> None:
    """Leaderboard chart, and per model learning curves, confusion matrix and per-genre accuracy, from RUN_DIR
    (a folder written by `musicgenre experiment`). Whatever is missing is named; the rest is still drawn."""
    from musicgenre.visualization.experiment import load_experiment
    from musicgenre.visualization.experiment_figures import experiment_figures
    from musicgenre.visualization.style import save_figure

    run = load_experiment(run_dir)
    for name in run.all_missing():
        click.echo(f"missing: {run_dir / name}", err=True)
    for problem in run.all_problems():
        click.echo(f"unreadable: {run_dir / problem}", err=True)
    count = 0
    for named in experiment_figures(run):
        _wrote(save_figure(named.figure, output / f"{named.slug}.png"))
        named.figure.clear()
        count += 1
    if count == 0:
        raise click.ClickException(f"{run_dir}: nothing to draw (see the missing files above)")
