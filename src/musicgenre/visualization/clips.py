"""What the audio figures draw: decoded clips, and one example clip per genre from a folder.

The folder scan here is deliberately minimal (``<genre>/`` sub-folders, the two GTZAN layouts);
``musicgenre.datasets.find_dataset`` replaces it once that lands.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from musicgenre.audio import AUDIO_EXTENSIONS, DEFAULT_SR, AudioError, load
from musicgenre.genres import GENRES


@dataclass(frozen=True)
class Clip:
    """A decoded mono clip: ``y`` shape ``(n_samples,)`` float32 at ``sr`` Hz, with its genre and a name."""

    y: np.ndarray
    sr: int
    name: str
    genre: str | None = None
    offset_s: float = 0.0  # where ``y`` starts in the file, seconds

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
    return Clip(y=y, sr=sr, name=path.name, genre=genre, offset_s=offset)


def _genre_root(folder: Path) -> Path:
    """The folder that holds the ``<genre>/`` sub-folders: ``folder`` itself or a known GTZAN layout inside it."""
    for candidate in (folder, folder / "genres", folder / "genres_original", folder / "Data" / "genres_original", folder / "audio"):
        if any((candidate / genre).is_dir() for genre in GENRES):
            return candidate
    raise AudioError(folder, f"no <genre>/ sub-folders ({', '.join(GENRES[:3])}, …) with audio in it")


def genre_files(folder: str | Path) -> dict[str, list[Path]]:
    """Audio files per genre under ``folder`` (``<genre>/*.wav|au|mp3…``), sorted; genres without files left out.

    Raises :class:`AudioError` when ``folder`` is missing, is a file, or holds no genre sub-folders.
    """
    folder = Path(folder)
    if not folder.exists():
        raise AudioError(folder, "no such folder")
    if not folder.is_dir():
        raise AudioError(folder, "is a file, not a folder of <genre>/ sub-folders")
    root = _genre_root(folder)
    found: dict[str, list[Path]] = {}
    for genre in GENRES:
        files = sorted(p for p in (root / genre).glob("*") if p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS) if (root / genre).is_dir() else []
        if files:
            found[genre] = files
    if not found:
        raise AudioError(folder, "no audio files in its <genre>/ sub-folders")
    return found


def genre_examples(
    folder: str | Path,
    sr: int = DEFAULT_SR,
    offset: float = 0.0,
    duration: float | None = 30.0,
    warn=None,
) -> list[Clip]:
    """One decoded example per genre found under ``folder``, in :data:`GENRES` order.

    The first file (sorted by name) of each genre that decodes is taken; a file that does not decode is
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
