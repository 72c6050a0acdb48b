"""The ``musicgenre`` command: a click group whose sub-commands load only when used.

Each sub-command lives in its own module of this package (``<name>_cmd.py`` exposing
``command``), so ``musicgenre predict`` never imports torch or matplotlib.
"""

from __future__ import annotations

import click

from musicgenre.interfaces.cli.lazy_group import LazyGroup
from musicgenre.runtime import keep_freed_memory
from musicgenre.version import __version__

#: sub-command name -> module (in this package) that defines ``command``; one-line help for the listing.
COMMANDS: dict[str, tuple[str, str]] = {
    "predict": ("predict_cmd", "Classify audio files, folders or globs with the shipped (or a given) model."),
    "features": ("features_cmd", "Extract features (e.g. the kaggle30 table) from audio files to CSV/Parquet."),
    "evaluate": ("evaluate_cmd", "A model's accuracy on a published GTZAN split (e.g. the fault-filtered test)."),
    "data": ("data_cmd", "Inspect datasets: find GTZAN, check its integrity."),
    "experiment": ("experiment_cmd", "Train and evaluate the model zoo under an honest protocol; write a leaderboard."),
    "plot": ("plot_cmd", "Draw waveforms, spectrograms and feature images."),
    "report": ("report_cmd", "Build a self-contained HTML report of an experiment folder or a predictions file."),
    "serve": ("serve_cmd", "Serve the web page and JSON API."),
    "tags": ("tags_cmd", "Music tags from the pretrained musicnn backbone."),
    "embed": ("embed_cmd", "musicnn embeddings of audio files, per track or per patch."),
    "learn": ("learn_cmd", "Learn your library's own genres from the files that carry one; write a model file."),
    "playlists": ("playlists_cmd", "One M3U8 playlist per genre from the predictions predict -o wrote."),
    "label": ("label_cmd", "Write the predicted genre into music files' tags (dry run unless --apply; undo log)."),
}


@click.group(
    cls=LazyGroup,
    commands=dict(sorted(COMMANDS.items())),
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="musicgenre")
def cli() -> None:
    """musicgenre: which of ten genres (blues … rock) is this music?"""
    keep_freed_memory()  # every command extracts features file after file (or serves); see musicgenre.runtime


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
