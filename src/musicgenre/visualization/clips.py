"""What the audio figures draw: decoded clips, and one example clip per genre (label) of a dataset folder.

Folders are read by :func:`musicgenre.datasets.find_dataset` (GTZAN in either layout, or labelled folders).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from musicgenre.audio import DEFAULT_SR, AudioError, load
from musicgenre.datasets import find_dataset
from musicgenre.genres import GENRES


@dataclass(frozen=True)
class Clip:
    """A decoded mono clip: ``y`` shape ``(n_samples,)`` float32 at ``sr`` Hz, with its genre and a name."""

    y: np.ndarray
    sr: int
    name: str
    genre: str | None = None
    offset_s: float = 0.0  # where ``y`` starts in the file, seconds
    source: str = ""  # the file it was decoded from ('' for a made-up signal), named in errors

    @property
    def duration_s(self) -> float:
        return self.y.size / self.sr


def load_clip(
    path: str | Path,
    sr: int = DEFAULT_SR,
    offset: float = 0.0,
    duration: float | None = None,
    genre: str | None = None,
) -> Clip:
    """Decode ``path`` (raises :class:`AudioError` naming it); genre defaults to the parent folder if it is one."""
    path = Path(path)
    y = load(path, sr=sr, offset=offset, duration=duration)
    if genre is None and path.parent.name in GENRES:
        genre = path.parent.name
    return Clip(y=y, sr=sr, name=path.name, genre=genre, offset_s=offset, source=str(path))


def genre_files(folder: str | Path) -> dict[str, list[Path]]:
    """Audio files per label of the dataset at ``folder``, labels in the dataset's class order (GTZAN: the
    ten genres), files in clip-id order; labels without files left out.

    Raises :class:`musicgenre.datasets.DatasetError` (one line) when ``folder`` is missing or not a dataset.
    """
    dataset = find_dataset(folder)
    found: dict[str, list[Path]] = {label: [] for label in dataset.classes}
    for track in dataset.tracks:
        found.setdefault(track.label, []).append(Path(track.path))
    return {label: files for label, files in found.items() if files}


def genre_examples(
    folder: str | Path,
    sr: int = DEFAULT_SR,
    offset: float = 0.0,
    duration: float | None = 30.0,
    warn=None,
) -> list[Clip]:
    """One decoded example per genre (label) of the dataset at ``folder``, in the dataset's class order.

    The first file (by clip id) of each genre that decodes is taken; a file that does not decode is
    skipped with one line to ``warn`` (default: stderr). Raises :class:`AudioError` if no file decodes.
    """
    warn = warn or (lambda line: print(f"warning: {line}", file=sys.stderr))
    clips: list[Clip] = []
    last_error: AudioError | None = None
    for genre, files in genre_files(folder).items():
        for path in files:
            try:
                clips.append(load_clip(path, sr=sr, offset=offset, duration=duration, genre=genre))
                break
            except AudioError as error:
                warn(f"skipped {error}")
                last_error = error
    if not clips:
        raise last_error or AudioError(folder, "no audio file could be decoded")
    return clips
